"""Who may ask for, see and give approvals. A request hangs off its case and follows the case's
visibility (a case transferred away takes its requests, and their names and comments, with it);
supervisors approve in their own regions; nobody approves their own request."""

from cases import permissions as case_permissions
from repat.accounts.models import User
from repat.accounts.permissions import is_active_user

from .models import ApprovalRequest


def _through_case(user, *, emergency: bool):
    condition = case_permissions.visible_through(user, "case", emergency=emergency)
    return ApprovalRequest.objects.all() if condition is None else ApprovalRequest.objects.filter(condition)


def approvals_visible_to(user):
    """The requests on the cases a user may see now, whoever asked them: not by who asked or the
    region they were asked in, which a transfer leaves behind."""
    return _through_case(user, emergency=True)


def approvals_in_scope(user):
    """As `approvals_visible_to`, without the cases opened through emergency access (which opens
    a case for reading): the queue a user works from and what an approver may decide."""
    return _through_case(user, emergency=False)


def can_use_approvals(user) -> bool:
    return is_active_user(user) and user.role != User.Role.PROVIDER


def is_approver(user) -> bool:
    return is_active_user(user) and (user.role == User.Role.SUPERVISOR or user.is_administrator)


def can_decide(user, approval: ApprovalRequest) -> bool:
    """Four eyes: an approver of the case's region, never the person who asked."""
    return (
        is_approver(user)
        and approval.is_pending
        and approval.requested_by_id != user.pk
        and approvals_in_scope(user).filter(pk=approval.pk).exists()
    )


def can_request(user, case) -> bool:
    """Whoever may change the case may ask for its approvals."""
    return case_permissions.can_edit_case(user, case)


def can_ask_for_assessment(user, assessment, latest: ApprovalRequest | None) -> bool:
    """What the case page offers: a completed, unapproved assessment of an open case, not already waiting."""
    return (
        assessment.status == assessment.Status.COMPLETED
        and not assessment.approved_at
        and not (latest and latest.is_pending)
        and not assessment.case.is_closed
        and can_request(user, assessment.case)
    )


def can_ask_for_plan(user, plan, latest: ApprovalRequest | None) -> bool:
    """What the plan page offers: a draft of an open case, not already waiting (goals are checked on asking)."""
    return (
        plan.status == plan.Status.DRAFT
        and not (latest and latest.is_pending)
        and not plan.case.is_closed
        and can_request(user, plan.case)
    )


def can_withdraw(user, approval: ApprovalRequest) -> bool:
    return approval.is_pending and (approval.requested_by_id == user.pk or can_request(user, approval.case))
