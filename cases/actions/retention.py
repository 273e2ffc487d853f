"""Retention: closed cases are listed, then anonymised once their notice has run out."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.locks import lease_acquire, lease_release

from ..models import Case, FamilyMember, GoalProgress, LegalRecord, Returnee, ReturneeMerge, ReturneePhoto

log = logging.getLogger(__name__)


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
    return Case.objects.unmerged().filter(status=Case.Status.CLOSED, closed_on__lt=cutoff, anonymised_on__isnull=True)


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


def _anonymise_identity(returnee: Returnee) -> None:
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


@transaction.atomic
def case_anonymise(*, case_id: int, today: datetime.date) -> None:
    """Remove what identifies the returnee from a closed case, keeping what statistics need (sex,
    year of birth, operation, dates, region, statuses). The audit trail keeps its own rows."""
    case = Case.objects.select_for_update().select_related("returnee").get(pk=case_id)
    if case.anonymised_on or not case.is_closed:
        return
    returnee = case.returnee
    _anonymise_identity(returnee)
    # The records merged into this one (kept aside for an undo, long past) go the same way, with
    # the reasons given for the merges and their own timelines.
    for merged in returnee.merged_records.select_related("case"):
        _anonymise_identity(merged)
        FamilyMember.objects.filter(returnee=merged).update(full_name="", notes="")
        merged.case.events.update(changes={})
    ReturneeMerge.objects.filter(survivor=returnee).update(reason=ANONYMISED, undo_reason="")
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
    # A face identifies: the photos of the person (and of the records merged into theirs) go entirely.
    for photo in ReturneePhoto.objects.filter(Q(returnee=returnee) | Q(returnee__merged_into=returnee)):
        photo.file.delete(save=False)
        photo.delete()
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
