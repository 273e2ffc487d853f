"""The restricted section, and breaking the glass to open a case in an emergency."""

import datetime
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.notifications import Item, notify
from repat.core.versions import STALE, check_version
from repat.core.wording import is_written_in_words

from .. import permissions
from ..models import Case, CaseEvent, CaseSettings, EmergencyAccess, LegalRecord, Returnee
from .events import case_event_write

# --- Restricted section and emergency access --------------------------------------------------------


@transaction.atomic
def restricted_section_save(
    *, actor: User, returnee: Returnee, data: dict[str, Any], version: str | None = None
) -> LegalRecord:
    """Save the restricted section. Its values stay out of the timeline and the audit trail: both
    record which fields changed, never what they say."""
    if not permissions.can_see_restricted(actor, returnee):
        raise PermissionDenied
    record = LegalRecord.objects.select_for_update().filter(returnee=returnee).first()
    check_version(record, version)
    record = record or LegalRecord(returnee=returnee, updated_by=actor)
    changed = [field for field in LegalRecord.FIELDS if (data.get(field) or "") != (getattr(record, field) or "")]
    if not changed and record.pk:
        return record
    for field in LegalRecord.FIELDS:
        setattr(record, field, data.get(field) or "")
    record.updated_by = actor
    # One section per returnee: the database says so when two people write the first one at once.
    record.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:  # someone wrote the first version of the section at the same moment
        raise ValidationError(STALE) from error
    mark = audit.RESTRICTED_MARK
    case_event_write(
        case=returnee.case,
        kind=CaseEvent.Kind.RESTRICTED_UPDATED,
        actor=actor,
        changes={field: [mark, mark] for field in changed},
        subject=record,  # the timeline labels the fields from the model, in the reader's language
    )
    return record


# Break the glass: each attempt is one audit row of action "emergency" whose detail starts with
# this, so the day's attempts are counted from the trail itself (audit_watch_idx).
ATTEMPT = "attempt:"
CASE_NUMBER = re.compile(r"^[A-Z0-9]{1,10}-\d{4}-\d{5,9}$")


class EmergencyResult(StrEnum):
    OWN = "own"  # in the user's own scope already: nothing to open, nothing counted
    OPENED = "opened"
    SENT_FOR_APPROVAL = "sent_for_approval"  # beyond the day's limit, whatever the number
    REFUSED = "refused"  # within the limit: no case the user may open has this number


@dataclass
class EmergencyOutcome:
    result: EmergencyResult
    case: Case | None = None  # only when the user may now read it (own, opened)


def emergency_reason_check(reason: str) -> str:
    reason = reason.strip()
    if not is_written_in_words(reason):
        raise ValidationError(
            {
                "reason": _(
                    "Say in words why you need this case now: a sentence or two, not letters or one word repeated."
                )
            }
        )
    return reason


def emergency_number_check(case_number: str) -> str:
    number = "".join(case_number.split()).upper()
    if not CASE_NUMBER.match(number):
        raise ValidationError(
            {
                "case_number": _("Type the case number as it is written on the file, for example %(example)s.")
                % {"example": f"{settings.REPAT_CASE_NUMBER_PREFIX}-2023-00001"}
            }
        )
    return number


def _start_of_today() -> datetime.datetime:
    """Midnight in Asia/Bishkek: the limit counts a person's attempts per local day."""
    zone = timezone.get_default_timezone()
    return datetime.datetime.combine(timezone.localdate(timezone=zone), datetime.time.min, tzinfo=zone)


def emergency_attempts_today(user: User) -> int:
    return AuditEvent.objects.filter(
        actor=user, action=AuditEvent.Action.EMERGENCY, detail__startswith=ATTEMPT, at__gte=_start_of_today()
    ).count()


@transaction.atomic
def emergency_access_open(*, actor: User, case_number: str, reason: str) -> EmergencyOutcome:
    """Break the glass: open a case outside one's scope for a limited time, with a reason in words.

    Every attempt on a number (known or not) is audited and counts towards the person's limit per
    day (CaseSettings.emergency_access_daily_limit). Within it, a case that may be opened opens at
    once (on its timeline, its region's supervisors told); beyond it, each opening waits for a
    supervisor of the case's region (an approval request). The answer never says whether a number
    exists: an unknown number and a case that cannot be opened (anonymised) are answered alike and
    take the same steps, and beyond the limit every number is "sent for approval". The attempt that
    reaches the limit alerts the supervisors (of the case's region and of the person's) and, for a
    number that opens nothing, the administrators, in the app and by e-mail at once."""
    if not permissions.can_break_the_glass(actor):
        raise PermissionDenied
    reason = emergency_reason_check(reason)
    number = emergency_number_check(case_number)
    # One person's attempts one at a time, so two at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    # The same two lookups whatever the number: whether it is the user's, then the case.
    # (A merged record's number leads to the record it was merged into.)
    if permissions.cases_visible_to(actor).numbered(number).exists():
        return EmergencyOutcome(EmergencyResult.OWN, Case.objects.unmerged().numbered(number).get())
    case = Case.objects.unmerged().select_related("returnee").numbered(number).first()
    openable = case is not None and case.anonymised_on is None
    limit = CaseSettings.current().emergency_access_daily_limit
    attempt = emergency_attempts_today(actor) + 1
    within = attempt <= limit
    if within and openable:
        access = _emergency_grant(actor=actor, case=case, reason=reason, detail=f"{ATTEMPT}opened")
        outcome = EmergencyOutcome(EmergencyResult.OPENED, case)
    elif openable:
        from repat.approvals.actions import approval_request_emergency

        approval = approval_request_emergency(actor=actor, case=case, reason=reason)
        _emergency_audit(actor, approval, case, number, reason, f"{ATTEMPT}approval")
        outcome = EmergencyOutcome(EmergencyResult.SENT_FOR_APPROVAL)
    else:
        _emergency_audit(actor, None, case, number, reason, f"{ATTEMPT}nothing to open")
        outcome = EmergencyOutcome(EmergencyResult.REFUSED if within else EmergencyResult.SENT_FOR_APPROVAL)
    if attempt >= limit:
        _emergency_alert(actor=actor, case=case, openable=openable, attempt=attempt, limit=limit)
    if outcome.result == EmergencyResult.OPENED:
        _emergency_tell_supervisors(case, access)
    return outcome


def _emergency_audit(actor: User, obj, case, number: str, reason: str, detail: str) -> AuditEvent:
    return audit.record(
        actor=actor,
        action=AuditEvent.Action.EMERGENCY,
        obj=obj,
        case_id=case.pk if case is not None else None,
        detail=detail,
        changes={"case_number": [None, number], "reason": [None, reason]},
    )


def _emergency_grant(
    *, actor: User, case: Case, reason: str, detail: str, approver: User | None = None
) -> EmergencyAccess:
    now = timezone.now()
    access = EmergencyAccess.objects.create(
        user=actor,
        case=case,
        reason=reason,
        granted_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.REPAT_EMERGENCY_ACCESS_MINUTES),
        approved_by=approver,
    )
    _emergency_audit(approver or actor, access, case, case.returnee.case_number, reason, detail)
    case_event_write(
        case=case,
        kind=CaseEvent.Kind.EMERGENCY_ACCESS,
        actor=actor,
        changes={"comment": [None, reason]},
        subject=access,
    )
    return access


def _emergency_tell_supervisors(case: Case, access: EmergencyAccess) -> None:

    supervisors = User.objects.filter(
        role=User.Role.SUPERVISOR, is_active=True, regions=case.returnee.region_id
    ).values_list("pk", flat=True)
    notify(item_type=Item.EMERGENCY_ACCESS, item_id=access.pk, case_id=case.pk, recipients=supervisors)


@transaction.atomic
def emergency_access_grant(*, approver: User, requester: User, case: Case, reason: str) -> EmergencyAccess:
    """An emergency opening a supervisor approved (repat.approvals): the access starts now."""
    case = Case.objects.select_related("returnee").get(pk=case.pk)
    if not permissions.can_break_the_glass(requester):
        raise ValidationError(_("This person can no longer open cases in an emergency."))
    return _emergency_grant(actor=requester, case=case, reason=reason, detail="approved", approver=approver)


# What an alert about a person's emergency openings told, and to whom (its audit row's detail).
ALERT_SUPERVISORS = "emergency limit"
ALERT_BOTH = "emergency limit, nothing to open"
ALERT_ADMINISTRATORS = "emergency, nothing to open"


def _emergency_alert(*, actor: User, case: Case | None, openable: bool, attempt: int, limit: int) -> None:
    """Once the limit is reached: the supervisors (of the case's region and of the person's own) and,
    for a number that opens nothing, the administrators, each once a day about a person."""

    earlier = set(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.ALERT,
            object_type="user",
            object_id=actor.pk,
            detail__in=[ALERT_SUPERVISORS, ALERT_BOTH, ALERT_ADMINISTRATORS],
            at__gte=_start_of_today(),
        ).values_list("detail", flat=True)
    )
    supervisors = not earlier & {ALERT_SUPERVISORS, ALERT_BOTH}
    administrators = not openable and not earlier & {ALERT_BOTH, ALERT_ADMINISTRATORS}
    if not (supervisors or administrators):
        return
    audience = Q(pk__in=[])
    if supervisors:
        regions = Q(regions__in=actor.regions.values("pk"))
        if case is not None:
            regions |= Q(regions=case.returnee.region_id)
        audience |= Q(role=User.Role.SUPERVISOR) & regions
    if administrators:
        audience |= User.administrators()
    people = User.objects.filter(audience, is_active=True)
    alert = audit.record(
        actor=actor,
        action=AuditEvent.Action.ALERT,
        obj=actor,
        case_id=case.pk if case is not None else None,
        detail={(True, True): ALERT_BOTH, (True, False): ALERT_SUPERVISORS, (False, True): ALERT_ADMINISTRATORS}[
            (supervisors, administrators)
        ],
        changes={"attempts": [None, attempt], "limit": [None, limit]},
    )
    notify(
        item_type=Item.EMERGENCY_LIMIT,
        item_id=alert.pk,
        case_id=case.pk if openable else None,
        recipients=[pk for pk in people.values_list("pk", flat=True).distinct() if pk != actor.pk],
    )
