"""The Python side of the due-date rule (repat/core/deadlines.py)."""

import datetime

from repat.core.deadlines import overdue_on

DAY = datetime.date(2026, 3, 10)


def test_a_due_date_is_overdue_only_once_it_has_passed():
    assert overdue_on(DAY - datetime.timedelta(days=1), DAY)
    assert not overdue_on(DAY, DAY)  # due today: not late yet
    assert not overdue_on(DAY + datetime.timedelta(days=1), DAY)
    assert not overdue_on(None, DAY)
