"""Asking for, giving and withdrawing approvals. Each runs in one transaction with its timeline event
and notifications; an approval applies its effect (plan made current, case closed...) in the same
transaction, so an approval never exists without its effect."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import actions as case_actions
from cases.models import Assessment, Case, CaseEvent, ReintegrationPlan
from repat.accounts.models import User
from repat.audit.actions import record
from repat.audit.models import AuditEvent
from repat.core.notifications import Item, notify
from services import actions as service_actions
from services.models import Referral

from . import permissions
from .models import ApprovalRequest

Kind = ApprovalRequest.Kind


def _check_subject(kind: str, case: Case, subject, closure_reason: str, comment: str) -> None:
    """Refuse a request for something that cannot be approved as it stands."""
    if case.is_closed and kind in (Kind.ASSESSMENT, Kind.PLAN):
        raise ValidationError(_("This case is closed: reopen it first."))
    if kind == Kind.ASSESSMENT:
        if subject.status != Assessment.Status.COMPLETED:
            raise ValidationError(_("Only a completed assessment can be approved."))
        if subject.approved_at:
            raise ValidationError(_("This assessment is already approved."))
    elif kind == Kind.PLAN:
        case_actions.check_plan_ready(subject)
    elif kind == Kind.CLOSURE:
        if case.is_closed:
            raise ValidationError(_("This case is already closed."))
        if not closure_reason:
            raise ValidationError({"closure_reason": _("Give the reason for closing the case.")})
    elif kind == Kind.CONSENT_OVERRIDE:
        if not subject.is_open or not subject.shares_data or subject.consent_overridden_by_id or subject.consent_id:
            raise ValidationError(_("This referral does not need a consent override."))
        if not comment.strip():
            raise ValidationError({"comment": _("Give the reason for the override.")})


SUBJECT_FIELD = {Kind.ASSESSMENT: "assessment", Kind.PLAN: "plan", Kind.CONSENT_OVERRIDE: "referral"}


@transaction.atomic
def approval_request(
    *,
    actor,
    kind: str,
    case: Case,
    subject: Assessment | ReintegrationPlan | Referral | None = None,
    closure_reason: str = "",
    comment: str = "",
) -> ApprovalRequest:
    """Ask the region's supervisors to approve something on a case; they are notified."""
    case = Case.objects.select_for_update().select_related("returnee").get(pk=case.pk)
    if not permissions.can_request(actor, case):
        raise PermissionDenied
    field = SUBJECT_FIELD.get(kind)
    if field is not None:
        if subject is None or subject.case_id != case.pk:
            raise PermissionDenied
        # Judge the subject as it is now, not as the caller's copy saw it (approved, overridden meanwhile).
        subject = type(subject).objects.select_for_update().get(pk=subject.pk)
    if kind != Kind.CLOSURE:
        closure_reason = ""
    _check_subject(kind, case, subject, closure_reason, comment)
    approval = ApprovalRequest(
        kind=kind,
        case=case,
        region_id=case.returnee.region_id,
        closure_reason=closure_reason,
        comment=comment.strip(),
        requested_by=actor,
        **({field: subject} if field else {}),
    )
    approval.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            approval.save()
    except IntegrityError:
        raise ValidationError(_("This is already waiting for a supervisor's approval.")) from None
    changes = {"comment": [None, approval.comment]} if approval.comment else {}
    if closure_reason:
        changes["closure_reason"] = [None, closure_reason]
    case_actions.case_event_write(
        case=case, kind=CaseEvent.Kind.APPROVAL_REQUESTED, actor=actor, changes=changes, subject=approval
    )
    _tell_approvers(approval, actor)
    return approval


@transaction.atomic
def approval_request_emergency(*, actor, case: Case, reason: str) -> ApprovalRequest | None:
    """Ask the supervisors of a case's region to let `actor` open it in an emergency (the day's
    openings are used up: cases.actions.emergency_access_open). The requester cannot see the case
    and is not shown the request; they are told the answer. None if one is already waiting."""
    approval = ApprovalRequest(
        kind=Kind.EMERGENCY_ACCESS,
        case=case,
        region_id=case.returnee.region_id,
        comment=reason,
        requested_by=actor,
    )
    approval.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            approval.save()
    except IntegrityError:
        return None  # the same person asked for the same case already: it waits for an answer
    case_actions.case_event_write(
        case=case,
        kind=CaseEvent.Kind.APPROVAL_REQUESTED,
        actor=actor,
        changes={"comment": [None, reason]},
        subject=approval,
    )
    _tell_approvers(approval, actor)
    return approval


def _tell_approvers(approval: ApprovalRequest, actor) -> None:
    approvers = User.objects.filter(
        role=User.Role.SUPERVISOR, is_active=True, regions=approval.case.returnee.region_id
    ).values_list("pk", flat=True)
    notify(
        item_type=Item.APPROVAL_REQUESTED,
        item_id=approval.pk,
        case_id=approval.case_id,
        recipients=[pk for pk in approvers if pk != actor.pk],
    )


def _apply(approval: ApprovalRequest, approver) -> None:
    """The effect of an approval. Each action re-checks the subject's state, so a plan that is no
    longer a draft, or a case closed meanwhile, refuses the approval instead of being overwritten."""
    if approval.kind == Kind.ASSESSMENT:
        assessment = Assessment.objects.select_for_update().get(pk=approval.assessment_id)
        if assessment.approved_at:
            raise ValidationError(_("This assessment is already approved."))
        assessment.approved_by, assessment.approved_at = approver, timezone.now()
        assessment.save(update_fields=["approved_by", "approved_at", "updated_at"])  # a form opened before is stale
    elif approval.kind == Kind.PLAN:
        if approval.case.is_closed:
            raise ValidationError(_("This case is closed: reopen it first."))
        case_actions.plan_make_current(approver=approver, plan=approval.plan)
    elif approval.kind == Kind.CLOSURE:
        case_actions.case_close(approver=approver, case=approval.case, reason=approval.closure_reason)
    elif approval.kind == Kind.CONSENT_OVERRIDE:
        service_actions.referral_consent_override(actor=approver, referral=approval.referral, reason=approval.comment)
    elif approval.kind == Kind.EMERGENCY_ACCESS:
        case_actions.emergency_access_grant(
            approver=approver, requester=approval.requested_by, case=approval.case, reason=approval.comment
        )


def _locked(approval: ApprovalRequest) -> ApprovalRequest:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("case__returnee", "assessment", "plan", "referral")
        .get(pk=approval.pk)
    )


@transaction.atomic
def approval_decide(*, actor, approval: ApprovalRequest, approve: bool, comment: str = "") -> ApprovalRequest:
    """Approve (the effect happens now) or return with a comment; the requester is notified."""
    approval = _locked(approval)
    if not permissions.approvals_visible_to(actor).filter(pk=approval.pk).exists():
        raise PermissionDenied
    if not approval.is_pending:
        raise ValidationError(_("This request was already answered or withdrawn."))
    if not permissions.can_decide(actor, approval):
        raise PermissionDenied
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what needs to change before you return the request.")})
    if approve:
        _apply(approval, actor)
    approval.status = ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.RETURNED
    approval.decided_by, approval.decided_at, approval.decision_comment = actor, timezone.now(), comment
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    kind = CaseEvent.Kind.APPROVAL_GIVEN if approve else CaseEvent.Kind.APPROVAL_RETURNED
    changes = {"comment": [None, comment]} if comment else {}
    case_actions.case_event_write(case=approval.case, kind=kind, actor=actor, changes=changes, subject=approval)
    # An emergency opening concerns its requester only: the case's worker is not told of it here.
    told = [approval.requested_by_id]
    if approval.kind != Kind.EMERGENCY_ACCESS:
        told.append(approval.case.worker_id)
    notify(item_type=Item.APPROVAL_DECIDED, item_id=approval.pk, case_id=approval.case_id, recipients=told)
    return approval


@transaction.atomic
def approval_withdraw(*, actor, approval: ApprovalRequest) -> ApprovalRequest:
    approval = _locked(approval)
    if not approval.is_pending:
        raise ValidationError(_("This request was already answered or withdrawn."))
    if not permissions.can_withdraw(actor, approval):
        raise PermissionDenied
    approval.status = ApprovalRequest.Status.WITHDRAWN
    approval.save(update_fields=["status"])
    case_actions.case_event_write(
        case=approval.case, kind=CaseEvent.Kind.APPROVAL_WITHDRAWN, actor=actor, changes={}, subject=approval
    )
    return approval


# Approved together from the queue: the kinds whose page shows everything there is to read (answers,
# goals and their changes, the reason). A consent override or an emergency opening is judged alone.
BULK_KINDS = (Kind.ASSESSMENT, Kind.PLAN, Kind.CLOSURE)
BULK_LIMIT = 50


@transaction.atomic
def approvals_approve_selected(*, actor, approval_ids) -> list[ApprovalRequest]:
    """Approve several requests at once, each through `approval_decide` (its checks, effect, event
    and notices), all in one transaction: one that cannot be approved approves none. A request the
    actor may not decide, or of a kind decided one by one, refuses the whole lot. Audited."""
    try:
        ids = sorted({int(pk) for pk in approval_ids})
    except (TypeError, ValueError):
        raise PermissionDenied from None
    if not ids:
        raise ValidationError(_("Choose the requests to approve."))
    if len(ids) > BULK_LIMIT:
        raise ValidationError(_("Approve at most %(limit)s requests at once.") % {"limit": BULK_LIMIT})
    approvals = list(
        permissions.approvals_in_scope(actor)
        .filter(pk__in=ids, kind__in=BULK_KINDS)
        .select_related("case__returnee")
        .order_by("requested_at", "id")
    )
    if len(approvals) != len(ids) or not all(permissions.can_decide(actor, approval) for approval in approvals):
        raise PermissionDenied
    decided = []
    for approval in approvals:
        try:
            decided.append(approval_decide(actor=actor, approval=approval, approve=True))
        except ValidationError as error:
            number = approval.case.returnee.case_number
            raise ValidationError(
                _("%(case)s: %(problem)s Nothing was approved.") % {"case": number, "problem": " ".join(error.messages)}
            ) from None
    record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        object_type=ApprovalRequest._meta.model_name,
        detail="approve selected",
        changes={"approved": ids},
    )
    return decided
