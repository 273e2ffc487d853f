"""What needs a person today, read through each app's visibility querysets and vocabulary (`.open()`,
`.due_by(day)`, `.overdue(day)`): a social worker's week, a coordinator's unassigned cases and overdue
referrals, a supervisor's approvals and programme figures. Every list is bounded (LIMIT rows, and
whether there are more); each costs one query, whatever the caseload."""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, FollowUpTask
from cases.permissions import cases_visible_to, visible_through
from repat.approvals.models import ApprovalRequest
from repat.approvals.permissions import approvals_in_scope
from services.permissions import referrals_visible_to

# Rows a section lists before its "see all" link.
LIMIT = 10
# The agenda's rows: a worker's week rarely holds more; past this it says how to see the rest.
AGENDA_LIMIT = 40
WEEK = 7


@dataclass
class Bounded:
    """The first LIMIT rows of a list, whether there are more, and the page that lists them all."""

    rows: list
    more: bool
    url: str


def _bounded(queryset, url: str, limit: int = LIMIT) -> Bounded:
    rows = list(queryset[: limit + 1])
    return Bounded(rows[:limit], len(rows) > limit, url)


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


@dataclass
class Entry:
    """One thing on the agenda: a follow-up visit or a task, on its day."""

    day: datetime.date
    kind: str
    text: str
    case: Case
    url: str


@dataclass
class Day:
    day: datetime.date
    entries: list[Entry] = field(default_factory=list)
    overdue: bool = False


def agenda(*, user, today: datetime.date) -> dict:
    """A social worker's follow-up visits and tasks due this week (today and the six days after,
    in the programme's time zone), grouped by day, with what is already overdue first. Two queries."""
    end = today + datetime.timedelta(days=WEEK - 1)
    visits = (
        cases_visible_to(user)
        .assigned_to(user)
        .unmerged()
        .open()
        .due_by(end)
        .select_related("returnee")
        .order_by("next_follow_up", "id")
    )
    condition = visible_through(user, "case")
    tasks = FollowUpTask.objects.filter(assigned_to=user)
    if condition is not None:
        tasks = tasks.filter(condition)
    tasks = tasks.open().due_by(end).of_open_cases().select_related("case__returnee").order_by("due_date", "id")
    visits_rows, tasks_rows = list(visits[: AGENDA_LIMIT + 1]), list(tasks[: AGENDA_LIMIT + 1])
    entries = [
        Entry(case.next_follow_up, "visit", _("Follow-up visit"), case, case.get_absolute_url())
        for case in visits_rows[:AGENDA_LIMIT]
    ] + [
        Entry(task.due_date, "task", task.description, task.case, task.case.get_absolute_url())
        for task in tasks_rows[:AGENDA_LIMIT]
    ]
    days = [Day(today + datetime.timedelta(days=n)) for n in range(WEEK)]
    overdue = Day(today, overdue=True)
    by_day = {d.day: d for d in days}
    for entry in sorted(entries, key=lambda e: (e.day, e.kind, e.case.pk)):
        (overdue if entry.day < today else by_day[entry.day]).entries.append(entry)
    return {
        "overdue": overdue,
        "days": days,
        "more": len(visits_rows) > AGENDA_LIMIT or len(tasks_rows) > AGENDA_LIMIT,
        "caseload_url": reverse("cases:caseload"),
        "overdue_url": _url("cases:caseload", overdue="on"),
    }


def unassigned_cases(*, user) -> Bounded:
    """Open cases in the user's regions that nobody holds yet, soonest follow-up first."""
    cases = (
        cases_visible_to(user)
        .unmerged()
        .open()
        .filter(worker__isnull=True)
        .select_related("returnee")
        .order_by(F("next_follow_up").asc(nulls_last=True), "id")
    )
    return _bounded(cases, _url("cases:caseload", unassigned="on", hide_closed="on"))


def overdue_referrals(*, user, today: datetime.date) -> Bounded:
    """Referrals past the deadline that runs in their status, oldest request first."""
    referrals = (
        referrals_visible_to(user)
        .overdue(today)
        .select_related("case__returnee", "service_type", "provider")
        .order_by("created_at", "id")
    )
    return _bounded(referrals, _url("services:queue", overdue="on"))


def approvals_waiting(*, user) -> Bounded:
    """Requests waiting for this approver, oldest first (their own requests are not theirs to decide)."""
    approvals = (
        approvals_in_scope(user)
        .filter(status=ApprovalRequest.Status.PENDING)
        .exclude(requested_by=user)
        .select_related("case__returnee", "requested_by", "plan", "assessment")
        .order_by("requested_at", "id")
    )
    return _bounded(approvals, _url("approvals:queue", status="pending"))


def programme_figures(*, user, today: datetime.date) -> list[tuple[str, int, str]]:
    """A supervisor's figures for today over the regions they see, each with the list behind it:
    open cases, overdue follow-ups, overdue referrals, cases with no worker. Four counts."""
    cases = cases_visible_to(user).unmerged()
    return [
        (_("Open cases"), cases.open().count(), _url("cases:caseload", hide_closed="on")),
        (_("Overdue follow-ups"), cases.overdue(today).count(), _url("cases:caseload", overdue="on")),
        (
            _("Overdue referrals"),
            referrals_visible_to(user).overdue(today).count(),
            _url("services:queue", overdue="on"),
        ),
        (
            _("Open cases with no social worker"),
            cases.open().filter(worker__isnull=True).count(),
            _url("cases:caseload", unassigned="on", hide_closed="on"),
        ),
    ]
