"""The daily beat task: it checks the rows written since the last published head, publishes the
trail's signed head outside the database and e-mails it to the administrators (in their language)
and to REPAT_AUDIT_HEAD_EMAILS; a broken trail is not published, and they are told."""

import json

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases import actions as case_actions
from repat.accounts.models import User
from repat.audit import anchors, tasks
from repat.audit.models import AuditEvent
from repat.celery import app
from tests.factories import UserFactory

from .helpers import raw_delete

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(worker, case):
    for n in range(3):
        case_actions.note_log(
            actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary=f"Visit {n}."
        )
    return list(AuditEvent.objects.order_by("id").values_list("pk", flat=True))


@pytest.fixture
def administrators(db):
    return [
        UserFactory(username="admin-en", email="admin-en@example.org", role=User.Role.ADMINISTRATOR, language="en"),
        UserFactory(username="admin-ru", email="admin-ru@example.org", role=User.Role.ADMINISTRATOR, language="ru"),
        UserFactory(username="admin-away", email="away@example.org", role=User.Role.ADMINISTRATOR, is_active=False),
        UserFactory(username="admin-nomail", email="", role=User.Role.ADMINISTRATOR),
    ]


def test_beat_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["audit-head"]

    assert (entry["task"], entry["schedule"]) == ("repat.audit.tasks.publish_head", 24 * 3600.0)
    assert entry["task"] in app.tasks


def test_the_beat_task_writes_and_mails_the_signed_head(trail, administrators, audit_heads, settings):
    # given
    settings.REPAT_AUDIT_HEAD_EMAILS = ["auditor@example.org"]
    mail.outbox.clear()
    rows = AuditEvent.objects.count()

    # when
    name = tasks.publish_head.delay().get()

    # then: the head is in the folder, signed, and says where the chain ends
    [head], problems = anchors.read_all([audit_heads])
    assert (problems, head.name, head.rows, head.last_id) == ([], name, rows, AuditEvent.objects.latest("id").pk)
    assert head.last_hash == AuditEvent.objects.latest("id").hash

    # and it went to the active administrators with an address, and to the auditor, with the file
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin-en@example.org",
        "admin-ru@example.org",
        "auditor@example.org",
    ]
    message = next(message for message in mail.outbox if message.to == ["admin-en@example.org"])
    assert message.subject == f"Repat: audit trail head of {head.when}"
    assert message.body.startswith(
        f"On {head.when} the audit trail of Repat held {rows} rows, up to row {head.last_id}. "
        f"The rows written since the previous head were checked: {rows}.\n"
    )
    assert f"Last seal: {head.last_hash}\n" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (name, "application/json")
    assert json.loads(content) == json.loads((audit_heads / name).read_text())
    # figures and seals only: no one's name
    assert not any(person in message.body + content for person in ("worker-a", "Test", "Person", "Visit"))


def test_the_next_run_checks_only_the_rows_written_since(trail, administrators, worker, case):
    tasks.publish_head.delay()
    case_actions.note_log(
        actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary="Again."
    )
    mail.outbox.clear()

    tasks.publish_head.delay()

    assert "The rows written since the previous head were checked: 1.\n" in mail.outbox[0].body


def test_a_broken_trail_is_not_published_and_the_administrators_are_told(trail, administrators, audit_heads):
    # given
    raw_delete(trail[1])
    mail.outbox.clear()

    # when
    name = tasks.publish_head.delay().get()

    # then
    assert name == ""
    assert anchors.read_all([audit_heads]) == ([], [])
    message = next(message for message in mail.outbox if message.to == ["admin-en@example.org"])
    assert message.subject == "Repat: the audit trail is broken"
    assert message.body.startswith(
        f"The daily check of the audit trail of Repat failed at row {trail[2]}: a row before this one was removed "
        "or altered.\n"
    )
    assert message.attachments == []


def test_the_command_publishes_the_head_by_hand(trail, administrators, audit_heads, capsys):
    call_command("audit_publish_head")

    [head], _problems = anchors.read_all([audit_heads])
    rows = AuditEvent.objects.count()
    assert capsys.readouterr().out == (
        f"Published {head.name}: {rows} rows up to row {head.last_id} ({rows} rows checked since the previous head).\n"
    )
    assert len(mail.outbox) == 2


def test_the_command_refuses_to_publish_a_broken_trail(trail, administrators, audit_heads):
    raw_delete(trail[1])

    with pytest.raises(CommandError) as error:
        call_command("audit_publish_head")

    assert str(error.value) == (
        f"Audit trail broken at row {trail[2]}: a row before this one was removed or altered. No head published; "
        "the administrators were told."
    )
    assert anchors.read_all([audit_heads]) == ([], [])
