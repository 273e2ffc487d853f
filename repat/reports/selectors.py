"""The figures behind the dashboard and the progress reports. Each figure is an SQL aggregate over
a scoped queryset (a few queries per section, none per row); the dashboard reads them from a
snapshot computed in the background (actions.dashboard_refresh)."""

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth

from cases.indicators import FAMILY_PLACEMENTS, age_q, indicator_conditions
from cases.indicators import years_before as years_before  # the figures' callers and tests use it from here
from cases.models import CareArrangement, Case, Returnee
from repat.approvals.models import ApprovalRequest
from repat.reminders.models import Reminder
from services import indicators as _on_referrals  # noqa: F401 - they join the list before INDICATOR_KEYS is read
from services.models import Referral

from .suppression import Part

# Age bands of the programme's reports: (key, lowest age, age the band stops before).
AGE_BANDS = (("0-4", 0, 5), ("5-11", 5, 12), ("12-17", 12, 18), ("18+", 18, None))
SEXES = ("female", "male")


@dataclass(frozen=True)
class Scope:
    """What a figure covers: the regions the viewer may see (None: all) and the chosen filters."""

    regions: tuple[int, ...] | None
    start: datetime.date
    end: datetime.date
    operation: int | None = None
    region: int | None = None
    organisation: int | None = None

    def as_dict(self) -> dict:
        return {
            "regions": list(self.regions) if self.regions is not None else None,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "operation": self.operation,
            "region": self.region,
            "organisation": self.organisation,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Scope":
        return cls(
            regions=tuple(data["regions"]) if data["regions"] is not None else None,
            start=datetime.date.fromisoformat(data["start"]),
            end=datetime.date.fromisoformat(data["end"]),
            operation=data["operation"],
            region=data["region"],
            organisation=data["organisation"],
        )


def _returnee_q(scope: Scope, prefix: str = "") -> Q:
    q = Q()
    if scope.regions is not None:
        q &= Q(**{f"{prefix}region__in": scope.regions})
    if scope.region:
        q &= Q(**{f"{prefix}region": scope.region})
    if scope.operation:
        q &= Q(**{f"{prefix}operation": scope.operation})
    if scope.organisation:
        q &= Q(**{f"{prefix}case__worker__organisation": scope.organisation})
    return q


def returnees_in(scope: Scope, on: datetime.date | None = None):
    """Returnees in scope who had arrived by `on` (the end of the period by default)."""
    return Returnee.objects.unmerged().filter(_returnee_q(scope), arrival_date__lte=on or scope.end)


def cases_in(scope: Scope):
    return Case.objects.unmerged().filter(_returnee_q(scope, "returnee__"))


def referrals_in(scope: Scope):
    return Referral.objects.filter(_returnee_q(scope, "case__returnee__"))


def population_conditions(on: datetime.date) -> dict[str, Q]:
    """Each cell of the sex and age table ("female|0-4"), as a condition on returnees, on a day (band
    "unknown" when the date of birth is not known)."""
    conditions = {}
    for sex in SEXES:
        for band, lowest, below in AGE_BANDS:
            conditions[f"{sex}|{band}"] = Q(sex=sex) & age_q(on, lowest, below)
        conditions[f"{sex}|unknown"] = Q(sex=sex, date_of_birth__isnull=True)
    return conditions


def population(returnees, on: datetime.date) -> dict[str, dict[str, int]]:
    """Returnees by sex and age band on a day."""
    counts = {key: Count("pk", filter=condition) for key, condition in population_conditions(on).items()}
    result: dict[str, dict[str, int]] = {sex: {} for sex in SEXES}
    for key, value in returnees.aggregate(**counts).items():
        sex, band = key.split("|")
        result[sex][band] = value
    return result


def parts(queryset, conditions: dict[str, Q], *, prefix: str = "", by: str | None = None, of: str = "returnee"):
    """What published figures are made of (repat.reports.suppression): for each condition, one Part per
    region and operation (of the returnee, through `prefix`) with rows meeting it, holding how many and
    the sum of their ids. Keyed by condition, or by (value of the field `by`, condition). One query of
    conditional counts and sums, grouped."""
    annotations = {}
    for index, condition in enumerate(conditions.values()):
        annotations[f"n{index}"] = Count("pk", filter=condition)
        annotations[f"s{index}"] = Sum("pk", filter=condition)
    group_by = (f"{prefix}region", f"{prefix}operation", *((by,) if by else ()))
    result: dict = {} if by else {key: [] for key in conditions}
    for row in queryset.values(*group_by).annotate(**annotations).order_by():
        for index, key in enumerate(conditions):
            if row[f"n{index}"]:
                part = Part(row[f"n{index}"], int(row[f"s{index}"]), of)
                result.setdefault((row[by], key) if by else key, []).append(part)
    return result


def population_parts(scope: Scope, on: datetime.date) -> dict[str, list[Part]]:
    """The sex and age table's cells on a day, as parts."""
    return parts(returnees_in(scope, on), population_conditions(on))


def _median(values_queryset, field: str, count: int) -> float | None:
    """The median of one column in SQL: the middle row(s) by ORDER BY ... OFFSET, on any database."""
    if not count:
        return None
    ordered = values_queryset.order_by(field).values_list(field, flat=True)
    middle = [_days(value) for value in ordered[(count - 1) // 2 : count // 2 + 1]]
    return sum(middle) / len(middle)


def _days(value) -> float:
    return value.total_seconds() / 86400 if isinstance(value, datetime.timedelta) else float(value or 0)


# The indicators themselves are defined where their data live: cases/indicators.py, services/indicators.py.
INDICATOR_KEYS = tuple(indicator_conditions(datetime.date(2000, 1, 1)))


def indicators(scope: Scope, on: datetime.date) -> dict[str, float | int | None]:
    """The programme indicators on a day, for the returnees in scope who had arrived by then: one
    query of conditional counts, and two for the median days from arrival to a family placement."""
    returnees = returnees_in(scope, on)
    conditions = indicator_conditions(on)
    counts = returnees.aggregate(
        returnees=Count("pk"), **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )
    median = median_days_to_family(returnees, conditions, on, counts["placed_with_family"])
    return {**counts, "median_days_to_family": median}


def indicator_parts(scope: Scope, on: datetime.date) -> dict[str, list[Part]]:
    """The indicators on a day as parts (for reports), with "median_days_to_family" and the count it
    describes: one query of conditional counts and sums, and two for the median."""
    returnees = returnees_in(scope, on)
    conditions = indicator_conditions(on)
    result = parts(returnees, conditions)
    placed = sum(part.count for part in result["placed_with_family"])
    return result | {"median_days_to_family": median_days_to_family(returnees, conditions, on, placed)}


def median_days_to_family(returnees, conditions: dict[str, Q], on: datetime.date, placed: int) -> float | None:
    """Median days from arrival to the first placement with relatives, of the `placed` children placed
    by `on`; None when there are none."""
    placements = (
        CareArrangement.objects.filter(
            returnee__in=returnees.filter(conditions["children"]).values("pk"),
            kind__in=FAMILY_PLACEMENTS,
            placement_date__lte=on,
        )
        .values("returnee")
        .annotate(first=Min("placement_date"))
        .annotate(days=ExpressionWrapper(F("first") - F("returnee__arrival_date"), output_field=DurationField()))
    )
    median = _median(placements, "days", placed)
    return None if median is None else round(median, 1)


def caseload(scope: Scope) -> dict:
    """Open cases by status and risk, by region and by worker (with the high-risk share)."""
    open_cases = cases_in(scope).open()
    by_status_risk = list(open_cases.values("status", "risk_level").annotate(n=Count("pk")).order_by())
    by_region = list(open_cases.values("returnee__region").annotate(n=Count("pk")).order_by())
    by_worker = list(
        open_cases.filter(worker__isnull=False)
        .values("worker", "worker__first_name", "worker__last_name", "worker__username")
        .annotate(n=Count("pk"), high=Count("pk", filter=Q(risk_level=Case.Risk.HIGH)))
        .order_by("-n", "worker")
    )
    return {
        "by_status_risk": [[row["status"], row["risk_level"], row["n"]] for row in by_status_risk],
        "by_region": [[row["returnee__region"], row["n"]] for row in by_region],
        "by_worker": [
            [
                row["worker"],
                " ".join(p for p in (row["worker__first_name"], row["worker__last_name"]) if p)
                or row["worker__username"],
                row["n"],
                row["high"],
            ]
            for row in by_worker
        ],
        "unassigned": open_cases.filter(worker__isnull=True).count(),
    }


def work_due(scope: Scope, today: datetime.date) -> dict:
    cases = cases_in(scope)
    escalated = (Reminder.Stage.ESCALATED_COORDINATOR, Reminder.Stage.ESCALATED_SUPERVISOR)
    return {
        "overdue_follow_ups": cases.overdue(today).count(),
        "overdue_referrals": referrals_in(scope).overdue(today).count(),
        "escalations": Reminder.objects.filter(
            stage__in=escalated, case__in=cases.values("pk"), created_at__date__gte=scope.start
        )
        .values("item_type", "item_id", "due_date")
        .distinct()
        .count(),
        "pending_approvals": ApprovalRequest.objects.filter(
            status=ApprovalRequest.Status.PENDING, case__in=cases.values("pk")
        ).count(),
    }


def _days_between(later: str, earlier: str, *, dates: bool = False) -> ExpressionWrapper:
    earlier_value = TruncDate(earlier) if not dates else F(earlier)
    later_value = F(later) if dates else TruncDate(later)
    return ExpressionWrapper(later_value - earlier_value, output_field=DurationField())


def services(scope: Scope) -> dict:
    """Referrals made in the period by category and status, and per provider: completion rate and
    average days from submission to acceptance and from acceptance to completion."""
    made = referrals_in(scope).filter(created_at__date__gte=scope.start, created_at__date__lte=scope.end)
    by_category = list(
        made.values("service_type__category", "status").annotate(n=Count("pk")).order_by("service_type__category")
    )
    providers = list(
        made.filter(provider__isnull=False)
        .values("provider", "provider__name")
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(status="completed")),
            to_accept=Avg(_days_between("accepted_at", "submitted_at"), filter=Q(accepted_at__isnull=False)),
        )
        .order_by("provider__name")
    )
    to_complete = dict(
        made.filter(provider__isnull=False, status="completed", accepted_at__isnull=False)
        .annotate(days=ExpressionWrapper(F("completed_on") - TruncDate("accepted_at"), output_field=DurationField()))
        .values("provider")
        .annotate(avg=Avg("days"))
        .values_list("provider", "avg")
        .order_by()
    )
    return {
        "by_category": [[row["service_type__category"], row["status"], row["n"]] for row in by_category],
        "providers": [
            [
                row["provider"],
                row["provider__name"],
                row["total"],
                row["completed"],
                _maybe_days(row["to_accept"]),
                _maybe_days(to_complete.get(row["provider"])),
            ]
            for row in providers
        ],
    }


def _maybe_days(value) -> float | None:
    return None if value is None else round(_days(value), 1)


def monthly(scope: Scope) -> dict:
    """Arrivals and completed services per month of the period, for the line chart."""
    arrivals = (
        returnees_in(scope)
        .filter(arrival_date__gte=scope.start)
        .annotate(month=TruncMonth("arrival_date"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    completed = (
        referrals_in(scope)
        .filter(status="completed", completed_on__gte=scope.start, completed_on__lte=scope.end)
        .annotate(month=TruncMonth("completed_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    return {
        "arrivals": [[row["month"].strftime("%Y-%m"), row["n"]] for row in arrivals],
        "services_completed": [[row["month"].strftime("%Y-%m"), row["n"]] for row in completed],
    }


def dashboard(scope: Scope, today: datetime.date) -> dict:
    """Everything the dashboard shows, as plain JSON (ids and codes; labels are added when shown)."""
    return {
        "caseload": caseload(scope),
        "work_due": work_due(scope, today),
        "services": services(scope),
        "indicators": indicators(scope, scope.end),
        "population": population(returnees_in(scope), scope.end),
        "monthly": monthly(scope),
    }


def services_delivered(scope: Scope) -> dict[tuple[int, str], list]:
    """Per (service category, "requested" or "completed"): the parts counting the referrals requested
    in the period, and those completed in it. One grouped query."""
    requested = Q(created_at__date__gte=scope.start, created_at__date__lte=scope.end)
    completed = Q(status="completed", completed_on__gte=scope.start, completed_on__lte=scope.end)
    return parts(
        referrals_in(scope).filter(requested | completed),
        {"requested": requested, "completed": completed},
        prefix="case__returnee__",
        by="service_type__category",
        of="referral",
    )
