"""One check for every model with a due date: its querysets (`open`, `due_by`, `overdue`) and its
Python side (`is_overdue`) tell the same rows apart on the boundary days."""

import datetime

from django.utils import timezone

from repat.core.deadlines import overdue_on


def boundary_days() -> list[datetime.date | None]:
    """Yesterday, today, tomorrow, and no due date."""
    today = timezone.localdate()
    return [today - datetime.timedelta(days=1), today, today + datetime.timedelta(days=1), None]


def assert_one_rule(queryset, rows, *, is_open, due, is_overdue=lambda row: row.is_overdue) -> None:
    """`rows` cover open and finished items due on each boundary day; `is_open(row)` and `due(row)`
    say what the model's own Python says (`due` may be None: no deadline runs)."""
    today = timezone.localdate()
    ids = {row.pk for row in rows}
    queryset = queryset.filter(pk__in=ids)

    def pks(query) -> set[int]:
        return set(query.values_list("pk", flat=True))

    assert {row.pk for row in rows if is_overdue(row)} == pks(queryset.overdue(today))
    assert {row.pk for row in rows if is_open(row)} == pks(queryset.open())
    for day in boundary_days()[:3]:
        expected_overdue = {row.pk for row in rows if is_open(row) and overdue_on(due(row), day)}
        expected_due = {row.pk for row in rows if is_open(row) and due(row) is not None and due(row) <= day}
        assert pks(queryset.overdue(day)) == expected_overdue, day
        assert pks(queryset.due_by(day)) == expected_due, day
    # Due today is due, not late: what the sweep calls "due today" the lists do not mark overdue.
    due_today = pks(queryset.due_by(today)) - pks(queryset.overdue(today))
    assert due_today == {row.pk for row in rows if is_open(row) and due(row) == today}
    assert due_today, "the rows cover an open item due today"
