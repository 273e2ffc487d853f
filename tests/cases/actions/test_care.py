"""Care arrangements, through the actions: the current one, what replaces it, guardianship orders."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from cases import actions
from cases.models import CareArrangement, CaseEvent
from tests.factories import CareArrangementFactory

from .helpers import care_data, days, refused

pytestmark = pytest.mark.django_db


def test_first_care_arrangement_is_current(worker, case):
    arrangement = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    assert arrangement.ended_on is None
    assert arrangement.recorded_by == worker
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CARE_CHANGED
    assert (event.subject, event.subject_id, event.item) == ("carearrangement", arrangement.pk, "grandparents")
    assert event.changes == {
        "kind": [None, "grandparents"],
        "caregiver_name": [None, "Калыйпа Тестова"],
        "placement_date": [None, "2023-03-01"],
    }


def test_a_new_arrangement_ends_the_current_one(worker, case):
    first = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    second = actions.care_arrangement_set(
        actor=worker,
        returnee=case.returnee,
        data=care_data(kind="mother", caregiver_name="Гулнара Тестова", placement_date=datetime.date(2023, 9, 15)),
    )

    first.refresh_from_db()
    assert first.ended_on == datetime.date(2023, 9, 15)
    assert second.ended_on is None
    assert list(case.returnee.care_arrangements.all()) == [second, first]
    event = case.events.get(subject_id=second.pk)
    assert event.changes["kind"] == ["grandparents", "mother"]
    assert event.changes["caregiver_name"] == ["Калыйпа Тестова", "Гулнара Тестова"]


def test_a_new_arrangement_can_start_the_day_the_current_one_did(worker, case):
    first = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data(kind="relatives"))

    first.refresh_from_db()
    assert first.ended_on == first.placement_date
    assert CareArrangement.objects.filter(ended_on__isnull=True).count() == 1


def test_a_new_arrangement_cannot_start_before_the_current_one(worker, case):
    first = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    error = refused(
        lambda: actions.care_arrangement_set(
            actor=worker, returnee=case.returnee, data=care_data(placement_date=datetime.date(2023, 2, 28))
        )
    )

    assert error.message_dict == {
        "placement_date": ["The new placement cannot start before the current one (2023-03-01)."]
    }
    first.refresh_from_db()
    assert first.ended_on is None
    assert CareArrangement.objects.count() == 1
    assert case.events.count() == 1


def test_a_guardianship_order_names_the_guardian(worker, case):
    data = care_data(guardianship_order_number="123/2023", guardianship_order_date=datetime.date(2023, 3, 5))

    error = refused(lambda: actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {"guardian_name": ["Name the legal guardian the order appoints."]}
    assert not CareArrangement.objects.exists()


def test_an_arrangement_under_a_guardianship_order(worker, case):
    data = care_data(guardian_name="Калыйпа Тестова", guardianship_order_number="123/2023")

    arrangement = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=data)

    assert arrangement.under_guardianship
    assert not CareArrangementFactory.build(guardian_name="Калыйпа Тестова").under_guardianship


def test_a_placement_cannot_be_dated_in_the_future(worker, case):
    error = refused(
        lambda: actions.care_arrangement_set(
            actor=worker, returnee=case.returnee, data=care_data(placement_date=days(1))
        )
    )

    assert error.message_dict == {"placement_date": ["The placement date cannot be in the future."]}


def test_the_database_allows_one_current_arrangement_per_child(worker, case):
    CareArrangementFactory(returnee=case.returnee, recorded_by=worker)

    with pytest.raises(IntegrityError), transaction.atomic():
        CareArrangementFactory(returnee=case.returnee, recorded_by=worker)

    CareArrangementFactory(returnee=case.returnee, recorded_by=worker, ended_on=datetime.date(2023, 6, 1))
    assert CareArrangement.objects.count() == 2


def test_the_database_refuses_a_guardianship_order_without_guardian(worker, case):
    with pytest.raises(IntegrityError), transaction.atomic():
        CareArrangementFactory(returnee=case.returnee, recorded_by=worker, guardianship_order_number="1/2023")
