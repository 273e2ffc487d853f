"""The sweep: what falls due, who is told, and the escalations when nobody acts."""

import datetime
import logging
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, IntegerField, QuerySet, Value
from django.utils import timezone

from repat.accounts.models import User
from repat.core.locks import lease_acquire, lease_release, lease_renew

from ..models import EmailStatus, Reminder, ReminderSettings

log = logging.getLogger(__name__)
BATCH = 5000


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
