"""The programme's indicators: each a condition on returnees on a day, with its label. The caseload
filters by them (`?indicator=`, cases/filters.py) and the dashboard and the progress reports count
them (repat/reports), so a figure and the list behind it cannot disagree.

Each indicator is defined by the app that holds its data: those on cases here, those on referrals in
services/indicators.py, which adds them to this list when services is ready (cases cannot import
services). They are listed by `order`."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .models import CareArrangement, IdentityDocument, KinshipTest, ReintegrationPlan

CHILD_AGE = 18
SCHOOL_AGE = (6, 18)
FAMILY_PLACEMENTS = (CareArrangement.Kind.GRANDPARENTS, CareArrangement.Kind.RELATIVES)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # lazy: translated when shown
    condition: Callable[[datetime.date], Q]  # returnees it counts on a day
    order: int


_indicators: dict[str, Indicator] = {}


def register(*indicators: Indicator) -> None:
    for indicator in indicators:
        _indicators[indicator.key] = indicator


def indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda indicator: indicator.order)


def indicator_conditions(on: datetime.date) -> dict[str, Q]:
    """Each indicator as a condition on returnees, on a day, in order."""
    return {indicator.key: indicator.condition(on) for indicator in indicators()}


def years_before(day: datetime.date, years: int) -> datetime.date:
    if day.year - years < datetime.MINYEAR:
        # Before the calendar's first year (an absurd day asked for in a URL): nobody born then.
        return datetime.date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_q(on: datetime.date, lowest: int, below: int | None) -> Q:
    """Aged `lowest` or more and under `below` on a day, from the date of birth."""
    q = Q(date_of_birth__lte=years_before(on, lowest))
    if below is not None:
        q &= Q(date_of_birth__gt=years_before(on, below))
    return q


def children(on: datetime.date) -> Q:
    return age_q(on, 0, CHILD_AGE)


def school_age(on: datetime.date) -> Q:
    return age_q(on, *SCHOOL_AGE)


def _in_care(on: datetime.date):
    return CareArrangement.objects.filter(Q(placement_date__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on)))


def _core_documents(on: datetime.date) -> Q:
    core = (
        IdentityDocument.objects.filter(
            kind__in=IdentityDocument.CORE_KINDS, status=IdentityDocument.Status.ISSUED, issued_on__lte=on
        )
        .values("returnee")
        .annotate(kinds=Count("kind", distinct=True))
        .filter(kinds=len(IdentityDocument.CORE_KINDS))
        .values("returnee")
    )
    return children(on) & Q(pk__in=core)


def _guardianship(on: datetime.date) -> Q:
    guardianship = (
        _in_care(on)
        .exclude(guardianship_order_number="")
        .filter(Q(guardianship_order_date__isnull=True) | Q(guardianship_order_date__lte=on))
    )
    return children(on) & Q(pk__in=guardianship.values("returnee"))


def _relatives(on: datetime.date) -> Q:
    return children(on) & Q(pk__in=_in_care(on).filter(kind__in=FAMILY_PLACEMENTS).values("returnee"))


def _institution(on: datetime.date) -> Q:
    return children(on) & Q(pk__in=_in_care(on).filter(kind=CareArrangement.Kind.INSTITUTION).values("returnee"))


def _approved_plan(on: datetime.date) -> Q:
    plans = ReintegrationPlan.objects.filter(approved_by__isnull=False, activated_at__date__lte=on)
    return Q(pk__in=plans.values("case__returnee"))


def _kinship_verified(on: datetime.date) -> Q:
    tests = KinshipTest.objects.filter(reported_on__lte=on).exclude(result=KinshipTest.Result.PENDING)
    return Q(pk__in=tests.values("returnee"))


def _placed_with_family(on: datetime.date) -> Q:
    placements = CareArrangement.objects.filter(kind__in=FAMILY_PLACEMENTS, placement_date__lte=on)
    return children(on) & Q(pk__in=placements.values("returnee"))


# The orders leave room for those on referrals (services/indicators.py: 70, 80, 100).
register(
    Indicator("children", _("Children (under 18)"), children, 10),
    Indicator("school_age", _("School-age children (6–17)"), school_age, 20),
    Indicator("core_documents", _("Children with all core documents restored"), _core_documents, 30),
    Indicator("guardianship", _("Children under legal guardianship"), _guardianship, 40),
    Indicator("relatives", _("Children placed with relatives"), _relatives, 50),
    Indicator("institution", _("Children in institutions"), _institution, 60),
    Indicator("approved_plan", _("Cases with an approved reintegration plan"), _approved_plan, 90),
    Indicator("kinship_verified", _("Returnees whose kinship was verified"), _kinship_verified, 110),
    Indicator("placed_with_family", _("Children placed with relatives since arrival"), _placed_with_family, 120),
)
