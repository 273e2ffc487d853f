"""The reminders export: the user's own reminders one per row, newest first; a case
number only while the case is theirs to see; never for provider staff."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.exports import csv_rows, ids, last_export

from .factories import ReminderFactory

pytestmark = pytest.mark.django_db

LIST = reverse("reminders:list")
EXPORT = reverse("reminders:list_export")


def reminders(count: int, case):
    """`count` reminders about the case's follow-ups, one per day back from today."""
    today = timezone.localdate()
    return [ReminderFactory(case=case, due_date=today - datetime.timedelta(days=n)) for n in range(count)]


def test_the_user_exports_their_reminders_in_the_lists_order(case, other_case, worker, client_for):
    # given: three reminders of the worker, one of another worker
    mine = reminders(3, case)
    theirs = ReminderFactory(case=other_case)
    client = client_for(worker)

    # when
    rows = csv_rows(client.get(EXPORT))

    # then: one row per reminder (the list shows them as one line: one case, one kind, one day)
    assert ids(rows) == [reminder.pk for reminder in reversed(mine)]
    assert theirs.pk not in ids(rows)
    assert rows[0] == ["ID", "About", "Person", "Case number", "Stage", "Due", "Created at", "Read at"]
    assert rows[1][3] == case.returnee.case_number
    assert last_export().changes == {"list": "reminders", "format": "csv", "filters": {}, "search": False, "rows": 3}


def test_a_case_no_longer_visible_has_no_case_number(case, other_case, worker, client_for):
    ReminderFactory(case=other_case, recipient=worker)
    (row,) = csv_rows(client_for(worker).get(EXPORT))[1:]
    assert row[3] == ""


def test_the_list_offers_the_export(case, worker, client_for):
    ReminderFactory(case=case)
    assert f'href="{EXPORT}?format=xlsx"' in client_for(worker).get(LIST).content.decode()


def test_provider_staff_see_no_export_and_get_403(provider_user, client_for):
    client = client_for(provider_user)
    assert "export-links" not in client.get(LIST).content.decode()
    assert client.get(EXPORT).status_code == 403
    assert client.get(EXPORT + "?format=xlsx").status_code == 403


def test_the_number_of_queries_does_not_grow_with_the_rows(case, worker, client_for, django_assert_max_num_queries):
    client = client_for(worker)
    ReminderFactory(case=case)
    csv_rows(client.get(EXPORT))
    with django_assert_max_num_queries(20) as few:
        csv_rows(client.get(EXPORT))
    for n in range(1, 31):
        ReminderFactory(case=case, due_date=timezone.localdate() - datetime.timedelta(days=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(csv_rows(client.get(EXPORT))) == 32
