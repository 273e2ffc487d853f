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
