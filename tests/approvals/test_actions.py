"""Supervisor approvals through the actions: asking, approving (and its effect), returning and
withdrawing; who may do which; what is refused; and that an approval never exists without its effect."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import actions as case_actions
from cases.models import Assessment, Case, CaseEvent, ReintegrationPlan
from repat.accounts.models import User
from repat.approvals import actions
from repat.approvals.models import ApprovalRequest
from repat.approvals.permissions import approvals_visible_to
from repat.reminders.models import Reminder
from services import actions as service_actions
from services.models import Referral
from tests.factories import (
    AssessmentFactory,
    CaseFactory,
    ConsentRecordFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
    close_case,
)
from tests.services.factories import ReferralFactory

from .factories import CLOSURE_REASON, KINDS, OVERRIDE_REASON, effects

pytestmark = pytest.mark.django_db

ALREADY_WAITING = "This is already waiting for a supervisor's approval."
ANSWERED = "This request was already answered or withdrawn."
LOCKED = "This is waiting for a supervisor's approval. Withdraw the request to change it."
SAY_WHAT = "Say what needs to change before you return the request."


def refused(call: Callable) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value


def notified(item: str) -> set[tuple[str, int]]:
    """(recipient, approval id) of every notification of one kind."""
    return set(Reminder.objects.filter(item_type=item).values_list("recipient__username", "item_id"))


def new_events(before: set[int]) -> list[tuple[str, str]]:
    return list(CaseEvent.objects.exclude(pk__in=before).order_by("id").values_list("kind", "actor__username"))


def event_ids() -> set[int]:
    return set(CaseEvent.objects.values_list("pk", flat=True))


def decide(actor, approval, approve=True, comment=""):
    return actions.approval_decide(actor=actor, approval=approval, approve=approve, comment=comment)


# --- Asking


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("assessment", {}),
        ("plan", {}),
        ("closure", {"closure_reason": [None, CLOSURE_REASON]}),
        ("consent_override", {"comment": [None, OVERRIDE_REASON]}),
    ],
)
def test_a_request_writes_an_event_and_notifies_the_supervisors_of_the_region(
    kind, changes, ask, worker, supervisor, osh_supervisor, coordinator, administrator, chuy, subjects
):
    # given: a second supervisor in Chüy, and one who has left
    colleague = UserFactory(username="supervisor-c", role=User.Role.SUPERVISOR, regions=[chuy])
    UserFactory(username="supervisor-gone", role=User.Role.SUPERVISOR, regions=[chuy], is_active=False)

    # when
    approval = ask(kind)

    # then
    approval.refresh_from_db()
    assert (approval.kind, approval.status, approval.region, approval.requested_by) == (kind, "pending", chuy, worker)
    assert approval.subject == (subjects[kind] or approval.case)
    assert (approval.decided_by, approval.decided_at) == (None, None)
    event = approval.case.events.get()
    assert (event.kind, event.actor, event.subject, event.subject_id, event.item) == (
        "approval_requested",
        worker,
        "approvalrequest",
        approval.pk,
        kind,
    )
    assert event.changes == changes
    assert notified("approval_requested") == {("supervisor-a", approval.pk), (colleague.username, approval.pk)}


def test_the_note_to_the_supervisor_is_kept_and_written_to_the_timeline(ask):
    approval = ask("plan", comment="  Agreed with the mother at the last visit.  ")

    assert approval.comment == "Agreed with the mother at the last visit."
    assert approval.case.events.get().changes == {"comment": [None, "Agreed with the mother at the last visit."]}


@pytest.mark.parametrize("role", ["coordinator", "administrator"])
def test_whoever_edits_the_case_may_ask(role, request, ask, case):
    actor = request.getfixturevalue(role)

    approval = ask("closure", actor=actor)

    assert approval.requested_by == actor
    assert case.events.get().actor == actor


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["supervisor", "osh_supervisor", "other_worker", "provider_user"])
def test_people_who_do_not_edit_the_case_cannot_ask(role, kind, request, ask, case):
    # Supervisors review: they approve, they do not ask (four eyes).
    with pytest.raises(PermissionDenied):
        ask(kind, actor=request.getfixturevalue(role))

    assert not ApprovalRequest.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not Reminder.objects.exists()


@pytest.mark.parametrize("kind", ["assessment", "plan", "consent_override"])
def test_a_subject_of_another_case_is_refused(kind, worker, case, other_case):
    foreign = {
        "assessment": AssessmentFactory(case=other_case),
        "plan": ReintegrationPlanFactory(case=other_case, version=1),
        "consent_override": ReferralFactory(case=other_case, shares_data=True),
    }[kind]

    with pytest.raises(PermissionDenied):
        actions.approval_request(actor=worker, kind=kind, case=case, subject=foreign, comment="Urgent.")

    assert not ApprovalRequest.objects.exists()


@pytest.mark.parametrize("kind", ["assessment", "plan", "consent_override"])
def test_a_request_needs_its_subject(kind, worker, case):
    with pytest.raises(PermissionDenied):
        actions.approval_request(actor=worker, kind=kind, case=case, comment="Urgent.")

    assert not ApprovalRequest.objects.exists()


# --- Approving: each kind's effect, in the same transaction


def test_approving_a_plan_makes_it_current_and_keeps_the_old_version_as_superseded(worker, supervisor, case):
    # given: v1 is current, v2 is a draft with a goal
    v1 = ReintegrationPlanFactory(case=case, version=1, status="current")
    v2 = ReintegrationPlanFactory(case=case, version=2, status="draft", created_by=worker)
    PlanGoalFactory(plan=v2)
    approval = actions.approval_request(actor=worker, kind="plan", case=case, subject=v2)
    before = event_ids()

    # when
    decide(supervisor, approval)

    # then
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status, v2.approved_by) == ("superseded", "current", supervisor)
    assert v2.activated_at is not None
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by, approval.decision_comment) == ("approved", supervisor, "")
    assert approval.decided_at is not None
    assert new_events(before) == [("plan_activated", "supervisor-a"), ("approval_given", "supervisor-a")]
    given = case.events.get(kind="approval_given")
    assert (given.subject, given.subject_id, given.item, given.changes) == ("approvalrequest", approval.pk, "plan", {})
    assert notified("approval_decided") == {("worker-a", approval.pk)}


def test_approving_a_closure_closes_the_case_today_with_the_requested_reason(ask, supervisor, case):
    approval = ask("closure", closure_reason="moved")
    before = event_ids()

    decide(supervisor, approval, comment="  Agreed: the family moved to Kazakhstan.  ")

    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == ("closed", timezone.localdate(), "moved")
    assert new_events(before) == [("closed", "supervisor-a"), ("approval_given", "supervisor-a")]
    assert case.events.get(kind="closed").changes == {
        "status": ["open", "closed"],
        "closure_reason": ["", "moved"],
        "closed_on": [None, timezone.localdate().isoformat()],
    }
    assert case.events.get(kind="approval_given").changes == {
        "comment": [None, "Agreed: the family moved to Kazakhstan."]
    }
    approval.refresh_from_db()
    assert approval.decision_comment == "Agreed: the family moved to Kazakhstan."
    assert notified("approval_decided") == {("worker-a", approval.pk)}


def test_approving_an_assessment_records_who_approved_it_and_when(ask, supervisor, assessment, case):
    approval = ask("assessment")
    before = event_ids()

    decide(supervisor, approval)

    assessment.refresh_from_db()
    assert assessment.approved_by == supervisor
    assert assessment.approved_at is not None
    assert new_events(before) == [("approval_given", "supervisor-a")]
    assert notified("approval_decided") == {("worker-a", approval.pk)}


def test_approving_a_consent_override_records_the_reason_and_lets_the_referral_be_assigned(
    ask, supervisor, coordinator, provider, referral, case
):
    # given: without consent the referral cannot go to the provider
    error = refused(
        lambda: service_actions.referral_transition(
            actor=coordinator, referral=referral, action="assign", expected_status="submitted", provider=provider
        )
    )
    assert error.message_dict == {
        "provider": [
            "No consent allows sharing this returnee's data with Ak-Bata Family Centre or any provider of Mental "
            "health and psychosocial support. Record the consent, or ask a supervisor to override the requirement."
        ]
    }
    approval = ask("consent_override")
    before = event_ids()

    # when
    decide(supervisor, approval)

    # then: the request's note is the override's reason
    referral.refresh_from_db()
    assert (referral.consent_overridden_by, referral.consent_override_reason) == (supervisor, OVERRIDE_REASON)
    assert referral.consent_overridden_at is not None
    assert new_events(before) == [("consent_overridden", "supervisor-a"), ("approval_given", "supervisor-a")]
    assert case.events.get(kind="consent_overridden").changes == {"consent_override_reason": [None, OVERRIDE_REASON]}
    assert notified("approval_decided") == {("worker-a", approval.pk)}
    # and the referral can now be assigned
    service_actions.referral_transition(
        actor=coordinator, referral=referral, action="assign", expected_status="submitted", provider=provider
    )
    referral.refresh_from_db()
    assert (referral.status, referral.provider, referral.consent) == ("assigned", provider, None)


def test_an_administrator_may_approve(ask, administrator, case):
    decide(administrator, ask("closure"))

    case.refresh_from_db()
    assert case.status == "closed"
    assert case.events.get(kind="closed").actor == administrator


def test_the_answer_goes_to_the_requester_and_to_the_case_worker(ask, coordinator, supervisor):
    approval = ask("closure", actor=coordinator)

    decide(supervisor, approval)

    assert notified("approval_decided") == {("coordinator-a", approval.pk), ("worker-a", approval.pk)}


# --- Returning and withdrawing


@pytest.mark.parametrize("kind", KINDS)
def test_returning_applies_nothing_tells_the_requester_and_a_new_request_can_follow(
    kind, ask, supervisor, case, subjects
):
    # given
    approval = ask(kind)
    before_effects, before = effects(case), event_ids()

    # when
    decide(supervisor, approval, approve=False, comment="  Add the school's answer first.  ")

    # then
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by, approval.decision_comment) == (
        "returned",
        supervisor,
        "Add the school's answer first.",
    )
    assert effects(case) == before_effects
    assert new_events(before) == [("approval_returned", "supervisor-a")]
    assert case.events.get(kind="approval_returned").changes == {"comment": [None, "Add the school's answer first."]}
    assert notified("approval_decided") == {("worker-a", approval.pk)}

    # and the worker may ask again: a new row, the returned one stays as history
    again = ask(kind)
    assert again.pk != approval.pk
    assert list(case.approval_requests.values_list("status", flat=True)) == ["pending", "returned"]


@pytest.mark.parametrize("comment", ["", "   "])
def test_returning_needs_a_comment(comment, ask, supervisor, case):
    approval = ask("closure")
    before = event_ids()

    error = refused(lambda: decide(supervisor, approval, approve=False, comment=comment))

    assert error.message_dict == {"comment": [SAY_WHAT]}
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("pending", None)
    assert new_events(before) == []
    assert not notified("approval_decided")


@pytest.mark.parametrize("kind", KINDS)
def test_withdrawing_applies_nothing_and_frees_the_subject(kind, ask, worker, supervisor, case):
    approval = ask(kind)
    before_effects, before = effects(case), event_ids()

    actions.approval_withdraw(actor=worker, approval=approval)

    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("withdrawn", None)
    assert effects(case) == before_effects
    assert new_events(before) == [("approval_withdrawn", "worker-a")]
    assert refused(lambda: decide(supervisor, approval)).messages == [ANSWERED]
    assert refused(lambda: actions.approval_withdraw(actor=worker, approval=approval)).messages == [ANSWERED]
    assert ask(kind).status == "pending"


def test_a_colleague_who_edits_the_case_may_withdraw_but_a_supervisor_may_not(ask, coordinator, supervisor):
    approval = ask("closure")

    with pytest.raises(PermissionDenied):
        actions.approval_withdraw(actor=supervisor, approval=approval)
    approval.refresh_from_db()
    assert approval.status == "pending"

    actions.approval_withdraw(actor=coordinator, approval=approval)
    approval.refresh_from_db()
    assert approval.status == "withdrawn"


@pytest.mark.parametrize("first", [True, False])
def test_a_request_is_answered_once(first, ask, supervisor, administrator, case):
    approval = ask("assessment")
    decide(supervisor, approval, approve=first, comment="Checked.")
    before, before_effects = event_ids(), effects(case)

    for again in (True, False):
        with pytest.raises(ValidationError) as error:
            decide(administrator, approval, approve=again, comment="x")
        assert error.value.messages == [ANSWERED]

    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("approved" if first else "returned", supervisor)
    assert new_events(before) == []
    assert effects(case) == before_effects


# --- Who may decide


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize("role", ["worker", "coordinator", "other_worker", "osh_supervisor", "provider_user"])
def test_only_supervisors_of_the_region_and_administrators_decide(role, approve, request, ask, case):
    approval = ask("closure")
    before, before_effects = event_ids(), effects(case)

    with pytest.raises(PermissionDenied):
        decide(request.getfixturevalue(role), approval, approve=approve, comment="Fine by me.")

    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("pending", None)
    assert effects(case) == before_effects
    assert new_events(before) == []


@pytest.mark.parametrize("approve", [True, False])
def test_nobody_answers_their_own_request_not_even_an_administrator(approve, ask, administrator, case):
    approval = ask("closure", actor=administrator)

    with pytest.raises(PermissionDenied):
        decide(administrator, approval, approve=approve, comment="Fine by me.")

    approval.refresh_from_db()
    assert approval.status == "pending"
    case.refresh_from_db()
    assert case.status == "open"
    # another administrator may
    other = UserFactory(username="admin-b", role=User.Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    decide(other, approval)
    case.refresh_from_db()
    assert case.status == "closed"


def test_a_supervisor_who_left_cannot_decide(ask, supervisor):
    approval = ask("closure")
    supervisor.is_active = False
    supervisor.save()

    with pytest.raises(PermissionDenied):
        decide(supervisor, approval)


# --- Who sees which requests


def test_who_sees_which_requests(
    worker, other_worker, coordinator, supervisor, osh_supervisor, administrator, provider_user, case, other_case, chuy
):
    # given: a request on the worker's case, one in Osh, and one by the coordinator on a colleague's case
    colleague = UserFactory(username="worker-c", role=User.Role.SOCIAL_WORKER, regions=[chuy])
    colleague_case = CaseFactory(worker=colleague, returnee=ReturneeFactory(region=chuy))
    rows = {
        "chuy": actions.approval_request(actor=worker, kind="closure", case=case, closure_reason="moved"),
        "osh": actions.approval_request(actor=other_worker, kind="closure", case=other_case, closure_reason="moved"),
        "colleague": actions.approval_request(
            actor=coordinator, kind="closure", case=colleague_case, closure_reason="moved"
        ),
    }
    names = {approval.pk: name for name, approval in rows.items()}
    expected = {
        worker: {"chuy"},
        other_worker: {"osh"},
        colleague: {"colleague"},
        coordinator: {"chuy", "colleague"},
        supervisor: {"chuy", "colleague"},
        osh_supervisor: {"osh"},
        administrator: {"chuy", "osh", "colleague"},
        provider_user: set(),
    }

    for user, visible in expected.items():
        assert {names[pk] for pk in approvals_visible_to(user).values_list("pk", flat=True)} == visible, user

    supervisor.is_active = False
    supervisor.save()
    assert not approvals_visible_to(supervisor).exists()


def test_a_request_follows_its_case_when_the_case_is_reassigned(ask, worker, coordinator, case, chuy):
    # (issue 13: the former worker could still read the request, with the name and the comments)
    approval = ask("closure")
    colleague = UserFactory(username="worker-c", role=User.Role.SOCIAL_WORKER, regions=[chuy])

    case_actions.case_update(actor=coordinator, case=case, data={"worker": colleague})

    assert list(approvals_visible_to(worker)) == []
    assert list(approvals_visible_to(colleague)) == [approval]


def test_a_pending_request_follows_the_case_to_its_new_region(
    ask, worker, other_worker, supervisor, osh_supervisor, osh, case
):
    # given: a closure waits in Chüy, then the case moves to Osh
    approval = ask("closure")
    transfer = case_actions.transfer_request(
        actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="The family moved to Osh."
    )
    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=True)

    # then: Osh's supervisors answer it now, Chüy's no longer can
    approval.refresh_from_db()
    assert approval.region == osh
    assert not approvals_visible_to(supervisor).exists()
    with pytest.raises(PermissionDenied):
        decide(supervisor, approval)
    decide(osh_supervisor, approval)
    case.refresh_from_db()
    assert case.status == "closed"


def test_answered_requests_follow_the_case_to_its_new_region(
    ask, worker, other_worker, supervisor, osh_supervisor, osh, case
):
    # (issue 13: the region that answered kept reading the request, name and comments, after the case left)
    returned = ask("closure")
    decide(supervisor, returned, approve=False, comment="Wait for the school's answer.")
    transfer = case_actions.transfer_request(
        actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="The family moved to Osh."
    )

    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=True)

    returned.refresh_from_db()
    assert returned.region == osh
    assert list(approvals_visible_to(supervisor)) == []
    assert list(approvals_visible_to(worker)) == []
    assert list(approvals_visible_to(osh_supervisor)) == [returned]
    assert list(approvals_visible_to(other_worker)) == [returned]


# --- Refused requests


@pytest.mark.parametrize("kind", KINDS)
def test_a_second_pending_request_for_the_same_thing_is_refused(kind, ask, coordinator, supervisor, case):
    first = ask(kind)
    before = event_ids()

    error = refused(lambda: ask(kind, actor=coordinator))

    assert error.messages == [ALREADY_WAITING]
    assert list(ApprovalRequest.objects.all()) == [first]
    assert new_events(before) == []
    assert set(Reminder.objects.values_list("item_id", flat=True)) == {first.pk}


def test_different_things_of_one_case_may_wait_at_the_same_time(ask, case):
    for kind in KINDS:
        ask(kind)

    assert sorted(case.approval_requests.values_list("kind", flat=True)) == sorted(KINDS)


def test_the_database_keeps_one_pending_closure_per_case(ask, worker, case, chuy):
    ask("closure")

    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.create(
            kind="closure", case=case, region=chuy, closure_reason="moved", requested_by=worker
        )


def test_the_database_refuses_a_closure_without_a_reason(worker, case, chuy):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.create(kind="closure", case=case, region=chuy, requested_by=worker)


def test_a_plan_without_goals_cannot_be_sent(worker, case):
    empty = ReintegrationPlanFactory(case=case, version=1, status="draft")

    error = refused(lambda: actions.approval_request(actor=worker, kind="plan", case=case, subject=empty))

    assert error.messages == ["Add at least one goal before making the plan current."]
    assert not ApprovalRequest.objects.exists()
    assert not CaseEvent.objects.exists()


@pytest.mark.parametrize("status", ["current", "superseded"])
def test_only_a_draft_plan_can_be_sent(status, worker, case):
    plan = ReintegrationPlanFactory(case=case, version=1, status=status)
    PlanGoalFactory(plan=plan)

    error = refused(lambda: actions.approval_request(actor=worker, kind="plan", case=case, subject=plan))

    assert error.messages == ["Only a draft can be made the current plan."]
    assert not ApprovalRequest.objects.exists()


def test_closing_a_closed_case_is_refused(ask, supervisor, case):
    close_case(case, supervisor)
    before = event_ids()

    error = refused(lambda: ask("closure"))

    assert error.messages == ["This case is already closed."]
    assert case.approval_requests.count() == 1
    assert new_events(before) == []


@pytest.mark.parametrize("reason", ["", None])
def test_a_closure_needs_a_reason(reason, worker, case):
    kwargs = {} if reason is None else {"closure_reason": reason}

    error = refused(lambda: actions.approval_request(actor=worker, kind="closure", case=case, **kwargs))

    assert error.message_dict == {"closure_reason": ["Give the reason for closing the case."]}
    assert not ApprovalRequest.objects.exists()


def test_a_closure_reason_is_only_kept_for_closures(ask):
    assert ask("plan", closure_reason="moved").closure_reason == ""


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_consent_override_needs_a_reason(comment, ask):
    error = refused(lambda: ask("consent_override", comment=comment))

    assert error.message_dict == {"comment": ["Give the reason for the override."]}
    assert not ApprovalRequest.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"shares_data": False},
        {"status": "cancelled", "closing_reason": "No longer needed."},
        {"status": "revoked", "closing_reason": "Consent was withdrawn."},
    ],
)
def test_a_referral_that_needs_no_override_is_refused(change, ask, referral):
    Referral.objects.filter(pk=referral.pk).update(**change)
    referral.refresh_from_db()

    error = refused(lambda: ask("consent_override"))

    assert error.messages == ["This referral does not need a consent override."]


def test_a_referral_overridden_meanwhile_is_refused(ask, supervisor, referral):
    # given: the worker's page still shows the referral as it was before the supervisor's override
    service_actions.referral_consent_override(actor=supervisor, referral=referral, reason="Court order.")

    assert refused(lambda: ask("consent_override")).messages == ["This referral does not need a consent override."]


def test_only_a_completed_assessment_can_be_sent(worker, case):
    planned = AssessmentFactory(case=case, status="planned", assessed_on=None, due_date=timezone.localdate())

    error = refused(lambda: actions.approval_request(actor=worker, kind="assessment", case=case, subject=planned))

    assert error.messages == ["Only a completed assessment can be approved."]


def test_an_approved_assessment_is_not_sent_again(ask, supervisor):
    # given: approved after the worker's page was opened (the fixture's copy does not know it)
    decide(supervisor, ask("assessment"))

    assert refused(lambda: ask("assessment")).messages == ["This assessment is already approved."]


# --- What waits for a supervisor does not change under them


def test_an_assessment_cannot_be_changed_while_it_waits(ask, worker, supervisor, assessment, case):
    approval = ask("assessment")
    before = event_ids()

    error = refused(
        lambda: case_actions.assessment_update(actor=worker, assessment=assessment, data={"score": Decimal("12")})
    )

    assert error.messages == [LOCKED]
    assessment.refresh_from_db()
    assert assessment.score is None
    assert new_events(before) == []

    # once returned, it can be changed again
    decide(supervisor, approval, approve=False, comment="Add the score.")
    case_actions.assessment_update(actor=worker, assessment=assessment, data={"score": Decimal("12")})
    assessment.refresh_from_db()
    assert assessment.score == Decimal("12")


def test_the_goals_of_a_plan_cannot_be_changed_while_it_waits(ask, worker, draft):
    approval = ask("plan")
    goal = draft.goals.get()
    today = timezone.localdate()

    for change in (
        lambda: case_actions.goal_add(actor=worker, plan=draft, data={"domain": "health", "goal": "Vaccinations"}),
        lambda: case_actions.goal_update(actor=worker, goal=goal, data={"status": "in_progress"}),
        lambda: case_actions.goal_progress_add(actor=worker, goal=goal, written_on=today, text="Started."),
    ):
        assert refused(change).messages == [LOCKED]
    assert list(draft.goals.values_list("goal", "status")) == [("Enrol in grade 3", "not_started")]

    # once withdrawn, they can be changed again
    actions.approval_withdraw(actor=worker, approval=approval)
    case_actions.goal_add(actor=worker, plan=draft, data={"domain": "health", "goal": "Vaccinations"})
    assert draft.goals.count() == 2


def test_goals_of_the_current_plan_still_change_while_the_next_version_waits(worker, case):
    current = ReintegrationPlanFactory(case=case, version=1, status="current")
    goal = PlanGoalFactory(plan=current, goal="Vaccinations")
    draft = ReintegrationPlanFactory(case=case, version=2, status="draft")
    PlanGoalFactory(plan=draft, goal="Vaccinations")
    actions.approval_request(actor=worker, kind="plan", case=case, subject=draft)

    case_actions.goal_update(actor=worker, goal=goal, data={"status": "achieved"})

    goal.refresh_from_db()
    assert goal.status == "achieved"


def test_changing_an_approved_assessment_clears_its_approval(ask, worker, supervisor, assessment, case):
    decide(supervisor, ask("assessment"))

    case_actions.assessment_update(actor=worker, assessment=assessment, data={"score": Decimal("12")})

    assessment.refresh_from_db()
    assert (assessment.approved_by, assessment.approved_at) == (None, None)
    event = case.events.get(kind="assessment_updated")
    assert set(event.changes) == {"score", "approved_by", "approved_at"}
    assert event.changes["approved_by"] == [str(supervisor), None]
    assert event.changes["approved_at"][1] is None
    # and it can go to the supervisor again
    assert ask("assessment").status == "pending"


def test_saving_an_approved_assessment_unchanged_keeps_its_approval(ask, worker, supervisor, assessment):
    decide(supervisor, ask("assessment"))

    case_actions.assessment_update(actor=worker, assessment=assessment, data={"kind": assessment.kind})

    assessment.refresh_from_db()
    assert assessment.approved_by == supervisor


# --- All or nothing: no approval without its effect


def make_current(case, subjects):
    ReintegrationPlan.objects.filter(pk=subjects["plan"].pk).update(status="current")


def close_meanwhile(case, subjects):
    Case.objects.filter(pk=case.pk).update(status="closed", closure_reason="moved", closed_on=timezone.localdate())


def approve_meanwhile(case, subjects):
    Assessment.objects.filter(pk=subjects["assessment"].pk).update(
        approved_by=UserFactory(role=User.Role.SUPERVISOR), approved_at=timezone.now()
    )


def override_meanwhile(case, subjects):
    supervisor = User.objects.get(username="supervisor-a")
    service_actions.referral_consent_override(
        actor=supervisor, referral=subjects["consent_override"], reason="Court order."
    )


def cancel_meanwhile(case, subjects):
    service_actions.referral_transition(
        actor=case.worker,
        referral=subjects["consent_override"],
        action="cancel",
        expected_status="submitted",
        reason="The family found a counsellor.",
    )


@pytest.mark.parametrize(
    ("kind", "meanwhile", "message"),
    [
        ("plan", make_current, "Only a draft can be made the current plan."),
        ("closure", close_meanwhile, "This case is already closed."),
        ("assessment", approve_meanwhile, "This assessment is already approved."),
        ("consent_override", override_meanwhile, "The consent requirement was already overridden."),
        ("consent_override", cancel_meanwhile, "This referral does not need a consent override."),
    ],
)
def test_an_approval_whose_effect_is_refused_stays_pending_and_writes_nothing(
    kind, meanwhile, message, ask, supervisor, case, subjects
):
    # given: the subject changed after the request was made
    approval = ask(kind)
    meanwhile(case, subjects)
    before, before_effects, reminders = event_ids(), effects(case), Reminder.objects.count()

    # when
    error = refused(lambda: decide(supervisor, approval))

    # then
    assert error.messages == [message]
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by, approval.decided_at) == ("pending", None, None)
    assert effects(case) == before_effects
    assert new_events(before) == []
    assert Reminder.objects.count() == reminders


def test_a_failure_after_the_effect_undoes_the_effect(ask, supervisor, case, draft, monkeypatch):
    # given: the plan is made current, then telling the requester fails
    approval = ask("plan")
    before, before_effects = event_ids(), effects(case)

    def broken(**kwargs):
        raise RuntimeError("notifications are down")

    monkeypatch.setattr(actions, "notify", broken)

    # when
    with pytest.raises(RuntimeError):
        decide(supervisor, approval)

    # then
    draft.refresh_from_db()
    assert draft.status == "draft"
    approval.refresh_from_db()
    assert approval.status == "pending"
    assert effects(case) == before_effects
    assert new_events(before) == []


@pytest.mark.parametrize("kind", ["assessment", "plan"])
def test_nothing_on_a_closed_case_is_sent_for_approval(kind, ask, supervisor, case):
    # given a closed case
    close_case(case, supervisor)
    before = event_ids()

    # when its worker asks for approval of its assessment or plan
    error = refused(lambda: ask(kind))

    # then it is refused with a reason, and nothing is written
    assert error.messages == ["This case is closed: reopen it first."]
    assert not case.approval_requests.filter(kind=kind).exists()
    assert new_events(before) == []


def test_a_plan_is_not_made_current_on_a_case_closed_meanwhile(ask, supervisor, case, draft):
    # given a plan waiting for approval, and the case closed before it is answered
    approval = ask("plan")
    close_case(case, supervisor)

    # when a supervisor approves the plan
    error = refused(lambda: actions.approval_decide(actor=supervisor, approval=approval, approve=True))

    # then it is refused and the plan stays a draft
    assert error.messages == ["This case is closed: reopen it first."]
    draft.refresh_from_db()
    assert draft.status == "draft"
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_a_referral_with_consent_needs_no_override(ask, referral, worker):
    # given a referral that has a consent on record
    referral.consent = ConsentRecordFactory(returnee=referral.case.returnee, recorded_by=worker)
    referral.save(update_fields=["consent"])

    # when an override is asked for
    error = refused(lambda: ask("consent_override"))

    # then it is refused
    assert error.messages == ["This referral does not need a consent override."]
