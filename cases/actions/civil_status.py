"""Civil status: uploaded files, identity documents, consent, kinship tests and care arrangements."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.core.versions import check_version

from .. import consent as rules
from ..models import (
    Attachment,
    CareArrangement,
    Case,
    CaseEvent,
    ConsentRecord,
    FamilyMember,
    IdentityDocument,
    KinshipBasis,
    KinshipTest,
    Returnee,
)
from ..uploads import prepare_upload
from .base import _require_edit
from .events import _apply, _created, _raw, case_event_write
from .registration import family_member_add

# --- Documents, consent, kinship, care, assessments and plans --------------------------------------


@transaction.atomic
def attachment_upload(*, actor: User, case: Case, uploaded) -> Attachment:
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
    case_event_write(case=case, kind=CaseEvent.Kind.FILE_UPLOADED, actor=actor, subject=attachment)
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
def document_add(*, actor: User, returnee: Returnee, data: dict[str, Any], scan_file=None) -> IdentityDocument:
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
        case=returnee.case,
        kind=CaseEvent.Kind.DOCUMENT_ADDED,
        actor=actor,
        changes=_created(document, ("status", "due_date")),
        subject=document,
    )
    return document


@transaction.atomic
def document_update(
    *, actor: User, document: IdentityDocument, data: dict[str, Any], scan_file=None, version: str | None = None
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
    case_event_write(case=case, kind=CaseEvent.Kind.DOCUMENT_UPDATED, actor=actor, changes=changes, subject=document)
    return document


@transaction.atomic
def document_transition(
    *,
    actor: User,
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
    case_event_write(case=case, kind=CaseEvent.Kind.DOCUMENT_STATUS, actor=actor, changes=changes, subject=document)
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
def consent_record(*, actor: User, returnee: Returnee, data: dict[str, Any], form_file=None) -> ConsentRecord:
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
        case=returnee.case,
        kind=CaseEvent.Kind.CONSENT_RECORDED,
        actor=actor,
        changes=_created(
            consent, ("given_by", "given_by_name", "provider", "service_category", "given_on", "expires_on")
        ),
        subject=consent,
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: ConsentRecord, on: datetime.date, reason: str) -> ConsentRecord:
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
    case_event_write(case=case, kind=CaseEvent.Kind.CONSENT_WITHDRAWN, actor=actor, changes=changes, subject=consent)
    return consent


@transaction.atomic
def kinship_test_record(
    *,
    actor: User,
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
    case_event_write(case=returnee.case, kind=CaseEvent.Kind.KINSHIP_TEST, actor=actor, changes=changes, subject=test)
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
    *, actor: User, test: KinshipTest, result: str, reported_on: datetime.date, confirm_relationship: bool = False
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
    case_event_write(case=case, kind=CaseEvent.Kind.KINSHIP_RESULT, actor=actor, changes=changes, subject=test)
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
    *, actor: User, returnee: Returnee, data: dict[str, Any], version: str | None = None
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
    case_event_write(
        case=returnee.case, kind=CaseEvent.Kind.CARE_CHANGED, actor=actor, changes=changes, subject=arrangement
    )
    return arrangement
