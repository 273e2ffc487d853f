"""The programme's indicators on referrals, added to the list in cases/indicators.py (which holds
those on cases and explains the list). Imported when services is ready (services/apps.py), and by
repat/reports, so the list is whole wherever it is read."""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.indicators import Indicator, register, school_age

from .models import Referral

# Service codes of the seeded catalogue (services/catalogue.py) that indicators count.
PSYCHOSOCIAL_CATEGORY = "mhpss"
BENEFITS_CATEGORY = "social-protection"
SCHOOL_ENROLMENT = "school-enrolment"


def _returnees_referred():
    return Referral.objects.values("case__returnee")


def _school_enrolled(on: datetime.date) -> Q:
    enrolled = _returnees_referred().filter(
        service_type__code=SCHOOL_ENROLMENT, status="completed", completed_on__lte=on
    )
    return school_age(on) & Q(pk__in=enrolled)


def _psychosocial(on: datetime.date) -> Q:
    received = _returnees_referred().filter(
        service_type__category__code=PSYCHOSOCIAL_CATEGORY, status__in=Referral.TAKEN_ON, accepted_at__date__lte=on
    )
    return Q(pk__in=received)


def _benefits(on: datetime.date) -> Q:
    receiving = _returnees_referred().filter(
        service_type__category__code=BENEFITS_CATEGORY, status="completed", completed_on__lte=on
    )
    return Q(pk__in=receiving)


register(
    Indicator("school_enrolled", _("School-age children enrolled in school"), _school_enrolled, 70),
    Indicator("psychosocial", _("Returnees who received psychosocial support"), _psychosocial, 80),
    Indicator("benefits", _("Returnees receiving social benefits"), _benefits, 100),
)
