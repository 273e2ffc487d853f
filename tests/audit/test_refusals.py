"""Reads by provider staff and refused object requests are on record (issue 13, point 10): provider
staff opening a referral write a "view" row; any 404 or 403 on an object's page, for a signed-in
user, writes a "refused" row with the route and the id (never what the page holds); one person
refused on many different objects in a short time alerts the administrators, once per burst, in the
app and by e-mail at once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from repat.accounts.models import User
from repat.audit import refusals
from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder
from tests.factories import CaseFactory, ReturneeFactory, UserFactory
from tests.services.factories import ProviderFactory, ProviderStaffFactory, ReferralFactory, service

from .helpers import audit_ids, new_rows

pytestmark = pytest.mark.django_db

ROW = ("action", "actor_name", "object_type", "object_id", "case_id", "detail", "changes")


@pytest.fixture
def provider_user(chuy):
    provider = ProviderFactory(name="Ak-Bata Family Centre", regions=[chuy])
    return ProviderStaffFactory(provider=provider, user__username="provider-a").user


@pytest.fixture
def referral(case, worker, provider_user):
    return ReferralFactory(
        case=case,
        requested_by=worker,
        status="assigned",
        provider=provider_user.provider_staff.provider,
        service_type=service("individual-counselling"),
    )


@pytest.fixture
def administrators(administrator, db):
    """Two administrators with an e-mail address (the second one is not a superuser)."""
    User.objects.filter(pk=administrator.pk).update(email="admin-a@example.org")
    second = UserFactory(username="admin-b", role=User.Role.ADMINISTRATOR, email="admin-b@example.org")
    return [User.objects.get(pk=administrator.pk), second]


# --- Provider staff reading a referral


def test_provider_staff_opening_a_referral_leave_a_row(referral, provider_user, case, client_for):
    client = client_for(provider_user)
    before = audit_ids()

    detail = client.get(referral.get_absolute_url())
    step = client.get(reverse("services:referral_step", args=[referral.pk, "accept"]))

    assert (detail.status_code, step.status_code) == (200, 200)
    assert new_rows(before, "action", "actor_name", "object_type", "object_id", "case_id", "detail") == [
        ("view", "provider-a", "referral", referral.pk, case.pk, "services:referral_detail"),
        ("view", "provider-a", "referral", referral.pk, case.pk, "services:referral_step"),
    ]


def test_the_case_page_shows_provider_staff_among_those_who_viewed(
    referral, provider_user, supervisor, case, client_for
):
    client_for(provider_user).get(referral.get_absolute_url())

    page = client_for(supervisor).get(case.get_absolute_url())

    assert [row.actor_name for row in page.context["viewers"]][-1:] == ["provider-a"]


# --- Refused object requests


def test_a_404_on_an_object_is_recorded_with_the_route_and_the_id_only(worker, other_case, client_for):
    client = client_for(worker)
    before = audit_ids()

    response = client.get(other_case.get_absolute_url())

    assert response.status_code == 404
    assert new_rows(before, *ROW) == [("refused", "worker-a", "cases:case_detail", other_case.pk, None, "404", {})]
    row = AuditEvent.objects.get(action="refused")
    text = " ".join(str(getattr(row, field)) for field in ROW)
    assert other_case.returnee.case_number not in text
    assert other_case.returnee.family_name not in text


def test_a_403_on_an_object_is_recorded(supervisor, case, client_for):
    client = client_for(supervisor)
    before = audit_ids()

    response = client.get(reverse("cases:case_update", args=[case.pk]))

    assert response.status_code == 403
    assert new_rows(before, "action", "object_type", "object_id", "detail") == [
        ("refused", "cases:case_update", case.pk, "403")
    ]


def test_pages_without_an_object_and_signed_out_visitors_are_not_recorded(worker, other_case, client, client_for):
    before = audit_ids()
    assert client.get(other_case.get_absolute_url()).status_code == 302  # to the login page
    assert new_rows(before) == []
    signed_in = client_for(worker)
    before = audit_ids()

    assert signed_in.get("/no-such-page/").status_code == 404

    assert new_rows(before) == []


def test_a_normal_page_costs_no_query_for_refusals(worker, case, client_for):
    client = client_for(worker)
    client.get(case.get_absolute_url())  # warm the session and the reference lists

    with CaptureQueriesContext(connection) as queries:
        assert client.get(case.get_absolute_url()).status_code == 200

    assert not [query["sql"] for query in queries.captured_queries if "refused" in query["sql"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement per audit row on PostgreSQL")
def test_a_refusal_costs_one_insert_and_one_count(worker, other_case, rf):
    request = rf.get(other_case.get_absolute_url())
    request.user = worker
    request.resolver_match = type("Match", (), {"kwargs": {"pk": other_case.pk}, "view_name": "cases:case_detail"})

    with CaptureQueriesContext(connection) as queries:
        refusals.refusal_record(request=request, status=404)

    assert len(queries.captured_queries) == 2


# --- Stepping through ids


@pytest.fixture
def others_cases(other_worker, osh):
    return [CaseFactory(worker=other_worker, returnee=ReturneeFactory(region=osh)) for _ in range(3)]


def step_through(client, count: int, start: int = 100_000) -> list[int]:
    """Ask for `count` case pages in a row, none of them the user's."""
    statuses = [client.get(reverse("cases:case_detail", args=[start + n])).status_code for n in range(count)]
    assert set(statuses) == {404}
    return statuses


def test_stepping_through_25_ids_is_recorded_and_alerts_the_administrators_once(
    worker, administrators, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    client = client_for(worker)
    with django_capture_on_commit_callbacks(execute=True):
        step_through(client, 25)

    # then: 25 refusals, one alert (an audit row), told to each administrator once
    assert AuditEvent.objects.filter(action="refused", actor=worker).count() == 25
    (alert,) = AuditEvent.objects.filter(action="alert")
    assert (alert.actor, alert.object_type, alert.object_id, alert.detail, alert.changes) == (
        worker,
        "user",
        worker.pk,
        "refusals",
        {"objects": [None, 20], "minutes": [None, 10]},
    )
    reminders = Reminder.objects.filter(item_type="refusals")
    assert sorted(reminders.values_list("recipient__username", "item_id", "case")) == [
        ("admin-a", alert.pk, None),
        ("admin-b", alert.pk, None),
    ]
    # ... by e-mail at once (not in tomorrow's digest), naming the person
    assert sorted(mail.to[0] for mail in mailoutbox) == ["admin-a@example.org", "admin-b@example.org"]
    assert all(mail.subject == "Repat: alert" and "Many refused requests, worker-a" in mail.body for mail in mailoutbox)


def test_the_same_object_asked_again_and_again_is_no_burst(worker, other_case, administrators, client_for):
    client = client_for(worker)

    for _ in range(25):
        assert client.get(other_case.get_absolute_url()).status_code == 404

    assert AuditEvent.objects.filter(action="refused").count() == 25
    assert not AuditEvent.objects.filter(action="alert").exists()
    assert not Reminder.objects.exists()


def test_the_threshold_and_the_window_are_settings(worker, administrators, client_for, settings):
    settings.REPAT_REFUSAL_ALERT_THRESHOLD = 5

    step_through(client_for(worker), 6)

    assert AuditEvent.objects.get(action="alert").changes["objects"] == [None, 5]


@pytest.fixture
def clock(monkeypatch):
    """Set the time audit rows are written at: `clock.at = ...`."""

    class Clock:
        at = timezone.now()

    field = AuditEvent._meta.get_field("at")
    monkeypatch.setattr(field, "_get_default", lambda: Clock.at)
    return Clock


def test_one_alert_per_burst_and_a_new_one_after_a_quiet_window(worker, administrators, client_for, clock):
    client = client_for(worker)
    start = clock.at

    def step(n: int, seconds: int, first: int):
        for i in range(n):
            clock.at += datetime.timedelta(seconds=seconds)
            assert client.get(reverse("cases:case_detail", args=[first + i])).status_code == 404

    # a burst: 20 objects in two minutes, then on at 20 objects per ten minutes for half an hour
    step(20, 6, 100_000)
    step(60, 30, 200_000)
    assert AuditEvent.objects.filter(action="alert").count() == 1

    # quiet for a whole window, then another burst
    clock.at += datetime.timedelta(minutes=11)
    step(20, 6, 300_000)

    alerts = list(AuditEvent.objects.filter(action="alert").order_by("id").values_list("at", flat=True))
    assert len(alerts) == 2
    assert alerts[0] - start < datetime.timedelta(minutes=3)
    assert Reminder.objects.filter(item_type="refusals").count() == 4  # two alerts, two administrators


def test_the_alert_leads_the_administrator_to_the_refusals_on_the_audit_trail(worker, administrators, client_for):
    step_through(client_for(worker), 20)
    reminder = Reminder.objects.get(item_type="refusals", recipient=administrators[0])
    client = client_for(administrators[0])

    listed = client.get(reverse("reminders:list")).content.decode()
    opened = client.get(reverse("reminders:open", args=[reminder.pk]))
    trail = client.get(opened["Location"])

    assert "Many refused requests" in listed and "worker-a" in listed
    assert opened["Location"] == reverse("audit:search") + "?action=refused&user=worker-a"
    page = trail.content.decode()
    assert trail.status_code == 200
    assert page.count("Case page") == 20  # the page they were refused, by its title
    assert "Case page, no. 100019" in page


def test_the_audit_trail_lists_refusals_and_alerts(worker, administrators, client_for):
    step_through(client_for(worker), 20)

    page = client_for(administrators[0]).get(reverse("audit:search"), {"action": "alert"}).content.decode()

    assert "Alert sent" in page
    assert "refusals" in page


@pytest.mark.parametrize("pk", [2**63, 10**22])
def test_an_id_no_row_can_have_is_recorded_as_text(pk, worker, client_for):
    client = client_for(worker)
    before = audit_ids()

    response = client.get(reverse("cases:case_detail", args=[pk]))

    assert response.status_code == 404
    assert new_rows(before, "action", "object_type", "object_id", "detail") == [
        ("refused", "cases:case_detail", None, f"404 {pk}")
    ]
