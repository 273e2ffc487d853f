"""Break the glass: a worker opens a case outside their scope with a reason, for a limited time, to
read and not to change; the access is on the timeline and in the audit trail, and the supervisors
of the case's region are told."""

import datetime
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, EmergencyAccess, Note
from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder
from tests.services.factories import ProviderStaffFactory

pytestmark = pytest.mark.django_db

URL = reverse("cases:emergency_access")
REASON = "The hospital called: the child was admitted tonight and they need her documents."
BANNER = "You opened this case in an emergency: you can read it, not change it, and your access is recorded."
TOO_SHORT = "Say in words why you need this case now: a sentence or two, not letters or one word repeated."


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def provider_user(db):
    return ProviderStaffFactory(user__username="provider-a").user


@pytest.fixture
def opened(worker, other_case, client_for):
    """`worker` (Chüy) opened `other_case` (Osh, held by `other_worker`) in an emergency."""
    client = client_for(worker)
    response = client.post(URL, {"case_number": other_case.returnee.case_number, "reason": REASON})
    return client, response


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("worker", 200),
        ("coordinator", 200),
        ("supervisor", 200),
        ("administrator", 403),  # sees every case already
        ("provider_user", 403),
    ],
)
def test_the_page_per_role(role, status, request, other_case, client_for):
    client = client_for(request.getfixturevalue(role))

    assert client.get(URL).status_code == status
    response = client.post(URL, {"case_number": other_case.returnee.case_number, "reason": REASON})
    assert response.status_code == (302 if status == 200 else 403)
    assert EmergencyAccess.objects.exists() is (status == 200)


def test_the_case_opens_for_reading_with_a_banner(opened, other_case, settings):
    client, response = opened

    assert response.status_code == 302
    assert response["Location"] == other_case.get_absolute_url()
    assert flashed(response) == ["Emergency access for 120 minutes. It is recorded and the supervisors are told."]
    page = client.get(other_case.get_absolute_url())
    assert page.status_code == 200
    assert BANNER in page.content.decode()
    assert page.context["can_edit"] is False
    assert client.get(reverse("cases:returnee_detail", args=[other_case.returnee.pk])).status_code == 200


def test_the_banner_is_not_shown_on_ones_own_cases(worker, case, client_for):
    assert BANNER not in client_for(worker).get(case.get_absolute_url()).content.decode()


def test_nothing_can_be_changed_through_an_emergency_access(opened, other_case):
    client, _response = opened
    before = (other_case.risk_level, other_case.updated_at)

    case_edit = reverse("cases:case_update", args=[other_case.pk])
    returnee_edit = reverse("cases:returnee_update", args=[other_case.returnee.pk])
    visit = {"contact_date": timezone.localdate(), "kind": "home_visit", "summary": "x", "form_token": uuid.uuid4()}

    assert client.get(case_edit).status_code == 403
    assert client.post(case_edit, {"status": "active", "risk_level": "low"}).status_code == 403
    assert client.get(returnee_edit).status_code == 403
    assert client.post(other_case.get_absolute_url(), visit).status_code == 403
    assert client.get(reverse("cases:task_create", args=[other_case.pk])).status_code == 403
    other_case.refresh_from_db()
    assert (other_case.risk_level, other_case.updated_at) == before
    assert not Note.objects.exists()


def test_the_access_is_on_the_timeline_and_in_the_audit_trail(opened, worker, other_case):
    access = EmergencyAccess.objects.get()
    assert (access.user, access.case, access.reason) == (worker, other_case, REASON)
    assert access.expires_at - access.granted_at == datetime.timedelta(minutes=120)

    event = CaseEvent.objects.get(case=other_case)
    assert (event.kind, event.actor, event.subject, event.subject_id) == (
        "emergency_access",
        worker,
        "emergencyaccess",
        access.pk,
    )
    assert event.changes == {"comment": [None, REASON]}

    rows = list(
        AuditEvent.objects.filter(case_id=other_case.pk)
        .order_by("id")
        .values_list("action", "detail", "actor_name", "object_type", "object_id", "changes")
    )
    number = other_case.returnee.case_number
    assert rows[:2] == [
        (
            "emergency",
            "attempt:opened",
            "worker-a",
            "emergencyaccess",
            access.pk,
            {"case_number": [None, number], "reason": [None, REASON]},
        ),
        ("change", "emergency_access", "worker-a", "emergencyaccess", access.pk, {"comment": [None, REASON]}),
    ]


def test_the_supervisors_of_the_cases_region_are_told(supervisor, osh_supervisor, opened, other_case):
    # (supervisor-a works in Chüy: the case is in Osh)
    access = EmergencyAccess.objects.get()

    reminders = Reminder.objects.filter(item_type="emergency_access")
    assert list(reminders.values_list("recipient__username", "item_id", "case_id", "stage")) == [
        ("supervisor-b", access.pk, other_case.pk, "event")
    ]


def test_the_reminder_opens_the_case_for_the_supervisor(osh_supervisor, opened, other_case, client_for):
    reminder = Reminder.objects.get(item_type="emergency_access")

    response = client_for(osh_supervisor).get(reverse("reminders:open", args=[reminder.pk]))

    assert response.status_code == 302
    assert response["Location"] == other_case.get_absolute_url()


def test_the_duration_follows_the_setting(worker, other_case, client_for, settings):
    settings.REPAT_EMERGENCY_ACCESS_MINUTES = 30

    response = client_for(worker).post(URL, {"case_number": other_case.returnee.case_number, "reason": REASON})

    access = EmergencyAccess.objects.get()
    assert access.expires_at - access.granted_at == datetime.timedelta(minutes=30)
    assert flashed(response) == ["Emergency access for 30 minutes. It is recorded and the supervisors are told."]


def test_the_case_number_may_be_typed_in_lower_case_with_spaces(worker, other_case, client_for):
    number = f"  {other_case.returnee.case_number.lower()} "

    response = client_for(worker).post(URL, {"case_number": number, "reason": REASON})

    assert response["Location"] == other_case.get_absolute_url()


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"reason": "   Urgent, sorry.       "}, {"reason": [TOO_SHORT]}),
        ({"reason": ""}, {"reason": ["This field is required."]}),
    ],
)
def test_a_short_reason_is_refused_next_to_the_field(data, errors, worker, other_case, client_for):
    # given
    data = {"case_number": other_case.returnee.case_number, "reason": REASON, **data}

    # when
    response = client_for(worker).post(URL, data)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not EmergencyAccess.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["emergency", "change"]).exists()
    assert not Reminder.objects.exists()


def test_after_it_expires_the_case_is_a_404_again(opened, other_case):
    client, _response = opened
    EmergencyAccess.objects.update(
        granted_at=timezone.now() - datetime.timedelta(hours=3), expires_at=timezone.now() - datetime.timedelta(hours=1)
    )

    assert client.get(other_case.get_absolute_url()).status_code == 404
    assert client.get(reverse("cases:returnee_detail", args=[other_case.returnee.pk])).status_code == 404


def test_a_case_already_visible_just_opens_without_an_emergency(worker, case, client_for):
    response = client_for(worker).post(URL, {"case_number": case.returnee.case_number, "reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert flashed(response) == []
    assert not EmergencyAccess.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["emergency", "change"]).exists()
    assert not Reminder.objects.exists()


def test_opening_again_while_the_access_lasts_creates_no_second_one(opened, other_case):
    client, _response = opened

    response = client.post(URL, {"case_number": other_case.returnee.case_number, "reason": REASON})

    assert response["Location"] == other_case.get_absolute_url()
    assert EmergencyAccess.objects.count() == 1
    assert AuditEvent.objects.filter(action="emergency").count() == 1
