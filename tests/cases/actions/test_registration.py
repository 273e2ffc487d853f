import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import actions
from cases.models import Case, CaseEvent, ReturneeAlias
from tests.factories import CaseFactory, FamilyFactory, close_case, register_returnee

pytestmark = pytest.mark.django_db


def register(actor, region, **overrides):
    return register_returnee(actor, region, new_family_name="Орозовы", **overrides)


def test_case_numbers_are_readable_unique_and_sequential(worker, chuy, coordinator):
    first, second = register(worker, chuy), register(worker, chuy)
    assert first.case_number == "KG-2023-00001"
    assert second.case_number == "KG-2023-00002"


def test_registration_writes_events_in_order(worker, chuy, coordinator):
    returnee = register(worker, chuy)
    kinds = list(returnee.case.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["registered", "opened", "family_joined"]


@pytest.mark.parametrize(
    ("name", "script"),
    [("Hamza Orozov", "latin"), ("Хамза Орозов", "cyrillic"), ("حمزة", "arabic"), ("123", "other")],
)
def test_alias_script_is_detected(name, script):
    assert actions.script_of(name) == script


def test_supervisor_cannot_register(supervisor, chuy):
    with pytest.raises(PermissionDenied):
        register(supervisor, chuy)


def test_case_update_records_old_and_new_values(worker, case):
    actions.case_update(actor=worker, case=case, data={"status": "active", "risk_level": "high", "risk_reason": "x"})
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.STATUS_CHANGED
    assert event.changes["status"] == ["open", "active"]
    assert event.changes["risk_level"] == ["medium", "high"]
    assert event.actor == worker


def test_case_update_without_changes_writes_no_event(worker, case):
    actions.case_update(actor=worker, case=case, data={"status": case.status})
    assert not case.events.exists()


def test_close_through_an_approval_and_reopen(worker, supervisor, case):
    # when: the worker asks, a supervisor approves
    close_case(case, supervisor, reason="moved")

    # then
    assert (case.status, case.closed_on, case.closure_reason) == ("closed", timezone.localdate(), "moved")
    assert case.events.get(kind="closed").actor == supervisor

    # when: the worker reopens it from the case form
    actions.case_update(actor=worker, case=case, data={"status": "active"})

    # then
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == ("active", None, "")
    kinds = list(case.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["approval_requested", "closed", "approval_given", "reopened"]


@pytest.mark.parametrize("role", ["worker", "coordinator", "administrator"])
@pytest.mark.parametrize("data", [{"status": "closed", "closure_reason": "moved"}, {"status": "closed"}])
def test_case_update_refuses_to_close_a_case(request, case, role, data):
    with pytest.raises(ValidationError) as error:
        actions.case_update(actor=request.getfixturevalue(role), case=case, data=data)

    assert error.value.message_dict == {
        "status": ["A case closes when a supervisor approves its closure: request the closure instead."]
    }
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == (Case.Status.OPEN, None, "")
    assert not case.events.exists()


def test_case_update_of_a_closed_case_keeps_the_approved_reason(worker, supervisor, case):
    close_case(case, supervisor, reason="reintegrated")

    actions.case_update(
        actor=worker, case=case, data={"status": "closed", "closure_reason": "moved", "risk_level": "low"}
    )

    case.refresh_from_db()
    assert (case.status, case.closure_reason, case.closed_on) == ("closed", "reintegrated", timezone.localdate())
    assert case.risk_level == "low"


def test_the_database_refuses_a_closed_case_without_a_reason(case):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="closed")


def test_worker_cannot_reassign(worker, other_worker, case):
    with pytest.raises(ValidationError):
        actions.case_update(actor=worker, case=case, data={"worker": other_worker})


def test_coordinator_reassigns_within_region(coordinator, worker, case, chuy):
    from tests.factories import UserFactory

    colleague = UserFactory(regions=[chuy])
    actions.case_update(actor=coordinator, case=case, data={"worker": colleague})
    case.refresh_from_db()
    assert case.worker == colleague
    assert case.events.get().kind == CaseEvent.Kind.ASSIGNED


def test_note_on_closed_case_is_refused(worker, supervisor, case):
    close_case(case, supervisor)
    with pytest.raises(ValidationError) as error:
        actions.note_log(actor=worker, case=case, contact_date=timezone.localdate(), kind="phone_call", summary="x")
    assert error.value.messages == ["This case is closed: reopen it before logging a contact."]


def test_note_cannot_be_written_by_a_worker_who_does_not_hold_the_case(other_worker, case):
    with pytest.raises(PermissionDenied):
        actions.note_log(
            actor=other_worker, case=case, contact_date=timezone.localdate(), kind="phone_call", summary="x"
        )


def test_returnee_update_replaces_aliases_and_records_it(worker, case):
    actions.returnee_update(actor=worker, returnee=case.returnee, data={}, aliases=["Aisha", "عائشة"])
    assert sorted(ReturneeAlias.objects.values_list("script", flat=True)) == ["arabic", "latin"]
    assert case.events.get().changes["aliases"] == [None, "Aisha, عائشة"]


def test_new_head_of_household_replaces_the_old_one(worker, case):
    family = FamilyFactory()
    actions.family_member_add(actor=worker, family=family, full_name="Первая", relationship="mother", is_head=True)
    actions.family_member_add(actor=worker, family=family, full_name="Вторая", relationship="grandparent", is_head=True)
    assert family.members.get(is_head=True).full_name == "Вторая"


def test_timeline_labels_changes_in_the_readers_language(worker, case):
    from django.utils import translation

    from cases.selectors import timeline

    actions.case_update(actor=worker, case=case, data={"risk_level": "high", "risk_reason": "x"})
    with translation.override("en"):
        change = next(c for c in timeline(case=case)[0].changes if c.label == "Risk level")
    assert (change.old, change.new) == ("Medium", "High")


def test_case_factory_cases_are_open():
    assert CaseFactory().status == Case.Status.OPEN
