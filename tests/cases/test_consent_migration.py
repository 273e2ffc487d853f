"""Migration 0011: consents recorded as free text are pointed at records where the text allows it
without guessing (issue 13, point 6). The migration's function runs on rows written the old way."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import ConsentRecord
from services import actions
from tests.factories import (
    CareArrangementFactory,
    ConsentRecordFactory,
    FamilyMemberFactory,
    ReturneeFactory,
    mother_of,
)
from tests.services.factories import ProviderFactory, service

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cases.migrations.0011_match_consents_to_records")


def migrate() -> None:
    migration.forwards(apps, None)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def provider(chuy, counselling):
    return ProviderFactory(
        name="Ak-Bata Family Centre",
        name_ru="Семейный центр «Ак-Бата»",
        name_ky="«Ак-Бата» үй-бүлө борбору",
        regions=[chuy],
        service_types=[counselling],
    )


def typed_consent(case, shared_with: str, given_by: str = "mother", given_by_name: str = "Гулнара", **kwargs):
    """A consent as the old form recorded it: the giver's role and name, the organisations as text."""
    return ConsentRecordFactory(
        returnee=case.returnee,
        purpose="data_sharing",
        given_by=given_by,
        giver=None,
        given_by_name=given_by_name,
        shared_with=shared_with,
        given_on=days(-10),
        expires_on=days(300),
        **kwargs,
    )


def test_a_consent_naming_the_provider_in_russian_now_points_at_it_and_the_referral_goes_ahead(
    case, worker, coordinator, provider, client_for
):
    # given: the mother on record, and her consent typed in Russian, quotes and case of its own
    mother = mother_of(case.returnee)
    consent = typed_consent(case, 'семейный центр "Ак-Бата", школа № 5')

    # when
    migrate()

    # then: it points at the provider and the mother
    consent.refresh_from_db()
    assert (consent.provider, consent.given_by, consent.giver, consent.giver_relationship) == (
        provider,
        "member",
        mother,
        "mother",
    )
    # the consent page says "Valid", and the gate agrees
    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()
    assert '<span class="badge text-bg-success">Valid</span>' in page
    referral = actions.referral_create(
        actor=worker,
        case=case,
        service_type=service("individual-counselling"),
        reason="Nightmares.",
        shares_data=True,
    )
    referral = actions.referral_transition(
        actor=coordinator, referral=referral, action="assign", expected_status="submitted", provider=provider
    )
    assert (referral.status, referral.consent) == ("assigned", consent)


@pytest.mark.parametrize(
    "text",
    [
        "«Ак-Бата» үй-бүлө борбору",  # Kyrgyz
        "AK-BATA   family centre",  # English, another case and spacing
        "Семейный  центр Ак-Бата; UNICEF",  # among organisations that are not providers
    ],
)
def test_a_provider_is_found_by_any_of_its_names(case, provider, text):
    consent = typed_consent(case, text)
    migrate()
    consent.refresh_from_db()
    assert consent.provider == provider


def test_a_name_two_providers_share_is_left_unmatched(
    case, worker, coordinator, provider, chuy, counselling, client_for
):
    # given: another provider known by the same Russian name
    ProviderFactory(name="Ak-Bata Centre (Osh)", name_ru="Семейный центр «Ак-Бата»", regions=[chuy])
    mother_of(case.returnee)
    consent = typed_consent(case, "Семейный центр «Ак-Бата»")

    # when
    migrate()

    # then: unmatched, and the page and the gate both say it must be recorded again
    consent.refresh_from_db()
    assert (consent.provider, consent.service_category) == (None, None)
    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()
    assert '<span class="badge text-bg-success">Valid</span>' not in page
    assert (
        "It names the organisations only as text (“Семейный центр «Ак-Бата»”): record it again for a provider "
        "on record." in page
    )
    referral = actions.referral_create(
        actor=worker, case=case, service_type=counselling, reason="Nightmares.", shares_data=True
    )
    with pytest.raises(ValidationError) as error:
        actions.referral_transition(
            actor=coordinator, referral=referral, action="assign", expected_status="submitted", provider=provider
        )
    assert error.value.messages[0].endswith(
        "1 older consent names organisations only as text and must be recorded again."
    )


def test_a_consent_naming_two_providers_becomes_one_for_each(case, provider, chuy):
    # given
    school = ProviderFactory(name="Sokuluk School No. 2", name_ru="Сокулукская школа № 2", regions=[chuy])
    consent = typed_consent(case, "Ak-Bata Family Centre, Сокулукская школа № 2", form=None)

    # when
    migrate()

    # then: same giver text, dates and purpose, one provider each
    rows = ConsentRecord.objects.order_by("id")
    assert [(c.provider, c.given_on, c.expires_on, c.given_by_name) for c in rows] == [
        (provider, consent.given_on, consent.expires_on, "Гулнара"),
        (school, consent.given_on, consent.expires_on, "Гулнара"),
    ]
    assert rows[0].pk == consent.pk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Polyclinic No. 12", None),  # "Polyclinic No. 1" is not named by "Polyclinic No. 12"
        ("Polyclinic No. 1, school", "Polyclinic No. 1"),
        ("Sokuluk School No. 2", "Sokuluk School No. 2"),  # not also "School No. 2"
        ("School No. 2", "School No. 2"),
    ],
)
def test_names_match_whole_and_the_longest_wins(case, chuy, text, expected):
    for name in ("Polyclinic No. 1", "Sokuluk School No. 2", "School No. 2"):
        ProviderFactory(name=name, regions=[chuy])
    consent = typed_consent(case, text)
    migrate()
    consent.refresh_from_db()
    assert (consent.provider.name if consent.provider else None) == expected


def test_givers_are_linked_to_the_record_where_there_is_one_candidate(case, chuy):
    # given: a mother and a guardian on record; consents by each, by someone named, and by an unknown mother
    mother = mother_of(case.returnee)
    family = mother.family
    aunt = FamilyMemberFactory(family=family, full_name="Калыйпа Тестова", relationship="aunt_uncle")
    order = CareArrangementFactory(
        returnee=case.returnee, guardian_name="Калыйпа Тестова", guardianship_order_number="GO-1"
    )
    by_mother = ConsentRecordFactory(returnee=case.returnee, given_by="mother", giver=None, given_by_name="")
    by_guardian = ConsentRecordFactory(returnee=case.returnee, given_by="guardian", giver=None, given_by_name="")
    by_name = ConsentRecordFactory(
        returnee=case.returnee, given_by="other", giver=None, given_by_name="  калыйпа   тестова "
    )
    alone = ReturneeFactory(region=chuy)  # in no family
    unknown = ConsentRecordFactory(returnee=alone, given_by="mother", giver=None, given_by_name="Айжан")

    # when
    migrate()

    # then
    for consent in (by_mother, by_guardian, by_name, unknown):
        consent.refresh_from_db()
    assert (by_mother.given_by, by_mother.giver, by_mother.given_by_name) == ("member", mother, "Гулнара Тестова")
    assert (by_guardian.given_by, by_guardian.guardianship, by_guardian.giver_relationship) == (
        "guardian",
        order,
        "guardian",
    )
    assert (by_name.given_by, by_name.giver, by_name.giver_relationship) == ("member", aunt, "aunt_uncle")
    assert (unknown.given_by, unknown.giver, unknown.guardianship, unknown.given_by_name) == (
        "member",
        None,
        None,
        "Айжан",
    )


def test_the_consent_page_says_an_unmatched_giver_must_be_recorded_again(case, worker, client_for):
    typed_consent(case, "Ak-Bata Family Centre", given_by="other", given_by_name="Соседка")
    migrate()
    page = client_for(worker).get(reverse("cases:returnee_detail", args=[case.returnee.pk])).content.decode()
    assert (
        "Who gave consent (“Соседка”) is not on record: add them to the family, then record the consent again." in page
    )
    assert '<span class="badge text-bg-success">Valid</span>' not in page
