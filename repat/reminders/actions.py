"""What is due, who is told, and the e-mails that carry it.

The database is the source of truth: the sweep and events write Reminder rows (the in-app
notifications) with their e-mail waiting; the broker only carries the work of sending. If Redis is
down, nothing is lost: the next relay finds the waiting e-mails in the database.
"""

import datetime
import logging
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from repat.accounts.models import User

from .models import DigestLog, EmailStatus, Reminder, ReminderSettings, SweepLock
from .selectors import shows_case_numbers

log = logging.getLogger(__name__)
BATCH = 5000
STALE_CLAIM = datetime.timedelta(minutes=15)


# --- Leases: one sweep at a time -------------------------------------------------------------------


def lease_acquire(name: str, seconds: int) -> str | None:
    """Take the named lease if it is free or expired; return a holder token, or None if taken.
    The conditional UPDATE is atomic: of two callers, one updates the row and the other finds it
    already held (on PostgreSQL the second waits for the first's row lock, then re-checks)."""
    now = timezone.now()
    SweepLock.objects.get_or_create(name=name, defaults={"held_until": now - datetime.timedelta(seconds=1)})
    holder = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
    taken = SweepLock.objects.filter(name=name, held_until__lt=now).update(
        held_until=now + datetime.timedelta(seconds=seconds), holder=holder
    )
    return holder if taken == 1 else None


def lease_release(name: str, holder: str) -> None:
    SweepLock.objects.filter(name=name, holder=holder).update(held_until=timezone.now())


# --- The sweep ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    item_type: str
    item_id: int
    due_date: datetime.date
    recipients: tuple[int, ...]
    case_id: int
    region_id: int


def _due_items(today: datetime.date, horizon: datetime.date) -> Iterator[DueItem]:
    """Every open item due by the horizon, one indexed query per kind, streamed in chunks."""
    from cases.models import Assessment, Case, FollowUpTask, IdentityDocument, PlanGoal
    from services.models import ProviderStaff, Referral

    def stream(queryset, item_type, fields, recipients=lambda row: (row[2],)):
        for row in queryset.values_list(*fields).iterator(chunk_size=BATCH):
            # An item nobody answers for directly (a provider that does not use Repat) is still
            # escalated: that is when the coordinator most needs to know.
            if row[3]:
                yield DueItem(item_type, row[0], row[1], tuple(r for r in recipients(row) if r), row[3], row[4])

    open_case = ~Q(status="closed")
    yield from stream(
        Case.objects.filter(open_case, next_follow_up__lte=horizon),
        Reminder.Item.FOLLOW_UP,
        ("pk", "next_follow_up", "worker_id", "pk", "returnee__region_id"),
    )
    yield from stream(
        FollowUpTask.objects.filter(done_at__isnull=True, due_date__lte=horizon).exclude(case__status="closed"),
        Reminder.Item.TASK,
        ("pk", "due_date", "assigned_to_id", "case_id", "case__returnee__region_id"),
    )
    staff = defaultdict(list)
    for user_id, provider_id in ProviderStaff.objects.filter(user__is_active=True).values_list(
        "user_id", "provider_id"
    ):
        staff[provider_id].append(user_id)

    def provider_people(row):
        return (row[5],) if row[5] else tuple(staff.get(row[6], ()))

    fields = ("pk", "{due}", "requested_by_id", "case_id", "region_id", "assignee_id", "provider_id")
    yield from stream(
        Referral.objects.filter(status="assigned", accept_due__lte=horizon),
        Reminder.Item.REFERRAL_ACCEPT,
        [f.format(due="accept_due") for f in fields],
        provider_people,
    )
    yield from stream(
        Referral.objects.filter(status__in=["accepted", "in_progress"], complete_due__lte=horizon),
        Reminder.Item.REFERRAL_COMPLETE,
        [f.format(due="complete_due") for f in fields],
        provider_people,
    )
    yield from stream(
        IdentityDocument.objects.filter(
            status__in=["missing", "requested", "in_progress", "refused"], due_date__lte=horizon
        ).exclude(returnee__case__status="closed"),
        Reminder.Item.DOCUMENT,
        ("pk", "due_date", "returnee__case__worker_id", "returnee__case__id", "returnee__region_id"),
    )
    yield from stream(
        PlanGoal.objects.filter(
            status__in=["not_started", "in_progress"], target_date__lte=horizon, plan__status="current"
        ).exclude(plan__case__status="closed"),
        Reminder.Item.GOAL,
        ("pk", "target_date", "plan__case__worker_id", "plan__case_id", "plan__case__returnee__region_id"),
    )
    yield from stream(
        Assessment.objects.filter(status="planned", due_date__lte=horizon).exclude(case__status="closed"),
        Reminder.Item.ASSESSMENT,
        ("pk", "due_date", "case__worker_id", "case_id", "case__returnee__region_id"),
    )


def _regional_people(role: str) -> dict[int, list[int]]:
    people = defaultdict(list)
    for user_id, region_id in User.objects.filter(role=role, is_active=True).values_list("pk", "regions"):
        if region_id:
            people[region_id].append(user_id)
    return people


def _stage(due: datetime.date, today: datetime.date) -> str:
    if due > today:
        return Reminder.Stage.DUE_SOON
    if due == today:
        return Reminder.Stage.DUE_TODAY
    return Reminder.Stage.OVERDUE


def _insert(rows: list[Reminder]) -> None:
    # The unique key (item, due date, stage, recipient) drops what an earlier sweep already made.
    Reminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


@dataclass
class SweepResult:
    ran: bool
    items: int = 0
    reminders_before: int = 0
    reminders_after: int = 0

    @property
    def created(self) -> int:
        return self.reminders_after - self.reminders_before


def sweep(*, today: datetime.date | None = None, lease_seconds: int = 600) -> SweepResult:
    """Find what is due soon, due today and overdue, and record who must be told, escalating long
    overdue items to the coordinators and then the supervisors of the returnee's region."""
    holder = lease_acquire("reminder-sweep", lease_seconds)
    if holder is None:
        log.info("Reminder sweep skipped: another sweep holds the lease.")
        return SweepResult(ran=False)
    try:
        config = ReminderSettings.current()
        today = today or timezone.localdate()
        horizon = today + datetime.timedelta(days=config.due_soon_days)
        coordinators, supervisors = _regional_people(User.Role.COORDINATOR), _regional_people(User.Role.SUPERVISOR)
        result = SweepResult(ran=True, reminders_before=Reminder.objects.count())
        rows: list[Reminder] = []
        for item in _due_items(today, horizon):
            result.items += 1
            stage = _stage(item.due_date, today)
            audience = [(stage, item.recipients)]
            late = (today - item.due_date).days
            if late >= config.escalate_to_coordinator_days:
                audience.append((Reminder.Stage.ESCALATED_COORDINATOR, coordinators.get(item.region_id, ())))
            if late >= config.escalate_to_supervisor_days:
                audience.append((Reminder.Stage.ESCALATED_SUPERVISOR, supervisors.get(item.region_id, ())))
            for reminder_stage, people in audience:
                rows.extend(
                    Reminder(
                        item_type=item.item_type,
                        item_id=item.item_id,
                        due_date=item.due_date,
                        stage=reminder_stage,
                        recipient_id=person,
                        case_id=item.case_id,
                    )
                    for person in people
                )
            if len(rows) >= BATCH:
                _insert(rows)
                rows = []
        _insert(rows)
        result.reminders_after = Reminder.objects.count()
        log.info("Reminder sweep: %s items due, %s reminders created.", result.items, result.created)
        return result
    finally:
        lease_release("reminder-sweep", holder)


# --- Events -----------------------------------------------------------------------------------------


def notify(*, item_type: str, item_id: int, case_id: int, recipients: Iterable[int]) -> None:
    """Tell people about something that just happened (a referral to assign or to accept). Runs in
    the caller's transaction; the e-mail is sent after commit if the broker answers, else by the
    next relay."""
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
            for person in set(recipients)
            if person
        ]
    )
    transaction.on_commit(request_relay)


def request_relay() -> None:
    """Ask a worker to send waiting e-mails now. A broker that is down must not fail or slow the
    user's save: the relay on the beat schedule will find the e-mails in the database."""
    from .tasks import relay

    try:
        relay.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - any broker error: the database keeps the work
        log.warning("Broker unavailable; e-mails wait in the database for the next relay.")


def mark_read(*, user, reminder_ids: Iterable[int] | None = None) -> int:
    reminders = Reminder.objects.filter(recipient=user, read_at__isnull=True)
    if reminder_ids is not None:
        reminders = reminders.filter(pk__in=list(reminder_ids))
    return reminders.update(read_at=timezone.now())


# --- E-mail -----------------------------------------------------------------------------------------


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


def recipients_waiting(*, now: datetime.datetime | None = None) -> list[int]:
    """Who has e-mail to send now: nobody during quiet hours, and with the daily digest only from
    the digest hour, each person once a day."""
    now = now or timezone.now()
    config = ReminderSettings.current()
    local = timezone.localtime(now)
    release_stale_claims(now)
    if in_quiet_hours(config, local.hour):
        return []
    waiting = Reminder.objects.filter(email_status=EmailStatus.PENDING)
    if config.daily_digest:
        if local.hour < config.digest_hour:
            return []
        waiting = waiting.exclude(recipient__in=DigestLog.objects.filter(day=local.date()).values("recipient"))
    # order_by(): the model's default ordering would put created_at in the DISTINCT, one row per reminder.
    return list(waiting.order_by().values_list("recipient", flat=True).distinct()[:10_000])


def _claim(user_id: int, now: datetime.datetime) -> list[int]:
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=user_id, email_status=EmailStatus.PENDING)
            .values_list("pk", flat=True)[:200]
        )
        claimed = Reminder.objects.filter(pk__in=ids, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.SENDING, email_claimed_at=now, email_attempts=F("email_attempts") + 1
        )
    return ids if claimed else []


def deliver(*, user_id: int, now: datetime.datetime | None = None, max_attempts: int = 5) -> int:
    """Send one person's waiting reminders as one e-mail (the digest, or the latest events), in
    their language. Returns how many reminders it carried. Idempotent: claimed rows are skipped."""
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
    if config.daily_digest:
        try:
            with transaction.atomic():
                DigestLog.objects.create(recipient=user, day=day)
        except IntegrityError:
            return 0  # today's digest went already; the rest waits for tomorrow's
    ids = _claim(user.pk, now)
    if not ids:
        return 0
    reminders = list(Reminder.objects.filter(pk__in=ids).select_related("case__returnee"))
    try:
        _send(user, reminders)
    except Exception as error:
        failed = Reminder.objects.filter(pk__in=ids, email_attempts__gte=max_attempts)
        failed.update(email_status=EmailStatus.FAILED, email_error=str(error)[:500])
        Reminder.objects.filter(pk__in=ids, email_status=EmailStatus.SENDING).update(
            email_status=EmailStatus.PENDING, email_error=str(error)[:500]
        )
        if config.daily_digest:
            DigestLog.objects.filter(recipient=user, day=day).delete()
        raise
    Reminder.objects.filter(pk__in=ids).update(email_status=EmailStatus.SENT, email_sent_at=timezone.now())
    return len(ids)


def _send(user, reminders: list[Reminder]) -> None:
    """The e-mail names case numbers, never a returnee's name: e-mail leaves our systems."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "reminders": reminders,
            "site_url": settings.REPAT_SITE_URL,
            "show_case_numbers": shows_case_numbers(user),
        }
        subject = _("Repat: %(count)s reminders") % {"count": len(reminders)}
        body = render_to_string("reminders/email.txt", context)
    send_mail(subject, body, None, [user.email])
