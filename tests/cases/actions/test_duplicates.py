"""The duplicate check in `returnee_register` (cases/actions/duplicates.py): nothing is saved while
probable matches are not confirmed; a confirmation holds for the matches it was given for; the
reason is kept; matches the worker may not see are decided by those who see both records."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import actions
from cases.models import CaseEvent, DuplicateDecision, Returnee
from cases.search import duplicates_fingerprint, registration_duplicates
from repat.accounts.models import User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    FamilyMemberFactory,
    OperationFactory,
    ReturneeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REASON = "Another mother: checked with the family."


@pytest.fixture(autouse=True)
def overseen(coordinator):
    """Chüy has a coordinator (a region nobody oversees takes no registration)."""


def recorded(worker, region, given="Асель", family="Жумабаева", **fields):
    returnee = ReturneeFactory(
        given_name=given, family_name=family, region=region, date_of_birth=datetime.date(2016, 4, 2), **fields
    )
    CaseFactory(returnee=returnee, worker=worker)
    return returnee


def register(actor, region, *, given="Asel", family="Zhumabaeva", aliases=(), **kwargs):
    data = {
        "given_name": given,
        "family_name": family,
        "sex": "female",
        "date_of_birth": datetime.date(2016, 1, 1),
        "date_of_birth_precision": "year",
        "operation": OperationFactory(),
        "arrival_date": datetime.date(2023, 2, 10),
        "region": region,
    }
    kwargs.setdefault("new_family_name", "Жумабаевы")
    return actions.returnee_register(actor=actor, data=data, aliases=aliases, **kwargs)


def test_a_probable_duplicate_stops_the_registration_and_says_who(worker, chuy):
    asel = recorded(worker, chuy)

    with pytest.raises(actions.ProbableDuplicates) as found:
        register(worker, chuy)

    [match] = found.value.matches
    assert (match.returnee_id, match.visible, match.returnee, match.same_birth) == (asel.pk, True, asel, True)
    assert found.value.fingerprint == duplicates_fingerprint(worker, found.value.matches)
    assert found.value.messages == [
        "This person may be registered already: open their record, or confirm that this is another person."
    ]
    assert Returnee.objects.count() == 1


def test_a_confirmation_registers_and_keeps_the_reason(worker, chuy):
    asel = recorded(worker, chuy)
    with pytest.raises(actions.ProbableDuplicates) as found:
        register(worker, chuy)

    new = register(worker, chuy, distinct=found.value.confirm(f"  {REASON} "))

    decision = DuplicateDecision.objects.get()
    assert (decision.returnee, decision.candidate, decision.status, decision.reason, decision.decided_by) == (
        new,
        asel,
        DuplicateDecision.Status.CONFIRMED,
        REASON,
        worker,
    )
    assert decision.decided_at is not None
    kinds = list(new.case.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["registered", "opened", "family_joined", "duplicate_confirmed"]
    assert new.case.events.get(kind="duplicate_confirmed").changes == {"distinct_reason": [None, REASON]}


def test_a_confirmation_without_a_reason_is_refused_with_the_matches(worker, chuy):
    recorded(worker, chuy)
    with pytest.raises(actions.ProbableDuplicates) as found:
        register(worker, chuy)

    with pytest.raises(actions.ProbableDuplicates) as again:
        register(worker, chuy, distinct=found.value.confirm("   "))

    assert again.value.message_dict == {"distinct_reason": ["Say why this is a different person."]}
    assert len(again.value.matches) == 1
    assert Returnee.objects.count() == 1


def test_a_confirmation_holds_only_for_the_matches_it_was_given_for(worker, chuy):
    recorded(worker, chuy)
    with pytest.raises(actions.ProbableDuplicates) as found:
        register(worker, chuy)
    recorded(worker, chuy, given="Aсел")  # registered meanwhile by someone else

    with pytest.raises(actions.ProbableDuplicates) as again:
        register(worker, chuy, distinct=found.value.confirm(REASON))

    assert len(again.value.matches) == 2
    assert Returnee.objects.count() == 2


def test_a_confirmation_is_the_workers_own(worker, chuy):
    colleague = UserFactory(username="worker-c", role=User.Role.SOCIAL_WORKER, regions=[chuy])
    recorded(worker, chuy)
    with pytest.raises(actions.ProbableDuplicates) as found:
        register(worker, chuy)

    with pytest.raises(actions.ProbableDuplicates):
        register(colleague, chuy, distinct=found.value.confirm(REASON))


def test_no_match_no_question(worker, chuy):
    recorded(worker, chuy)

    new = register(worker, chuy, given="Zarina", family="Karimova")

    assert not new.duplicate_decisions.exists()


def test_a_hidden_match_is_pending_and_told_to_those_who_see_both(worker, other_worker, chuy, osh, osh_supervisor):
    both = UserFactory(username="supervisor-both", role=User.Role.SUPERVISOR, regions=[chuy, osh])
    hidden = recorded(other_worker, osh)
    with pytest.raises(actions.ProbableDuplicates) as found:
        register(worker, chuy)
    [match] = found.value.matches
    assert (match.visible, match.returnee) == (False, None)  # nothing about the person travels

    new = register(worker, chuy, distinct=found.value.confirm(REASON))

    decision = DuplicateDecision.objects.get()
    assert (decision.candidate, decision.status, decision.decided_by) == (hidden, "pending", None)
    assert list(Reminder.objects.values_list("recipient", "item_type", "item_id", "case")) == [
        (both.pk, "duplicate", decision.pk, new.case.pk)
    ]


def test_the_mother_of_the_household_is_compared(worker, chuy):
    asel = recorded(worker, chuy)
    mothers_home = FamilyFactory()
    FamilyMemberFactory(family=mothers_home, full_name="Гулнара Жумабаева", relationship="mother")
    FamilyMemberFactory(family=mothers_home, returnee=asel, relationship="child")
    household = FamilyFactory(region=chuy)
    FamilyMemberFactory(family=household, full_name="Gulnara Zhumabaeva", relationship="mother")

    data = {"given_name": "Asel", "family_name": "Zhumabaeva", "sex": "female", "operation": OperationFactory()}
    [match] = registration_duplicates(worker, data=data, family=household, relationship="child")
    [as_mother] = registration_duplicates(worker, data=data, family=household, relationship="mother")

    assert (match.same_mother, as_mother.same_mother) == (True, False)


def written_for(returnee) -> dict:
    """What recording the matches wrote for a new person, without ids and times."""
    decisions = DuplicateDecision.objects.filter(returnee=returnee).order_by("candidate_id")
    candidate_of = dict(decisions.values_list("pk", "candidate_id"))
    return {
        "decisions": [
            (d.candidate_id, d.score, d.status, d.registered_by_id, d.decided_by_id, d.decided_at is None, d.reason)
            for d in decisions
        ],
        "events": list(CaseEvent.objects.filter(case=returnee.case).values_list("kind", "actor", "changes")),
        "audit": [
            (action, actor, object_type, object_id == returnee.case.pk, detail, changes)
            for action, actor, object_type, object_id, detail, changes in AuditEvent.objects.filter(
                case_id=returnee.case.pk
            )
            .order_by("id")
            .values_list("action", "actor", "object_type", "object_id", "detail", "changes")
        ],
        "told": sorted(
            (candidate_of[item_id], recipient, item_type, stage, due)
            for item_id, recipient, item_type, stage, due in Reminder.objects.filter(case=returnee.case).values_list(
                "item_id", "recipient", "item_type", "stage", "due_date"
            )
        ),
    }


def test_many_at_once_writes_what_one_by_one_writes(worker, other_worker, chuy, osh, osh_supervisor):
    UserFactory(username="supervisor-both", role=User.Role.SUPERVISOR, regions=[chuy, osh])
    UserFactory(username="coordinator-both", role=User.Role.COORDINATOR, regions=[chuy, osh])
    seen, hidden = recorded(worker, chuy), recorded(other_worker, osh)
    data = {"given_name": "Asel", "family_name": "Zhumabaeva", "sex": "female", "operation": OperationFactory()}
    matches = registration_duplicates(worker, data=data)
    assert sorted((m.returnee_id, m.visible) for m in matches) == [(seen.pk, True), (hidden.pk, False)]
    new = [recorded(worker, chuy, given=f"New {n}", family="Person") for n in range(4)]

    for person in new[:2]:
        actions.duplicates_record(actor=worker, returnee=person, matches=matches, reason=REASON)
    actions.duplicates_record_many(actor=worker, confirmations=[(person, matches, REASON) for person in new[2:]])

    one_by_one, many = [written_for(person) for person in new[:2]], [written_for(person) for person in new[2:]]
    assert many == one_by_one
    assert len(many[0]["decisions"]) == 2 and len(many[0]["told"]) == 2  # the pending one, to both deciders
    assert many[0]["audit"][0][4] == "duplicate_confirmed"
    assert audit.verify().intact


def test_many_at_once_refuses_a_missing_reason(worker, chuy):
    seen = recorded(worker, chuy)
    matches = registration_duplicates(worker, data={"given_name": "Asel", "family_name": "Zhumabaeva"})
    new = recorded(worker, chuy, given="Other", family="Person")

    with pytest.raises(ValidationError):
        actions.duplicates_record_many(actor=worker, confirmations=[(new, matches, "  ")])

    assert not DuplicateDecision.objects.filter(candidate=seen).exists()


def test_the_registrations_birth_precision_is_compared(worker, chuy):
    asel = recorded(worker, chuy)  # born 2016-04-02
    data = {"given_name": "Asel", "family_name": "Zhumabaeva", "sex": "female", "operation": OperationFactory()}
    born = {"date_of_birth": datetime.date(2015, 1, 1)}

    # "2015" reaches 2015-12-31, 93 days before her birth; the day 2015-01-01 is 457 days before it.
    year = registration_duplicates(worker, data={**data, **born, "date_of_birth_precision": "year"})
    exact = registration_duplicates(worker, data={**data, **born, "date_of_birth_precision": "exact"})

    assert ([m.returnee_id for m in year], exact) == ([asel.pk], [])


# --- the decision ---


@pytest.fixture
def pending(worker, other_worker, chuy, osh):
    recorded(other_worker, osh)
    with pytest.raises(actions.ProbableDuplicates) as found:
        register(worker, chuy)
    register(worker, chuy, distinct=found.value.confirm(REASON))
    return DuplicateDecision.objects.get()


@pytest.fixture
def decider(chuy, osh):
    return UserFactory(username="coordinator-both", role=User.Role.COORDINATOR, regions=[chuy, osh])


def test_different_people_is_decided_with_a_reason(pending, decider):
    actions.duplicate_decide(actor=decider, decision=pending, same=False, reason="Seen both, not one girl.")

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_reason) == (
        "different",
        decider,
        "Seen both, not one girl.",
    )
    event = pending.returnee.case.events.get(kind=CaseEvent.Kind.DUPLICATE_DECIDED)
    assert (event.actor, event.subject, event.subject_id, event.item) == (
        decider,
        "duplicatedecision",
        pending.pk,
        "different",
    )


def test_different_people_without_a_reason_is_refused(pending, decider):
    with pytest.raises(ValidationError) as refused:
        actions.duplicate_decide(actor=decider, decision=pending, same=False, reason=" ")

    assert refused.value.message_dict == {"reason": ["Say why these are different people."]}


def test_a_decision_is_taken_once(pending, decider):
    actions.duplicate_decide(actor=decider, decision=pending, same=True)

    with pytest.raises(ValidationError) as refused:
        actions.duplicate_decide(actor=decider, decision=pending, same=False, reason="No.")

    assert refused.value.messages == ["This probable duplicate has been decided already."]


@pytest.mark.parametrize("role", ["worker", "other_worker", "coordinator", "supervisor", "osh_supervisor"])
def test_only_those_who_see_both_decide(role, request, pending):
    with pytest.raises(PermissionDenied):
        actions.duplicate_decide(actor=request.getfixturevalue(role), decision=pending, same=True)
    pending.refresh_from_db()
    assert pending.status == "pending"
