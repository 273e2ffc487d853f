"""Handing a case to another social worker or region."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User

from .. import permissions
from ..models import Case, CaseEvent, CaseTransfer
from .base import _require_edit, check_region_overseen
from .events import _raw, case_event_write

# --- Transfers --------------------------------------------------------------------------------------


@transaction.atomic
def transfer_request(*, actor: User, case: Case, to_region, reason: str, to_worker: User | None = None) -> CaseTransfer:
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
    case_event_write(case=case, kind=CaseEvent.Kind.TRANSFER_REQUESTED, actor=actor, changes=changes, subject=transfer)
    return transfer


@transaction.atomic
def transfer_decide(
    *, actor: User, transfer: CaseTransfer, accept: bool, worker: User | None = None, comment: str = ""
) -> CaseTransfer:
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
        case_event_write(
            case=case,
            kind=CaseEvent.Kind.TRANSFER_DECLINED,
            actor=actor,
            changes={"comment": [None, comment]},
            subject=transfer,
        )
        return transfer
    try:
        check_region_overseen(transfer.to_region)
    except ValidationError as error:  # nobody covers it any more since the transfer was asked
        raise ValidationError(error.message_dict["region"]) from None
    new_worker = transfer.to_worker or worker
    if permissions.has_own_caseload(actor):  # a social worker who accepts takes the case themself
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
    case_event_write(case=case, kind=CaseEvent.Kind.TRANSFER_ACCEPTED, actor=actor, changes=changes, subject=transfer)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor: User, transfer: CaseTransfer) -> CaseTransfer:
    transfer = CaseTransfer.objects.select_for_update().select_related("case").get(pk=transfer.pk)
    _require_edit(actor, transfer.case)
    if transfer.status != CaseTransfer.Status.PENDING:
        raise ValidationError(_("This transfer is no longer pending."))
    transfer.status = CaseTransfer.Status.CANCELLED
    transfer.save(update_fields=["status"])
    case_event_write(case=transfer.case, kind=CaseEvent.Kind.TRANSFER_CANCELLED, actor=actor, subject=transfer)
    return transfer
