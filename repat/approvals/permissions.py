"""Who may ask for, see and give approvals. Supervisors approve in their regions; nobody approves
their own request; social workers see the requests on their own cases."""

from django.db.models import Q

from cases import permissions as case_permissions
from repat.accounts.models import User
from repat.accounts.selectors import region_ids

from .models import ApprovalRequest

APPROVER_ROLES = (User.Role.SUPERVISOR, User.Role.ADMINISTRATOR)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def approvals_visible_to(user):
    if not _active(user):
        return ApprovalRequest.objects.none()
    if user.role == User.Role.ADMINISTRATOR or user.is_superuser:
        return ApprovalRequest.objects.all()
    if user.role in (User.Role.SUPERVISOR, User.Role.COORDINATOR):
        return ApprovalRequest.objects.filter(region__in=region_ids(user))
    if user.role == User.Role.SOCIAL_WORKER:
        return ApprovalRequest.objects.filter(Q(case__worker=user) | Q(requested_by=user))
    return ApprovalRequest.objects.none()


def can_use_approvals(user) -> bool:
    return _active(user) and user.role != User.Role.PROVIDER


def is_approver(user) -> bool:
    return _active(user) and (user.role in APPROVER_ROLES or user.is_superuser)


def can_decide(user, approval: ApprovalRequest) -> bool:
    """Four eyes: an approver of the case's region, never the person who asked."""
    return (
        is_approver(user)
        and approval.is_pending
        and approval.requested_by_id != user.pk
        and approvals_visible_to(user).filter(pk=approval.pk).exists()
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
