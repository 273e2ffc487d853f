"""What the tests of the civil-status and plan actions share."""

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import mother_of


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def refused(call: Callable) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value


def consent_data(returnee, **overrides):
    """Consent to receive services, given yesterday by the returnee's mother on record."""
    data = {"purpose": "services", "given_by": "member", "giver": mother_of(returnee), "given_on": days(-1)}
    data.update(overrides)
    return data


def care_data(**overrides):
    data = {"kind": "grandparents", "caregiver_name": "Калыйпа Тестова", "placement_date": datetime.date(2023, 3, 1)}
    data.update(overrides)
    return data
