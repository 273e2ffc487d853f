"""Registering returnees and their families, and the case's own changes: status, risk, worker,
contacts logged, closure."""

import datetime
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.core.sequences import sequence_next
from repat.core.versions import check_version
from repat.reminders.models import ReminderSettings

from .. import permissions
from ..models import Case, CaseEvent, Family, FamilyMember, Note, Returnee, ReturneeAlias
from ..search import registration_duplicates
from .base import check_region_overseen
from .duplicates import CheckedDuplicates, DistinctPerson, duplicates_check, duplicates_record
from .events import _apply, _raw, case_event_write

RETURNEE_FIELDS = (
    "given_name",
    "family_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "date_of_birth_precision",
    "place_of_birth",
    "born_in_conflict_zone",
    "operation",
    "departure_place",
    "arrival_date",
    "citizenship_status",
    "languages",
    "special_needs",
    "region",
    "district",
    "locality",
)
CASE_FIELDS = ("worker", "status", "closure_reason", "risk_level", "risk_reason", "next_follow_up")


def script_of(text: str) -> str:
    """Which script a name is written in, from its letters: Cyrillic, Arabic, Latin or other."""
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith("CYRILLIC"):
            return ReturneeAlias.Script.CYRILLIC
        if name.startswith("ARABIC"):
            return ReturneeAlias.Script.ARABIC
        if name.startswith("LATIN"):
            return ReturneeAlias.Script.LATIN
    return ReturneeAlias.Script.OTHER


def _set_aliases(returnee: Returnee, aliases: Iterable[str]) -> bool:
    wanted = list(dict.fromkeys(name.strip() for name in aliases if name.strip()))
    existing = list(returnee.aliases.values_list("name", flat=True))
    if wanted == existing:
        return False
    returnee.aliases.all().delete()
    ReturneeAlias.objects.bulk_create(
        ReturneeAlias(returnee=returnee, name=name, script=script_of(name)) for name in wanted
    )
    return True


def _next_case_number(arrival_date: datetime.date) -> str:
    prefix = settings.REPAT_CASE_NUMBER_PREFIX
    number = sequence_next(f"case-{prefix}-{arrival_date.year}")
    return f"{prefix}-{arrival_date.year}-{number:05d}"


def follow_up_after(risk_level: str, day: datetime.date) -> datetime.date:
    """The next follow-up by the risk level's cadence (set by administrators in the admin)."""
    return day + datetime.timedelta(days=ReminderSettings.current().cadence_days(risk_level))


def _check_worker(actor: User, worker: User | None) -> None:
    if worker is not None and not permissions.assignable_workers(actor).filter(pk=worker.pk).exists():
        raise ValidationError({"worker": _("You cannot assign cases to this social worker.")})


@transaction.atomic
def family_create(*, actor: User, name: str, region, district=None, locality: str = "") -> Family:
    family = Family(name=name, region=region, district=district, locality=locality)
    family.full_clean()
    family.save()
    return family


@transaction.atomic
def family_member_add(
    *,
    actor: User,
    family: Family,
    relationship: str,
    returnee: Returnee | None = None,
    full_name: str = "",
    whereabouts: str = FamilyMember.Whereabouts.IN_HOUSEHOLD,
    is_head: bool = False,
    notes: str = "",
) -> FamilyMember:
    """Add a person to a household. A new head replaces the old one; a returnee joining writes an
    event on their case."""
    if returnee is not None and FamilyMember.objects.filter(returnee=returnee).exists():
        raise ValidationError({"returnee": _("This returnee already belongs to a family.")})
    if is_head:
        family.members.filter(is_head=True).update(is_head=False)
    member = FamilyMember(
        family=family,
        returnee=returnee,
        full_name="" if returnee else full_name,
        relationship=relationship,
        whereabouts=whereabouts,
        is_head=is_head,
        notes=notes,
    )
    member.full_clean()
    member.save()
    if returnee is not None:
        case_event_write(
            case=returnee.case, kind=CaseEvent.Kind.FAMILY_JOINED, actor=actor, changes={"family": [None, family.name]}
        )
    return member


@transaction.atomic
def returnee_register(
    *,
    actor: User,
    data: dict[str, Any],
    aliases: Iterable[str] = (),
    worker: User | None = None,
    risk_level: str = Case.Risk.MEDIUM,
    risk_reason: str = "",
    family: Family | None = None,
    new_family_name: str = "",
    relationship: str = FamilyMember.Relationship.CHILD,
    is_head: bool = False,
    distinct: DistinctPerson | None = None,
    checked: CheckedDuplicates | None = None,
) -> Returnee:
    """Register a returnee, open their case and place them in a family (an existing one or a new
    household named `new_family_name`), all or nothing.

    First the duplicate check: when people already recorded are probably this person, nothing is
    saved and ProbableDuplicates says who (each match marked visible to `actor` or not); the
    registration goes ahead once `distinct` confirms exactly those matches with a reason, which
    is kept (`duplicates_record`: the matches the actor may not see go to a coordinator).

    `checked`: the check made already for this person by a caller registering several people
    in one go (`family_register`), so that it is made once for all of them and the people just
    registered beside this one are not taken for their duplicates."""
    if not permissions.can_register_returnee(actor):
        raise PermissionDenied
    if worker is None and permissions.has_own_caseload(actor):
        worker = actor
    _check_worker(actor, worker)
    aliases = list(aliases)
    if checked is None:
        matches = registration_duplicates(actor, data=data, aliases=aliases, family=family, relationship=relationship)
        distinct_reason = duplicates_check(actor=actor, matches=matches, distinct=distinct)
    else:
        matches, distinct_reason = checked.matches, checked.reason

    returnee = Returnee(**{field: data[field] for field in RETURNEE_FIELDS if field in data})
    check_region_overseen(returnee.region if returnee.region_id else None)
    returnee.case_number = _next_case_number(returnee.arrival_date)
    returnee.full_clean()
    returnee.save()
    _set_aliases(returnee, aliases)

    case = Case(
        returnee=returnee,
        worker=worker,
        risk_level=risk_level,
        risk_reason=risk_reason,
        opened_on=timezone.localdate(),
        next_follow_up=follow_up_after(risk_level, timezone.localdate()),
    )
    case.full_clean()
    case.save()
    case_event_write(case=case, kind=CaseEvent.Kind.REGISTERED, actor=actor)
    case_event_write(
        case=case,
        kind=CaseEvent.Kind.OPENED,
        actor=actor,
        changes={"worker": [None, _raw(worker)], "risk_level": [None, risk_level]},
    )

    if family is None and new_family_name:
        family = family_create(
            actor=actor,
            name=new_family_name,
            region=returnee.region,
            district=returnee.district,
            locality=returnee.locality,
        )
    if family is not None:
        family_member_add(actor=actor, family=family, returnee=returnee, relationship=relationship, is_head=is_head)
    duplicates_record(actor=actor, returnee=returnee, matches=matches, reason=distinct_reason)
    return returnee


@transaction.atomic
def returnee_update(
    *,
    actor: User,
    returnee: Returnee,
    data: dict[str, Any],
    aliases: Iterable[str] | None = None,
    version: str | None = None,
) -> Returnee:
    returnee = Returnee.objects.select_for_update().get(pk=returnee.pk)
    if not permissions.can_edit_case(actor, returnee.case):
        raise PermissionDenied
    check_version(returnee, version)
    changes = _apply(returnee, data, RETURNEE_FIELDS)
    if "region" in changes:
        check_region_overseen(returnee.region)
    if aliases is not None and _set_aliases(returnee, aliases):
        changes["aliases"] = [None, ", ".join(a.strip() for a in aliases if a.strip())]
    if not changes:
        return returnee
    returnee.full_clean()
    returnee.save(update_fields=[f for f in changes if f != "aliases"] + ["updated_at"])
    case_event_write(case=returnee.case, kind=CaseEvent.Kind.RETURNEE_UPDATED, actor=actor, changes=changes)
    return returnee


def _case_event_kind(changes: dict) -> str:
    if "status" in changes:
        old, new = changes["status"]
        if new == Case.Status.CLOSED:
            return CaseEvent.Kind.CLOSED
        if old == Case.Status.CLOSED:
            return CaseEvent.Kind.REOPENED
        return CaseEvent.Kind.STATUS_CHANGED
    if set(changes) == {"worker"}:
        return CaseEvent.Kind.ASSIGNED
    risk = {"risk_level", "risk_reason"}
    # A higher risk also brings the next follow-up forward (case_update): still a change of risk.
    if set(changes) <= risk or ("risk_level" in changes and set(changes) <= risk | {"next_follow_up"}):
        return CaseEvent.Kind.RISK_CHANGED
    return CaseEvent.Kind.UPDATED


@transaction.atomic
def case_update(*, actor: User, case: Case, data: dict[str, Any], version: str | None = None) -> Case:
    """Change a case's status, risk, worker or next follow-up; reopening a closed case clears its
    closure (closing goes through a supervisor's approval)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not permissions.can_edit_case(actor, case):
        raise PermissionDenied
    check_version(case, version)
    if "worker" in data and data["worker"] != case.worker:
        if not permissions.can_assign_worker(actor):
            raise ValidationError({"worker": _("Only a coordinator can reassign a case.")})
        _check_worker(actor, data["worker"])
    data = dict(data)
    new_risk = data.get("risk_level", case.risk_level)
    if new_risk != case.risk_level and data.get("next_follow_up", case.next_follow_up) == case.next_follow_up:
        # A higher risk brings the next follow-up forward to its cadence; a lower one leaves it.
        sooner = follow_up_after(new_risk, timezone.localdate())
        if case.next_follow_up is None or sooner < case.next_follow_up:
            data["next_follow_up"] = sooner
    if data.get("status") == Case.Status.CLOSED:
        if not case.is_closed:
            raise ValidationError(
                {"status": _("A case closes when a supervisor approves its closure: request the closure instead.")}
            )
        data.pop("closure_reason", None)  # a closed case keeps the reason that was approved
    else:
        data["closure_reason"] = ""
        data["closed_on"] = None
        data["anonymise_after"] = None  # reopened: off the retention list
    changes = _apply(case, data, (*CASE_FIELDS, "closed_on", "anonymise_after"))
    if not changes:
        return case
    case.full_clean()
    case.save(update_fields=[*list(changes), "updated_at"])
    case_event_write(case=case, kind=_case_event_kind(changes), actor=actor, changes=changes)
    return case


@transaction.atomic
def case_close(*, approver: User, case: Case, reason: str) -> Case:
    """Close a case on the day its closure is approved. Only `approval_decide` calls this: the
    approval is the permission check (supervisors approve, they do not edit cases)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_closed:
        raise ValidationError(_("This case is already closed."))
    data = {"status": Case.Status.CLOSED, "closure_reason": reason, "closed_on": timezone.localdate()}
    changes = _apply(case, data, ("status", "closure_reason", "closed_on"))
    case.full_clean()
    case.save(update_fields=[*list(changes), "updated_at"])
    case_event_write(case=case, kind=CaseEvent.Kind.CLOSED, actor=approver, changes=changes)
    return case


@transaction.atomic
def note_log(
    *,
    actor: User,
    case: Case,
    contact_date: datetime.date,
    kind: str,
    summary: str,
    follow_up_needed: bool = False,
    next_follow_up: datetime.date | None = None,
) -> Note:
    """Log a visit or contact. A follow-up date given with it moves the case's next follow-up."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not permissions.can_edit_case(actor, case):
        raise PermissionDenied
    if case.is_closed:
        raise ValidationError(_("This case is closed: reopen it before logging a contact."))
    note = Note(
        case=case,
        author=actor,
        contact_date=contact_date,
        kind=kind,
        summary=summary,
        follow_up_needed=follow_up_needed,
    )
    note.full_clean()
    if contact_date > timezone.localdate():
        raise ValidationError({"contact_date": _("A contact cannot be logged in the future.")})
    note.save()
    changes = {}
    # A visit moves the follow-up on by the case's cadence unless the worker chose a date.
    next_follow_up = next_follow_up or max(
        follow_up_after(case.risk_level, contact_date), timezone.localdate() + datetime.timedelta(days=1)
    )
    if next_follow_up != case.next_follow_up:
        changes["next_follow_up"] = [_raw(case.next_follow_up), _raw(next_follow_up)]
        case.next_follow_up = next_follow_up
        case.save(update_fields=["next_follow_up", "updated_at"])
    case_event_write(case=case, kind=CaseEvent.Kind.NOTE_LOGGED, actor=actor, changes=changes, note=note)
    return note
