"""The e-mails that carry reminders: who is waiting, claims, retries with backoff, and sending."""

import datetime
import logging
import random
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.audit.actions import record
from repat.audit.models import AuditEvent

from ..models import DigestLog, EmailStatus, Reminder, ReminderSettings
from ..selectors import (
    digest_lines,
    shows_case_numbers,
    with_case_visibility,
    with_people,
    with_regions,
)
from .events import request_relay

log = logging.getLogger(__name__)
STALE_CLAIM = datetime.timedelta(minutes=15)


def in_quiet_hours(config: ReminderSettings, local_hour: int) -> bool:
    start, end = config.quiet_hours_start, config.quiet_hours_end
    if start == end:
        return False
    if start < end:
        return start <= local_hour < end
    return local_hour >= start or local_hour < end


def release_stale_claims(now: datetime.datetime) -> int:
    """A claim older than STALE_CLAIM means the worker died mid-send: we cannot know whether the
    e-mail left, so it is marked failed for an administrator rather than risk sending it twice."""
    return Reminder.objects.filter(email_status=EmailStatus.SENDING, email_claimed_at__lt=now - STALE_CLAIM).update(
        email_status=EmailStatus.FAILED,
        email_error=_("The worker stopped while sending; not retried to avoid a duplicate e-mail."),
    )


def due_for_email(now: datetime.datetime):
    """Reminders whose e-mail waits and may be tried now: never tried, or their retry is due."""
    return Reminder.objects.filter(email_status=EmailStatus.PENDING).filter(
        Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=now)
    )


def recipients_waiting(*, now: datetime.datetime | None = None) -> list[int]:
    """Who has e-mail to send now: nobody during quiet hours, and with the daily digest only from
    the digest hour, each person once a day. E-mails waiting for a retry count from its time."""
    now = now or timezone.now()
    config = ReminderSettings.current()
    local = timezone.localtime(now)
    release_stale_claims(now)
    pending = due_for_email(now)
    # Alerts go at once, at any hour and whatever the digest (see `deliver`).
    people = _recipients(pending.filter(item_type__in=Reminder.URGENT))
    if in_quiet_hours(config, local.hour):
        return people
    waiting = pending
    if config.daily_digest:
        if local.hour < config.digest_hour:
            return people
        waiting = waiting.exclude(recipient__in=DigestLog.objects.filter(day=local.date()).values("recipient"))
    return list(dict.fromkeys([*people, *_recipients(waiting)]))


def _recipients(reminders) -> list[int]:
    # order_by(): the model's default ordering would put created_at in the DISTINCT, one row per reminder.
    return list(reminders.order_by().values_list("recipient", flat=True).distinct()[:10_000])


# One e-mail carries at most this many reminders (the rest wait for the next one); it lists
# REPAT_DIGEST_MAX_ITEMS of them and says "and N more" for the others, which are all in the app.
CLAIM_LIMIT = 5000
# The pause before the next try of an e-mail that failed: 1, 2, 4... minutes, at most an hour.
RETRY_FIRST = datetime.timedelta(minutes=1)
RETRY_LONGEST = datetime.timedelta(hours=1)


def _claim(user_id: int, now: datetime.datetime, *, urgent_only: bool = False) -> list[int]:
    with transaction.atomic():
        waiting = due_for_email(now).select_for_update(skip_locked=True).filter(recipient_id=user_id)
        if urgent_only:
            waiting = waiting.filter(item_type__in=Reminder.URGENT)
        # Most pressing first: what the e-mail lists when it cannot list everything.
        ids = list(waiting.order_by("due_date", "-id").values_list("pk", flat=True)[:CLAIM_LIMIT])
        claimed = Reminder.objects.filter(pk__in=ids, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.SENDING, email_claimed_at=now, email_attempts=F("email_attempts") + 1
        )
    return ids if claimed else []


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed try: doubling from a minute, at most an hour,
    with up to a tenth more at random so that a whole outage's e-mails do not retry in one burst."""
    delay = min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)
    return delay + delay * random.uniform(0, 0.1)  # noqa: S311 - spreading load, not a secret


def retry_budget() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.REPAT_EMAIL_RETRY_HOURS)


def _failed(ids: list[int], error: Exception, now: datetime.datetime, attempts: int) -> int:
    """A try failed: the reminders wait for the next one, unless they have been failing for the
    whole budget, in which case they are marked failed for an administrator. Returns how many failed."""
    message = (str(error) or type(error).__name__)[:500]
    claimed = Reminder.objects.filter(pk__in=ids, email_status=EmailStatus.SENDING)
    claimed.filter(email_failing_since__isnull=True).update(email_failing_since=now)
    given_up = claimed.filter(email_failing_since__lte=now - retry_budget()).update(
        email_status=EmailStatus.FAILED, email_error=message, email_retry_at=None
    )
    claimed.update(email_status=EmailStatus.PENDING, email_error=message, email_retry_at=now + retry_delay(attempts))
    return given_up


def deliver(*, user_id: int, now: datetime.datetime | None = None) -> int:
    """Send one person's waiting reminders as one e-mail (the digest, or the latest events), in
    their language. Returns how many reminders it carried. Idempotent: claimed rows are skipped.

    A send that fails (SMTP down or refusing) is not an error of the task: the reminders wait in
    the database for their retry time (`retry_delay`), which the relay honours, for
    REPAT_EMAIL_RETRY_HOURS from the first failure; then they are marked failed."""
    now = now or timezone.now()
    config = ReminderSettings.current()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        Reminder.objects.filter(recipient_id=user_id, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.NOT_SENT
        )
        return 0
    if not user.email:
        Reminder.objects.filter(recipient=user, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.NOT_SENT
        )
        return 0
    day = timezone.localtime(now).date()
    # Alerts waiting: sent now on their own, without spending the day's digest or waiting for it.
    urgent = due_for_email(now).filter(recipient=user, item_type__in=Reminder.URGENT).exists()
    digest = config.daily_digest and not urgent
    if digest:
        try:
            with transaction.atomic():
                DigestLog.objects.create(recipient=user, day=day)
        except IntegrityError:
            return 0  # today's digest went already; the rest waits for tomorrow's
    ids = _claim(user.pk, now, urgent_only=urgent)
    if not ids:
        if digest:
            DigestLog.objects.filter(recipient=user, day=day).delete()  # nothing due yet: not spent
        return 0
    # Every claimed reminder (at most CLAIM_LIMIT) grouped per kind; the e-mail lists the
    # REPAT_DIGEST_MAX_ITEMS most pressing lines and says how many more.
    claimed = Reminder.objects.filter(pk__in=ids).select_related("case__returnee").order_by("due_date", "-id")
    lines = digest_lines(with_case_visibility(claimed, user), show_case_numbers=shows_case_numbers(user))
    shown = lines[: settings.REPAT_DIGEST_MAX_ITEMS]
    with_people([line.reminder for line in shown])
    try:
        _send(user, shown, count=len(ids), more=len(lines) - len(shown))
    except Exception as error:  # noqa: BLE001 - any failure to send: retried within the budget
        attempts = max(Reminder.objects.filter(pk__in=ids).values_list("email_attempts", flat=True), default=1)
        given_up = _failed(ids, error, now, attempts)
        if digest:
            DigestLog.objects.filter(recipient=user, day=day).delete()
        log.warning(
            "E-mail to user %s not sent (attempt %s): %s; %s",
            user.pk,
            attempts,
            type(error).__name__,
            f"{given_up} reminders marked failed after the retry budget." if given_up else "it will be retried.",
        )
        return 0
    Reminder.objects.filter(pk__in=ids).update(
        email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_retry_at=None
    )
    return len(ids)


@transaction.atomic
def emails_resend(*, actor, reminder_ids: Iterable[int]) -> int:
    """An administrator sends failed e-mails again: they wait once more, with a fresh retry budget,
    for the next relay (which is asked for at once). Audited. Returns how many."""
    if not actor.is_administrator:
        raise PermissionDenied
    failed = Reminder.objects.filter(pk__in=list(reminder_ids), email_status=EmailStatus.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    count = Reminder.objects.filter(pk__in=ids).update(
        email_status=EmailStatus.PENDING,
        email_attempts=0,
        email_failing_since=None,
        email_retry_at=None,
        email_claimed_at=None,
        email_error="",
    )
    if count:
        record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            object_type=Reminder._meta.model_name,
            detail="resend failed e-mails",
            changes={"reminders": ids[:1000], "count": count},
        )
        transaction.on_commit(request_relay)
    return count


def _send(user, lines: list, *, count: int, more: int = 0) -> None:
    """The e-mail names case numbers, never a returnee's name: e-mail leaves our systems."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "lines": lines,
            "more": more,
            "site_url": settings.REPAT_SITE_URL,
            "show_case_numbers": shows_case_numbers(user),
        }
        if all(line.reminder.item_type in Reminder.URGENT for line in lines):
            subject = _("Repat: alert")
        else:
            subject = _("Repat: %(count)s reminders") % {"count": count}
        with_regions([line.reminder for line in lines])  # named in the reader's language
        body = render_to_string("reminders/email.txt", context)
    send_mail(subject, body, None, [user.email])
