"""The approval pages: the queue, one request's page with the decision, withdrawing, the request forms,
and what the case, plan and referral pages show about approvals. Who may open and post each page, per
role, is in test_view_roles.py."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases.models import ReintegrationPlan
from repat.accounts.models import User
from repat.approvals import actions
from repat.approvals.models import ApprovalRequest
from tests.factories import (
    AssessmentFactory,
    CaseFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
    close_case,
)
from tests.sorting import check_sorted_both_ways

from .factories import CLOSURE_REASON, KINDS, OVERRIDE_REASON

pytestmark = pytest.mark.django_db

ANSWERED = "This request was already answered or withdrawn."
SAY_WHAT = "Say what needs to change before you return the request."


def short(date: datetime.date) -> str:
    """A date as the pages show it in English (SHORT_DATE_FORMAT of repat/formats/en)."""
    return f"{date:%d.%m.%Y}"


def today() -> str:
    return short(timezone.localdate())


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def ask_url(kind: str, pk: int) -> str:
    return reverse("approvals:request", args=[kind, pk])


def subject_pk(kind, case, subjects) -> int:
    return case.pk if kind == "closure" else subjects[kind].pk


def test_a_supervisor_cannot_ask_and_nothing_is_saved(supervisor, case, subjects, client_for):
    client = client_for(supervisor)
    for kind in KINDS:
        url = ask_url(kind, subject_pk(kind, case, subjects))
        response = client.post(url, {"closure_reason": CLOSURE_REASON, "comment": OVERRIDE_REASON})
        assert response.status_code == 403, kind
    assert not ApprovalRequest.objects.exists()


# --- One request's page and the decision -------------------------------------------------------------


@pytest.fixture
def pending(ask):
    """The worker's request for approval of the assessment."""
    return ask("assessment")


def test_the_requester_sees_no_decision_even_as_an_administrator(ask, administrator, client_for):
    approval = ask("closure", actor=administrator)
    client = client_for(administrator)

    page = client.get(approval.get_absolute_url()).content.decode()
    response = client.post(approval.get_absolute_url(), {"decision": "approve", "comment": ""})

    assert "Your decision" not in page
    assert response.status_code == 403
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_the_request_page_shows_what_is_asked_and_the_answer(ask, worker, supervisor, client_for):
    approval = ask("closure", comment="The family settled in Bishkek with relatives.")
    actions.approval_decide(actor=supervisor, approval=approval, approve=False, comment="Check the school first.")

    page = client_for(worker).get(approval.get_absolute_url()).content.decode()

    assert "Closing the case" in page
    assert "Goals achieved, reintegrated" in page
    assert f"{worker} · {today()}" in page
    assert "The family settled in Bishkek with relatives." in page
    assert f"{supervisor} · {today()}" in page
    assert "Check the school first." in page
    assert "Returned for changes" in page


def test_a_supervisor_approves_from_the_request_page(pending, supervisor, assessment, client_for):
    response = client_for(supervisor).post(pending.get_absolute_url(), {"decision": "approve", "comment": ""})

    assert response.status_code == 302
    assert response.url == reverse("approvals:queue")
    assert flashed(response) == ["Approved."]
    assessment.refresh_from_db()
    assert assessment.approved_by == supervisor


def test_a_supervisor_returns_with_a_comment(pending, supervisor, client_for):
    response = client_for(supervisor).post(
        pending.get_absolute_url(), {"decision": "return", "comment": "Add the score."}
    )

    assert flashed(response) == ["Returned to the social worker."]
    pending.refresh_from_db()
    assert (pending.status, pending.decision_comment) == ("returned", "Add the score.")


@pytest.mark.parametrize("comment", ["", "   "])
def test_returning_without_a_comment_shows_the_message_at_the_comment(comment, pending, supervisor, client_for):
    response = client_for(supervisor).post(pending.get_absolute_url(), {"decision": "return", "comment": comment})

    assert response.status_code == 200
    assert response.context["form"].errors == {"comment": [SAY_WHAT]}
    assert SAY_WHAT in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_an_effect_refused_meanwhile_is_shown_on_the_decision_form(ask, supervisor, draft, client_for):
    # given: the plan stopped being a draft after the request was made
    approval = ask("plan")
    ReintegrationPlan.objects.filter(pk=draft.pk).update(status="current")

    # when
    response = client_for(supervisor).post(approval.get_absolute_url(), {"decision": "approve", "comment": ""})

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Only a draft can be made the current plan."]
    assert "Only a draft can be made the current plan." in response.content.decode()
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_answering_from_a_page_opened_before_someone_else_answered_says_so(
    pending, supervisor, administrator, client_for
):
    # given: both had the page open; the supervisor answered first
    actions.approval_decide(actor=supervisor, approval=pending, approve=True)

    # when
    response = client_for(administrator).post(
        pending.get_absolute_url(), {"decision": "return", "comment": "Add the score."}
    )

    # then: the page shows the answer and says why nothing happened, rather than "forbidden"
    assert response.status_code == 302
    assert response.url == pending.get_absolute_url()
    assert flashed(response) == [ANSWERED]
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", supervisor)


def test_withdrawing_through_the_page(ask, worker, case, client_for):
    approval = ask("closure")
    client = client_for(worker)

    response = client.post(reverse("approvals:withdraw", args=[approval.pk]))
    assert response.url == case.get_absolute_url()
    assert flashed(response) == ["The request was withdrawn."]
    client.get(response.url)  # the message is shown there

    again = client.post(reverse("approvals:withdraw", args=[approval.pk]))
    assert flashed(again) == [ANSWERED]
    approval.refresh_from_db()
    assert approval.status == "withdrawn"
    assert case.events.filter(kind="approval_withdrawn").count() == 1


# --- Asking through the pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "title", "explanation"),
    [
        ("assessment", "Ask for approval of an assessment", "The assessment cannot be changed while it waits"),
        ("plan", "Ask for approval of the plan", "Version 1 becomes the current plan when a supervisor approves"),
        ("closure", "Request closure of the case", "The case stays open until a supervisor approves the closure."),
        (
            "consent_override",
            "Ask a supervisor to override consent",
            "The referral can be assigned without consent once a supervisor approves the override.",
        ),
    ],
)
def test_each_request_page_says_what_happens(kind, title, explanation, worker, case, subjects, client_for):
    response = client_for(worker).get(ask_url(kind, subject_pk(kind, case, subjects)))

    page = response.content.decode()
    assert title in page
    assert explanation in page
    assert ("closure_reason" in response.context["form"].fields) is (kind == "closure")


@pytest.mark.parametrize("kind", KINDS)
def test_asking_through_the_page_returns_to_the_subject(kind, worker, case, subjects, client_for):
    data = {"closure_reason": CLOSURE_REASON, "comment": OVERRIDE_REASON}

    response = client_for(worker).post(ask_url(kind, subject_pk(kind, case, subjects)), data)

    approval = case.approval_requests.get()
    assert response.status_code == 302
    assert response.url == approval.subject_url()
    assert flashed(response) == ["Sent to the supervisor for approval."]
    assert (approval.kind, approval.status, approval.requested_by) == (kind, "pending", worker)


def test_the_closure_reason_is_asked_next_to_its_field(worker, case, client_for):
    response = client_for(worker).post(ask_url("closure", case.pk), {"closure_reason": "", "comment": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {"closure_reason": ["Give the reason for closing the case."]}
    assert not ApprovalRequest.objects.exists()


def test_the_override_reason_is_asked_next_to_its_field(worker, referral, client_for):
    response = client_for(worker).post(ask_url("consent_override", referral.pk), {"comment": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors == {"comment": ["Give the reason for the override."]}
    assert not ApprovalRequest.objects.exists()


def test_a_plan_without_goals_is_refused_above_the_form(worker, case, client_for):
    empty = ReintegrationPlanFactory(case=case, version=1, status="draft")

    response = client_for(worker).post(ask_url("plan", empty.pk), {"comment": ""})

    assert response.context["form"].non_field_errors() == ["Add at least one goal before making the plan current."]
    assert "Add at least one goal before making the plan current." in response.content.decode()
    assert not ApprovalRequest.objects.exists()


def test_a_second_request_from_a_stale_page_is_refused_on_the_form(ask, coordinator, case, client_for):
    ask("closure")

    response = client_for(coordinator).post(ask_url("closure", case.pk), {"closure_reason": "moved", "comment": ""})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["This is already waiting for a supervisor's approval."]
    assert case.approval_requests.count() == 1


def test_a_subject_that_does_not_exist_is_the_same_404(worker, client_for):
    for kind in KINDS:
        assert client_for(worker).get(ask_url(kind, 999999)).status_code == 404


# --- What the case, plan and referral pages show -----------------------------------------------------


def test_the_case_page_offers_closure_and_then_shows_it_waiting(worker, supervisor, case, client_for):
    url = case.get_absolute_url()
    request_closure = ask_url("closure", case.pk)
    assert request_closure in client_for(worker).get(url).content.decode()
    assert request_closure not in client_for(supervisor).get(url).content.decode()

    client_for(worker).post(request_closure, {"closure_reason": CLOSURE_REASON, "comment": ""})
    approval = case.approval_requests.get()

    for user in (worker, supervisor):
        page = client_for(user).get(url).content.decode()
        assert f"Closure requested by {worker} on {today()}; waiting for a supervisor." in page
        assert approval.get_absolute_url() in page
        assert request_closure not in page
        card = page.split('id="approvals"')[1].split('id="reintegration"')[0]
        assert "Case closure" in card
        assert "Waiting for approval" in card
    case.refresh_from_db()
    assert case.status == "open"


def test_the_case_page_lists_the_approvals_with_their_answers(ask, worker, supervisor, case, client_for):
    returned = ask("closure")
    actions.approval_decide(actor=supervisor, approval=returned, approve=False, comment="Wait for the school.")
    approved = ask("plan")
    actions.approval_decide(actor=supervisor, approval=approved, approve=True)

    page = client_for(worker).get(case.get_absolute_url()).content.decode()

    card = page.split('id="approvals"')[1].split('id="reintegration"')[0]
    assert card.index("Reintegration plan") < card.index("Case closure")  # newest first
    assert "Returned for changes" in card
    assert "Wait for the school." in card
    assert f"{worker} · {today()} → {supervisor} · {today()}" in card
    assert "Closure requested by" not in page
    assert ask_url("closure", case.pk) in page  # asking again is offered


def test_a_case_without_approvals_has_no_approvals_card(worker, case, client_for):
    assert 'id="approvals"' not in client_for(worker).get(case.get_absolute_url()).content.decode()


def test_the_case_page_shows_where_each_assessment_stands(ask, worker, supervisor, assessment, case, client_for):
    edit = reverse("cases:assessment_update", args=[assessment.pk])
    request_approval = ask_url("assessment", assessment.pk)
    planned = AssessmentFactory(case=case, kind="medical", status="planned", assessed_on=None, due_date=None)
    client = client_for(worker)

    page = client.get(case.get_absolute_url()).content.decode()
    assert edit in page and request_approval in page
    assert ask_url("assessment", planned.pk) not in page  # only completed assessments go to a supervisor

    approval = ask("assessment")
    page = client.get(case.get_absolute_url()).content.decode()
    badge = f'<a href="{approval.get_absolute_url()}"><span class="badge text-bg-info">Waiting for approval</span>'
    assert badge in page
    assert edit not in page and request_approval not in page

    actions.approval_decide(actor=supervisor, approval=approval, approve=True)
    page = client.get(case.get_absolute_url()).content.decode()
    assert '<span class="badge text-bg-success" title="' + today() + '">Approved</span>' in page
    assert edit in page and request_approval not in page

    supervisor_page = client_for(supervisor).get(case.get_absolute_url()).content.decode()
    assert edit not in supervisor_page and request_approval not in supervisor_page


def test_the_plan_page_shows_a_return_with_the_supervisors_comment(ask, worker, supervisor, draft, client_for):
    url = draft.get_absolute_url()
    goal_create = reverse("cases:goal_create", args=[draft.pk])
    request_approval = ask_url("plan", draft.pk)
    approval = ask("plan")

    page = client_for(worker).get(url).content.decode()
    assert f"Sent for approval by {worker} on {today()}. The plan cannot be changed while it waits." in page
    assert goal_create not in page and request_approval not in page

    actions.approval_decide(actor=supervisor, approval=approval, approve=False, comment="Add a goal for housing.")
    page = client_for(worker).get(url).content.decode()
    assert f"Returned by {supervisor} on {today()}: Add a goal for housing." in " ".join(page.split())
    assert goal_create in page and request_approval in page


def test_the_plan_page_shows_who_approved_it(ask, worker, supervisor, draft, client_for):
    actions.approval_decide(actor=supervisor, approval=ask("plan"), approve=True)

    page = client_for(worker).get(draft.get_absolute_url()).content.decode()

    assert f"Approved by {supervisor} on {today()}." in page
    assert ask_url("plan", draft.pk) not in page


def test_the_referral_page_offers_an_override_request_to_case_editors_only(
    ask, worker, coordinator, supervisor, referral, client_for
):
    request_override = ask_url("consent_override", referral.pk)
    for user, offered in ((worker, True), (coordinator, True), (supervisor, False)):
        page = client_for(user).get(referral.get_absolute_url()).content.decode()
        assert (request_override in page) is offered, user
        assert ("Ask a supervisor to override consent" in page) is offered, user

    ask("consent_override")
    assert request_override not in client_for(worker).get(referral.get_absolute_url()).content.decode()


def test_the_referral_page_does_not_offer_an_override_when_no_data_is_shared(worker, referral, client_for):
    referral.shares_data = False
    referral.save()

    page = client_for(worker).get(referral.get_absolute_url()).content.decode()

    assert ask_url("consent_override", referral.pk) not in page


def test_a_consent_override_through_the_pages(worker, supervisor, referral, client_for):
    client_for(worker).post(ask_url("consent_override", referral.pk), {"comment": OVERRIDE_REASON}, follow=True)
    approval = referral.approval_requests.get()

    response = client_for(supervisor).post(approval.get_absolute_url(), {"decision": "approve", "comment": ""})

    assert flashed(response) == ["Approved."]
    referral.refresh_from_db()
    assert (referral.consent_overridden_by, referral.consent_override_reason) == (supervisor, OVERRIDE_REASON)
    page = client_for(worker).get(referral.get_absolute_url()).content.decode()
    assert OVERRIDE_REASON in page


# --- The queue ---------------------------------------------------------------------------------------


def days_ago(approval, n: int):
    ApprovalRequest.objects.filter(pk=approval.pk).update(requested_at=timezone.now() - datetime.timedelta(days=n))
    return approval


def close_request(actor, case, n_days_ago: int):
    approval = actions.approval_request(actor=actor, kind="closure", case=case, closure_reason="moved")
    return days_ago(approval, n_days_ago)


@pytest.fixture
def queue_rows(worker, other_worker, coordinator, supervisor, osh_supervisor, case, other_case, chuy, draft):
    """Chüy: an old and a recent pending request, one approved, one returned (by the coordinator);
    Osh: one pending."""
    colleague = UserFactory(username="worker-c", role=User.Role.SOCIAL_WORKER, regions=[chuy])

    def chuy_case(holder=worker):
        return CaseFactory(worker=holder, returnee=ReturneeFactory(region=chuy))

    rows = {
        "old": close_request(worker, chuy_case(), 5),
        "recent": days_ago(actions.approval_request(actor=worker, kind="plan", case=case, subject=draft), 1),
        "approved": close_request(worker, chuy_case(), 10),
        "returned": close_request(coordinator, chuy_case(colleague), 8),
        "osh": close_request(other_worker, other_case, 3),
    }
    actions.approval_decide(actor=supervisor, approval=rows["approved"], approve=True)
    actions.approval_decide(actor=supervisor, approval=rows["returned"], approve=False, comment="Not yet.")
    return rows


def listed(response, rows) -> list[str]:
    names = {approval.pk: name for name, approval in rows.items()}
    return [names[approval.pk] for approval in response.context["approvals"]]


def test_a_supervisor_starts_from_what_waits_oldest_first(supervisor, queue_rows, client_for):
    response = client_for(supervisor).get(reverse("approvals:queue"))

    assert listed(response, queue_rows) == ["old", "recent"]
    assert response.context["filter"].form["status"].value() == "pending"


def test_any_status_lists_newest_first(supervisor, queue_rows, client_for):
    response = client_for(supervisor).get(reverse("approvals:queue"), {"status": ""})

    assert listed(response, queue_rows) == ["recent", "old", "returned", "approved"]


@pytest.mark.parametrize(
    ("role", "params", "expected"),
    [
        ("supervisor", {"status": "approved"}, ["approved"]),
        ("supervisor", {"status": "returned"}, ["returned"]),
        ("supervisor", {"status": "pending", "kind": "plan"}, ["recent"]),
        ("supervisor", {"status": "", "kind": "closure"}, ["old", "returned", "approved"]),
        ("supervisor", {"status": "", "requested_by": "coordinator"}, ["returned"]),
        ("administrator", {}, ["old", "osh", "recent"]),
        ("administrator", {"status": "pending", "region": "osh"}, ["osh"]),
        ("administrator", {"status": "pending", "region": "chuy"}, ["old", "recent"]),
        ("osh_supervisor", {}, ["osh"]),
        # Not theirs: a region they cannot choose lists nothing (not their whole queue), with an error.
        ("osh_supervisor", {"status": "", "region": "chuy"}, []),
        ("coordinator", {}, ["recent", "old", "returned", "approved"]),  # not an approver: newest first
    ],
)
def test_queue_filters(role, params, expected, queue_rows, client_for, request):
    values = {
        "coordinator": request.getfixturevalue("coordinator").pk,
        "osh": request.getfixturevalue("osh").pk,
        "chuy": request.getfixturevalue("chuy").pk,
    }
    query = {key: values.get(value, value) for key, value in params.items()}

    response = client_for(request.getfixturevalue(role)).get(reverse("approvals:queue"), query)

    assert listed(response, queue_rows) == expected


def test_the_osh_supervisor_cannot_open_a_chuy_request(osh_supervisor, queue_rows, client_for):
    client = client_for(osh_supervisor)
    for name in ("old", "approved"):
        assert client.get(queue_rows[name].get_absolute_url()).status_code == 404


def test_a_worker_sees_the_answers_to_their_requests(worker, supervisor, queue_rows, client_for):
    response = client_for(worker).get(reverse("approvals:queue"))

    assert listed(response, queue_rows) == ["recent", "old", "approved"]
    page = response.content.decode()
    assert "Approved" in page
    assert f"{supervisor} · {today()}" in page
    assert queue_rows["returned"].case.returnee.case_number not in page
    assert queue_rows["osh"].case.returnee.case_number not in page


def test_the_coordinator_who_asked_sees_the_return(coordinator, queue_rows, client_for):
    page = client_for(coordinator).get(reverse("approvals:queue"), {"status": "returned"}).content.decode()

    assert queue_rows["returned"].case.returnee.case_number in page
    assert "Returned for changes" in page


def test_an_empty_queue_says_so(supervisor, client_for):
    page = client_for(supervisor).get(reverse("approvals:queue")).content.decode()

    assert "Nothing is waiting for approval." in page


@pytest.mark.parametrize("role", ["supervisor", "worker", "administrator", "coordinator"])
def test_queue_query_count_does_not_grow_with_rows(
    role, worker, supervisor, chuy, client_for, django_assert_max_num_queries, request
):
    # given: every kind of request, some answered, so every column of the table is filled
    client = client_for(request.getfixturevalue(role))

    def rows(n):
        for i in range(n):
            case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
            kind = KINDS[i % 3]
            subject = None
            if kind == "assessment":
                subject = AssessmentFactory(case=case)
            elif kind == "plan":
                subject = ReintegrationPlanFactory(case=case, version=1, status="draft")
                PlanGoalFactory(plan=subject)
            approval = actions.approval_request(
                actor=worker, kind=kind, case=case, subject=subject, closure_reason="moved"
            )
            if i % 2:
                actions.approval_decide(actor=supervisor, approval=approval, approve=False, comment="Not yet.")

    params = {"status": ""}
    rows(3)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("approvals:queue"), params)
    rows(17)

    # when / then
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("approvals:queue"), params)
    assert len(response.context["approvals"]) == 20


def test_the_pages_offer_approval_only_for_what_can_be_approved(
    worker, supervisor, case, assessment, draft, client_for
):
    # given an open case with a completed assessment and a draft plan
    client = client_for(worker)
    ask_assessment = reverse("approvals:request", args=["assessment", assessment.pk])
    ask_plan = reverse("approvals:request", args=["plan", draft.pk])

    # then both pages offer to ask
    assert ask_assessment in client.get(case.get_absolute_url()).content.decode()
    assert ask_plan in client.get(draft.get_absolute_url()).content.decode()

    # when the case is closed, neither is offered (the action would refuse it)
    close_case(case, supervisor)
    assert ask_assessment not in client.get(case.get_absolute_url()).content.decode()
    assert ask_plan not in client.get(draft.get_absolute_url()).content.decode()


def test_queue_sorts_by_the_time_requested_both_ways_keeping_filters_and_pages(
    worker, supervisor, chuy, client_for, settings
):
    # given: four closures asked for at different times (one more than a page)
    settings.REPAT_PAGE_SIZE = 3
    asked = {}
    for hours_ago in (3, 1, 4, 2):
        case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
        approval = actions.approval_request(actor=worker, kind="closure", case=case, closure_reason="moved")
        ApprovalRequest.objects.filter(pk=approval.pk).update(
            requested_at=timezone.now() - datetime.timedelta(hours=hours_ago)
        )
        asked[hours_ago] = case.returnee.case_number
    client, queue = client_for(supervisor), reverse("approvals:queue")
    rows = [asked[n] for n in (4, 3, 2, 1)]

    # when / then: what waits, oldest first unless asked otherwise; every status, newest first
    for filters, default in (({"kind": "closure"}, "requested"), ({"status": ""}, "-requested")):
        check_sorted_both_ways(
            client, queue, filters=filters, label="Requested at", key="requested", rows=rows, default=default
        )
