"""What is due, who is told, and the e-mails that carry it.

The database is the source of truth: the sweep and events write Reminder rows (the in-app
notifications) with their e-mail waiting; the broker only carries the work of sending. If Redis is
down, nothing is lost: the next relay finds the waiting e-mails in the database.
"""

import datetime
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.audit.actions import record
from repat.audit.models import AuditEvent
from repat.core import broker
from repat.core.locks import lease_acquire, lease_release, lease_renew

from .models import DigestLog, EmailStatus, Reminder, ReminderSettings
from .selectors import (
    digest_lines,
    group_members,
    shows_case_numbers,
    with_case_visibility,
    with_people,
    with_regions,
)

log = logging.getLogger(__name__)
BATCH = 5000
STALE_CLAIM = datetime.timedelta(minutes=15)
# A reminder put aside comes back within a month at the latest.
MAX_SNOOZE_DAYS = 30


# --- The sweep ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueKind:
    """One kind of item the sweep looks for: its open rows due by the horizon, each as
    (item, due date, direct recipient, case, region, provider) under the aliases of ITEM_COLUMNS."""

    item_type: str
    rows: QuerySet
    # Referrals nobody was named for go to their provider's staff.
    to_provider_staff: bool = False


ITEM_COLUMNS = ("r_item", "r_due", "r_recipient", "r_case", "r_region", "r_provider")


def _due_kinds(horizon: datetime.date) -> list[DueKind]:
    """Every kind of open item due by the horizon, as each model's `due_by` defines it (the
    lists and the dashboard count `overdue` from the same rule), each read through an index on its
    due date. Items of closed cases are nobody's work."""
    from cases.models import Assessment, Case, FollowUpTask, IdentityDocument, PlanGoal
    from services.models import Referral

    def rows(queryset, due, recipient, case, region, provider=None):
        return (
            queryset.order_by()
            .annotate(
                r_item=F("pk"),
                r_due=F(due),
                r_recipient=F(recipient),
                r_case=F(case),
                r_region=F(region),
                r_provider=F(provider) if provider else Value(None, output_field=IntegerField()),
            )
            .values(*ITEM_COLUMNS)
        )

    referral = ("assignee_id", "case_id", "region_id", "provider_id")
    return [
        DueKind(
            Reminder.Item.FOLLOW_UP,
            rows(
                Case.objects.unmerged().due_by(horizon),
                "next_follow_up",
                "worker_id",
                "pk",
                "returnee__region_id",
            ),
        ),
        DueKind(
            Reminder.Item.TASK,
            rows(
                FollowUpTask.objects.due_by(horizon).of_open_cases(),
                "due_date",
                "assigned_to_id",
                "case_id",
                "case__returnee__region_id",
            ),
        ),
        DueKind(
            Reminder.Item.REFERRAL_ACCEPT,
            rows(Referral.objects.due_by(horizon, deadline="accept_due"), "accept_due", *referral),
            to_provider_staff=True,
        ),
        DueKind(
            Reminder.Item.REFERRAL_COMPLETE,
            rows(Referral.objects.due_by(horizon, deadline="complete_due"), "complete_due", *referral),
            to_provider_staff=True,
        ),
        DueKind(
            Reminder.Item.DOCUMENT,
            rows(
                IdentityDocument.objects.due_by(horizon).of_open_cases(),
                "due_date",
                "returnee__case__worker_id",
                "returnee__case__id",
                "returnee__region_id",
            ),
        ),
        DueKind(
            Reminder.Item.GOAL,
            rows(
                PlanGoal.objects.due_by(horizon).filter(plan__status="current").of_open_cases(),
                "target_date",
                "plan__case__worker_id",
                "plan__case_id",
                "plan__case__returnee__region_id",
            ),
        ),
        DueKind(
            Reminder.Item.ASSESSMENT,
            rows(
                Assessment.objects.due_by(horizon).of_open_cases(),
                "due_date",
                "case__worker_id",
                "case_id",
                "case__returnee__region_id",
            ),
        ),
    ]


def _queue_due(today: datetime.date, horizon: datetime.date, config: ReminderSettings, renew=None) -> int:
    """Record who must be told about every item due by the horizon; return how many items.

    The database does the work, one INSERT ... SELECT per kind and audience (the item's own people;
    the region's coordinators and supervisors for long overdue items), so that a million due items
    never travel through Python. The unique key (item, due date, stage, recipient) drops what an
    earlier sweep already made, and an item nobody answers for directly is still escalated."""
    from services.models import ProviderStaff

    table = connection.ops.quote_name
    users, user_regions = table(User._meta.db_table), table(User.regions.through._meta.db_table)
    staff = table(ProviderStaff._meta.db_table)
    stage = (
        "CASE WHEN t.r_due > %s THEN %s WHEN t.r_due = %s THEN %s ELSE %s END",
        [today, "due_soon", today, "due_today", "overdue"],
    )
    items = 0
    with connection.cursor() as cursor:
        for kind in _due_kinds(horizon):
            insert = _Insert(cursor, kind, timezone.now(), renew)
            # The item's own people: the person named on it, else (referrals) the provider's staff.
            insert.run(stage, ("t.r_recipient", []), "", ("t.r_recipient IS NOT NULL", []))
            if kind.to_provider_staff:
                insert.run(
                    stage,
                    ("ps.user_id", []),
                    f"JOIN {staff} ps ON ps.provider_id = t.r_provider JOIN {users} u ON u.id = ps.user_id",
                    ("t.r_recipient IS NULL AND u.is_active = %s", [True]),
                )
            # Long overdue: every active coordinator (then supervisor) of the returnee's region,
            # once per item: one already escalated is not escalated again to someone who joined
            # the region since (they would be told about months of backlog in one morning), and a
            # daily sweep checks one key per item instead of one per person.
            for escalated, role, days in (
                (Reminder.Stage.ESCALATED_COORDINATOR, User.Role.COORDINATOR, config.escalate_to_coordinator_days),
                (Reminder.Stage.ESCALATED_SUPERVISOR, User.Role.SUPERVISOR, config.escalate_to_supervisor_days),
            ):
                insert.run(
                    ("%s", [escalated]),
                    ("ur.user_id", []),
                    f"JOIN {user_regions} ur ON ur.region_id = t.r_region JOIN {users} u ON u.id = ur.user_id",
                    (
                        f"t.r_due <= %s AND u.role = %s AND u.is_active = %s AND NOT EXISTS ({insert.made_at_stage})",
                        [today - datetime.timedelta(days=days), role, True, kind.item_type, escalated],
                    ),
                )
            items += insert.count()
    return items


class _Insert:
    """INSERT ... SELECT of reminders from one kind's due rows (aliased `t`), written by us from
    Django's own SQL for the rows: every value is a parameter, every name comes from the models."""

    def __init__(self, cursor, kind: DueKind, now: datetime.datetime, renew=None):
        self.cursor, self.kind, self.now, self.renew = cursor, kind, now, renew
        self.rows, self.rows_params = kind.rows.query.sql_with_params()
        name = connection.ops.quote_name
        fields = ("item_type", "item_id", "due_date", "stage", "recipient", "case", "created_at")
        fields += ("email_status", "email_attempts", "email_error")
        self.columns = ", ".join(name(Reminder._meta.get_field(field).column) for field in fields)
        self.table = name(Reminder._meta.db_table)
        # A reminder of this item and due date at a stage (the unique key's first four columns).
        column = {field: name(Reminder._meta.get_field(field).column) for field in fields}
        self.made_at_stage = (
            f"SELECT 1 FROM {self.table} r WHERE r.{column['item_type']} = %s "  # noqa: S608
            f"AND r.{column['item_id']} = t.r_item AND r.{column['due_date']} = t.r_due AND r.{column['stage']} = %s"
        )
        sqlite = connection.vendor == "sqlite"
        self.verb, self.conflict = (
            ("INSERT OR IGNORE INTO", "") if sqlite else ("INSERT INTO", " ON CONFLICT DO NOTHING")
        )

    def run(self, stage: tuple[str, list], recipient: tuple[str, list], joins: str, where: tuple[str, list]) -> None:
        # Names from the models and fixed fragments only; every value is a parameter.
        sql = (
            f"{self.verb} {self.table} ({self.columns}) "  # noqa: S608
            f"SELECT %s, t.r_item, t.r_due, {stage[0]}, {recipient[0]}, t.r_case, %s, %s, 0, '' "
            f"FROM ({self.rows}) t {joins} WHERE t.r_case IS NOT NULL AND {where[0]}{self.conflict}"
        )
        params = [self.kind.item_type, *stage[1], *recipient[1], self.now, EmailStatus.PENDING]
        self.cursor.execute(sql, [*params, *self.rows_params, *where[1]])
        if self.renew is not None:
            self.renew()  # between statements: the sweep still holds its lease, or stops here

    def count(self) -> int:
        self.cursor.execute(f"SELECT COUNT(*) FROM ({self.rows}) t WHERE t.r_case IS NOT NULL", self.rows_params)  # noqa: S608
        return self.cursor.fetchone()[0]


def _summarise_escalations(*, today: datetime.date) -> int:
    """One entry a day per region for each coordinator or supervisor told of overdue items there,
    instead of one per item in their bell and e-mail (the escalations page still lists each item).
    It covers the day's escalations, so those of a sweep that stopped midway are summarised by the
    next; the unique key keeps it to one a day however many sweeps run. Returns how many."""
    since = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    told = (
        Reminder.objects.filter(created_at__gte=since, stage__in=Reminder.ESCALATED)
        .exclude(item_type=Reminder.Item.ESCALATIONS)
        .values("recipient", "stage", "case__returnee__region")
        .distinct()
        .order_by()
    )
    rows = [
        Reminder(
            item_type=Reminder.Item.ESCALATIONS,
            item_id=row["case__returnee__region"],
            due_date=today,
            stage=row["stage"],
            recipient_id=row["recipient"],
        )
        for row in told
        if row["case__returnee__region"] is not None
    ]
    _insert(rows)
    # The items themselves are carried by their summary: not e-mailed one by one.
    Reminder.objects.filter(
        created_at__gte=since, stage__in=Reminder.ESCALATED, email_status=EmailStatus.PENDING
    ).exclude(item_type=Reminder.Item.ESCALATIONS).update(email_status=EmailStatus.SUMMARISED)
    return len(rows)


def _insert(rows: list[Reminder]) -> None:
    # The unique key (item, due date, stage, recipient) drops what an earlier sweep already made.
    Reminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


@dataclass
class SweepResult:
    ran: bool
    items: int = 0
    reminders_before: int = 0
    reminders_after: int = 0
    # The lease was lost midway (another sweep took it): this one stopped where it was.
    stopped: bool = False

    @property
    def created(self) -> int:
        return self.reminders_after - self.reminders_before


class LeaseLost(Exception):
    """The sweep's lease expired and another sweep took it: stop, so that two never overlap."""


SWEEP_LEASE = "reminder-sweep"
# The lease is renewed between statements, so it only needs to outlast the longest of them.
SWEEP_LEASE_SECONDS = 600


def sweep(*, today: datetime.date | None = None, lease_seconds: int = SWEEP_LEASE_SECONDS) -> SweepResult:
    """Find what is due soon, due today and overdue, and record who must be told, escalating long
    overdue items to the coordinators and then the supervisors of the returnee's region.

    Holds a lease while it runs and renews it between statements: however long the whole sweep
    takes, a second one started meanwhile is skipped. A sweep whose lease was lost all the same
    (a statement outlasted it and another sweep took over) stops cleanly; every statement is
    complete on its own and the unique key makes the next sweep carry on without duplicates."""
    holder = lease_acquire(SWEEP_LEASE, lease_seconds)
    if holder is None:
        log.info("Reminder sweep skipped: another sweep holds the lease.")
        return SweepResult(ran=False)

    renewed = [timezone.now()]

    def renew() -> None:
        # Called after every statement; renews once a third of the lease has passed (so a quick
        # sweep costs no query more), well before it could lapse.
        now = timezone.now()
        if now - renewed[0] < datetime.timedelta(seconds=lease_seconds / 3):
            return
        if not lease_renew(SWEEP_LEASE, holder, lease_seconds):
            raise LeaseLost
        renewed[0] = now

    result = SweepResult(ran=True)
    try:
        config = ReminderSettings.current()
        today = today or timezone.localdate()
        horizon = today + datetime.timedelta(days=config.due_soon_days)
        result.reminders_before = Reminder.objects.count()
        result.items = _queue_due(today, horizon, config, renew)
        _summarise_escalations(today=today)
    except LeaseLost:
        result.stopped = True
        log.warning("Reminder sweep stopped: its lease expired and another sweep took it over.")
    finally:
        lease_release(SWEEP_LEASE, holder)
    result.reminders_after = Reminder.objects.count()
    log.info("Reminder sweep: %s items due, %s reminders created.", result.items, result.created)
    return result


# --- Events -----------------------------------------------------------------------------------------


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
    from .tasks import relay

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
    record(
        actor=user,
        action=AuditEvent.Action.CHANGE,
        object_type=Reminder._meta.model_name,
        object_id=reminder.pk,
        detail="snooze",
        changes={"reminders": ids, "until": until.isoformat()},
    )
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
    record(
        actor=user,
        action=AuditEvent.Action.CHANGE,
        object_type=Reminder._meta.model_name,
        object_id=reminder.pk,
        detail="done",
        changes={"reminders": ids},
    )
    return count


def reminder_group_read(*, user, reminder: Reminder) -> int:
    """Opening a reminder reads its line: the reminders of that case and kind that day."""
    return mark_read(user=user, reminder_ids=group_members(reminder).values_list("pk", flat=True))


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
