"""When a consent holds. The consent page, the consent form and the referral gate all ask here, so
that "Valid" on the page means the gate accepts it.

A consent holds when it is in force (given, not withdrawn, not expired), names its recipient on
record when it is about a provider, has an end date when it lets data be shared, and was given by
someone who may consent for the returnee on the day it was given:

- the returnee themself, from `CaseSettings.consent_min_age` (14 unless an administrator changed it),
  counted from the latest date of birth the record allows (an approximate date counts against the
  child: "born 2012" is 13 until the last day of 2025);
- a parent on record (a member of the returnee's family recorded as mother or father, the returnee
  being recorded as a child there), while the returnee is not certainly an adult;
- a legal guardian on record: a family member recorded as guardian, or the guardian named by a
  guardianship order in the returnee's care arrangements, while that guardianship lasted.

Every problem is a translated sentence, so a refusal can say exactly what is missing.
"""

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import CareArrangement, CaseSettings, ConsentRecord, FamilyMember, Returnee

ADULT_AGE = 18
PARENTS = (FamilyMember.Relationship.MOTHER, FamilyMember.Relationship.FATHER)


def min_age() -> int:
    """The age from which a child may consent alone, as set in the admin."""
    return CaseSettings.current().consent_min_age


def _date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def may_consent_alone(returnee: Returnee, on: datetime.date, minimum: int) -> str | None:
    """None if the returnee may consent for themself on that day, else why not."""
    bounds = returnee.age_bounds(on)
    if bounds is None:
        return _(
            "The returnee's date of birth is not recorded (an estimate will do): who may consent depends on their age."
        )
    youngest, oldest = bounds
    if youngest >= minimum:
        return None
    if oldest >= minimum:
        return _(
            "The returnee may have been under %(age)s when consent was given (the date of birth is approximate): "
            "a parent or legal guardian on record must consent."
        ) % {"age": minimum}
    return _(
        "The returnee was under %(age)s when consent was given: a parent or legal guardian on record must consent."
    ) % {"age": minimum}


def member_may_consent(member: FamilyMember, returnee: Returnee, on: datetime.date, minimum: int) -> str | None:
    """None if this family member may consent for the returnee on that day, else why not."""
    membership = getattr(returnee, "membership", None)
    in_family = membership is not None and member.family_id == membership.family_id and member.pk != membership.pk
    if in_family and member.relationship == FamilyMember.Relationship.GUARDIAN:
        return None
    is_parent = (
        in_family and member.relationship in PARENTS and membership.relationship == FamilyMember.Relationship.CHILD
    )
    if not is_parent:
        return _(
            "%(name)s (%(relation)s) may not consent for the returnee: only a parent or legal guardian on record "
            "may, or the returnee themself from age %(age)s."
        ) % {"name": member.display_name, "relation": member.get_relationship_display(), "age": minimum}
    bounds = returnee.age_bounds(on)
    if bounds is not None and bounds[0] >= ADULT_AGE:
        return _(
            "The returnee was an adult when consent was given: only they, or a legal guardian on record, may consent."
        )
    return None


def guardian_may_consent(arrangement: CareArrangement, returnee: Returnee, on: datetime.date) -> str | None:
    """None if the guardian this care arrangement names may consent for the returnee on that day."""
    name = arrangement.guardian_name or arrangement.caregiver_name
    if arrangement.returnee_id != returnee.pk or not arrangement.under_guardianship:
        return _("%(name)s is not recorded as the returnee's legal guardian.") % {"name": name}
    start = arrangement.guardianship_order_date or arrangement.placement_date
    if start > on:
        return _("%(name)s became the legal guardian only on %(date)s.") % {"name": name, "date": _date(start)}
    if arrangement.ended_on and arrangement.ended_on <= on:
        return _("The guardianship of %(name)s had ended when consent was given.") % {"name": name}
    return None


def giver_problems(consent: ConsentRecord, *, minimum: int) -> list[str]:
    """Why the person recorded as giving this consent could not give it (empty if they could)."""
    returnee, on = consent.returnee, consent.given_on
    if consent.given_by == ConsentRecord.GivenBy.SELF:
        problem = may_consent_alone(returnee, on, minimum)
    elif consent.given_by == ConsentRecord.GivenBy.MEMBER and consent.giver_id:
        problem = member_may_consent(consent.giver, returnee, on, minimum)
    elif consent.given_by == ConsentRecord.GivenBy.GUARDIAN and consent.guardianship_id:
        problem = guardian_may_consent(consent.guardianship, returnee, on)
    elif consent.given_by_name:
        problem = _(
            "Who gave consent (“%(name)s”) is not on record: add them to the family, then record the consent again."
        ) % {"name": consent.given_by_name}
    else:
        problem = _("Who gave consent is not on record: add them to the family, then record the consent again.")
    return [problem] if problem else []


def consent_problems(consent: ConsentRecord, *, on: datetime.date, minimum: int) -> list[str]:
    """Why a consent does not hold on a day, whatever it is used for (empty if it holds)."""
    problems = []
    if consent.given_on > on:
        problems.append(_("It is dated %(date)s, after today.") % {"date": _date(consent.given_on)})
    if consent.withdrawn_on and consent.withdrawn_on <= on:
        problems.append(_("It was withdrawn on %(date)s.") % {"date": _date(consent.withdrawn_on)})
    elif consent.expires_on and consent.expires_on < on:
        problems.append(_("It expired on %(date)s.") % {"date": _date(consent.expires_on)})
    if consent.purpose == ConsentRecord.Purpose.DATA_SHARING:
        if not (consent.provider_id or consent.service_category_id):
            problems.append(
                _("It names the organisations only as text (“%(text)s”): record it again for a provider on record.")
                % {"text": consent.shared_with}
            )
        if consent.expires_on is None:
            problems.append(_("It has no expiry date."))
    return problems + giver_problems(consent, minimum=minimum)


def concerns(consent: ConsentRecord, provider, service_type) -> bool:
    """Whether a consent is about this provider: it names it, or names no provider and the category
    of the service."""
    if consent.provider_id:
        return consent.provider_id == provider.pk
    return consent.service_category_id is not None and consent.service_category_id == service_type.category_id


def cover_problems(consent: ConsentRecord, service_type) -> list[str]:
    """Why a consent about a provider does not let this service's referral share data with it."""
    problems = []
    if consent.purpose != ConsentRecord.Purpose.DATA_SHARING:
        problems.append(
            _("It is for “%(purpose)s”, not for sharing data with a provider.")
            % {"purpose": consent.get_purpose_display()}
        )
    if consent.service_category_id and consent.service_category_id != service_type.category_id:
        problems.append(
            _("It covers %(category)s only, not %(service)s.")
            % {"category": consent.service_category, "service": service_type}
        )
    return problems


def with_problems(consents, *, on: datetime.date | None = None, minimum: int | None = None) -> list[ConsentRecord]:
    """Set `problems` on each consent of a list (what the consent page shows), and return the list."""
    on = on or timezone.localdate()
    minimum = min_age() if minimum is None else minimum
    for consent in consents:
        consent.problems = consent_problems(consent, on=on, minimum=minimum)
        # Only out of date: the page says "Expired" rather than listing one sentence.
        consent.lapsed = len(consent.problems) == 1 and bool(consent.expires_on and consent.expires_on < on)
    return consents
