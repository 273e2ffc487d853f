"""Consent, through the actions: when it is valid, who may give it for a child, sharing data with
a provider, and withdrawing it."""

import datetime

import pytest

from cases import actions
from cases.models import CaseEvent, CaseSettings, ConsentRecord, FamilyMember, Returnee
from tests.factories import (
    CareArrangementFactory,
    ConsentRecordFactory,
    FamilyFactory,
    FamilyMemberFactory,
    mother_of,
    pdf_upload,
)
from tests.services.factories import ProviderFactory

from .helpers import consent_data, days, refused

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given_on", "expires_on", "withdrawn_on", "valid"),
    [
        (-10, None, None, True),
        (0, None, None, True),
        (1, None, None, False),  # dated in the future: not yet given
        (-10, -1, None, False),  # expired yesterday
        (-10, 0, None, True),  # expires at the end of today
        (-10, 30, None, True),
        (-10, None, 0, False),  # withdrawn today
        (-10, None, -1, False),
        (-10, None, 5, True),  # withdrawal takes effect later
        (-10, -1, 5, False),
    ],
)
def test_consent_validity_today(given_on, expires_on, withdrawn_on, valid):
    consent = ConsentRecord(
        given_on=days(given_on),
        expires_on=days(expires_on) if expires_on is not None else None,
        withdrawn_on=days(withdrawn_on) if withdrawn_on is not None else None,
    )
    assert consent.is_valid() is valid


def test_consent_validity_on_a_given_day():
    consent = ConsentRecord(given_on=datetime.date(2023, 3, 1), expires_on=datetime.date(2024, 3, 1))
    assert consent.is_valid(datetime.date(2023, 2, 28)) is False
    assert consent.is_valid(datetime.date(2023, 3, 1)) is True
    assert consent.is_valid(datetime.date(2024, 3, 1)) is True
    assert consent.is_valid(datetime.date(2024, 3, 2)) is False


def test_data_sharing_consent_must_name_a_provider_or_category(worker, case):
    data = consent_data(case.returnee, purpose="data_sharing", expires_on=days(300))

    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {"provider": ["Choose the provider, or a service category."]}
    assert not ConsentRecord.objects.exists()
    assert not CaseEvent.objects.exists()


def test_data_sharing_consent_must_have_an_expiry(worker, case):
    data = consent_data(case.returnee, purpose="data_sharing", provider=ProviderFactory())

    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {
        "expires_on": ["Give the date the consent ends: consent to share data must have one."]
    }
    assert not ConsentRecord.objects.exists()


def test_only_consent_about_services_names_a_provider(worker, case):
    data = consent_data(case.returnee, purpose="photos", provider=ProviderFactory())
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {"provider": ["Only consent to receive services or to share data names a provider."]}


def test_data_sharing_consent_pointing_at_a_provider_is_recorded(worker, case):
    # given
    provider = ProviderFactory(name="Ak-Bata Family Centre")
    data = consent_data(case.returnee, purpose="data_sharing", provider=provider, expires_on=days(300))

    # when
    consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)

    # then: who gave it, as on record today
    consent.refresh_from_db()
    assert (consent.provider, consent.service_category, consent.recorded_by) == (provider, None, worker)
    assert (consent.given_by, consent.giver, consent.given_by_name, consent.giver_relationship) == (
        "member",
        mother_of(case.returnee),
        "Гулнара Тестова",
        "mother",
    )
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CONSENT_RECORDED
    assert (event.subject, event.subject_id, event.item) == ("consentrecord", consent.pk, "data_sharing")
    assert event.changes == {
        "given_by": [None, "member"],
        "given_by_name": [None, "Гулнара Тестова"],
        "provider": [None, "Ak-Bata Family Centre"],
        "given_on": [None, days(-1).isoformat()],
        "expires_on": [None, days(300).isoformat()],
    }


def born(case, day: datetime.date, precision: str = "exact"):
    Returnee.objects.filter(pk=case.returnee_id).update(date_of_birth=day, date_of_birth_precision=precision)
    case.returnee.refresh_from_db()
    return case.returnee


def years_before(day: datetime.date, n: int) -> datetime.date:
    return day.replace(year=day.year - n, day=min(day.day, 28))


UNDER_14 = "The returnee was under 14 when consent was given: a parent or legal guardian on record must consent."


MAYBE_UNDER_14 = (
    "The returnee may have been under 14 when consent was given (the date of birth is approximate): a parent or "
    "legal guardian on record must consent."
)


@pytest.mark.parametrize(
    ("years", "days_short", "precision", "error"),
    [
        pytest.param(10, 0, "exact", UNDER_14, id="ten"),
        pytest.param(14, 1, "exact", UNDER_14, id="the-day-before-fourteen"),
        pytest.param(14, 0, "exact", None, id="fourteen-that-day"),
        pytest.param(17, 0, "exact", None, id="seventeen"),
        # "born in the year 14 years before" may be 13 until that year's last day
        pytest.param(14, 0, "year", MAYBE_UNDER_14, id="year-only"),
        pytest.param(15, 0, "year", None, id="year-only-certainly-fourteen"),
        # an estimate counts a year either side
        pytest.param(15, 0, "estimated", MAYBE_UNDER_14, id="estimated"),
        pytest.param(16, 0, "estimated", None, id="estimated-certainly-fourteen"),
    ],
)
def test_a_child_consents_alone_only_from_the_age_set_by_administrators(
    worker, case, years, days_short, precision, error
):
    # given: born `years` years (less `days_short` days) before the day of consent, mid-year
    given_on = datetime.date(2024, 6, 15)
    born(case, years_before(given_on, years) + datetime.timedelta(days=days_short), precision)
    data = consent_data(case.returnee, given_by="self", giver=None, given_on=given_on)

    # when / then
    if error is None:
        consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)
        assert (consent.given_by, consent.giver, consent.given_by_name) == ("self", None, "")
    else:
        error_dict = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
        assert error_dict.message_dict == {"giver": [error]}
        assert not ConsentRecord.objects.exists()


def test_a_returnee_without_a_date_of_birth_cannot_consent_alone(worker, case):
    Returnee.objects.filter(pk=case.returnee_id).update(date_of_birth=None)
    case.returnee.refresh_from_db()
    data = consent_data(case.returnee, given_by="self", giver=None)
    assert refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data)).message_dict == {
        "giver": [
            "The returnee's date of birth is not recorded (an estimate will do): who may consent depends on their age."
        ]
    }


def test_the_minimum_age_comes_from_the_case_settings(worker, case):
    CaseSettings.objects.update_or_create(pk=1, defaults={"consent_min_age": 16})
    born(case, years_before(days(-1), 15))
    data = consent_data(case.returnee, given_by="self", giver=None)
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {
        "giver": [
            "The returnee was under 16 when consent was given: a parent or legal guardian on record must consent."
        ]
    }


@pytest.mark.parametrize(
    ("relationship", "allowed"),
    [("mother", True), ("father", True), ("guardian", True), ("grandparent", False), ("sibling", False)],
)
def test_who_in_the_family_may_consent_for_a_child(worker, case, relationship, allowed):
    # given: a ten-year-old and one relative on record
    born(case, years_before(days(-1), 10))
    family = mother_of(case.returnee).family
    relative = FamilyMemberFactory(family=family, full_name="Калыйпа Тестова", relationship=relationship)
    data = consent_data(case.returnee, giver=relative)

    # when / then
    if allowed:
        consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)
        assert (consent.giver, consent.giver_relationship) == (relative, relationship)
        return
    label = dict(FamilyMember.Relationship.choices)[relationship]
    assert refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data)).message_dict == {
        "giver": [
            f"Калыйпа Тестова ({label}) may not consent for the returnee: only a parent or legal guardian on record "
            "may, or the returnee themself from age 14."
        ]
    }


def test_a_mother_of_another_family_may_not_consent(worker, case):
    stranger = FamilyMemberFactory(family=FamilyFactory(), full_name="Айжан Чужая", relationship="mother")
    data = consent_data(case.returnee, giver=stranger)
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {
        "giver": [
            "Айжан Чужая (Mother) may not consent for the returnee: only a parent or legal guardian on record may, "
            "or the returnee themself from age 14."
        ]
    }


def test_a_family_member_must_be_chosen(worker, case):
    data = consent_data(case.returnee, giver=None)
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {"giver": ["Choose the family member who gave consent."]}


def test_the_guardian_named_by_an_order_consents(worker, case):
    order = CareArrangementFactory(
        returnee=case.returnee,
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="GO-7",
        guardianship_order_date=days(-30),
        recorded_by=worker,
    )
    data = consent_data(case.returnee, given_by="guardian", giver=None, guardianship=order)

    consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)

    assert (consent.guardianship, consent.given_by_name, consent.giver_relationship) == (
        order,
        "Калыйпа Тестова",
        "guardian",
    )


def test_consent_cannot_be_dated_in_the_future(worker, case):
    error = refused(
        lambda: actions.consent_record(
            actor=worker, returnee=case.returnee, data=consent_data(case.returnee, given_on=days(1))
        )
    )

    assert error.message_dict == {"given_on": ["Consent cannot be dated in the future."]}
    assert not ConsentRecord.objects.exists()


def test_consent_cannot_expire_before_it_was_given(worker, case):
    data = consent_data(case.returnee, given_on=days(-1), expires_on=days(-5))

    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {"expires_on": ["Consent cannot expire before it was given."]}
    assert not ConsentRecord.objects.exists()


def test_consent_with_a_signed_form_keeps_the_form(worker, case):
    consent = actions.consent_record(
        actor=worker, returnee=case.returnee, data=consent_data(case.returnee), form_file=pdf_upload("consent.pdf")
    )

    assert consent.form.original_name == "consent.pdf"
    assert consent.form.content_type == "application/pdf"
    assert list(case.events.order_by("id").values_list("kind", flat=True)) == ["file_uploaded", "consent_recorded"]


def test_withdrawing_consent(worker, case):
    consent = ConsentRecordFactory(returnee=case.returnee, given_on=days(-30), recorded_by=worker)

    actions.consent_withdraw(actor=worker, consent=consent, on=days(-1), reason="  The mother changed her mind. ")

    consent.refresh_from_db()
    assert consent.withdrawn_on == days(-1)
    assert consent.withdrawal_reason == "The mother changed her mind."
    assert not consent.is_valid()
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CONSENT_WITHDRAWN
    assert (event.subject, event.subject_id, event.item) == ("consentrecord", consent.pk, "services")


def test_consent_is_withdrawn_once(worker, case):
    consent = ConsentRecordFactory(returnee=case.returnee, given_on=days(-30), withdrawn_on=days(-2))

    error = refused(lambda: actions.consent_withdraw(actor=worker, consent=consent, on=days(0), reason=""))

    assert error.messages == ["This consent was already withdrawn."]
    consent.refresh_from_db()
    assert consent.withdrawn_on == days(-2)


@pytest.mark.parametrize("on", [-31, 1])
def test_withdrawal_date_lies_between_consent_and_today(worker, case, on):
    consent = ConsentRecordFactory(returnee=case.returnee, given_on=days(-30))

    error = refused(lambda: actions.consent_withdraw(actor=worker, consent=consent, on=days(on), reason=""))

    assert error.message_dict == {"on": ["The withdrawal date must be between the date consent was given and today."]}
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert not CaseEvent.objects.exists()
