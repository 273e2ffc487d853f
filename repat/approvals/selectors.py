"""Reads for the approvals queue, an approval's page and the approval state shown on case pages."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from repat.accounts.models import Region

from . import permissions
from .filters import ApprovalFilter
from .models import ApprovalRequest

RELATED = ("case__returnee", "region", "requested_by", "decided_by", "assessment", "plan", "referral")


def approval_queue(*, user, params) -> ApprovalFilter:
    """Approvers start from what waits for them, oldest first; others from their latest requests."""
    params = params.copy()
    if "status" not in params and permissions.is_approver(user):
        params["status"] = ApprovalRequest.Status.PENDING
    queryset = permissions.approvals_in_scope(user).select_related(*RELATED)
    order = (
        ("requested_at", "id") if params.get("status") == ApprovalRequest.Status.PENDING else ("-requested_at", "-id")
    )
    return ApprovalFilter(params, queryset=queryset.order_by(*order), regions=_regions_of(user))


def _regions_of(user):
    if user.is_administrator:
        return Region.objects.filter(parent__isnull=True)
    return user.regions.filter(parent__isnull=True)


def approval_get(*, user, pk: int) -> ApprovalRequest:
    return get_object_or_404(permissions.approvals_visible_to(user).select_related(*RELATED), pk=pk)


def case_approvals(*, case, limit: int = 20) -> list[ApprovalRequest]:
    """A case's approval requests, newest first, for its page and for the state of each subject."""
    return list(case.approval_requests.select_related("requested_by", "decided_by")[:limit])


def latest_by_subject(approvals: list[ApprovalRequest]) -> dict[tuple[str, int], ApprovalRequest]:
    """The newest request per subject: ("assessment", id), ("plan", id), ("closure", case id)."""
    latest: dict[tuple[str, int], ApprovalRequest] = {}
    for approval in approvals:  # newest first: the first one seen wins
        key = (approval.kind, approval.assessment_id or approval.plan_id or approval.referral_id or approval.case_id)
        latest.setdefault(key, approval)
    return latest


def plan_approval(*, plan) -> ApprovalRequest | None:
    return plan.approval_requests.select_related("requested_by", "decided_by").first()


def pending_merge_problems(case) -> list[str]:
    """A request still waiting on the record to be merged would, once decided, act on the record
    kept (a closure would close it): merging waits until it is decided or withdrawn."""
    if ApprovalRequest.objects.filter(case=case, status=ApprovalRequest.Status.PENDING).exists():
        return [gettext("The record to be merged has a request waiting for approval: decide or withdraw it first.")]
    return []
