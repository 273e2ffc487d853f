"""The referral workflow, the consent gate and bulk assignment, through the actions."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cases import actions as case_actions
from cases.models import CareArrangement, CaseEvent, CaseSettings, ConsentRecord, Family, Returnee
from repat.accounts.models import User
from services import actions
from services.models import Provider, Referral, ServiceCategory
from tests.factories import (
    CareArrangementFactory,
    CaseFactory,
    ConsentRecordFactory,
    FamilyMemberFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
    close_case,
    mother_of,
)

from .factories import ProviderFactory, service

pytestmark = pytest.mark.django_db

PROVIDER_NAME = "Ak-Bata Family Centre"
NO_CONSENT = (
    "No consent allows sharing this returnee's data with Ak-Bata Family Centre or any provider of Mental health "
    "and psychosocial support. Record the consent, or ask a supervisor to override the requirement."
)


def now_is(status: str) -> str:
    return f"This referral is now “{status}”: someone changed it meanwhile, or this step is not possible."


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def request_service(actor, case, **kwargs) -> Referral:
    kwargs.setdefault("service_type", service("individual-counselling"))
    kwargs.setdefault("reason", "Nightmares since arrival; the mother asks for help.")
    kwargs.setdefault("shares_data", False)
    kwargs.setdefault("provider_brief", "Weekly sessions; a Kyrgyz-speaking counsellor if possible.")
    return actions.referral_create(actor=actor, case=case, **kwargs)


def step(actor, referral, action, **kwargs) -> Referral:
    """One transition, as the actor who saw the referral's current status."""
    return actions.referral_transition(
        actor=actor, referral=referral, action=action, expected_status=referral.status, **kwargs
    )


def data_sharing_consent(case, **kwargs) -> ConsentRecord:
    """A consent that holds for the provider unless told otherwise: the mother on record allows
    sharing data with it for a year."""
    kwargs.setdefault("provider", Provider.objects.get(name=PROVIDER_NAME))
    kwargs.setdefault("purpose", ConsentRecord.Purpose.DATA_SHARING)
    return ConsentRecordFactory(returnee=case.returnee, **kwargs)


def provider_category() -> ServiceCategory:
    return service("individual-counselling").category


def years_ago(n: int) -> datetime.date:
    day = today()
    return day.replace(year=day.year - n, day=28 if (day.month, day.day) == (2, 29) else day.day)


@pytest.fixture
def walk(worker, coordinator, provider, provider_user, case):
    """Bring a fresh referral on `case` to a status by the ordinary road."""

    def to(status: str, **create_kwargs) -> Referral:
        referral = request_service(worker, case, submit=status != "draft", **create_kwargs)
        road = {
            "draft": [],
            "submitted": [],
            "assigned": [("assign", coordinator, {"provider": provider})],
            "accepted": [("assign", coordinator, {"provider": provider}), ("accept", provider_user, {})],
            "declined": [
                ("assign", coordinator, {"provider": provider}),
                ("decline", provider_user, {"reason": "No Russian-speaking counsellor."}),
            ],
            "in_progress": [
                ("assign", coordinator, {"provider": provider}),
                ("accept", provider_user, {}),
                ("start", provider_user, {}),
            ],
            "completed": [
                ("assign", coordinator, {"provider": provider}),
                ("accept", provider_user, {}),
                ("start", provider_user, {}),
                ("complete", provider_user, {"outcome": "Ten sessions held."}),
            ],
            "cancelled": [("cancel", worker, {"reason": "The family moved abroad."})],
            "revoked": [("revoke", coordinator, {"reason": "Requested by mistake."})],
        }[status]
        for action, actor, kwargs in road:
            referral = step(actor, referral, action, **kwargs)
        assert referral.status == status
        return referral

    return to


# --- Requesting a service ----------------------------------------------------------------------------


def test_request_creates_a_submitted_referral_in_the_returnees_region(worker, case, chuy, counselling):
    # when
    referral = request_service(
        worker, case, urgency="urgent", shares_data=True, provider_contact="Гулнара, +996 555 000 111"
    )

    # then
    referral.refresh_from_db()
    assert referral.status == "submitted"
    assert referral.submitted_at is not None
    assert (referral.region, referral.requested_by, referral.service_type) == (chuy, worker, counselling)
    assert (referral.provider, referral.accept_due, referral.complete_due) == (None, None, None)
    events = case.events.order_by("id")
    assert [(e.kind, e.actor, e.subject, e.subject_id) for e in events] == [
        ("referral_created", worker, "referral", referral.pk),
        ("referral_status", worker, "referral", referral.pk),
    ]
    assert events[0].changes == {"urgency": [None, "urgent"]}
    assert events[1].changes == {"status": ["draft", "submitted"]}


def test_request_as_draft_is_submitted_later(worker, case):
    # given
    referral = request_service(worker, case, submit=False)
    assert (referral.status, referral.submitted_at) == ("draft", None)

    # when
    referral = step(worker, referral, "submit", comment="Spoke to the mother today.")

    # then
    assert referral.status == "submitted"
    assert referral.submitted_at is not None
    event = case.events.filter(kind="referral_status").get()
    assert event.changes == {"status": ["draft", "submitted"], "comment": [None, "Spoke to the mother today."]}


def test_request_for_a_plan_goal_of_the_case(worker, case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, created_by=worker))
    assert request_service(worker, case, plan_goal=goal).plan_goal == goal


def test_request_for_a_goal_of_another_case_is_refused(worker, case):
    # given
    elsewhere = CaseFactory(worker=worker)
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=elsewhere, created_by=worker))

    # when / then
    with pytest.raises(ValidationError) as error:
        request_service(worker, case, plan_goal=goal)
    assert error.value.message_dict == {"plan_goal": ["Choose a goal of this case's plan."]}
    assert not Referral.objects.exists()


def test_request_for_a_closed_case_is_refused(worker, supervisor, case):
    case = close_case(case, supervisor)
    with pytest.raises(ValidationError) as error:
        request_service(worker, case)
    assert error.value.messages == ["This case is closed: reopen it before requesting a service."]


def test_request_for_a_retired_service_is_refused(worker, case, counselling):
    counselling.is_active = False
    counselling.save()
    with pytest.raises(ValidationError) as error:
        request_service(worker, case, service_type=counselling)
    assert error.value.message_dict == {"service_type": ["This service is no longer offered."]}


# --- What a referral that shares no data may carry (SECURITY.md, "Referrals and consent") ----------

NO_CONTACT = (
    "Without data sharing the provider receives no contact: leave this empty, or share data with the "
    "returnee's consent."
)


def test_a_referral_that_shares_no_data_carries_no_contact(worker, case):
    with pytest.raises(ValidationError) as error:
        request_service(worker, case, shares_data=False, provider_contact="Гулнара, +996 555 000 111")
    assert error.value.message_dict == {"provider_contact": [NO_CONTACT]}
    assert not Referral.objects.exists()


@pytest.fixture
def known_family(case):
    """The returnee Айгуль Асанова (also spelt Aigul Asanova) and her mother Назгуль on record."""
    Returnee.objects.filter(pk=case.returnee_id).update(given_name="Айгуль", family_name="Асанова")
    case.returnee.refresh_from_db()
    case.returnee.aliases.create(name="Aigul Asanova", script="latin")
    mother = mother_of(case.returnee, name="Назгуль Асанова")
    Family.objects.filter(pk=mother.family_id).update(name="Асановы")
    return case


@pytest.mark.parametrize(
    ("brief", "found"),
    [
        ("Sessions for Aigul, twice a week.", "“Aigul”"),
        ("Сессии для Айгули два раза в неделю.", "“Айгули”"),  # declined: the name still shows
        ("Her mother Назгуль will bring her.", "“Назгуль”"),
        ("Call +996 555 123 456 to agree a time.", "“+996 555 123 456”"),
        ("See case {case_number}.", "“{case_number}”"),
        ("Family Асановых, two children.", "“Асановых”"),
    ],
)
def test_the_brief_of_a_referral_that_shares_no_data_may_not_identify_the_person(worker, known_family, brief, found):
    number = known_family.returnee.case_number
    with pytest.raises(ValidationError) as error:
        request_service(worker, known_family, shares_data=False, provider_brief=brief.format(case_number=number))
    assert error.value.message_dict == {
        "provider_brief": [
            "Without data sharing the provider may read nothing that identifies the person: remove "
            f"{found.format(case_number=number)}."
        ]
    }
    assert not Referral.objects.exists()


def test_a_brief_without_identifying_details_is_kept(worker, known_family):
    brief = "Individual sessions for a child of primary-school age; a Kyrgyz-speaking counsellor if possible."
    referral = request_service(worker, known_family, shares_data=False, provider_brief=f"  {brief} ")
    referral.refresh_from_db()
    assert (referral.provider_brief, referral.provider_contact) == (brief, "")


def test_a_referral_that_shares_data_may_name_the_person(worker, known_family):
    referral = request_service(
        worker, known_family, shares_data=True, provider_contact="Назгуль, +996 555 000 111", provider_brief="Aigul."
    )
    assert (referral.provider_contact, referral.provider_brief) == ("Назгуль, +996 555 000 111", "Aigul.")


def test_assigning_a_referral_that_shares_no_data_needs_a_brief(worker, coordinator, provider, case):
    # given: requested without a brief
    referral = request_service(worker, case, shares_data=False, provider_brief="")

    # when / then
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign", provider=provider)
    assert error.value.message_dict == {
        "provider_brief": ["Write what the provider needs to act: without data sharing, it is all the provider reads."]
    }
    referral.refresh_from_db()
    assert (referral.status, referral.provider) == ("submitted", None)


def test_the_coordinator_writes_the_brief_when_assigning(worker, coordinator, provider, case):
    # given
    referral = request_service(worker, case, shares_data=False, provider_brief="")

    # when
    referral = step(coordinator, referral, "assign", provider=provider, provider_brief=" Weekly sessions. ")

    # then
    referral.refresh_from_db()
    assert (referral.status, referral.provider_brief) == ("assigned", "Weekly sessions.")
    event = case.events.filter(kind="referral_status").order_by("id").last()
    assert event.changes["provider_brief"] == [None, "Weekly sessions."]


def test_the_coordinators_brief_is_checked_too(worker, coordinator, provider, known_family):
    referral = request_service(worker, known_family, shares_data=False, provider_brief="")
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign", provider=provider, provider_brief="For Айгуль.")
    assert error.value.message_dict == {
        "provider_brief": [
            "Without data sharing the provider may read nothing that identifies the person: remove “Айгуль”."
        ]
    }
    referral.refresh_from_db()
    assert (referral.status, referral.provider_brief) == ("submitted", "")


@pytest.mark.parametrize("role", ["supervisor", "other_worker"])
def test_only_people_who_edit_the_case_request_services(role, case, request):
    with pytest.raises(PermissionDenied):
        request_service(request.getfixturevalue(role), case)
    assert not Referral.objects.exists()


# --- Every legal transition and what it stamps -------------------------------------------------------


def test_assign_stamps_provider_assignee_and_accept_due_from_the_service_type(
    walk, coordinator, provider, provider_user
):
    # given
    referral = walk("submitted")

    # when
    referral = step(coordinator, referral, "assign", provider=provider, assignee=provider_user)

    # then
    referral.refresh_from_db()
    assert referral.status == "assigned"
    assert (referral.provider, referral.assignee) == (provider, provider_user)
    assert referral.assigned_at is not None
    assert referral.accept_due == days(5)
    assert referral.complete_due is None
    assert referral.due_date == days(5)


@pytest.mark.parametrize(("override", "expected"), [(2, 2), (0, 0)])
def test_per_referral_days_to_accept_replace_the_service_default(walk, coordinator, provider, override, expected):
    referral = walk("submitted", days_to_accept=override)
    referral = step(coordinator, referral, "assign", provider=provider)
    assert referral.accept_due == days(expected)


def test_accept_stamps_complete_due_from_the_service_type(walk, provider_user):
    # given
    referral = walk("assigned")

    # when
    referral = step(provider_user, referral, "accept", comment="First session on Monday.")

    # then
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.accepted_at is not None
    assert referral.complete_due == days(90)
    assert referral.due_date == days(90)


def test_per_referral_days_to_complete_replace_the_service_default(walk, provider_user):
    referral = walk("assigned", days_to_complete=14)
    referral = step(provider_user, referral, "accept")
    assert referral.complete_due == days(14)


def test_start_then_complete_stamps_outcome_and_date(walk, provider_user):
    # given
    referral = walk("accepted")

    # when
    referral = step(provider_user, referral, "start")
    assert referral.status == "in_progress"
    referral = step(provider_user, referral, "complete", outcome="  Ten sessions held; sleeps better.  ")

    # then
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert (referral.outcome, referral.completed_on) == ("Ten sessions held; sleeps better.", today())
    assert not referral.is_open
    assert referral.due_date is None


def test_completion_can_be_dated_in_the_past_but_not_the_future(walk, provider_user):
    # given
    referral = walk("in_progress")

    # when / then
    with pytest.raises(ValidationError) as error:
        step(provider_user, referral, "complete", outcome="Done.", completed_on=days(1))
    assert error.value.message_dict == {"completed_on": ["The completion date cannot be in the future."]}
    referral = step(provider_user, referral, "complete", outcome="Done.", completed_on=days(-3))
    assert referral.completed_on == days(-3)


def test_completion_needs_an_outcome(walk, provider_user):
    referral = walk("in_progress")
    with pytest.raises(ValidationError) as error:
        step(provider_user, referral, "complete", outcome="   ")
    assert error.value.message_dict == {"outcome": ["Describe the outcome."]}
    referral.refresh_from_db()
    assert referral.status == "in_progress"


def test_assign_needs_a_provider(walk, coordinator):
    referral = walk("submitted")
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign")
    assert error.value.message_dict == {"provider": ["Choose a provider."]}


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        ("assigned", "decline", "provider_user"),
        ("submitted", "cancel", "worker"),
        ("accepted", "cancel", "coordinator"),
        ("assigned", "revoke", "coordinator"),
        ("in_progress", "revoke", "supervisor"),
    ],
)
def test_decline_cancel_and_revoke_need_a_reason(walk, status, action, actor, request):
    # given
    referral = walk(status)

    # when
    with pytest.raises(ValidationError) as error:
        step(request.getfixturevalue(actor), referral, action, reason="  ")

    # then
    assert error.value.message_dict == {"reason": ["Give a reason."]}
    referral.refresh_from_db()
    assert (referral.status, referral.closing_reason) == (status, "")


@pytest.mark.parametrize(
    ("status", "action", "actor", "target"),
    [
        ("assigned", "decline", "provider_user", "declined"),
        ("draft", "cancel", "worker", "cancelled"),
        ("declined", "cancel", "coordinator", "cancelled"),
        ("in_progress", "cancel", "worker", "cancelled"),
        ("submitted", "revoke", "supervisor", "revoked"),
        ("accepted", "revoke", "coordinator", "revoked"),
    ],
)
def test_decline_cancel_and_revoke_keep_the_reason(walk, status, action, actor, target, request):
    referral = step(request.getfixturevalue(actor), walk(status), action, reason="  The family left for Russia. ")
    referral.refresh_from_db()
    assert (referral.status, referral.closing_reason) == (target, "The family left for Russia.")
    assert referral.is_open == (target == "declined")  # a declined referral waits for another provider


def test_declined_referral_is_assigned_again(walk, coordinator, provider, other_provider, other_provider_user):
    # given
    referral = walk("declined")
    assert referral.closing_reason == "No Russian-speaking counsellor."

    # when
    referral = step(coordinator, referral, "assign", provider=other_provider, assignee=other_provider_user)

    # then
    referral.refresh_from_db()
    assert referral.status == "assigned"
    assert (referral.provider, referral.assignee, referral.closing_reason) == (other_provider, other_provider_user, "")
    assert referral.accept_due == days(5)
    event = referral.case.events.filter(kind="referral_status").latest("id")
    assert event.changes == {"status": ["declined", "assigned"], "provider": [PROVIDER_NAME, str(other_provider)]}


def test_declining_provider_still_sees_the_referral_until_it_goes_elsewhere(
    walk, coordinator, provider_user, other_provider
):
    from services.permissions import referrals_visible_to

    referral = walk("declined")
    assert referrals_visible_to(provider_user).filter(pk=referral.pk).exists()
    step(coordinator, referral, "assign", provider=other_provider)
    assert not referrals_visible_to(provider_user).filter(pk=referral.pk).exists()


# --- Illegal transitions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "actor", "label"),
    [
        ("draft", "assign", "coordinator", "Draft"),
        ("draft", "revoke", "coordinator", "Draft"),
        ("submitted", "submit", "worker", "Submitted"),
        ("submitted", "accept", "coordinator", "Submitted"),
        ("assigned", "assign", "coordinator", "Assigned"),
        ("assigned", "complete", "provider_user", "Assigned"),
        ("accepted", "decline", "provider_user", "Accepted"),
        ("in_progress", "start", "provider_user", "In progress"),
        ("declined", "accept", "provider_user", "Declined"),
        ("completed", "cancel", "worker", "Completed"),
        ("completed", "revoke", "coordinator", "Completed"),
        ("cancelled", "submit", "worker", "Cancelled"),
        ("revoked", "assign", "coordinator", "Revoked"),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_message(walk, status, action, actor, label, request, provider):
    # given
    referral = walk(status)
    events = CaseEvent.objects.count()

    # when
    with pytest.raises(ValidationError) as error:
        step(request.getfixturevalue(actor), referral, action, provider=provider, reason="x", outcome="x")

    # then
    assert error.value.messages == [now_is(label)]
    referral.refresh_from_db()
    assert referral.status == status
    assert CaseEvent.objects.count() == events


def test_unknown_action_is_refused(walk, coordinator):
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted"), "approve")
    assert error.value.messages == ["Unknown action."]


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        ("submitted", "assign", "worker"),
        ("submitted", "assign", "supervisor"),
        ("submitted", "assign", "provider_user"),  # not visible to the provider before assignment
        ("assigned", "accept", "worker"),
        ("assigned", "accept", "supervisor"),
        ("assigned", "accept", "other_provider_user"),
        ("accepted", "start", "worker"),
        ("in_progress", "complete", "supervisor"),
        ("assigned", "cancel", "provider_user"),
        ("assigned", "cancel", "supervisor"),
        ("assigned", "revoke", "worker"),
        ("assigned", "revoke", "provider_user"),
        ("draft", "submit", "coordinator_of_osh"),
        ("submitted", "cancel", "other_worker"),
        ("submitted", "revoke", "osh_supervisor"),
    ],
)
def test_transitions_refused_to_roles_that_may_not_take_them(walk, status, action, actor, request, provider):
    # given
    referral = walk(status)
    if actor == "coordinator_of_osh":
        actor_user = UserFactory(role=User.Role.COORDINATOR, regions=[request.getfixturevalue("osh")])
    else:
        actor_user = request.getfixturevalue(actor)

    # when / then
    with pytest.raises(PermissionDenied):
        step(actor_user, referral, action, provider=provider, reason="x", outcome="x")
    referral.refresh_from_db()
    assert referral.status == status


def test_coordinator_acts_for_a_provider_that_does_not_use_repat(walk, coordinator):
    referral = walk("assigned")
    for action, kwargs in [("accept", {}), ("start", {}), ("complete", {"outcome": "Done on paper."})]:
        referral = step(coordinator, referral, action, **kwargs)
    assert referral.status == "completed"


# --- Concurrency -------------------------------------------------------------------------------------


def test_second_of_two_transitions_from_the_same_status_is_refused(walk, provider_user, coordinator):
    # given: the provider and a coordinator both opened the page while the referral was "assigned"
    referral = walk("assigned")
    seen_by_provider, seen_by_coordinator = (
        Referral.objects.get(pk=referral.pk),
        Referral.objects.get(pk=referral.pk),
    )

    # when
    actions.referral_transition(
        actor=provider_user, referral=seen_by_provider, action="accept", expected_status="assigned"
    )
    with pytest.raises(ValidationError) as error:
        actions.referral_transition(
            actor=coordinator,
            referral=seen_by_coordinator,
            action="decline",
            expected_status="assigned",
            reason="No slots.",
        )

    # then
    assert error.value.messages == [now_is("Accepted")]
    referral.refresh_from_db()
    assert (referral.status, referral.closing_reason) == ("accepted", "")
    statuses = [e.changes["status"] for e in referral.case.events.filter(kind="referral_status")]
    assert ["assigned", "declined"] not in statuses


def test_stale_expected_status_is_refused_even_when_the_step_would_be_legal_now(walk, coordinator, other_provider):
    # given: assigned meanwhile, but the coordinator's page still showed it as submitted
    referral = walk("assigned")

    # when / then
    with pytest.raises(ValidationError) as error:
        actions.referral_transition(
            actor=coordinator, referral=referral, action="cancel", expected_status="submitted", reason="Duplicate."
        )
    assert error.value.messages == [now_is("Assigned")]
    referral.refresh_from_db()
    assert referral.status == "assigned"


def test_two_coordinators_assigning_the_same_referral_only_one_wins(walk, coordinator, provider, other_provider, chuy):
    # given
    referral = walk("submitted")
    second = UserFactory(role=User.Role.COORDINATOR, regions=[chuy])
    step(coordinator, referral, "assign", provider=provider)

    # when: the other coordinator still holds the object as it was ("submitted")
    with pytest.raises(ValidationError) as error:
        step(second, referral, "assign", provider=other_provider)

    # then
    assert error.value.messages == [now_is("Assigned")]
    referral.refresh_from_db()
    assert referral.provider == provider


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_transitions_wait_for_the_row_lock_and_the_second_is_refused(request):
    """Two real database sessions: the first holds the row lock while the second tries the same step."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (SQLite serialises whole transactions).")
    # given
    fixtures = {name: request.getfixturevalue(name) for name in ("walk", "provider_user", "coordinator")}
    referral = fixtures["walk"]("assigned")
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def provider_accepts():
        try:
            with transaction.atomic():
                actions.referral_transition(
                    actor=fixtures["provider_user"], referral=referral, action="accept", expected_status="assigned"
                )
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def coordinator_declines():
        try:
            actions.referral_transition(
                actor=fixtures["coordinator"],
                referral=referral,
                action="decline",
                expected_status="assigned",
                reason="No slots.",
            )
            outcome["second"] = "applied"
        except ValidationError as error:
            outcome["second"] = error.messages
        finally:
            connection.close()

    # when
    first = threading.Thread(target=provider_accepts)
    first.start()
    assert locked.wait(timeout=10)
    second = threading.Thread(target=coordinator_declines)
    second.start()
    time.sleep(0.3)  # the second session is now waiting on the row lock
    assert "second" not in outcome
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)

    # then
    assert outcome["second"] == [now_is("Accepted")]
    referral.refresh_from_db()
    assert referral.status == "accepted"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_assignments_cannot_both_take_a_providers_last_slot(request):
    """Two coordinators assign different referrals to a provider with one slot left, at once."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (SQLite serialises whole transactions).")
    # given
    walk, coordinator, provider = (request.getfixturevalue(name) for name in ("walk", "coordinator", "provider"))
    provider.capacity = 1
    provider.save()
    first_referral, second_referral = walk("submitted"), walk("submitted")
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def first_assigns():
        try:
            with transaction.atomic():
                step(coordinator, first_referral, "assign", provider=provider)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def second_assigns():
        try:
            step(coordinator, second_referral, "assign", provider=provider)
            outcome["second"] = "applied"
        except ValidationError as error:
            outcome["second"] = error.messages
        finally:
            connection.close()

    # when
    first = threading.Thread(target=first_assigns)
    first.start()
    assert locked.wait(timeout=10)
    second = threading.Thread(target=second_assigns)
    second.start()
    time.sleep(0.3)
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)

    # then
    assert outcome["second"] == ["Ak-Bata Family Centre has no open slots."]
    assert list(Referral.objects.filter(status="assigned").values_list("pk", flat=True)) == [first_referral.pk]


# --- Provider checks ---------------------------------------------------------------------------------


def test_provider_not_accepting_referrals_is_refused(walk, coordinator, provider):
    provider.accepting_referrals = False
    provider.save()
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted"), "assign", provider=provider)
    assert error.value.message_dict == {"provider": ["Ak-Bata Family Centre does not accept new referrals."]}


def test_provider_that_does_not_offer_the_service_is_refused(walk, coordinator, chuy):
    school = ProviderFactory(name="School No. 5", regions=[chuy], service_types=[service("school-enrolment")])
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted"), "assign", provider=school)
    assert error.value.message_dict == {"provider": ["School No. 5 does not offer Individual counselling."]}


def test_provider_that_does_not_serve_the_region_is_refused(walk, coordinator, osh, counselling):
    osh_centre = ProviderFactory(name="Osh Family Centre", regions=[osh], service_types=[counselling])
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted"), "assign", provider=osh_centre)
    assert error.value.message_dict == {"provider": ["Osh Family Centre does not serve this region."]}


def test_provider_at_capacity_is_refused_until_a_referral_closes(walk, coordinator, provider, provider_user):
    # given: one slot, taken
    provider.capacity = 1
    provider.save()
    taken = walk("in_progress")
    waiting = walk("submitted")

    # when / then
    with pytest.raises(ValidationError) as error:
        step(coordinator, waiting, "assign", provider=provider)
    assert error.value.message_dict == {"provider": ["Ak-Bata Family Centre has no open slots."]}
    assert actions.provider_load([provider.pk]) == {provider.pk: 1}

    step(provider_user, taken, "complete", outcome="Done.")
    assert actions.provider_load([provider.pk]) == {}
    assert step(coordinator, waiting, "assign", provider=provider).status == "assigned"


def test_assignee_must_work_for_the_provider(walk, coordinator, provider, other_provider_user):
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted"), "assign", provider=provider, assignee=other_provider_user)
    assert error.value.message_dict == {"assignee": ["This person does not work for Ak-Bata Family Centre."]}


def test_provider_user_without_organisation_cannot_be_assignee(walk, coordinator, provider):
    loose = UserFactory(role=User.Role.PROVIDER)
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted"), "assign", provider=provider, assignee=loose)
    assert error.value.message_dict == {"assignee": ["This person does not work for Ak-Bata Family Centre."]}


def test_inactive_assignee_is_refused(walk, coordinator, provider, provider_user):
    provider_user.is_active = False
    provider_user.save()
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted"), "assign", provider=provider, assignee=provider_user)
    assert error.value.message_dict == {"assignee": ["This person's account is not active."]}


# --- The consent gate --------------------------------------------------------------------------------


def test_no_consent_needed_when_no_data_is_shared(walk, coordinator, provider):
    referral = step(coordinator, walk("submitted", shares_data=False), "assign", provider=provider)
    assert (referral.status, referral.consent) == ("assigned", None)


def test_sharing_data_without_any_consent_is_refused(walk, coordinator, provider):
    # given
    referral = walk("submitted", shares_data=True)

    # when
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign", provider=provider)

    # then
    assert error.value.message_dict == {"provider": [NO_CONSENT]}
    referral.refresh_from_db()
    assert (referral.status, referral.provider, referral.consent) == ("submitted", None, None)


def refused_because(given_on: datetime.date, *problems: str) -> str:
    return (
        f"No valid consent allows sharing this returnee's data with {PROVIDER_NAME}. Consent of "
        f"{given_on:%d.%m.%Y}: {' '.join(problems)} Record a new consent, or ask a supervisor to override the "
        "requirement."
    )


def grandmother_of(case):
    return FamilyMemberFactory(
        family=mother_of(case.returnee).family, full_name="Калыйпа Тестова", relationship="grandparent"
    )


@pytest.mark.parametrize(
    ("consent", "problems"),
    [
        pytest.param(
            {"purpose": "services"},
            ["It is for “Receiving services”, not for sharing data with a provider."],
            id="purpose",
        ),
        pytest.param(
            {"service_category": "education"},
            ["It covers Education only, not Individual counselling."],
            id="purpose-covers-another-service",
        ),
        pytest.param(
            {"given_on": days(-400), "expires_on": days(-1)}, [f"It expired on {days(-1):%d.%m.%Y}."], id="expired"
        ),
        pytest.param({"expires_on": None}, ["It has no expiry date."], id="no-expiry"),
        pytest.param(
            {"given_on": days(-30), "withdrawn_on": days(-2)},
            [f"It was withdrawn on {days(-2):%d.%m.%Y}."],
            id="withdrawn",
        ),
        pytest.param(
            # Dates relative to today are worked out when the test runs (a run may cross midnight).
            {"given_on": lambda: days(-30), "withdrawn_on": lambda: days(0)},
            lambda: [f"It was withdrawn on {days(0):%d.%m.%Y}."],
            id="withdrawn-today",
        ),
        pytest.param(
            {"given_on": lambda: days(1)}, lambda: [f"It is dated {days(1):%d.%m.%Y}, after today."], id="not-yet-given"
        ),
        pytest.param(
            {"giver": None, "given_by_name": "Гулнара"},
            ["Who gave consent (“Гулнара”) is not on record: add them to the family, then record the consent again."],
            id="giver-not-on-record",
        ),
        pytest.param(
            {"giver": grandmother_of},
            [
                "Калыйпа Тестова (Grandparent) may not consent for the returnee: only a parent or legal guardian "
                "on record may, or the returnee themself from age 14."
            ],
            id="giver-not-parent-or-guardian",
        ),
        pytest.param(
            {"given_by": "self"},
            ["The returnee was under 14 when consent was given: a parent or legal guardian on record must consent."],
            id="child-alone",
        ),
        pytest.param(
            {"given_on": days(-400), "expires_on": None, "purpose": "services"},
            ["It is for “Receiving services”, not for sharing data with a provider."],
            id="several-at-once-only-what-concerns-sharing",
        ),
    ],
)
def test_the_refusal_names_what_the_consent_lacks(walk, coordinator, provider, case, consent, problems):
    # given: a consent for the provider, with one element missing or wrong
    consent = {key: value() if callable(value) and key != "giver" else value for key, value in consent.items()}
    problems = problems() if callable(problems) else problems
    if callable(consent.get("giver")):
        consent["giver"] = consent["giver"](case)
    if "service_category" in consent:
        consent["service_category"] = ServiceCategory.objects.get(code=consent["service_category"])
    recorded = data_sharing_consent(case, **consent)
    referral = walk("submitted", shares_data=True)

    # when
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign", provider=provider)

    # then
    assert error.value.message_dict == {"provider": [refused_because(recorded.given_on, *problems)]}
    referral.refresh_from_db()
    assert (referral.status, referral.provider) == ("submitted", None)


def test_the_refusal_lists_each_consent_that_falls_short(walk, coordinator, provider, case):
    # given: an expired one and a newer one for photographs
    old = data_sharing_consent(case, given_on=days(-400), expires_on=days(-35))
    new = data_sharing_consent(case, given_on=days(-10), purpose="photos")

    # when
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)

    # then: newest first
    assert error.value.messages == [
        f"No valid consent allows sharing this returnee's data with {PROVIDER_NAME}. "
        f"Consent of {new.given_on:%d.%m.%Y}: It is for “Photographs”, not for sharing data with a provider. "
        f"Consent of {old.given_on:%d.%m.%Y}: It expired on {days(-35):%d.%m.%Y}. "
        "Record a new consent, or ask a supervisor to override the requirement."
    ]


def test_consent_for_another_provider_is_no_consent(walk, coordinator, provider, other_provider, case):
    data_sharing_consent(case, provider=other_provider)
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)
    assert error.value.message_dict == {"provider": [NO_CONSENT]}


def test_a_consent_naming_organisations_only_as_text_no_longer_counts(walk, coordinator, provider, case):
    # given: recorded before consents pointed at providers, and not matched to one since
    data_sharing_consent(case, provider=None, shared_with=f"{PROVIDER_NAME}, school No. 5")

    # when
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)

    # then
    assert error.value.message_dict == {
        "provider": [f"{NO_CONSENT} 1 older consent names organisations only as text and must be recorded again."]
    }


def test_consent_of_another_returnee_does_not_count(walk, coordinator, provider, chuy):
    data_sharing_consent(CaseFactory(returnee=ReturneeFactory(region=chuy)))
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)
    assert error.value.message_dict == {"provider": [NO_CONSENT]}


def test_valid_consent_naming_the_provider_lets_the_referral_be_assigned(walk, coordinator, provider, case):
    # given: an older withdrawn consent too
    data_sharing_consent(case, given_on=days(-90), withdrawn_on=days(-60))
    consent = data_sharing_consent(case, given_on=days(-10), expires_on=days(355))
    referral = walk("submitted", shares_data=True)

    # when
    referral = step(coordinator, referral, "assign", provider=provider)

    # then
    referral.refresh_from_db()
    assert (referral.status, referral.provider, referral.consent) == ("assigned", provider, consent)


def test_consent_valid_on_its_last_day(walk, coordinator, provider, case):
    consent = data_sharing_consent(case, given_on=days(-365), expires_on=days(0))
    referral = step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)
    assert referral.consent == consent


def test_a_ten_year_olds_own_consent_is_refused_and_the_mothers_accepted(walk, coordinator, provider, case):
    # given: a child of ten (born exactly ten years ago) who signed alone
    Returnee.objects.filter(pk=case.returnee_id).update(date_of_birth=years_ago(10))
    case.returnee.refresh_from_db()
    own = data_sharing_consent(case, given_by="self", given_on=days(-5))
    referral = walk("submitted", shares_data=True)

    # when / then: refused, and the refusal says why
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign", provider=provider)
    assert error.value.messages == [
        refused_because(
            own.given_on,
            "The returnee was under 14 when consent was given: a parent or legal guardian on record must consent.",
        )
    ]

    # when the mother on record consents
    mothers = data_sharing_consent(case, given_on=days(-1))
    referral = step(coordinator, referral, "assign", provider=provider)

    # then
    assert (referral.status, referral.consent, mothers.giver.relationship) == ("assigned", mothers, "mother")


def test_consent_age_is_set_by_administrators(walk, coordinator, provider, case):
    # given: the same ten-year-old, in a programme that lets children consent from ten
    CaseSettings.objects.update_or_create(pk=1, defaults={"consent_min_age": 10})
    Returnee.objects.filter(pk=case.returnee_id).update(date_of_birth=years_ago(10))
    own = data_sharing_consent(case, given_by="self", given_on=days(0))

    # when / then
    assert step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider).consent == own


def test_a_category_wide_consent_covers_any_provider_of_that_category_only(
    walk, coordinator, provider, other_provider, case, chuy
):
    # given: consent to share with any provider of psychosocial support
    consent = data_sharing_consent(case, provider=None, service_category=provider_category())
    school = ProviderFactory(name="School No. 5", regions=[chuy], service_types=[service("school-enrolment")])

    # when: two providers of that category
    first = step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)
    second = step(coordinator, walk("submitted", shares_data=True), "assign", provider=other_provider)

    # then
    assert (first.consent, second.consent) == (consent, consent)

    # and a school enrolment is another category: no consent for it
    enrolment = request_service(case.worker, case, service_type=service("school-enrolment"), shares_data=True)
    with pytest.raises(ValidationError) as error:
        step(coordinator, enrolment, "assign", provider=school)
    assert error.value.messages == [
        "No consent allows sharing this returnee's data with School No. 5 or any provider of Education. Record "
        "the consent, or ask a supervisor to override the requirement."
    ]


@pytest.fixture
def guardianship(case):
    """A child without parents on record, whose grandmother was appointed guardian 100 days ago."""
    return CareArrangementFactory(
        returnee=case.returnee,
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="GO-12",
        guardianship_order_date=days(-100),
        placement_date=days(-120),
    )


def test_a_guardian_appointed_by_an_order_may_consent(walk, coordinator, provider, case, guardianship):
    consent = data_sharing_consent(case, given_by="guardian", giver=None, guardianship=guardianship, given_on=days(-50))
    assert step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider).consent == consent


@pytest.mark.parametrize(
    ("given", "ended", "problem"),
    [
        (-10, -20, "The guardianship of Калыйпа Тестова had ended when consent was given."),
        # The date is filled in when the test runs, not when it is collected (a run may cross midnight).
        (-110, None, "Калыйпа Тестова became the legal guardian only on {start:%d.%m.%Y}."),
    ],
)
def test_a_guardian_may_consent_only_while_the_guardianship_lasts(
    walk, coordinator, provider, case, guardianship, given, ended, problem
):
    # given
    CareArrangement.objects.filter(pk=guardianship.pk).update(ended_on=ended and days(ended))
    guardianship.refresh_from_db()
    consent = data_sharing_consent(
        case, given_by="guardian", giver=None, guardianship=guardianship, given_on=days(given)
    )

    # when / then
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)
    assert error.value.messages == [refused_because(consent.given_on, problem.format(start=days(-100)))]


def test_a_mothers_consent_does_not_speak_for_an_adult(walk, coordinator, provider, case):
    Returnee.objects.filter(pk=case.returnee_id).update(date_of_birth=years_ago(19))
    consent = data_sharing_consent(case)
    with pytest.raises(ValidationError) as error:
        step(coordinator, walk("submitted", shares_data=True), "assign", provider=provider)
    assert error.value.messages == [
        refused_because(
            consent.given_on,
            "The returnee was an adult when consent was given: only they, or a legal guardian on record, may consent.",
        )
    ]


def test_supervisor_override_with_a_reason_lets_the_referral_be_assigned(walk, supervisor, coordinator, provider):
    # given
    referral = walk("submitted", shares_data=True)

    # when
    actions.referral_consent_override(
        actor=supervisor, referral=referral, reason="  Mother unreachable in Russia; the child needs care now. "
    )
    referral = step(coordinator, referral, "assign", provider=provider)

    # then
    referral.refresh_from_db()
    assert (referral.status, referral.consent) == ("assigned", None)
    assert referral.consent_overridden_by == supervisor
    assert referral.consent_overridden_at is not None
    assert referral.consent_override_reason == "Mother unreachable in Russia; the child needs care now."
    event = referral.case.events.get(kind=CaseEvent.Kind.CONSENT_OVERRIDDEN)
    assert (event.actor, event.subject, event.subject_id) == (supervisor, "referral", referral.pk)
    assert event.changes == {
        "consent_override_reason": [None, "Mother unreachable in Russia; the child needs care now."]
    }


def test_administrator_may_override_consent(walk, administrator):
    referral = actions.referral_consent_override(
        actor=administrator, referral=walk("submitted", shares_data=True), reason="Court order."
    )
    assert referral.consent_overridden_by == administrator


@pytest.mark.parametrize("role", ["coordinator", "worker", "provider_user", "osh_supervisor"])
def test_override_by_anyone_but_a_supervisor_of_the_region_is_denied(walk, role, request):
    # given
    referral = walk("submitted", shares_data=True)

    # when / then
    with pytest.raises(PermissionDenied):
        actions.referral_consent_override(
            actor=request.getfixturevalue(role), referral=referral, reason="The child needs care now."
        )
    referral.refresh_from_db()
    assert referral.consent_overridden_by is None
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.CONSENT_OVERRIDDEN).exists()


def test_override_without_a_reason_is_refused(walk, supervisor):
    referral = walk("submitted", shares_data=True)
    with pytest.raises(ValidationError) as error:
        actions.referral_consent_override(actor=supervisor, referral=referral, reason="   ")
    assert error.value.message_dict == {"reason": ["Give the reason for the override."]}
    referral.refresh_from_db()
    assert referral.consent_overridden_by is None


def test_override_is_recorded_once(walk, supervisor):
    referral = walk("submitted", shares_data=True)
    actions.referral_consent_override(actor=supervisor, referral=referral, reason="Urgent.")
    with pytest.raises(ValidationError) as error:
        actions.referral_consent_override(actor=supervisor, referral=referral, reason="Again.")
    assert error.value.messages == ["The consent requirement was already overridden."]


@pytest.mark.parametrize(("status", "shares_data"), [("submitted", False), ("completed", True)])
def test_override_where_none_is_needed_is_refused(walk, supervisor, case, status, shares_data):
    if shares_data:
        data_sharing_consent(case)
    referral = walk(status, shares_data=shares_data)
    with pytest.raises(ValidationError) as error:
        actions.referral_consent_override(actor=supervisor, referral=referral, reason="Urgent.")
    assert error.value.messages == ["This referral does not need a consent override."]


# --- Bulk assignment ---------------------------------------------------------------------------------


def test_bulk_assign_assigns_every_referral(walk, coordinator, provider):
    # given
    referrals = [walk("submitted"), walk("declined"), walk("submitted")]

    # when
    count = actions.referrals_assign(actor=coordinator, referrals=referrals, provider=provider, comment="Weekly run.")

    # then
    assert count == 3
    assert set(Referral.objects.values_list("status", "provider")) == {("assigned", provider.pk)}
    comments = [e.changes.get("comment") for e in CaseEvent.objects.filter(kind="referral_status")]
    assert comments.count([None, "Weekly run."]) == 3


def test_bulk_assign_is_all_or_none(walk, coordinator, provider):
    # given: the middle one shares data without consent
    first, unsuitable, last = walk("submitted"), walk("submitted", shares_data=True), walk("submitted")
    events = CaseEvent.objects.count()

    # when
    with pytest.raises(ValidationError) as error:
        actions.referrals_assign(actor=coordinator, referrals=[first, unsuitable, last], provider=provider)

    # then
    assert error.value.messages == [f"{unsuitable.case.returnee.case_number}: {NO_CONSENT} — nothing was assigned."]
    assert set(Referral.objects.values_list("status", "provider")) == {("submitted", None)}
    assert CaseEvent.objects.count() == events


def test_bulk_assign_refuses_a_referral_that_shares_no_data_and_has_no_brief(walk, coordinator, provider):
    # given
    first, briefless = walk("submitted"), walk("submitted", provider_brief="")

    # when
    with pytest.raises(ValidationError) as error:
        actions.referrals_assign(actor=coordinator, referrals=[first, briefless], provider=provider)

    # then: the coordinator is told which, and writes the brief on its own assignment page
    assert error.value.messages == [
        f"{briefless.case.returnee.case_number}: Write what the provider needs to act: without data sharing, it "
        "is all the provider reads. — nothing was assigned."
    ]
    assert set(Referral.objects.values_list("status", flat=True)) == {"submitted"}


def test_bulk_assign_counts_capacity_as_it_goes(walk, coordinator, provider):
    # given: two slots, three referrals
    provider.capacity = 2
    provider.save()
    referrals = [walk("submitted") for _ in range(3)]

    # when / then
    with pytest.raises(ValidationError) as error:
        actions.referrals_assign(actor=coordinator, referrals=referrals, provider=provider)
    assert error.value.messages == [
        f"{referrals[2].case.returnee.case_number}: Ak-Bata Family Centre has no open slots. — nothing was assigned."
    ]
    assert not Referral.objects.filter(status="assigned").exists()


@pytest.mark.parametrize("role", ["worker", "supervisor", "provider_user"])
def test_bulk_assign_is_for_coordinators(walk, provider, role, request):
    referral = walk("submitted")
    with pytest.raises(PermissionDenied):
        actions.referrals_assign(actor=request.getfixturevalue(role), referrals=[referral], provider=provider)
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_bulk_assign_refuses_referrals_outside_the_coordinators_region(walk, coordinator, provider, other_worker, osh):
    # given
    mine = walk("submitted")
    foreign = request_service(other_worker, CaseFactory(worker=other_worker, returnee=ReturneeFactory(region=osh)))

    # when / then
    with pytest.raises(PermissionDenied):
        actions.referrals_assign(actor=coordinator, referrals=[mine, foreign], provider=provider)
    assert set(Referral.objects.values_list("status", flat=True)) == {"submitted"}


# --- Every transition writes a case event ------------------------------------------------------------


def test_every_transition_writes_a_referral_status_event_with_actor_and_change(
    worker, coordinator, supervisor, provider, provider_user, case
):
    # given
    referral = request_service(worker, case, submit=False)
    road = [
        ("submit", worker, {}),
        ("assign", coordinator, {"provider": provider}),
        ("decline", provider_user, {"reason": "Full this month."}),
        ("assign", coordinator, {"provider": provider}),
        ("accept", provider_user, {}),
        ("start", provider_user, {}),
        ("complete", provider_user, {"outcome": "Done."}),
    ]

    # when
    for action, actor, kwargs in road:
        referral = step(actor, referral, action, **kwargs)
    cancelled = step(worker, request_service(worker, case), "cancel", reason="Duplicate.")
    revoked = step(supervisor, request_service(worker, case), "revoke", reason="Not needed.")

    # then
    rows = [
        (e.subject_id, e.actor, e.changes["status"])
        for e in case.events.filter(kind=CaseEvent.Kind.REFERRAL_STATUS).order_by("id")
    ]
    assert rows == [
        (referral.pk, worker, ["draft", "submitted"]),
        (referral.pk, coordinator, ["submitted", "assigned"]),
        (referral.pk, provider_user, ["assigned", "declined"]),
        (referral.pk, coordinator, ["declined", "assigned"]),
        (referral.pk, provider_user, ["assigned", "accepted"]),
        (referral.pk, provider_user, ["accepted", "in_progress"]),
        (referral.pk, provider_user, ["in_progress", "completed"]),
        (cancelled.pk, worker, ["draft", "submitted"]),
        (cancelled.pk, worker, ["submitted", "cancelled"]),
        (revoked.pk, worker, ["draft", "submitted"]),
        (revoked.pk, supervisor, ["submitted", "revoked"]),
    ]
    declined = [e for e in case.events.filter(kind="referral_status") if e.changes["status"][1] == "declined"]
    assert [e.changes["comment"] for e in declined] == [[None, "Full this month."]]


# --- A transferred case takes its referrals along (the transfer itself: tests/cases) -----------------


def test_transfer_moves_the_cases_referrals_out_of_sight_of_the_old_region(
    walk, worker, other_worker, case, osh, coordinator, osh_coordinator
):
    from services.permissions import referrals_visible_to

    # given
    referral = walk("submitted")
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")

    # when
    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=True)

    # then
    assert not referrals_visible_to(coordinator).filter(pk=referral.pk).exists()
    assert not referrals_visible_to(worker).filter(pk=referral.pk).exists()
    assert referrals_visible_to(osh_coordinator).filter(pk=referral.pk).exists()
    assert referrals_visible_to(other_worker).filter(pk=referral.pk).exists()


def test_open_referrals_follow_an_accepted_transfer_to_the_new_region(
    walk, worker, other_worker, case, osh, osh_coordinator
):
    # given: a referral waiting in Chüy's queue
    referral = walk("submitted")
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")

    # when the case moves to Osh
    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=True)

    # then Osh's queue filter and "serves this region" check apply to it
    referral.refresh_from_db()
    assert referral.region == osh


# --- The responsible person --------------------------------------------------------------------------


def test_a_social_worker_of_another_region_cannot_be_the_responsible_person(walk, coordinator, provider, other_worker):
    referral = walk("submitted")
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign", provider=provider, assignee=other_worker)
    assert error.value.message_dict == {"assignee": ["This social worker does not work in the returnee's region."]}
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_a_coordinator_cannot_be_the_responsible_person(walk, coordinator, provider):
    referral = walk("submitted")
    with pytest.raises(ValidationError) as error:
        step(coordinator, referral, "assign", provider=provider, assignee=coordinator)
    assert error.value.message_dict == {"assignee": ["Choose a member of the provider's staff or a social worker."]}
