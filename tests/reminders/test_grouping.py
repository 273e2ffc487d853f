"""Reminders that do not overwhelm: grouped by day and kind (one line per case) in the bell, the list
and the e-mail; the person named to whoever may see the case; snoozed or marked done from the list
(one's own only); escalations as one daily summary per region."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from repat.audit.models import AuditEvent
from repat.reminders import actions
from repat.reminders.models import Reminder
from repat.reminders.selectors import unread_count
from tests.factories import CaseFactory, ReturneeFactory
from tests.services.factories import ReferralFactory

from .factories import ReminderFactory

pytestmark = pytest.mark.django_db

LIST = reverse("reminders:list")


def today() -> datetime.date:
    return timezone.localdate()


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(client) -> str:
    return client.get(LIST).content.decode()


@pytest.fixture
def busy_worker(worker, chuy):
    """Day one: 30 cases with an overdue follow-up and 10 with a task due today."""
    cases = [CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy)) for _ in range(30)]
    for case in cases:
        ReminderFactory(case=case, stage="overdue")
    for n, case in enumerate(cases[:10]):
        ReminderFactory(case=case, item_type="task", item_id=n + 1)
    return cases


# --- Grouping ---------------------------------------------------------------------------------------


def test_the_bell_counts_groups_not_reminders(busy_worker, worker, client_for):
    # when
    page = client_for(worker).get(reverse("cases:caseload")).content.decode()

    # then: two kinds today, not 40 (nor "99+")
    assert 'id="unread-count">2<' in page
    assert unread_count(user=worker) == 2


def test_the_list_shows_one_entry_per_kind_and_day_with_a_line_per_case(busy_worker, worker, client_for):
    response = client_for(worker).get(LIST)

    groups = response.context["groups"]
    assert [(g.item_type, g.count, len(g.lines), g.more_lines) for g in groups] == [
        ("task", 10, 8, 2),
        ("follow_up", 30, 8, 22),
    ]
    page = response.content.decode()
    assert "See all (22 more)" in page
    assert f"?day={today():%Y-%m-%d}&amp;kind=follow_up" in page


def test_see_all_lists_every_line_of_one_group(busy_worker, worker, client_for):
    response = client_for(worker).get(LIST, {"day": today().isoformat(), "kind": "follow_up"})

    [group] = response.context["groups"]
    assert len(group.lines) == 30
    assert "See all" not in response.content.decode()


def test_the_list_costs_the_same_queries_however_many_groups_and_lines(
    worker, chuy, client_for, django_assert_max_num_queries
):
    client = client_for(worker)

    def add(n):
        for _ in range(n):
            case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
            ReminderFactory(case=case)
            ReminderFactory(case=case, item_type="task", item_id=case.pk)
            ReminderFactory(case=case, item_type="goal", item_id=case.pk, stage="overdue")

    add(2)
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    add(20)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


# --- Names ------------------------------------------------------------------------------------------


def test_the_worker_sees_the_persons_name(worker, case, client_for):
    ReminderFactory(case=case)

    page = listed(client_for(worker))

    assert case.returnee.full_name in page
    assert case.returnee.case_number in page


def test_no_name_once_the_case_is_no_longer_theirs(worker, other_worker, case, client_for):
    ReminderFactory(case=case)
    Case.objects.filter(pk=case.pk).update(worker=other_worker)

    page = listed(client_for(worker))

    assert case.returnee.family_name not in page
    assert case.returnee.case_number not in page
    assert "a case you no longer hold" in page


def test_provider_staff_never_see_the_name_or_the_case_number(provider, provider_user, case, client_for):
    referral = ReferralFactory(case=case, status="assigned", provider=provider)
    ReminderFactory(
        case=case, item_type="referral_assigned", item_id=referral.pk, stage="event", recipient=provider_user
    )

    page = listed(client_for(provider_user))

    assert "Referral assigned" in page
    assert case.returnee.family_name not in page
    assert case.returnee.given_name not in page
    assert case.returnee.case_number not in page


# --- Snooze and done ---------------------------------------------------------------------------------


def test_snoozing_a_line_hides_it_until_the_day_chosen(worker, case, client_for):
    # given: the case's follow-up twice today, and a task of another case
    first = ReminderFactory(case=case)
    second = ReminderFactory(case=case, stage="overdue")
    other = ReminderFactory(case=CaseFactory(worker=worker), item_type="task", item_id=9)
    client = client_for(worker)
    tomorrow = today() + datetime.timedelta(days=1)

    # when
    response = client.post(reverse("reminders:snooze", args=[second.pk]), {"until": tomorrow.isoformat()})

    # then
    assert response.status_code == 302
    assert flashed(response) == [f"Put aside until {tomorrow:%d.%m.%Y}."]
    assert set(Reminder.objects.filter(snoozed_until=tomorrow).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Reminder.objects.get(pk=other.pk).snoozed_until is None
    assert reverse("reminders:open", args=[second.pk]) not in listed(client)
    assert unread_count(user=worker) == 1
    event = AuditEvent.objects.get(detail="snooze")
    assert (event.actor, event.object_id, event.changes) == (
        worker,
        second.pk,
        {"reminders": sorted([first.pk, second.pk]), "until": tomorrow.isoformat()},
    )
    # and tomorrow it is back, unread
    back = Reminder.objects.filter(Reminder.shown_q(tomorrow), pk__in=[first.pk, second.pk])
    assert back.count() == 2
    assert not back.filter(read_at__isnull=False).exists()


def test_snoozing_a_whole_group(busy_worker, worker, client_for):
    latest = Reminder.objects.filter(recipient=worker, item_type="follow_up").latest("pk")
    monday = today() + datetime.timedelta(days=7 - today().weekday())

    client_for(worker).post(
        reverse("reminders:snooze", args=[latest.pk]), {"until": monday.isoformat(), "whole_group": "on"}
    )

    assert Reminder.objects.filter(recipient=worker, item_type="follow_up", snoozed_until=monday).count() == 30
    assert not Reminder.objects.filter(item_type="task", snoozed_until__isnull=False).exists()


@pytest.mark.parametrize("days", [0, -1, 31])
def test_a_snooze_must_end_tomorrow_at_the_earliest_and_within_a_month(days, worker, case, client_for):
    reminder = ReminderFactory(case=case)

    response = client_for(worker).post(
        reverse("reminders:snooze", args=[reminder.pk]),
        {"until": (today() + datetime.timedelta(days=days)).isoformat()},
    )

    assert flashed(response) == (["Snooze for at most 30 days."] if days > 0 else ["Choose a day after today."])
    assert Reminder.objects.get(pk=reminder.pk).snoozed_until is None


def test_marking_a_line_done_takes_it_off_the_list_and_the_bell(worker, case, client_for):
    reminder = ReminderFactory(case=case)
    client = client_for(worker)

    response = client.post(reverse("reminders:done", args=[reminder.pk]))

    assert flashed(response) == ["Marked as done."]
    done = Reminder.objects.get(pk=reminder.pk)
    assert done.done_at is not None and done.read_at is not None
    assert "No reminders." in listed(client)
    assert unread_count(user=worker) == 0
    assert AuditEvent.objects.filter(actor=worker, detail="done", object_id=reminder.pk).exists()


@pytest.mark.parametrize("name", ["reminders:done", "reminders:snooze"])
def test_another_users_reminder_cannot_be_snoozed_or_done(name, worker, other_worker, case, client_for):
    # given: the other worker's reminder, and the worker's own of the same case and day
    theirs = ReminderFactory(case=case, recipient=other_worker)
    mine = ReminderFactory(case=case)
    data = {"until": (today() + datetime.timedelta(days=1)).isoformat(), "whole_group": "on"}

    # when
    response = client_for(worker).post(reverse(name, args=[theirs.pk]), data)

    # then: the same answer as one that does not exist; nothing changed, nothing audited
    assert response.status_code == 404
    assert client_for(worker).post(reverse(name, args=[theirs.pk + 1000]), data).status_code == 404
    for reminder in (theirs, mine):
        row = Reminder.objects.get(pk=reminder.pk)
        assert (row.done_at, row.snoozed_until) == (None, None)
    assert not AuditEvent.objects.filter(detail__in=["done", "snooze"]).exists()


def test_an_action_cannot_touch_another_persons_reminder(worker, other_worker, case):
    theirs = ReminderFactory(case=case, recipient=other_worker)

    with pytest.raises(PermissionDenied):
        actions.reminder_group_done(user=worker, reminder=theirs)

    assert Reminder.objects.get(pk=theirs.pk).done_at is None


@pytest.mark.parametrize("name", ["reminders:done", "reminders:snooze"])
def test_snooze_and_done_need_a_post_with_the_csrf_token(name, worker, case):
    reminder = ReminderFactory(case=case)
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)

    assert client.get(reverse(name, args=[reminder.pk])).status_code == 405
    assert client.post(reverse(name, args=[reminder.pk]), {"until": "2099-01-01"}).status_code == 403
    assert Reminder.objects.get(pk=reminder.pk).done_at is None


# --- Escalations as a daily regional summary ---------------------------------------------------------


@pytest.fixture
def long_overdue(worker, chuy, coordinator, supervisor):
    """Twelve cases in Chüy whose follow-ups are three weeks overdue, swept today."""
    cases = [CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy)) for _ in range(12)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(next_follow_up=today() - datetime.timedelta(days=21))
    actions.sweep(today=today())
    return cases


def test_the_coordinator_gets_one_entry_a_day_per_region(long_overdue, coordinator, chuy, client_for):
    client = client_for(coordinator)

    response = client.get(LIST)

    assert unread_count(user=coordinator) == 1
    [group] = response.context["groups"]
    [line] = group.lines
    assert (line.reminder.item_type, line.reminder.item_id, line.region_count) == ("escalations", chuy.pk, 12)
    page = response.content.decode()
    assert "Overdue work escalated in a region" in page
    assert "12 overdue items" in page
    # a second sweep the same day adds nothing to the bell
    actions.sweep(today=today())
    assert Reminder.objects.filter(recipient=coordinator, item_type="escalations").count() == 1


def test_the_summary_opens_the_regions_escalations_of_that_day(long_overdue, coordinator, chuy, client_for):
    client = client_for(coordinator)
    summary = Reminder.objects.get(recipient=coordinator, item_type="escalations")

    response = client.get(reverse("reminders:open", args=[summary.pk]))

    assert response.url == f"{reverse('reminders:escalations')}?region={chuy.pk}&day={today().isoformat()}"
    page = client.get(response.url)
    assert len(page.context["rows"]) == 12
    assert "All escalations" in page.content.decode()
    assert (
        client.get(reverse("reminders:escalations"), {"region": chuy.pk + 1000, "day": today()}).context["rows"] == []
    )


def test_the_coordinators_e_mail_carries_the_summary_not_each_item(long_overdue, coordinator, settings):
    coordinator.email = "coordinator@example.org"
    coordinator.save(update_fields=["email"])
    settings.REPAT_DIGEST_MAX_ITEMS = 50

    carried = actions.deliver(
        user_id=coordinator.pk,
        now=datetime.datetime.combine(today(), datetime.time(10), tzinfo=timezone.get_current_timezone()),
    )

    assert carried == 1
    body = mail.outbox[0].body
    assert body.count("\n- ") == 1
    assert "- Overdue work escalated in a region, Chüy Oblast: Escalated to the coordinator" in body
    statuses = set(
        Reminder.objects.filter(recipient=coordinator, item_type="follow_up").values_list("email_status", flat=True)
    )
    assert statuses == {"summarised"}
