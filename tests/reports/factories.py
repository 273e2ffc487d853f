"""Builders for the reports tests: returnees of a known age on a known day, and the rows that make
them count for an indicator (documents, care, referrals, kinship tests, plans). Rows only, like the
factories: the figures are what is tested, not the workflows that write these rows."""

import datetime

import factory
from django.utils import timezone

from cases.models import CareArrangement, IdentityDocument, KinshipTest
from repat.reports.models import ProgressReport
from repat.reports.selectors import Scope, years_before
from tests.factories import (
    CareArrangementFactory,
    CaseFactory,
    IdentityDocumentFactory,
    KinshipTestFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
)
from tests.services.factories import ProviderFactory, ReferralFactory, service

# The day the figures are asked for: every date of a test is relative to it.
ON = datetime.date(2025, 6, 30)
ARRIVED = datetime.date(2023, 2, 10)


def days(n: int, day: datetime.date = ON) -> datetime.date:
    return day + datetime.timedelta(days=n)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    """A moment of a day in the project's time zone (the figures count local days)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def born_aged(years: int, *, plus_days: int = 0, on: datetime.date = ON) -> datetime.date:
    """The date of birth of someone who turns `years` on `on` (plus_days=1: the day after)."""
    return years_before(on, years) + datetime.timedelta(days=plus_days)


def scope_of(*regions, start=datetime.date(2025, 1, 1), end=ON, **filters) -> Scope:
    return Scope(regions=tuple(r.pk for r in regions) if regions else None, start=start, end=end, **filters)


def person(region, *, born=datetime.date(2015, 5, 1), sex="female", arrived=None, worker=None, **extra):
    """A returnee with a case (every registered returnee has one), in a region. Arrived with the
    operation, or when born if that was later."""
    arrived = arrived or max(ARRIVED, born or ARRIVED)
    returnee = ReturneeFactory(region=region, date_of_birth=born, sex=sex, arrival_date=arrived, **extra)
    CaseFactory(returnee=returnee, worker=worker)
    return returnee


def core_documents(returnee, *, issued_on=datetime.date(2024, 1, 15), last_issued_on=None):
    """The three core documents, issued; the last one on `last_issued_on` if given."""
    kinds = list(IdentityDocument.CORE_KINDS)
    for kind in kinds:
        IdentityDocumentFactory(
            returnee=returnee,
            kind=kind,
            status=IdentityDocument.Status.ISSUED,
            issued_on=last_issued_on if last_issued_on and kind == kinds[-1] else issued_on,
        )


def care(returnee, kind=CareArrangement.Kind.GRANDPARENTS, *, placed=datetime.date(2023, 3, 1), ended=None, **extra):
    return CareArrangementFactory(returnee=returnee, kind=kind, placement_date=placed, ended_on=ended, **extra)


def guardianship(returnee, *, order_date=datetime.date(2024, 2, 1), **extra):
    return care(
        returnee,
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="G-17",
        guardianship_order_date=order_date,
        **extra,
    )


def referral(returnee, code: str, status: str, *, provider=None, accepted=None, completed=None, **extra):
    """A referral of a returnee's case for a service of the seeded catalogue, in a status."""
    if status in ("assigned", "accepted", "in_progress", "completed") and provider is None:
        provider = ProviderFactory(regions=[returnee.region])
    return ReferralFactory(
        case=returnee.case,
        service_type=service(code),
        status=status,
        provider=provider,
        accepted_at=at(accepted) if accepted else None,
        completed_on=completed,
        **extra,
    )


def kinship(returnee, *, result=KinshipTest.Result.MATCH, reported=datetime.date(2024, 5, 1)):
    return KinshipTestFactory(returnee=returnee, result=result, reported_on=None if result == "pending" else reported)


def approved_plan(returnee, *, by, activated=datetime.date(2024, 3, 1)):
    return ReintegrationPlanFactory(case=returnee.case, status="current", approved_by=by, activated_at=at(activated))


class ProgressReportFactory(factory.django.DjangoModelFactory):
    """A report row in a given state; produced through actions.report_generate where files matter."""

    class Meta:
        model = ProgressReport

    period_start = datetime.date(2025, 1, 1)
    period_end = ON
    language = "en"
    created_by = factory.SubFactory(UserFactory)
    scope_regions = factory.LazyAttribute(lambda report: [report.region.pk] if report.region else [])
