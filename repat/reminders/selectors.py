"""Reads for the bell, the notification list and the escalations page."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from repat.accounts.models import Region, User
from repat.core.choices import reference_choices

from .models import Reminder

# The bell counts up to 99 and then says "99+": a coordinator may be told of thousands of overdue
# items, and counting them all on every page would cost more than the page.
BELL_LIMIT = 100


def unread_count(*, user) -> int:
    """Counted when the request's user was loaded (accounts/backends.py), else here."""
    known = getattr(user, "unread_reminders", None)
    if known is not None:
        return known
    return User.objects.annotate(n=unread_count_of_each_user()).values_list("n", flat=True).get(pk=user.pk)


def bell_badge(count: int) -> str:
    """What the bell's badge reads: nothing when all is read, the count up to 99, then "99+"."""
    if not count:
        return ""
    return f"{BELL_LIMIT - 1}+" if count >= BELL_LIMIT else str(count)


def shown(reminders, today: datetime.date | None = None):
    """The reminders the bell and the list show (`Reminder.shown_q`), each with its group's key:
    the day it was made (local time), its case and kind, and for an entry about no case (a region's
    escalations, an alert about a person) the thing it is about."""
    return reminders.filter(Reminder.shown_q(today or timezone.localdate())).annotate(
        day=TruncDate("created_at"),
        about=DbCase(When(case__isnull=True, then=F("item_id")), default=Value(None), output_field=BigIntegerField()),
    )


class _CountOf(Func):
    """COUNT(*) of the rows of a subquery: the bell's bounded count of groups as one expression."""

    template = "(SELECT COUNT(*) FROM (%(expressions)s) AS %(alias)s)"
    output_field = IntegerField()

    def __init__(self, subquery, alias: str):
        super().__init__(subquery, alias=alias)


def unread_count_of_each_user():
    """How many groups (case, kind, day: as the list shows them) hold an unread reminder, up to
    BELL_LIMIT, as an annotation on users: loaded with the signed-in user (registered in
    repat/reminders/apps.py for accounts/backends.py), so the bell costs no query of its own."""
    groups = (
        shown(Reminder.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True))
        .order_by()
        .values(*GROUP_KEY)
        .distinct()[:BELL_LIMIT]
    )
    return _CountOf(Subquery(groups), alias="reminder_groups")


def shows_case_numbers(user) -> bool:
    """Provider staff are told about the referrals sent to them but never see a case number (as on
    the referral pages): their reminders and e-mails leave it out."""
    from services.permissions import provider_of

    return provider_of(user) is None


def reminders_for(*, user):
    """A person's reminders, each marked with whether its case is still theirs to see
    (`case_visible`): a reminder outlives a transfer, the case number it shows does not."""
    return with_case_visibility(
        Reminder.objects.filter(recipient=user).select_related("case__returnee").order_by("-created_at", "-id"), user
    )


def with_case_visibility(reminders, user):
    from cases.permissions import cases_visible_to

    return reminders.annotate(case_visible=Exists(cases_visible_to(user).filter(pk=OuterRef("case_id"))))


def escalations_for(*, user, region: int | None = None, day: datetime.date | None = None):
    """The overdue items escalated to the user (not the daily summaries that stand for them), of
    one region and one day when asked (a summary's link)."""
    reminders = (
        reminders_for(user=user).filter(stage__in=Reminder.ESCALATED).exclude(item_type=Reminder.Item.ESCALATIONS)
    )
    if region is not None:
        reminders = reminders.filter(case__returnee__region=region)
    if day is not None:
        reminders = reminders.annotate(made_on=TruncDate("created_at")).filter(made_on=day)
    return reminders


@dataclass
class Line:
    """The reminders of one case (or one region's summary, one alert) within a group, as one
    line: the newest stands for them, with how many there are and the earliest due date."""

    reminder: Reminder
    count: int
    unread: int
    first_due: datetime.date
    region_count: int = 0  # a region's summary: how many items were escalated that day


@dataclass
class Group:
    """The reminders of one kind made on one day: what the bell counts and the list shows as one
    entry, its lines one per case."""

    day: datetime.date
    item_type: str
    count: int
    unread: int
    latest: int  # the newest reminder's id: the group's actions are posted for it
    lines: list[Line] = field(default_factory=list)
    line_count: int = 0  # all its lines, of which `lines` are shown

    @property
    def label(self) -> str:
        return Reminder.Item(self.item_type).label

    @property
    def more_lines(self) -> int:
        return self.line_count - len(self.lines)


# How many lines (cases) a group shows on the list; its "see all" page shows them all.
LINES_PER_GROUP = 8
GROUP_KEY = ("day", "item_type")
LINE_KEY = ("day", "item_type", "case_id", "about")


def reminder_groups(*, user, day: datetime.date | None = None, item_type: str | None = None):
    """The list's groups, newest day first: a values query to paginate (see `groups_of`)."""
    reminders = shown(Reminder.objects.filter(recipient=user))
    if day is not None:
        reminders = reminders.filter(day=day)
    if item_type is not None:
        reminders = reminders.filter(item_type=item_type)
    return (
        reminders.values(*GROUP_KEY)
        .annotate(n=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)), latest=Max("pk"))
        .order_by("-day", "-latest")
    )


def groups_of(rows, *, user, lines_per_group: int | None = LINES_PER_GROUP) -> list[Group]:
    """One page of `reminder_groups` as Groups with their lines: a query for the lines, one for the
    reminders that stand for them (with whether each case is still the reader's to see: only then
    are its number and the person's name shown), and one each for the people alerts name and the
    regions summaries are about, when there are any."""
    groups = {
        (row["day"], row["item_type"]): Group(row["day"], row["item_type"], row["n"], row["unread"], row["latest"])
        for row in rows
    }
    if not groups:
        return []
    line_rows = (
        shown(Reminder.objects.filter(recipient=user))
        .filter(item_type__in={key[1] for key in groups}, day__in={key[0] for key in groups})
        .values(*LINE_KEY)
        .annotate(
            n=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)), latest=Max("pk"), due=Min("due_date")
        )
        .order_by("-latest")
    )
    shown_lines: list[tuple[Group, dict]] = []
    for row in line_rows:
        group = groups.get((row["day"], row["item_type"]))
        if group is None:
            continue
        group.line_count += 1
        if lines_per_group is None or group.line_count <= lines_per_group:
            shown_lines.append((group, row))
    latest = with_case_visibility(
        Reminder.objects.filter(pk__in=[row["latest"] for _group, row in shown_lines]).select_related("case__returnee"),
        user,
    )
    by_id = {reminder.pk: reminder for reminder in with_regions(with_people(latest))}
    for group, row in shown_lines:
        if row["latest"] in by_id:
            group.lines.append(Line(by_id[row["latest"]], row["n"], row["unread"], row["due"]))
    _count_escalations([line for group in groups.values() for line in group.lines], user)
    return list(groups.values())


def _count_escalations(lines: list[Line], user) -> None:
    """Each region summary's count of the items escalated that day: one grouped query."""
    summaries = [line for line in lines if line.reminder.item_type == Reminder.Item.ESCALATIONS]
    if not summaries:
        return
    days = {timezone.localdate(line.reminder.created_at) for line in summaries}
    counts = (
        escalations_for(user=user)
        .annotate(made_on=TruncDate("created_at"))
        .filter(made_on__in=days, case__returnee__region__in={line.reminder.item_id for line in summaries})
        .values("made_on", "case__returnee__region")
        .annotate(n=Count("pk"))
        .order_by()
    )
    known = {(row["made_on"], row["case__returnee__region"]): row["n"] for row in counts}
    for line in summaries:
        line.region_count = known.get((timezone.localdate(line.reminder.created_at), line.reminder.item_id), 0)


def group_members(reminder: Reminder, *, whole_group: bool = False):
    """The reminders shown with `reminder` (same recipient, kind and day): its line (same case, or
    same region or person when about no case), or with `whole_group` every line of its kind that day."""
    members = shown(Reminder.objects.filter(recipient_id=reminder.recipient_id, item_type=reminder.item_type))
    members = members.filter(day=timezone.localdate(reminder.created_at))
    if whole_group:
        return members
    if reminder.case_id is None:
        return members.filter(case__isnull=True, item_id=reminder.item_id)
    return members.filter(case_id=reminder.case_id)


def chains(*, reminders) -> dict[tuple, list[Reminder]]:
    """For each item, everyone who was told about it and when: one query for the whole page."""
    keys = {(r.item_type, r.item_id, r.due_date) for r in reminders}
    if not keys:
        return {}
    rows = (
        Reminder.objects.filter(item_id__in={k[1] for k in keys}, item_type__in={k[0] for k in keys})
        .select_related("recipient")
        .order_by("created_at", "id")
    )
    grouped = defaultdict(list)
    for row in rows:
        key = (row.item_type, row.item_id, row.due_date)
        if key in keys:
            grouped[key].append(row)
    return grouped


def with_people(reminders) -> list[Reminder]:
    """Reminders with `person` set on the alerts about a person (the user name their alert's audit
    row keeps): one query for a page of them, none when it holds no alert."""
    from repat.audit.models import AuditEvent

    reminders = list(reminders)
    ids = {r.item_id for r in reminders if r.item_type in Reminder.ABOUT_A_PERSON}
    names = dict(AuditEvent.objects.filter(pk__in=ids).values_list("pk", "actor_name")) if ids else {}
    for reminder in reminders:
        reminder.person = names.get(reminder.item_id, "") if reminder.item_type in Reminder.ABOUT_A_PERSON else ""
    return reminders


def with_regions(reminders) -> list[Reminder]:
    """A region's summaries with `region_name` set (in the active language), from the cached list
    of regions (repat/core/choices.py): no query, unless a summary names a region not in it."""
    reminders = list(reminders)
    ids = {r.item_id for r in reminders if r.item_type == Reminder.Item.ESCALATIONS}
    names = {int(pk): name for pk, name in reference_choices("regions") if int(pk) in ids} if ids else {}
    if ids - names.keys():
        names |= {r.pk: r.localized_name for r in Region.objects.filter(pk__in=ids - names.keys())}
    for reminder in reminders:
        reminder.region_name = (
            names.get(reminder.item_id, "") if reminder.item_type == Reminder.Item.ESCALATIONS else ""
        )
    return reminders


def alert_url(reminder: Reminder, user) -> str:
    """Where an alert about a person leads: the audit trail of what they did (administrators), or
    the emergency openings waiting for approval (supervisors)."""
    from repat.audit.models import AuditEvent
    from repat.audit.permissions import can_search_audit

    if can_search_audit(user):
        name = AuditEvent.objects.filter(pk=reminder.item_id).values_list("actor_name", flat=True).first() or ""
        action = (
            AuditEvent.Action.REFUSED if reminder.item_type == Reminder.Item.REFUSALS else AuditEvent.Action.EMERGENCY
        )
        return f"{reverse('audit:search')}?{urlencode({'action': action, 'user': name})}"
    return f"{reverse('approvals:queue')}?{urlencode({'kind': 'emergency_access', 'status': 'pending'})}"


def target_url(reminder: Reminder) -> str:
    """Where a reminder leads: the referral, approval or probable duplicate it is about, the case
    page otherwise."""
    if reminder.item_type.startswith("referral"):
        return reverse("services:referral_detail", args=[reminder.item_id])
    if reminder.item_type.startswith("approval"):
        return reverse("approvals:detail", args=[reminder.item_id])
    if reminder.item_type == Reminder.Item.DUPLICATE:
        return reverse("cases:duplicate_decide", args=[reminder.item_id])
    if reminder.item_type == Reminder.Item.ESCALATIONS:
        day = timezone.localdate(reminder.created_at).isoformat()
        return f"{reverse('reminders:escalations')}?{urlencode({'region': reminder.item_id, 'day': day})}"
    return reverse("cases:case_detail", args=[reminder.case_id])


@dataclass
class DigestLine:
    """One line of an e-mail: the reminders of one kind it carries, shown by the most pressing
    (its stage), with how many there are at each stage, the span of their due dates and the case
    numbers they are about (the first DIGEST_CASES of them)."""

    reminder: Reminder
    count: int
    first_due: datetime.date
    last_due: datetime.date
    stages: dict = field(default_factory=dict)
    cases: list = field(default_factory=list)
    more_cases: int = 0

    @property
    def stage_counts(self) -> list[tuple[str, int]]:
        labels = dict(Reminder.Stage.choices)
        order = sorted(self.stages, key=lambda stage: -STAGE_WEIGHT[stage])
        return [(labels[stage], self.stages[stage]) for stage in order]


# How pressing a stage is, for the one a line shows.
STAGE_WEIGHT = {
    "event": 0,
    "due_soon": 1,
    "due_today": 2,
    "overdue": 3,
    "escalated_coordinator": 4,
    "escalated_supervisor": 5,
}
# How many case numbers a line of the e-mail names; it says how many more.
DIGEST_CASES = 10


def digest_lines(reminders, *, show_case_numbers: bool = True) -> list[DigestLine]:
    """Reminders grouped per kind, one line each (a region's summary and an alert about a person
    stand alone), in the order given (most pressing first): a day's e-mail reads as a handful of
    lines, not one per item. Case numbers only of cases the reader may still see."""
    lines: dict[tuple, DigestLine] = {}
    seen: dict[tuple, set] = {}
    for reminder in reminders:
        alone = reminder.item_type in Reminder.URGENT or reminder.item_type == Reminder.Item.ESCALATIONS
        key = (reminder.item_type, reminder.pk) if alone else (reminder.item_type,)
        line = lines.get(key)
        if line is None:
            line = lines[key] = DigestLine(reminder, 0, reminder.due_date, reminder.due_date)
            seen[key] = set()
        line.count += 1
        line.stages[reminder.stage] = line.stages.get(reminder.stage, 0) + 1
        line.first_due, line.last_due = min(line.first_due, reminder.due_date), max(line.last_due, reminder.due_date)
        if STAGE_WEIGHT[reminder.stage] > STAGE_WEIGHT[line.reminder.stage]:
            line.reminder = reminder
        visible = show_case_numbers and reminder.case_id and getattr(reminder, "case_visible", False)
        if visible and reminder.case_id not in seen[key]:
            seen[key].add(reminder.case_id)
            if len(line.cases) < DIGEST_CASES:
                line.cases.append(reminder.case.returnee.case_number)
            else:
                line.more_cases += 1
    return list(lines.values())
