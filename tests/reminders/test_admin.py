"""The reminders' admin: failed e-mails are listed, and an administrator sends them again."""

import pytest
from django.core import mail
from django.urls import reverse

from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder, ReminderSettings

from .factories import ReminderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(worker, case):
    worker.email = "worker-a@example.org"
    worker.save(update_fields=["email"])
    config = ReminderSettings.current()
    config.daily_digest, config.quiet_hours_start, config.quiet_hours_end = False, 0, 0
    config.save()
    return [
        ReminderFactory(case=case, item_id=n, email_status="failed", email_attempts=14, email_error="451 Try later")
        for n in (1, 2)
    ]


def test_an_administrator_sends_failed_e_mails_again_from_the_list(
    administrator, failed, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(administrator)
    url = reverse("admin:reminders_reminder_changelist")
    assert "Send the failed e-mails again" in client.get(url).content.decode()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"action": "resend_failed_emails", "_selected_action": [r.pk for r in failed]},
            follow=True,
        )

    # then: sent by the relay it asked for, and on record
    assert "2 e-mails will be sent again." in response.content.decode()
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(actor=administrator, detail="resend failed e-mails").count() == 1


def test_the_action_is_offered_to_administrators_only(supervisor, failed, client_for):
    supervisor.is_staff = True
    supervisor.save(update_fields=["is_staff"])
    from django.contrib.auth.models import Permission

    supervisor.user_permissions.add(Permission.objects.get(codename="view_reminder"))
    response = client_for(supervisor).get(reverse("admin:reminders_reminder_changelist"))
    assert response.status_code == 200
    assert "Send the failed e-mails again" not in response.content.decode()
