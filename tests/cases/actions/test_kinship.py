"""Kinship (DNA) tests, through the actions: a test against a relative, its result, and what a
confirmed match changes in the family record."""

import pytest

from cases import actions
from cases.models import CaseEvent, FamilyMember, KinshipBasis, KinshipTest
from tests.factories import CaseFactory, ConsentRecordFactory, FamilyFactory, FamilyMemberFactory, KinshipTestFactory

from .helpers import days, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def mother(db):
    """The returnee's claimed mother, recorded in her own household (not a returnee)."""
    return FamilyMemberFactory(family=FamilyFactory(name="Тестовы"), full_name="Гулнара Тестова", relationship="mother")


def test_kinship_test_is_recorded_pending_with_an_event(worker, case, mother):
    consent = ConsentRecordFactory(returnee=case.returnee, purpose="dna_testing", given_on=days(-20))

    test = actions.kinship_test_record(
        actor=worker,
        returnee=case.returnee,
        relative=mother,
        claimed_relationship="mother",
        laboratory="Republican forensic laboratory",
        sample_date=days(-10),
        consent=consent,
    )

    assert test.result == KinshipTest.Result.PENDING
    assert test.consent == consent
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.KINSHIP_TEST
    assert (event.subject, event.subject_id, event.item) == ("kinshiptest", test.pk, "mother")
    assert event.changes == {
        "relative": [None, "Гулнара Тестова"],
        "laboratory": [None, "Republican forensic laboratory"],
    }


def test_a_returnee_cannot_be_tested_against_themselves(worker, case, mother):
    self_member = FamilyMemberFactory(family=mother.family, returnee=case.returnee)

    error = refused(
        lambda: actions.kinship_test_record(
            actor=worker,
            returnee=case.returnee,
            relative=self_member,
            claimed_relationship="mother",
            laboratory="Lab",
            sample_date=days(-1),
        )
    )

    assert error.message_dict == {"relative": ["A person cannot be tested against themselves."]}
    assert not KinshipTest.objects.exists()


@pytest.mark.parametrize(
    "make_consent",
    [
        pytest.param(lambda case: ConsentRecordFactory(returnee=case.returnee, purpose="photos"), id="other purpose"),
        pytest.param(
            lambda case: ConsentRecordFactory(
                returnee=CaseFactory().returnee, purpose="dna_testing", given_on=days(-30)
            ),
            id="other returnee",
        ),
        pytest.param(
            lambda case: ConsentRecordFactory(
                returnee=case.returnee, purpose="dna_testing", given_on=days(-30), withdrawn_on=days(-20)
            ),
            id="withdrawn before the sample",
        ),
        pytest.param(
            lambda case: ConsentRecordFactory(
                returnee=case.returnee, purpose="dna_testing", given_on=days(-30), expires_on=days(-11)
            ),
            id="expired before the sample",
        ),
        pytest.param(
            lambda case: ConsentRecordFactory(returnee=case.returnee, purpose="dna_testing", given_on=days(-5)),
            id="given after the sample",
        ),
    ],
)
def test_kinship_test_consent_must_be_a_valid_dna_consent_of_the_returnee(worker, case, mother, make_consent):
    consent = make_consent(case)

    error = refused(
        lambda: actions.kinship_test_record(
            actor=worker,
            returnee=case.returnee,
            relative=mother,
            claimed_relationship="mother",
            laboratory="Lab",
            sample_date=days(-10),
            consent=consent,
        )
    )

    assert error.message_dict == {
        "consent": ["Choose a DNA-testing consent of this returnee valid on the sample date."]
    }
    assert not KinshipTest.objects.exists()


def test_kinship_sample_cannot_be_dated_in_the_future(worker, case, mother):
    error = refused(
        lambda: actions.kinship_test_record(
            actor=worker,
            returnee=case.returnee,
            relative=mother,
            claimed_relationship="mother",
            laboratory="Lab",
            sample_date=days(1),
        )
    )

    assert error.message_dict == {"sample_date": ["The sample date cannot be in the future."]}


@pytest.mark.parametrize(
    ("claimed", "place"),
    [
        ("mother", "child"),
        ("father", "child"),
        ("grandparent", "grandchild"),
        ("sibling", "sibling"),
        ("aunt_uncle", "niece_nephew"),
        ("other_relative", "other_relative"),
    ],
)
def test_a_confirmed_match_places_a_returnee_without_family_in_the_relatives_family(
    worker, case, mother, claimed, place
):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother, claimed_relationship=claimed)

    actions.kinship_result_record(
        actor=worker, test=test, result="match", reported_on=days(-1), confirm_relationship=True
    )

    test.refresh_from_db()
    assert (test.result, test.reported_on) == ("match", days(-1))
    membership = FamilyMember.objects.get(returnee=case.returnee)
    assert membership.family == mother.family
    assert membership.relationship == place
    assert membership.kinship_basis == KinshipBasis.DNA
    assert membership.kinship_test == test
    mother.refresh_from_db()
    assert mother.kinship_basis == KinshipBasis.DNA
    assert mother.kinship_test == test
    assert list(case.events.order_by("id").values_list("kind", flat=True)) == ["kinship_result", "family_joined"]
    result_event = case.events.get(kind="kinship_result")
    assert result_event.changes == {"result": ["pending", "match"], "reported_on": [None, days(-1).isoformat()]}
    assert (result_event.subject, result_event.subject_id) == ("kinshiptest", test.pk)


def test_a_confirmed_match_confirms_an_existing_membership_in_that_family(worker, case, mother):
    membership = FamilyMemberFactory(family=mother.family, returnee=case.returnee, relationship="child")
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    actions.kinship_result_record(
        actor=worker, test=test, result="match", reported_on=days(0), confirm_relationship=True
    )

    membership.refresh_from_db()
    assert membership.kinship_basis == KinshipBasis.DNA
    assert membership.kinship_test == test
    assert FamilyMember.objects.filter(returnee=case.returnee).count() == 1
    assert list(case.events.values_list("kind", flat=True)) == ["kinship_result"]


def test_a_match_cannot_be_confirmed_while_the_returnee_belongs_to_another_family(worker, case, mother):
    FamilyMemberFactory(family=FamilyFactory(name="Другие"), returnee=case.returnee, relationship="child")
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    error = refused(
        lambda: actions.kinship_result_record(
            actor=worker, test=test, result="match", reported_on=days(0), confirm_relationship=True
        )
    )

    assert error.message_dict == {
        "confirm_relationship": ["This returnee belongs to another family; move them before confirming."]
    }
    # Nothing half-saved: the result is not recorded either, and no basis changed.
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.PENDING
    assert test.reported_on is None
    mother.refresh_from_db()
    assert mother.kinship_basis == KinshipBasis.DECLARED
    assert not CaseEvent.objects.exists()


@pytest.mark.parametrize("result", ["no_match", "inconclusive"])
def test_only_a_match_can_confirm_a_relationship(worker, case, mother, result):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    error = refused(
        lambda: actions.kinship_result_record(
            actor=worker, test=test, result=result, reported_on=days(0), confirm_relationship=True
        )
    )

    assert error.message_dict == {"confirm_relationship": ["Only a match can confirm a relationship."]}
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.PENDING
    assert not FamilyMember.objects.filter(returnee=case.returnee).exists()


def test_a_result_without_confirmation_changes_no_family(worker, case, mother):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    actions.kinship_result_record(actor=worker, test=test, result="match", reported_on=days(0))

    test.refresh_from_db()
    assert test.result == KinshipTest.Result.MATCH
    assert not FamilyMember.objects.filter(returnee=case.returnee).exists()
    mother.refresh_from_db()
    assert mother.kinship_basis == KinshipBasis.DECLARED


def test_a_second_result_is_refused(worker, case, mother):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)
    actions.kinship_result_record(actor=worker, test=test, result="no_match", reported_on=days(0))

    error = refused(
        lambda: actions.kinship_result_record(
            actor=worker, test=test, result="match", reported_on=days(0), confirm_relationship=True
        )
    )

    assert error.messages == ["The result of this test was already recorded."]
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.NO_MATCH
    assert not FamilyMember.objects.filter(returnee=case.returnee).exists()
    assert case.events.count() == 1


def test_pending_is_not_a_result(worker, case, mother):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    error = refused(
        lambda: actions.kinship_result_record(actor=worker, test=test, result="pending", reported_on=days(0))
    )

    assert error.message_dict == {"result": ["Choose the result."]}


@pytest.mark.parametrize("reported_on", [-31, 1])
def test_result_date_lies_between_sample_and_today(worker, case, mother, reported_on):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother, sample_date=days(-30))

    error = refused(
        lambda: actions.kinship_result_record(actor=worker, test=test, result="match", reported_on=days(reported_on))
    )

    assert error.message_dict == {"reported_on": ["The result date must be between the sample date and today."]}
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.PENDING
