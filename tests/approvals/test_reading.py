"""What an approver reads before deciding (the assessment's answers, the plan's goals and what
changed since the last approved version, the closure's reason) and approving several at once."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import Case, ReintegrationPlan
from repat.approvals import actions
from repat.approvals.models import ApprovalRequest
from repat.audit.models import AuditEvent
from tests.factories import (
    AssessmentFactory,
    CaseFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
)
from tests.reminders.factories import FollowUpTaskFactory

pytestmark = pytest.mark.django_db


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def approved_plan(case, worker, supervisor):
    plan = ReintegrationPlanFactory(case=case, version=1, status="current", created_by=worker, approved_by=supervisor)
    PlanGoalFactory(plan=plan, domain="education", goal="Enrol in grade 3", responsible="School No. 5")
    PlanGoalFactory(plan=plan, domain="health", goal="Vaccinations up to date")
    return plan


# --- What the page shows ----------------------------------------------------------------------------


def test_the_assessment_page_shows_its_answers(worker, supervisor, case, client_for):
    # given
    assessment = AssessmentFactory(
        case=case,
        recorded_by=worker,
        tool="SDQ",
        score="14.50",
        findings="Sleeps badly since the return.",
        recommendations="Weekly counselling for three months.",
        recommended_domains=["psychosocial"],
    )
    approval = actions.approval_request(actor=worker, kind="assessment", case=case, subject=assessment)

    # when
    page = client_for(supervisor).get(approval.get_absolute_url()).content.decode()

    # then
    assert 'id="approval-assessment"' in page
    for answer in ("SDQ", "14.50", "Sleeps badly since the return.", "Weekly counselling for three months."):
        assert answer in page
    assert AuditEvent.objects.filter(
        actor=supervisor, action="view", object_type="approvalrequest", object_id=approval.pk
    ).exists()


def test_the_plan_page_shows_the_goals_and_what_changed_since_the_approved_version(
    worker, supervisor, case, client_for
):
    # given version 1 approved, version 2 changes one goal, drops one and adds one
    approved_plan(case, worker, supervisor)
    draft = ReintegrationPlanFactory(case=case, version=2, status="draft", created_by=worker)
    PlanGoalFactory(plan=draft, domain="education", goal="Enrol in grade 3", responsible="School No. 12")
    PlanGoalFactory(plan=draft, domain="legal", goal="Birth certificate issued")
    approval = actions.approval_request(actor=worker, kind="plan", case=case, subject=draft)

    # when
    response = client_for(supervisor).get(approval.get_absolute_url())

    # then
    diff = {(line.change, line.goal.goal) for line in response.context["goal_diff"]}
    assert diff == {
        ("changed", "Enrol in grade 3"),
        ("added", "Birth certificate issued"),
        ("removed", "Vaccinations up to date"),
    }
    page = response.content.decode()
    assert "Compared with version 1, the last approved one." in page
    assert "<del>School No. 5</del> → School No. 12" in page
    assert "<del>Vaccinations up to date</del>" in page


def test_a_first_plan_says_every_goal_is_new(worker, supervisor, case, client_for):
    draft = ReintegrationPlanFactory(case=case, version=1, status="draft", created_by=worker)
    PlanGoalFactory(plan=draft, goal="Enrol in grade 3")
    approval = actions.approval_request(actor=worker, kind="plan", case=case, subject=draft)

    page = client_for(supervisor).get(approval.get_absolute_url()).content.decode()

    assert "The first version of this plan: every goal is new." in page
    assert "Enrol in grade 3" in page


def test_the_closure_page_shows_the_reason_and_what_is_left_open(worker, supervisor, case, client_for):
    FollowUpTaskFactory(case=case, assigned_to=worker)
    approval = actions.approval_request(
        actor=worker, kind="closure", case=case, closure_reason="moved", comment="The family moved to Almaty."
    )

    page = client_for(supervisor).get(approval.get_absolute_url()).content.decode()

    assert "Why the case would close" in page
    assert "Moved out of the programme" in page
    assert "The family moved to Almaty." in page
    assert "Open follow-up tasks: 1" in page


def test_the_plan_page_costs_the_same_queries_however_many_goals(
    worker, supervisor, case, client_for, django_assert_max_num_queries
):
    approved_plan(case, worker, supervisor)
    draft = ReintegrationPlanFactory(case=case, version=2, status="draft", created_by=worker)
    PlanGoalFactory(plan=draft)
    approval = actions.approval_request(actor=worker, kind="plan", case=case, subject=draft)
    client = client_for(supervisor)
    with django_assert_max_num_queries(40) as few:
        client.get(approval.get_absolute_url())
    PlanGoalFactory.create_batch(15, plan=draft)
    PlanGoalFactory.create_batch(15, plan=case.plans.get(version=1))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(approval.get_absolute_url())
    assert len(response.context["goal_diff"]) == 16 + 17  # every draft goal added, every old one removed


# --- Approving several at once ---------------------------------------------------------------------


@pytest.fixture
def waiting(worker, chuy):
    """Three requests waiting in Chüy: an assessment, a plan and a closure, each on its own case."""

    def new_case():
        return CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))

    first, second, third = new_case(), new_case(), new_case()
    plan = ReintegrationPlanFactory(case=second, version=1, status="draft", created_by=worker)
    PlanGoalFactory(plan=plan)
    return [
        actions.approval_request(
            actor=worker, kind="assessment", case=first, subject=AssessmentFactory(case=first, recorded_by=worker)
        ),
        actions.approval_request(actor=worker, kind="plan", case=second, subject=plan),
        actions.approval_request(actor=worker, kind="closure", case=third, closure_reason="adult"),
    ]


def statuses(approvals) -> list[str]:
    return [ApprovalRequest.objects.get(pk=a.pk).status for a in approvals]


def test_the_queue_offers_a_checkbox_per_request_the_supervisor_may_approve(waiting, supervisor, client_for):
    page = client_for(supervisor).get(reverse("approvals:queue")).content.decode()

    for approval in waiting:
        assert f'name="approval" value="{approval.pk}"' in page
    assert "Approve selected" in page


def test_a_social_worker_gets_no_checkboxes(waiting, worker, client_for):
    page = client_for(worker).get(reverse("approvals:queue"), {"status": "pending"}).content.decode()

    assert 'name="approval"' not in page
    assert "Approve selected" not in page


def test_approving_selected_applies_each_approval_and_audits_the_lot(waiting, supervisor, client_for):
    # when
    response = client_for(supervisor).post(reverse("approvals:approve_selected"), {"approval": [a.pk for a in waiting]})

    # then each went through the approval action: its effect, its event
    assert response.status_code == 302
    assert flashed(response) == ["3 requests approved."]
    assert statuses(waiting) == ["approved"] * 3
    assessment, plan, closure = waiting
    assert assessment.assessment.__class__.objects.get(pk=assessment.assessment_id).approved_by == supervisor
    assert ReintegrationPlan.objects.get(pk=plan.plan_id).status == "current"
    assert Case.objects.get(pk=closure.case_id).status == "closed"
    event = AuditEvent.objects.get(detail="approve selected")
    assert (event.actor, event.changes) == (supervisor, {"approved": sorted(a.pk for a in waiting)})


def test_one_request_that_cannot_be_approved_approves_none(waiting, supervisor, client_for):
    # given the plan lost its goals after it was sent (so approving it fails)
    waiting[1].plan.goals.all().delete()

    response = client_for(supervisor).post(reverse("approvals:approve_selected"), {"approval": [a.pk for a in waiting]})

    assert statuses(waiting) == ["pending"] * 3
    [message] = flashed(response)
    assert message.startswith(waiting[1].case.returnee.case_number + ": ")
    assert message.endswith("Nothing was approved.")
    assert not AuditEvent.objects.filter(detail="approve selected").exists()


@pytest.mark.parametrize("intruder", ["osh_supervisor", "worker", "coordinator"])
def test_posting_ids_one_may_not_approve_approves_nothing(waiting, intruder, request, client_for):
    # given someone who may not approve these (another region's supervisor, the asker, a coordinator)
    client = client_for(request.getfixturevalue(intruder))

    response = client.post(reverse("approvals:approve_selected"), {"approval": [a.pk for a in waiting]})

    assert response.status_code == 403
    assert statuses(waiting) == ["pending"] * 3


def test_a_forbidden_id_among_allowed_ones_approves_none(waiting, supervisor, other_case, client_for):
    # given a request in Osh slipped in among three of Chüy
    elsewhere = actions.approval_request(
        actor=other_case.worker, kind="closure", case=other_case, closure_reason="adult"
    )

    response = client_for(supervisor).post(
        reverse("approvals:approve_selected"), {"approval": [*[a.pk for a in waiting], elsewhere.pk]}
    )

    assert response.status_code == 403
    assert statuses([*waiting, elsewhere]) == ["pending"] * 4


def test_consent_overrides_are_not_approved_in_bulk(supervisor, ask, client_for):
    override = ask("consent_override")

    response = client_for(supervisor).post(reverse("approvals:approve_selected"), {"approval": [override.pk]})

    assert response.status_code == 403
    assert statuses([override]) == ["pending"]


def test_nothing_ticked_says_so(supervisor, client_for):
    response = client_for(supervisor).post(reverse("approvals:approve_selected"), {})

    assert flashed(response) == ["Choose the requests to approve."]
