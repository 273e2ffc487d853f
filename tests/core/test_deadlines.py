"""The Python side of the due-date rule (repat/core/deadlines.py)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from repat.core.deadlines import DueQuerySet, overdue_on

DAY = datetime.date(2026, 3, 10)


def test_a_due_date_is_overdue_only_once_it_has_passed():
    assert overdue_on(DAY - datetime.timedelta(days=1), DAY)
    assert not overdue_on(DAY, DAY)  # due today: not late yet
    assert not overdue_on(DAY + datetime.timedelta(days=1), DAY)
    assert not overdue_on(None, DAY)


def test_a_queryset_that_does_not_say_which_rows_are_open_fails_instead_of_counting_all():
    with pytest.raises(ImproperlyConfigured):
        DueQuerySet.overdue_condition(datetime.date(2026, 1, 1))
