"""Loading the signed-in user: one query, carrying what the apps above registered for every page
(accounts/backends.py: the reminders' unread count, whether the user holds an emergency access)."""

import datetime

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from cases.models import EmergencyAccess
from repat.accounts.backends import USER_ANNOTATIONS, UserBackend
from repat.reminders.models import Reminder

pytestmark = pytest.mark.django_db


def test_the_apps_register_what_loads_with_the_user():
    assert {"unread_reminders", "has_emergency_access"} <= set(USER_ANNOTATIONS)


def test_the_user_comes_with_them_in_one_query(worker, case, django_assert_num_queries):
    # given an unread reminder and an emergency access that has not expired
    Reminder.objects.create(
        item_type=Reminder.Item.FOLLOW_UP,
        item_id=case.pk,
        due_date=timezone.localdate(),
        stage="event",
        recipient=worker,
        case=case,
    )
    now = timezone.now()
    EmergencyAccess.objects.create(
        user=worker, case=case, reason="night call", granted_at=now, expires_at=now + datetime.timedelta(hours=1)
    )

    # when
    with django_assert_num_queries(1):
        user = UserBackend().get_user(worker.pk)

    # then
    assert (user.unread_reminders, user.has_emergency_access) == (1, True)


def test_without_either_the_user_says_so(worker, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserBackend().get_user(worker.pk)

    assert (user.unread_reminders, user.has_emergency_access) == (0, False)
    # as Django's queries give them, on either database (SQLite has no booleans, only 0 and 1)
    assert user.has_emergency_access is False and user.has_confirmed_authenticator is False


def test_the_query_is_compiled_once_not_on_each_request(worker, administrator, monkeypatch):
    """Compiling the annotations' subqueries on each request took longer than running the query."""
    UserBackend().get_user(worker.pk)
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *args, **kwargs: compiled.append(self) or as_sql(self, *args, **kwargs)
    )

    users = [UserBackend().get_user(str(pk)) for pk in (worker.pk, administrator.pk)]  # (a session keeps a string)

    assert compiled == []
    assert [user.username for user in users] == [worker.username, administrator.username]


def test_an_id_no_user_has_is_nobody(worker):
    assert UserBackend().get_user(worker.pk + 1000) is None
    assert UserBackend().get_user("not a number") is None


def test_a_reminder_snoozed_until_tomorrow_counts_from_tomorrow(worker, case, monkeypatch):
    """The annotated users are built once a day and reused: the bell's count must still follow the day."""
    # given: a reminder snoozed until tomorrow, and the user loaded today
    today = timezone.localdate()
    Reminder.objects.create(
        item_type=Reminder.Item.FOLLOW_UP,
        item_id=case.pk,
        due_date=today,
        stage="event",
        recipient=worker,
        case=case,
        snoozed_until=today + datetime.timedelta(days=1),
    )
    assert UserBackend().get_user(worker.pk).unread_reminders == 0

    # when: a day later
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + datetime.timedelta(days=1))

    # then
    assert UserBackend().get_user(worker.pk).unread_reminders == 1
