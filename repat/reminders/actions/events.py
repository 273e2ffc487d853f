"""Reminders written when something happens, and what people do with them (read, snooze, done)."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.audit.actions import record
from repat.audit.models import AuditEvent
from repat.core import broker

from ..models import Reminder
from ..selectors import (
    group_members,
)
from .due import _insert

# A reminder put aside comes back within a month at the latest.
MAX_SNOOZE_DAYS = 30


def notify(*, item_type: str, item_id: int, case_id: int | None, recipients: Iterable[int]) -> None:
    """Tell people about something that just happened (a referral to assign or to accept). Runs in
    the caller's transaction; the e-mail is sent after commit if the broker answers, else by the
    next relay."""
    notify_many(item_type=item_type, items=[(item_id, case_id, recipients)])


def notify_many(*, item_type: str, items: Iterable[tuple[int, int | None, Iterable[int]]]) -> None:
    """`notify` for many items of one type, each (item id, case id, recipients): one insert per
    BATCH reminders and one relay after commit, whatever the number of items."""
    today = timezone.localdate()
    _insert(
        [
            Reminder(
                item_type=item_type,
                item_id=item_id,
                due_date=today,
                stage=Reminder.Stage.EVENT,
                recipient_id=person,
                case_id=case_id,
            )
            for item_id, case_id, recipients in items
            for person in sorted(set(recipients))
            if person
        ]
    )
    transaction.on_commit(request_relay)


def request_relay() -> None:
    """Ask a worker to send waiting e-mails now. A broker that is down must not fail or slow the
    user's save: the relay on the beat schedule will find the e-mails in the database."""
    from ..tasks import relay

    broker.send(
        lambda: relay.apply_async(retry=False), "Broker unavailable; e-mails wait in the database for the next relay."
    )


def mark_read(*, user, reminder_ids: Iterable[int] | None = None) -> int:
    reminders = Reminder.objects.filter(recipient=user, read_at__isnull=True)
    if reminder_ids is not None:
        reminders = reminders.filter(pk__in=list(reminder_ids))
    return reminders.update(read_at=timezone.now())


def _own_group(user, reminder: Reminder, whole_group: bool) -> list[int]:
    """The ids of the reminders shown with one (its line, or its whole group): one's own only."""
    if reminder.recipient_id != user.pk:
        raise PermissionDenied
    return list(group_members(reminder, whole_group=whole_group).order_by("pk").values_list("pk", flat=True))


def _audit(user, reminder: Reminder, detail: str, changes: dict) -> None:
    record(
        actor=user,
        action=AuditEvent.Action.CHANGE,
        object_type=Reminder._meta.model_name,
        object_id=reminder.pk,
        detail=detail,
        changes=changes,
    )


@transaction.atomic
def reminder_group_snooze(*, user, reminder: Reminder, until: datetime.date, whole_group: bool = False) -> int:
    """Put a reminder's line (its case, kind and day) or whole group (kind and day) aside until a
    day: out of the bell and the list until then, back unread. Only one's own; audited. Returns
    how many reminders."""
    today = timezone.localdate()
    if until <= today:
        raise ValidationError(_("Choose a day after today."))
    if until > today + datetime.timedelta(days=MAX_SNOOZE_DAYS):
        raise ValidationError(_("Snooze for at most %(days)s days.") % {"days": MAX_SNOOZE_DAYS})
    ids = _own_group(user, reminder, whole_group)
    count = Reminder.objects.filter(pk__in=ids).update(snoozed_until=until, read_at=None)
    _audit(user, reminder, "snooze", {"reminders": ids, "until": until.isoformat()})
    return count


@transaction.atomic
def reminder_group_done(*, user, reminder: Reminder, whole_group: bool = False) -> int:
    """Mark a reminder's line or whole group done: read, and gone from the bell and the list. What it was about
    stays due in its own page (a task is closed there): this only says "I have seen to it".
    Only one's own; audited. Returns how many reminders."""
    ids = _own_group(user, reminder, whole_group)
    now = timezone.now()
    count = Reminder.objects.filter(pk__in=ids).update(done_at=now)
    Reminder.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=now)
    _audit(user, reminder, "done", {"reminders": ids})
    return count


def reminder_group_read(*, user, reminder: Reminder) -> int:
    """Opening a reminder reads its line: the reminders of that case and kind that day."""
    return mark_read(user=user, reminder_ids=group_members(reminder).values_list("pk", flat=True))
