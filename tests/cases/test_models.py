import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.models import DatePrecision, Returnee
from tests.factories import OperationFactory, ReturneeFactory, region


@pytest.mark.parametrize(
    ("born", "precision", "on", "age"),
    [
        (datetime.date(2015, 5, 20), DatePrecision.EXACT, datetime.date(2025, 5, 19), 9),
        (datetime.date(2015, 5, 20), DatePrecision.EXACT, datetime.date(2025, 5, 20), 10),
        # "May 2015": counted from mid-May, so on 10 May 2025 the child is still 9.
        (datetime.date(2015, 5, 1), DatePrecision.MONTH, datetime.date(2025, 5, 10), 9),
        # "2015": counted from 1 July, not 1 January, so an approximate age is not overstated.
        (datetime.date(2015, 1, 1), DatePrecision.YEAR, datetime.date(2025, 3, 1), 9),
        (datetime.date(2015, 1, 1), DatePrecision.ESTIMATED, datetime.date(2025, 8, 1), 10),
    ],
)
def test_age_respects_the_precision_of_the_date_of_birth(born, precision, on, age):
    returnee = Returnee(date_of_birth=born, date_of_birth_precision=precision)
    assert returnee.age(on) == age


@pytest.mark.parametrize(
    ("born", "precision", "on", "bounds"),
    [
        # exact: one age
        (datetime.date(2012, 5, 17), DatePrecision.EXACT, datetime.date(2026, 5, 16), (13, 13)),
        (datetime.date(2012, 5, 17), DatePrecision.EXACT, datetime.date(2026, 5, 17), (14, 14)),
        # a month: from its first to its last day (29 February 2012 at the latest)
        (datetime.date(2012, 2, 10), DatePrecision.MONTH, datetime.date(2026, 2, 15), (13, 14)),
        (datetime.date(2012, 2, 10), DatePrecision.MONTH, datetime.date(2026, 2, 28), (13, 14)),
        (datetime.date(2012, 2, 10), DatePrecision.MONTH, datetime.date(2026, 3, 1), (14, 14)),
        (datetime.date(2012, 12, 1), DatePrecision.MONTH, datetime.date(2026, 12, 31), (14, 14)),
        # a year: from 1 January to 31 December
        (datetime.date(2012, 7, 1), DatePrecision.YEAR, datetime.date(2026, 6, 30), (13, 14)),
        (datetime.date(2012, 7, 1), DatePrecision.YEAR, datetime.date(2026, 12, 31), (14, 14)),
        # an estimate: a year either side
        (datetime.date(2012, 7, 1), DatePrecision.ESTIMATED, datetime.date(2026, 6, 30), (12, 15)),
        (datetime.date(2012, 7, 1), DatePrecision.ESTIMATED, datetime.date(2027, 12, 31), (14, 16)),
        # never below zero
        (datetime.date(2026, 7, 1), DatePrecision.YEAR, datetime.date(2026, 3, 1), (0, 0)),
    ],
)
def test_age_bounds_span_what_the_date_of_birth_allows(born, precision, on, bounds):
    returnee = Returnee(date_of_birth=born, date_of_birth_precision=precision)
    assert returnee.age_bounds(on) == bounds


def test_age_bounds_are_unknown_without_a_date_of_birth():
    assert Returnee(date_of_birth=None).age_bounds(datetime.date(2026, 1, 1)) is None


def test_age_is_unknown_without_a_date_of_birth():
    assert Returnee(date_of_birth=None).age() is None


@pytest.mark.django_db
def test_returnee_cannot_be_born_in_the_future_or_arrive_before_birth():
    returnee = ReturneeFactory.build(
        date_of_birth=datetime.date(2099, 1, 1),
        arrival_date=datetime.date(2023, 1, 1),
        region=region("Bishkek"),
        operation=OperationFactory(),
    )
    with pytest.raises(ValidationError) as error:
        returnee.full_clean()
    assert error.value.message_dict["date_of_birth"] == ["The date of birth cannot be in the future."]

    returnee.date_of_birth = datetime.date(2023, 6, 1)
    with pytest.raises(ValidationError) as error:
        returnee.full_clean()
    assert error.value.message_dict["arrival_date"] == ["The date of arrival cannot be before the date of birth."]


@pytest.mark.django_db
def test_district_must_lie_in_the_region():
    sokuluk = region("Chüy Oblast").districts.get(name="Sokuluk District")
    returnee = ReturneeFactory.build(region=region("Osh Oblast"), district=sokuluk, operation=OperationFactory())
    with pytest.raises(ValidationError) as error:
        returnee.full_clean()
    assert error.value.message_dict["district"] == ["This district is not in the chosen region."]
