"""Every write in the cases app. Each action runs in one transaction and records a case event, so a
failed save changes nothing and the timeline never misses a change."""

import datetime
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.locks import lease_acquire, lease_release
from repat.core.sequences import sequence_next
from repat.core.versions import STALE, check_version
from repat.core.wording import is_written_in_words
from repat.reminders.models import ReminderSettings

from . import consent as rules
from . import permissions
from .models import (
    Assessment,
    Attachment,
    CareArrangement,
    Case,
    CaseEvent,
    CaseSettings,
    CaseTransfer,
    ConsentRecord,
    EmergencyAccess,
    Family,
    FamilyMember,
    FollowUpTask,
    GoalProgress,
    IdentityDocument,
    KinshipBasis,
    KinshipTest,
    LegalRecord,
    Note,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    ReturneeAlias,
)
from .uploads import prepare_upload

log = logging.getLogger(__name__)

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


def _raw(value: Any) -> Any:
    """A JSON-safe form of a field value for the event log (names for related rows)."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _apply(instance: models.Model, data: dict[str, Any], fields: Iterable[str]) -> dict[str, list]:
    """Set the given fields on an instance and return {field: [old, new]} for those that changed."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(instance, field), data[field]
        if old != new:
            changes[field] = [_raw(old), _raw(new)]
            setattr(instance, field, new)
    return changes


def case_event_write(
    case: Case,
    kind: str,
    actor,
    changes: dict | None = None,
    note: Note | None = None,
    subject: models.Model | None = None,
) -> CaseEvent:
    """Record a change on the case's timeline and in the audit trail, in the caller's transaction."""
    event = CaseEvent(case=case, kind=kind, actor=actor, changes=changes or {}, note=note)
    if subject is not None:
        event.subject = subject._meta.model_name
        event.subject_id = subject.pk
        event.item = str(getattr(subject, CaseEvent.SUBJECT_ITEM_FIELD.get(event.subject, "pk"), ""))[:300]
    event.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=subject or case,
        case_id=case.pk,
        detail=kind,
        changes=audit.masked(event.changes, LegalRecord.FIELDS),
    )
    return event


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


def check_region_overseen(region, field: str = "region") -> None:
    """A case must have someone above its worker: refuse a region that no active coordinator or
    supervisor covers (the case would sit there with nobody to oversee it or be told about it)."""
    if region is None:
        return
    overseers = User.objects.filter(is_active=True, role__in=permissions.REGIONAL_ROLES, regions=region)
    if not overseers.exists():
        raise ValidationError(
            {
                field: _(
                    "No coordinator or supervisor works in this region yet, so nobody would oversee the case. "
                    "Ask an administrator to assign one, or choose another region."
                )
            }
        )


def _check_worker(actor, worker) -> None:
    if worker is not None and not permissions.assignable_workers(actor).filter(pk=worker.pk).exists():
        raise ValidationError({"worker": _("You cannot assign cases to this social worker.")})


@transaction.atomic
def family_create(*, actor, name: str, region, district=None, locality: str = "") -> Family:
    family = Family(name=name, region=region, district=district, locality=locality)
    family.full_clean()
    family.save()
    return family


@transaction.atomic
def family_member_add(
    *,
    actor,
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
        case_event_write(returnee.case, CaseEvent.Kind.FAMILY_JOINED, actor, {"family": [None, family.name]})
    return member


@transaction.atomic
def returnee_register(
    *,
    actor,
    data: dict[str, Any],
    aliases: Iterable[str] = (),
    worker=None,
    risk_level: str = Case.Risk.MEDIUM,
    risk_reason: str = "",
    family: Family | None = None,
    new_family_name: str = "",
    relationship: str = FamilyMember.Relationship.CHILD,
    is_head: bool = False,
) -> Returnee:
    """Register a returnee, open their case and place them in a family (an existing one or a new
    household named `new_family_name`), all or nothing."""
    if not permissions.can_register_returnee(actor):
        raise PermissionDenied
    if worker is None and actor.role == actor.Role.SOCIAL_WORKER:
        worker = actor
    _check_worker(actor, worker)

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
    case_event_write(case, CaseEvent.Kind.REGISTERED, actor)
    case_event_write(
        case, CaseEvent.Kind.OPENED, actor, {"worker": [None, _raw(worker)], "risk_level": [None, risk_level]}
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
    return returnee


@transaction.atomic
def returnee_update(
    *,
    actor,
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
    case_event_write(returnee.case, CaseEvent.Kind.RETURNEE_UPDATED, actor, changes)
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
def case_update(*, actor, case: Case, data: dict[str, Any], version: str | None = None) -> Case:
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
    case_event_write(case, _case_event_kind(changes), actor, changes)
    return case


@transaction.atomic
def case_close(*, approver, case: Case, reason: str) -> Case:
    """Close a case on the day its closure is approved. Only `approval_decide` calls this: the
    approval is the permission check (supervisors approve, they do not edit cases)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_closed:
        raise ValidationError(_("This case is already closed."))
    data = {"status": Case.Status.CLOSED, "closure_reason": reason, "closed_on": timezone.localdate()}
    changes = _apply(case, data, ("status", "closure_reason", "closed_on"))
    case.full_clean()
    case.save(update_fields=[*list(changes), "updated_at"])
    case_event_write(case, CaseEvent.Kind.CLOSED, approver, changes)
    return case


@transaction.atomic
def note_log(
    *,
    actor,
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
    case_event_write(case, CaseEvent.Kind.NOTE_LOGGED, actor, changes, note=note)
    return note


# --- Documents, consent, kinship, care, assessments and plans --------------------------------------


def _require_edit(actor, case: Case) -> None:
    if not permissions.can_edit_case(actor, case):
        raise PermissionDenied


def _created(instance: models.Model, fields: Iterable[str]) -> dict[str, list]:
    """{field: [None, value]} for the non-empty fields of a new row, for its timeline event."""
    return {f: [None, _raw(getattr(instance, f))] for f in fields if getattr(instance, f) not in (None, "", [])}


@transaction.atomic
def attachment_upload(*, actor, case: Case, uploaded) -> Attachment:
    """Store an uploaded file after checking its content (see uploads.py). If the surrounding
    transaction rolls back, the file stays on disk without a row: unreachable, since files are
    served only through their row."""
    _require_edit(actor, case)
    content, content_type, digest = prepare_upload(uploaded)
    name = (uploaded.name or "file").rsplit("/", 1)[-1][:200]
    attachment = Attachment(
        case=case,
        original_name=name,
        content_type=content_type,
        size=content.size,
        sha256=digest,
        uploaded_by=actor,
    )
    attachment.file.save("upload", content, save=False)
    attachment.save()
    case_event_write(case, CaseEvent.Kind.FILE_UPLOADED, actor, subject=attachment)
    return attachment


DOCUMENT_FIELDS = (
    "kind",
    "number",
    "issuing_body",
    "requested_on",
    "issued_on",
    "expires_on",
    "responsible_organisation",
    "due_date",
    "notes",
)


@transaction.atomic
def document_add(*, actor, returnee: Returnee, data: dict[str, Any], scan_file=None) -> IdentityDocument:
    """Record a document a returnee needs (missing or requested) or already has (issued)."""
    _require_edit(actor, returnee.case)
    status = data.get("status", IdentityDocument.Status.MISSING)
    if status not in (
        IdentityDocument.Status.MISSING,
        IdentityDocument.Status.REQUESTED,
        IdentityDocument.Status.ISSUED,
    ):
        raise ValidationError({"status": _("A new document is missing, requested or already issued.")})
    document = IdentityDocument(returnee=returnee, status=status, **{f: data[f] for f in DOCUMENT_FIELDS if f in data})
    if status == IdentityDocument.Status.ISSUED and not document.issued_on:
        raise ValidationError({"issued_on": _("Give the date the document was issued.")})
    if scan_file is not None:
        document.scan = attachment_upload(actor=actor, case=returnee.case, uploaded=scan_file)
    document.full_clean()
    document.save()
    case_event_write(
        returnee.case,
        CaseEvent.Kind.DOCUMENT_ADDED,
        actor,
        _created(document, ("status", "due_date")),
        subject=document,
    )
    return document


@transaction.atomic
def document_update(
    *, actor, document: IdentityDocument, data: dict[str, Any], scan_file=None, version: str | None = None
) -> IdentityDocument:
    """Edit a document's details; its status changes only through `document_transition`."""
    # Lock the document row only: PostgreSQL cannot lock the nullable side of the join to the case.
    document = (
        IdentityDocument.objects.select_for_update(of=("self",)).select_related("returnee__case").get(pk=document.pk)
    )
    case = document.returnee.case
    _require_edit(actor, case)
    check_version(document, version)
    changes = _apply(document, data, DOCUMENT_FIELDS)
    if scan_file is not None:
        document.scan = attachment_upload(actor=actor, case=case, uploaded=scan_file)
        changes["scan"] = [None, document.scan.original_name]
    if not changes:
        return document
    document.full_clean()
    document.save()
    case_event_write(case, CaseEvent.Kind.DOCUMENT_UPDATED, actor, changes, subject=document)
    return document


@transaction.atomic
def document_transition(
    *,
    actor,
    document: IdentityDocument,
    status: str,
    on: datetime.date | None = None,
    reason: str = "",
    version: str | None = None,
) -> IdentityDocument:
    """Move a document along missing → requested → in progress → issued, or to refused with a
    reason. Requesting stamps the request date; issuing stamps the issue date."""
    # Lock the document row only: PostgreSQL cannot lock the nullable side of the join to the case.
    document = (
        IdentityDocument.objects.select_for_update(of=("self",)).select_related("returnee__case").get(pk=document.pk)
    )
    case = document.returnee.case
    _require_edit(actor, case)
    check_version(document, version)
    on = on or timezone.localdate()
    if status not in document.next_statuses():
        raise ValidationError(
            {
                "status": _("A document cannot go from “%(old)s” to “%(new)s”.")
                % {
                    "old": document.get_status_display(),
                    "new": dict(IdentityDocument.Status.choices).get(status, status),
                }
            }
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    data: dict[str, Any] = {"status": status}
    if status == IdentityDocument.Status.REFUSED:
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for the refusal.")})
        data["refusal_reason"] = reason.strip()
    else:
        data["refusal_reason"] = ""
    if status == IdentityDocument.Status.REQUESTED:
        data["requested_on"] = on
    if status == IdentityDocument.Status.ISSUED:
        data["issued_on"] = on
    changes = _apply(document, data, ("status", "refusal_reason", "requested_on", "issued_on"))
    document.full_clean()
    document.save(update_fields=[*changes, "updated_at"])
    case_event_write(case, CaseEvent.Kind.DOCUMENT_STATUS, actor, changes, subject=document)
    return document


CONSENT_FIELDS = (
    "purpose",
    "given_by",
    "giver",
    "guardianship",
    "provider",
    "service_category",
    "given_on",
    "expires_on",
)


def _consent_giver(consent: ConsentRecord) -> None:
    """Check who gave a new consent and note their name and relation as they are on record today."""
    if consent.given_by != ConsentRecord.GivenBy.MEMBER:
        consent.giver = None
    if consent.given_by != ConsentRecord.GivenBy.GUARDIAN:
        consent.guardianship = None
    if consent.given_by == ConsentRecord.GivenBy.MEMBER and consent.giver is None:
        raise ValidationError({"giver": _("Choose the family member who gave consent.")})
    if consent.given_by == ConsentRecord.GivenBy.GUARDIAN and consent.guardianship is None:
        raise ValidationError({"giver": _("Choose the guardianship order of the guardian who gave consent.")})
    if consent.giver is not None:
        consent.given_by_name, consent.giver_relationship = consent.giver.display_name, consent.giver.relationship
    elif consent.guardianship is not None:
        consent.given_by_name = consent.guardianship.guardian_name
        consent.giver_relationship = FamilyMember.Relationship.GUARDIAN
    else:
        consent.given_by_name, consent.giver_relationship = "", ""
    problems = rules.giver_problems(consent, minimum=rules.min_age())
    if problems:
        raise ValidationError({"giver": problems})


@transaction.atomic
def consent_record(*, actor, returnee: Returnee, data: dict[str, Any], form_file=None) -> ConsentRecord:
    """Record a consent. It points at records: who gave it (checked against who may consent for the
    returnee, see cases/consent.py), and for services or data sharing the provider or category."""
    _require_edit(actor, returnee.case)
    consent = ConsentRecord(returnee=returnee, recorded_by=actor, **{f: data[f] for f in CONSENT_FIELDS if f in data})
    errors = {}
    if consent.given_on and consent.given_on > timezone.localdate():
        errors["given_on"] = _("Consent cannot be dated in the future.")
    about_provider = consent.purpose in ConsentRecord.PROVIDER_PURPOSES
    if not about_provider and (consent.provider_id or consent.service_category_id):
        errors["provider"] = _("Only consent to receive services or to share data names a provider.")
    if consent.purpose == ConsentRecord.Purpose.DATA_SHARING:
        if not (consent.provider_id or consent.service_category_id):
            errors["provider"] = _("Choose the provider, or a service category.")
        if consent.expires_on is None:
            errors["expires_on"] = _("Give the date the consent ends: consent to share data must have one.")
    if consent.guardianship is not None and consent.guardianship.returnee_id != returnee.pk:
        errors["giver"] = _("Choose someone on this returnee's record.")
    if errors:
        raise ValidationError(errors)
    _consent_giver(consent)
    if form_file is not None:
        consent.form = attachment_upload(actor=actor, case=returnee.case, uploaded=form_file)
    consent.full_clean()
    consent.save()
    case_event_write(
        returnee.case,
        CaseEvent.Kind.CONSENT_RECORDED,
        actor,
        _created(consent, ("given_by", "given_by_name", "provider", "service_category", "given_on", "expires_on")),
        subject=consent,
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: ConsentRecord, on: datetime.date, reason: str) -> ConsentRecord:
    # Lock the consent row only: PostgreSQL cannot lock the nullable side of the join to the case.
    consent = ConsentRecord.objects.select_for_update(of=("self",)).select_related("returnee__case").get(pk=consent.pk)
    case = consent.returnee.case
    _require_edit(actor, case)
    if consent.withdrawn_on:
        raise ValidationError(_("This consent was already withdrawn."))
    if on < consent.given_on or on > timezone.localdate():
        raise ValidationError({"on": _("The withdrawal date must be between the date consent was given and today.")})
    changes = _apply(
        consent, {"withdrawn_on": on, "withdrawal_reason": reason.strip()}, ("withdrawn_on", "withdrawal_reason")
    )
    consent.save(update_fields=list(changes))
    case_event_write(case, CaseEvent.Kind.CONSENT_WITHDRAWN, actor, changes, subject=consent)
    return consent


@transaction.atomic
def kinship_test_record(
    *,
    actor,
    returnee: Returnee,
    relative: FamilyMember,
    claimed_relationship: str,
    laboratory: str,
    sample_date: datetime.date,
    consent: ConsentRecord | None = None,
    notes: str = "",
) -> KinshipTest:
    """Record that samples were taken for a DNA test of a returnee against a family member."""
    _require_edit(actor, returnee.case)
    if relative.returnee_id == returnee.pk:
        raise ValidationError({"relative": _("A person cannot be tested against themselves.")})
    if consent is not None and (
        consent.returnee_id != returnee.pk
        or consent.purpose != ConsentRecord.Purpose.DNA_TESTING
        or not consent.is_valid(sample_date)
    ):
        raise ValidationError({"consent": _("Choose a DNA-testing consent of this returnee valid on the sample date.")})
    if sample_date > timezone.localdate():
        raise ValidationError({"sample_date": _("The sample date cannot be in the future.")})
    test = KinshipTest(
        returnee=returnee,
        relative=relative,
        claimed_relationship=claimed_relationship,
        laboratory=laboratory,
        sample_date=sample_date,
        consent=consent,
        notes=notes,
        recorded_by=actor,
    )
    test.full_clean()
    test.save()
    changes = {"relative": [None, relative.display_name], "laboratory": [None, laboratory]}
    case_event_write(returnee.case, CaseEvent.Kind.KINSHIP_TEST, actor, changes, subject=test)
    return test


# The returnee's place in the household, given the relative's claimed relationship to them.
INVERSE_RELATIONSHIP = {
    FamilyMember.Relationship.MOTHER: FamilyMember.Relationship.CHILD,
    FamilyMember.Relationship.FATHER: FamilyMember.Relationship.CHILD,
    FamilyMember.Relationship.GRANDPARENT: FamilyMember.Relationship.GRANDCHILD,
    FamilyMember.Relationship.SIBLING: FamilyMember.Relationship.SIBLING,
    FamilyMember.Relationship.AUNT_UNCLE: FamilyMember.Relationship.NIECE_NEPHEW,
    FamilyMember.Relationship.GRANDCHILD: FamilyMember.Relationship.GRANDPARENT,
    FamilyMember.Relationship.NIECE_NEPHEW: FamilyMember.Relationship.AUNT_UNCLE,
}


def _inverse_relationship(claimed: str, returnee: Returnee) -> str:
    if claimed == FamilyMember.Relationship.CHILD:
        return FamilyMember.Relationship.MOTHER if returnee.sex == "female" else FamilyMember.Relationship.FATHER
    return INVERSE_RELATIONSHIP.get(claimed, FamilyMember.Relationship.OTHER_RELATIVE)


@transaction.atomic
def kinship_result_record(
    *, actor, test: KinshipTest, result: str, reported_on: datetime.date, confirm_relationship: bool = False
) -> KinshipTest:
    """Record a DNA result. A match can confirm the relationship: the returnee joins the relative's
    family (or their existing membership there is confirmed), with the test as its basis."""
    # Lock the test row only: PostgreSQL cannot lock the nullable side of the join to the case.
    test = (
        KinshipTest.objects.select_for_update(of=("self",))
        .select_related("returnee__case", "relative__family")
        .get(pk=test.pk)
    )
    case = test.returnee.case
    _require_edit(actor, case)
    if test.result != KinshipTest.Result.PENDING:
        raise ValidationError(_("The result of this test was already recorded."))
    if result == KinshipTest.Result.PENDING:
        raise ValidationError({"result": _("Choose the result.")})
    if reported_on < test.sample_date or reported_on > timezone.localdate():
        raise ValidationError({"reported_on": _("The result date must be between the sample date and today.")})
    if confirm_relationship and result != KinshipTest.Result.MATCH:
        raise ValidationError({"confirm_relationship": _("Only a match can confirm a relationship.")})
    changes = _apply(test, {"result": result, "reported_on": reported_on}, ("result", "reported_on"))
    test.full_clean()
    test.save(update_fields=list(changes))
    case_event_write(case, CaseEvent.Kind.KINSHIP_RESULT, actor, changes, subject=test)
    if confirm_relationship:
        family = test.relative.family
        membership = FamilyMember.objects.filter(returnee=test.returnee).select_related("family").first()
        if membership is None:
            membership = family_member_add(
                actor=actor,
                family=family,
                returnee=test.returnee,
                relationship=_inverse_relationship(test.claimed_relationship, test.returnee),
            )
        elif membership.family_id != family.pk:
            raise ValidationError(
                {"confirm_relationship": _("This returnee belongs to another family; move them before confirming.")}
            )
        membership.kinship_basis = KinshipBasis.DNA
        membership.kinship_test = test
        membership.save(update_fields=["kinship_basis", "kinship_test"])
        FamilyMember.objects.filter(pk=test.relative_id).update(kinship_basis=KinshipBasis.DNA, kinship_test=test)
    return test


CARE_FIELDS = (
    "kind",
    "caregiver_name",
    "caregiver_relationship",
    "guardian_name",
    "guardianship_order_number",
    "guardianship_order_date",
    "placement_date",
    "prior_agreement",
    "notes",
)


@transaction.atomic
def care_arrangement_set(
    *, actor, returnee: Returnee, data: dict[str, Any], version: str | None = None
) -> CareArrangement:
    """Record a child's new care arrangement; the current one ends on the new placement date.
    `version`: of the current arrangement (or none) as the form showed it."""
    _require_edit(actor, returnee.case)
    current = CareArrangement.objects.select_for_update().filter(returnee=returnee, ended_on__isnull=True).first()
    check_version(current, version)
    arrangement = CareArrangement(
        returnee=returnee, recorded_by=actor, **{f: data[f] for f in CARE_FIELDS if f in data}
    )
    if arrangement.guardianship_order_number and not arrangement.guardian_name:
        raise ValidationError({"guardian_name": _("Name the legal guardian the order appoints.")})
    if arrangement.placement_date and arrangement.placement_date > timezone.localdate():
        raise ValidationError({"placement_date": _("The placement date cannot be in the future.")})
    changes = _created(arrangement, ("kind", "caregiver_name", "guardian_name", "placement_date"))
    if current is not None:
        if arrangement.placement_date < current.placement_date:
            raise ValidationError(
                {
                    "placement_date": _("The new placement cannot start before the current one (%(date)s).")
                    % {"date": current.placement_date.isoformat()}
                }
            )
        current.ended_on = arrangement.placement_date
        current.save(update_fields=["ended_on", "updated_at"])
        for field in ("kind", "caregiver_name", "guardian_name"):
            if field in changes:
                changes[field][0] = _raw(getattr(current, field))
    arrangement.full_clean()
    try:
        with transaction.atomic():
            arrangement.save()
    except IntegrityError as error:  # someone recorded another arrangement at the same moment
        raise ValidationError(
            _("Another care arrangement was just recorded for this child; reload and check.")
        ) from error
    case_event_write(returnee.case, CaseEvent.Kind.CARE_CHANGED, actor, changes, subject=arrangement)
    return arrangement


ASSESSMENT_FIELDS = (
    "kind",
    "status",
    "due_date",
    "assessed_on",
    "assessor",
    "tool",
    "score",
    "findings",
    "recommendations",
    "recommended_domains",
)


def _refuse_while_pending(subject: Assessment | ReintegrationPlan) -> None:
    """What a supervisor is asked to approve must not change under them."""
    if subject.approval_requests.filter(status="pending").exists():
        raise ValidationError(_("This is waiting for a supervisor's approval. Withdraw the request to change it."))


def _check_assessment(assessment: Assessment) -> None:
    if assessment.status == Assessment.Status.COMPLETED and not assessment.assessed_on:
        raise ValidationError({"assessed_on": _("Give the date of a completed assessment.")})
    if assessment.assessed_on and assessment.assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
    if assessment.status == Assessment.Status.PLANNED and not assessment.due_date:
        raise ValidationError({"due_date": _("Give the date a planned assessment is due.")})


@transaction.atomic
def assessment_record(*, actor, case: Case, data: dict[str, Any]) -> Assessment:
    _require_edit(actor, case)
    assessment = Assessment(case=case, recorded_by=actor, **{f: data[f] for f in ASSESSMENT_FIELDS if f in data})
    _check_assessment(assessment)
    assessment.full_clean()
    assessment.save()
    changes = _created(assessment, ("status", "assessed_on", "due_date", "score", "recommended_domains"))
    case_event_write(case, CaseEvent.Kind.ASSESSMENT_RECORDED, actor, changes, subject=assessment)
    return assessment


@transaction.atomic
def assessment_update(*, actor, assessment: Assessment, data: dict[str, Any], version: str | None = None) -> Assessment:
    assessment = Assessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    _require_edit(actor, assessment.case)
    check_version(assessment, version)
    _refuse_while_pending(assessment)
    changes = _apply(assessment, data, ASSESSMENT_FIELDS)
    if not changes:
        return assessment
    _check_assessment(assessment)
    if assessment.approved_at:
        # The approval covered what the supervisor read; a changed assessment needs a new one.
        changes.update(_apply(assessment, {"approved_by": None, "approved_at": None}, ("approved_by", "approved_at")))
    assessment.full_clean()
    assessment.save()
    case_event_write(assessment.case, CaseEvent.Kind.ASSESSMENT_UPDATED, actor, changes, subject=assessment)
    return assessment


GOAL_FIELDS = ("domain", "goal", "actions", "responsible", "target_date", "status", "source_assessment")


@transaction.atomic
def plan_start(*, actor, case: Case) -> ReintegrationPlan:
    """Start a new draft version of the case's plan, copying the goals of the current version."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_edit(actor, case)
    if case.plans.filter(status=ReintegrationPlan.Status.DRAFT).exists():
        raise ValidationError(_("This case already has a draft plan: finish that one first."))
    current = case.plans.filter(status=ReintegrationPlan.Status.CURRENT).first()
    version = (case.plans.aggregate(models.Max("version"))["version__max"] or 0) + 1
    plan = ReintegrationPlan.objects.create(
        case=case, version=version, summary=current.summary if current else "", created_by=actor
    )
    if current is not None:
        PlanGoal.objects.bulk_create(
            PlanGoal(plan=plan, **{f: getattr(goal, f) for f in GOAL_FIELDS}) for goal in current.goals.all()
        )
    case_event_write(case, CaseEvent.Kind.PLAN_CREATED, actor, {"version": [None, version]}, subject=plan)
    return plan


@transaction.atomic
def plan_make_current(*, approver, plan: ReintegrationPlan) -> ReintegrationPlan:
    """Make an approved draft the current plan; the previous current version is kept as superseded.
    Only `approval_decide` calls this: the approval is the permission check."""
    plan = ReintegrationPlan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    check_plan_ready(plan)
    plan.case.plans.filter(status=ReintegrationPlan.Status.CURRENT).update(status=ReintegrationPlan.Status.SUPERSEDED)
    plan.status = ReintegrationPlan.Status.CURRENT
    plan.activated_at = timezone.now()
    plan.approved_by = approver
    plan.save(update_fields=["status", "activated_at", "approved_by"])
    case_event_write(
        plan.case, CaseEvent.Kind.PLAN_ACTIVATED, approver, {"version": [None, plan.version]}, subject=plan
    )
    return plan


def check_plan_ready(plan: ReintegrationPlan) -> None:
    """A plan goes to a supervisor, and becomes current, only as a draft with at least one goal."""
    if plan.status != ReintegrationPlan.Status.DRAFT:
        raise ValidationError(_("Only a draft can be made the current plan."))
    if not plan.goals.exists():
        raise ValidationError(_("Add at least one goal before making the plan current."))


def _editable_plan(actor, plan: ReintegrationPlan) -> ReintegrationPlan:
    plan = ReintegrationPlan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    _require_edit(actor, plan.case)
    if not plan.is_editable:
        raise ValidationError(_("This plan version was superseded and can no longer be changed."))
    if plan.status == ReintegrationPlan.Status.DRAFT:
        _refuse_while_pending(plan)
    return plan


def _check_goal(goal: PlanGoal, plan: ReintegrationPlan) -> None:
    if goal.source_assessment_id and goal.source_assessment.case_id != plan.case_id:
        raise ValidationError({"source_assessment": _("Choose an assessment of this case.")})


@transaction.atomic
def goal_add(*, actor, plan: ReintegrationPlan, data: dict[str, Any]) -> PlanGoal:
    plan = _editable_plan(actor, plan)
    goal = PlanGoal(plan=plan, **{f: data[f] for f in GOAL_FIELDS if f in data})
    _check_goal(goal, plan)
    goal.full_clean()
    goal.save()
    case_event_write(
        plan.case, CaseEvent.Kind.GOAL_ADDED, actor, _created(goal, ("domain", "target_date")), subject=goal
    )
    return goal


@transaction.atomic
def goal_update(*, actor, goal: PlanGoal, data: dict[str, Any], version: str | None = None) -> PlanGoal:
    plan = _editable_plan(actor, goal.plan)
    goal = PlanGoal.objects.select_for_update().get(pk=goal.pk)
    check_version(goal, version)
    changes = _apply(goal, data, GOAL_FIELDS)
    if not changes:
        return goal
    _check_goal(goal, plan)
    goal.full_clean()
    goal.save()
    case_event_write(plan.case, CaseEvent.Kind.GOAL_UPDATED, actor, changes, subject=goal)
    return goal


@transaction.atomic
def goal_progress_add(*, actor, goal: PlanGoal, written_on: datetime.date, text: str) -> GoalProgress:
    plan = _editable_plan(actor, goal.plan)
    if written_on > timezone.localdate():
        raise ValidationError({"written_on": _("Progress cannot be dated in the future.")})
    progress = GoalProgress(goal=goal, written_on=written_on, text=text, author=actor)
    progress.full_clean()
    progress.save()
    case_event_write(plan.case, CaseEvent.Kind.GOAL_PROGRESS, actor, {"text": [None, text[:200]]}, subject=goal)
    return progress


# --- Transfers --------------------------------------------------------------------------------------


@transaction.atomic
def transfer_request(*, actor, case: Case, to_region, reason: str, to_worker=None) -> CaseTransfer:
    """Ask to hand the case to another worker and/or region; nothing moves until accepted."""
    case = Case.objects.select_for_update().select_related("returnee").get(pk=case.pk)
    _require_edit(actor, case)
    if case.is_closed:
        raise ValidationError(_("A closed case cannot be transferred."))
    if to_worker is not None and to_worker == case.worker and to_region.pk == case.returnee.region_id:
        raise ValidationError({"to_worker": _("The case is already held by this worker in this region.")})
    if to_worker is not None and not to_worker.regions.filter(pk=to_region.pk).exists():
        raise ValidationError({"to_worker": _("This social worker does not work in the chosen region.")})
    if case.transfers.filter(status=CaseTransfer.Status.PENDING).exists():
        raise ValidationError(_("A transfer of this case is already waiting for an answer."))
    check_region_overseen(to_region, "to_region")
    transfer = CaseTransfer(
        case=case,
        from_worker=case.worker,
        to_worker=to_worker,
        from_region_id=case.returnee.region_id,
        to_region=to_region,
        reason=reason,
        requested_by=actor,
    )
    transfer.full_clean()
    transfer.save()
    changes = {"to_region": [None, str(to_region)], "to_worker": [None, _raw(to_worker)]}
    case_event_write(case, CaseEvent.Kind.TRANSFER_REQUESTED, actor, changes, subject=transfer)
    return transfer


@transaction.atomic
def transfer_decide(*, actor, transfer: CaseTransfer, accept: bool, worker=None, comment: str = "") -> CaseTransfer:
    """Accept (the case moves to the new worker and region) or decline a pending transfer."""
    transfer = permissions.transfers_answerable_by(actor).select_for_update().filter(pk=transfer.pk).first()
    if transfer is None:
        raise ValidationError(_("This transfer is no longer waiting for your answer."))
    case = Case.objects.select_for_update().select_related("returnee").get(pk=transfer.case_id)
    transfer.decided_by, transfer.decided_at, transfer.decision_comment = actor, timezone.now(), comment
    if not accept:
        if not comment.strip():
            raise ValidationError({"comment": _("Say why the transfer is declined.")})
        transfer.status = CaseTransfer.Status.DECLINED
        transfer.save()
        case_event_write(case, CaseEvent.Kind.TRANSFER_DECLINED, actor, {"comment": [None, comment]}, subject=transfer)
        return transfer
    try:
        check_region_overseen(transfer.to_region)
    except ValidationError as error:  # nobody covers it any more since the transfer was asked
        raise ValidationError(error.message_dict["region"]) from None
    new_worker = transfer.to_worker or worker
    if actor.role == actor.Role.SOCIAL_WORKER:
        new_worker = actor
    if new_worker is None:
        raise ValidationError({"worker": _("Choose the social worker who takes the case.")})
    if (
        not new_worker.regions.filter(pk=transfer.to_region_id).exists()
        or new_worker.role != new_worker.Role.SOCIAL_WORKER
    ):
        raise ValidationError({"worker": _("This social worker does not work in the chosen region.")})
    transfer.status, transfer.to_worker = CaseTransfer.Status.ACCEPTED, new_worker
    transfer.save()
    returnee = case.returnee
    changes = {"worker": [_raw(case.worker), _raw(new_worker)]}
    if returnee.region_id != transfer.to_region_id:
        changes["region"] = [_raw(returnee.region), _raw(transfer.to_region)]
        returnee.region, returnee.district = transfer.to_region, None
        returnee.save(update_fields=["region", "district", "updated_at"])
        # Open referrals follow the case, so the new region's coordinators and providers handle them.
        case.referrals.open().update(region=transfer.to_region)
        # So do its approval requests: the new region's supervisors answer those waiting, and the
        # queue's region filter finds the case's history where the case now is.
        case.approval_requests.update(region=transfer.to_region)
    case.worker = new_worker
    case.save(update_fields=["worker", "updated_at"])
    case_event_write(case, CaseEvent.Kind.TRANSFER_ACCEPTED, actor, changes, subject=transfer)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: CaseTransfer) -> CaseTransfer:
    transfer = CaseTransfer.objects.select_for_update().select_related("case").get(pk=transfer.pk)
    _require_edit(actor, transfer.case)
    if transfer.status != CaseTransfer.Status.PENDING:
        raise ValidationError(_("This transfer is no longer pending."))
    transfer.status = CaseTransfer.Status.CANCELLED
    transfer.save(update_fields=["status"])
    case_event_write(transfer.case, CaseEvent.Kind.TRANSFER_CANCELLED, actor, subject=transfer)
    return transfer


# --- Follow-up tasks --------------------------------------------------------------------------------


@transaction.atomic
def task_schedule(*, actor, case: Case, due_date: datetime.date, description: str, assigned_to) -> FollowUpTask:
    """Schedule something to do on a case by a date, by the case's worker or another colleague."""
    _require_edit(actor, case)
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("A task cannot be due in the past.")})
    if not assigned_to.is_active or assigned_to.role == assigned_to.Role.PROVIDER:
        raise ValidationError({"assigned_to": _("Choose an active colleague.")})
    task = FollowUpTask(
        case=case, due_date=due_date, description=description, assigned_to=assigned_to, created_by=actor
    )
    task.full_clean()
    task.save()
    changes = {"due_date": [None, _raw(due_date)], "assigned_to": [None, _raw(assigned_to)]}
    case_event_write(case, CaseEvent.Kind.TASK_SCHEDULED, actor, changes, subject=task)
    return task


@transaction.atomic
def task_done(*, actor, task: FollowUpTask) -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update(of=("self",)).select_related("case").get(pk=task.pk)
    if task.assigned_to_id != actor.pk:
        _require_edit(actor, task.case)
    if task.done_at is not None:
        raise ValidationError(_("This task is already done."))
    task.done_at, task.done_by = timezone.now(), actor
    task.save(update_fields=["done_at", "done_by"])
    case_event_write(task.case, CaseEvent.Kind.TASK_DONE, actor, subject=task)
    return task


# --- Restricted section and emergency access --------------------------------------------------------


@transaction.atomic
def restricted_section_save(
    *, actor, returnee: Returnee, data: dict[str, Any], version: str | None = None
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
        returnee.case,
        CaseEvent.Kind.RESTRICTED_UPDATED,
        actor,
        {field: [mark, mark] for field in changed},
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


def emergency_attempts_today(user) -> int:
    return AuditEvent.objects.filter(
        actor=user, action=AuditEvent.Action.EMERGENCY, detail__startswith=ATTEMPT, at__gte=_start_of_today()
    ).count()


@transaction.atomic
def emergency_access_open(*, actor, case_number: str, reason: str) -> EmergencyOutcome:
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
    if permissions.cases_visible_to(actor).filter(returnee__case_number=number).exists():
        return EmergencyOutcome(EmergencyResult.OWN, Case.objects.get(returnee__case_number=number))
    case = Case.objects.select_related("returnee").filter(returnee__case_number=number).first()
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


def _emergency_audit(actor, obj, case, number: str, reason: str, detail: str) -> AuditEvent:
    return audit.record(
        actor=actor,
        action=AuditEvent.Action.EMERGENCY,
        obj=obj,
        case_id=case.pk if case is not None else None,
        detail=detail,
        changes={"case_number": [None, number], "reason": [None, reason]},
    )


def _emergency_grant(*, actor, case: Case, reason: str, detail: str, approver=None) -> EmergencyAccess:
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
    case_event_write(case, CaseEvent.Kind.EMERGENCY_ACCESS, actor, {"comment": [None, reason]}, subject=access)
    return access


def _emergency_tell_supervisors(case: Case, access: EmergencyAccess) -> None:
    from repat.reminders.actions import notify
    from repat.reminders.models import Reminder

    supervisors = User.objects.filter(
        role=User.Role.SUPERVISOR, is_active=True, regions=case.returnee.region_id
    ).values_list("pk", flat=True)
    notify(item_type=Reminder.Item.EMERGENCY_ACCESS, item_id=access.pk, case_id=case.pk, recipients=supervisors)


@transaction.atomic
def emergency_access_grant(*, approver, requester, case: Case, reason: str) -> EmergencyAccess:
    """An emergency opening a supervisor approved (repat.approvals): the access starts now."""
    case = Case.objects.select_related("returnee").get(pk=case.pk)
    if not permissions.can_break_the_glass(requester):
        raise ValidationError(_("This person can no longer open cases in an emergency."))
    return _emergency_grant(actor=requester, case=case, reason=reason, detail="approved", approver=approver)


# What an alert about a person's emergency openings told, and to whom (its audit row's detail).
ALERT_SUPERVISORS = "emergency limit"
ALERT_BOTH = "emergency limit, nothing to open"
ALERT_ADMINISTRATORS = "emergency, nothing to open"


def _emergency_alert(*, actor, case: Case | None, openable: bool, attempt: int, limit: int) -> None:
    """Once the limit is reached: the supervisors (of the case's region and of the person's own) and,
    for a number that opens nothing, the administrators, each once a day about a person."""
    from repat.reminders.actions import notify
    from repat.reminders.models import Reminder

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
        item_type=Reminder.Item.EMERGENCY_LIMIT,
        item_id=alert.pk,
        case_id=case.pk if openable else None,
        recipients=[pk for pk in people.values_list("pk", flat=True).distinct() if pk != actor.pk],
    )


# --- Retention -------------------------------------------------------------------------------------

ANONYMISED = "[anonymised]"


@dataclass
class RetentionResult:
    listed: list[str]
    anonymised: list[str]


def retention_due(today: datetime.date):
    """Closed cases past the retention period and not yet anonymised."""
    cutoff = (
        today.replace(year=today.year - settings.REPAT_RETENTION_YEARS)
        if today.month != 2 or today.day != 29
        else (today.replace(day=28, year=today.year - settings.REPAT_RETENTION_YEARS))
    )
    return Case.objects.filter(status=Case.Status.CLOSED, closed_on__lt=cutoff, anonymised_on__isnull=True)


def retention_run(*, today: datetime.date | None = None, dry_run: bool = False) -> RetentionResult:
    """List the cases newly past the retention period (each then waits the notice period), and
    anonymise those whose notice has run out. With `dry_run`, report both and change nothing."""
    today = today or timezone.localdate()
    due = retention_due(today).select_related("returnee")
    to_list = list(due.filter(anonymise_after__isnull=True).values_list("pk", "returnee__case_number"))
    to_anonymise = list(due.filter(anonymise_after__lte=today).values_list("pk", "returnee__case_number"))
    if dry_run:
        return RetentionResult([n for _pk, n in to_list], [n for _pk, n in to_anonymise])
    # One run at a time (two beats, or the command while the beat runs): the other does nothing.
    holder = lease_acquire("retention", 3600)
    if holder is None:
        return RetentionResult([], [])
    try:
        return _retention_apply(today, to_list, to_anonymise)
    finally:
        lease_release("retention", holder)


def _retention_apply(today: datetime.date, to_list: list, to_anonymise: list) -> RetentionResult:
    notice = today + datetime.timedelta(days=settings.REPAT_RETENTION_NOTICE_DAYS)
    listed, anonymised = [], []
    for pk, number in to_list:
        with transaction.atomic():
            if not Case.objects.filter(pk=pk, anonymise_after__isnull=True).update(anonymise_after=notice):
                continue  # listed meanwhile
            listed.append(number)
            audit.record(
                actor=None,
                actor_name="retention",
                action=AuditEvent.Action.RETENTION,
                object_type="case",
                object_id=pk,
                case_id=pk,
                detail="listed",
                changes={"anonymise_after": [None, notice.isoformat()]},
            )
    for pk, number in to_anonymise:
        try:
            case_anonymise(case_id=pk, today=today)
        except Exception as error:  # noqa: BLE001 - one failing case must not keep the others' data
            # The type only: a database error's text can quote the row, names included.
            log.error(
                "Retention: case %s could not be anonymised (%s); tried again next run.", pk, type(error).__name__
            )
            continue
        anonymised.append(number)
    return RetentionResult(listed, anonymised)


@transaction.atomic
def case_anonymise(*, case_id: int, today: datetime.date) -> None:
    """Remove what identifies the returnee from a closed case, keeping what statistics need (sex,
    year of birth, operation, dates, region, statuses). The audit trail keeps its own rows."""
    case = Case.objects.select_for_update().select_related("returnee").get(pk=case_id)
    if case.anonymised_on or not case.is_closed:
        return
    returnee = case.returnee
    if returnee.date_of_birth:
        returnee.date_of_birth = returnee.date_of_birth.replace(month=1, day=1)
        returnee.date_of_birth_precision = "year"
    for field in ("family_name", "patronymic", "place_of_birth", "departure_place", "special_needs", "locality"):
        setattr(returnee, field, "")
    returnee.given_name = ANONYMISED
    returnee.district = None
    returnee.save()
    returnee.aliases.all().delete()
    LegalRecord.objects.filter(returnee=returnee).delete()
    # A refused document keeps a reason and a data-sharing consent keeps its organisations (the
    # database insists on both): a mark replaces what they said.
    returnee.documents.update(number="", issuing_body="", notes="")
    returnee.documents.exclude(refusal_reason="").update(refusal_reason=ANONYMISED)
    returnee.consents.update(given_by_name="", withdrawal_reason="")
    returnee.consents.exclude(shared_with="").update(shared_with=ANONYMISED)
    returnee.care_arrangements.update(
        caregiver_name=ANONYMISED, caregiver_relationship="", guardian_name="", guardianship_order_number="", notes=""
    )
    returnee.kinship_tests.update(notes="")
    FamilyMember.objects.filter(returnee=returnee).update(full_name="", notes="")
    case.notes.update(summary=ANONYMISED)
    case.assessments.update(findings="", recommendations="", assessor="")
    GoalProgress.objects.filter(goal__plan__case=case).update(text=ANONYMISED)
    case.referrals.update(
        reason=ANONYMISED,
        outcome="",
        provider_contact="",
        provider_brief="",
        closing_reason="",
        consent_override_reason="",
    )
    case.tasks.update(description=ANONYMISED)
    case.transfers.update(reason=ANONYMISED, decision_comment="")
    case.events.update(changes={})
    # Timeline items that quote what was removed above (a file's name, a task, a transfer's reason).
    case.events.filter(subject__in=("attachment", "followuptask", "casetransfer")).update(item=ANONYMISED)
    for attachment in case.attachments.all():
        attachment.file.delete(save=False)
        attachment.original_name = ""
        attachment.save(update_fields=["file", "original_name"])
    case.anonymised_on = today
    case.save(update_fields=["anonymised_on", "updated_at"])
    audit.record(
        actor=None,
        actor_name="retention",
        action=AuditEvent.Action.RETENTION,
        obj=case,
        case_id=case.pk,
        detail="anonymised",
    )
