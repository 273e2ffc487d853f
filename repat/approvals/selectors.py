"""Reads for the approvals queue, an approval's page and the approval state shown on case pages."""

from dataclasses import dataclass, field

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
    filterset = ApprovalFilter(params, queryset=queryset, regions=_regions_of(user))
    if params.get("status") == ApprovalRequest.Status.PENDING:
        filterset.filters["sort"].default = "requested"
    return filterset


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


# --- What is being approved -----------------------------------------------------------------------

# The goal fields a supervisor compares between plan versions (domain and goal text identify a goal:
# a new version copies the goals of the current one without a link back to them).
COMPARED_GOAL_FIELDS = ("actions", "responsible", "target_date", "status")


@dataclass
class GoalChange:
    """One line of a plan's diff: a goal added, removed or changed since the last approved version."""

    change: str  # "added", "removed", "changed" or "same"
    goal: object  # the goal of the version asked for (the old one when removed)
    fields: list[tuple[str, object, object]] = field(default_factory=list)  # (label, before, after)


def last_approved_plan(plan):
    """The newest earlier version a supervisor approved: what the draft is compared with."""
    return (
        plan.case.plans.filter(version__lt=plan.version, approved_by__isnull=False)
        .order_by("-version")
        .prefetch_related("goals")
        .first()
    )


def goal_diff(plan, previous) -> list[GoalChange]:
    """The plan's goals against the previous approved version's, by domain and goal text."""
    before = {(goal.domain, goal.goal.strip()): goal for goal in (previous.goals.all() if previous else [])}
    result = []
    for goal in plan.goals.all():
        old = before.pop((goal.domain, goal.goal.strip()), None)
        if previous is None:
            result.append(GoalChange("same", goal))
        elif old is None:
            result.append(GoalChange("added", goal))
        else:
            changed = [
                (goal._meta.get_field(name).verbose_name, _shown(old, name), _shown(goal, name))
                for name in COMPARED_GOAL_FIELDS
                if getattr(old, name) != getattr(goal, name)
            ]
            result.append(GoalChange("changed" if changed else "same", goal, changed))
    result.extend(GoalChange("removed", old) for old in before.values())
    return result


def _shown(goal, name: str):
    display = getattr(goal, f"get_{name}_display", None)
    value = display() if display else getattr(goal, name)
    return "—" if value in (None, "") else value


def approval_contents(approval: ApprovalRequest) -> dict:
    """What the approver reads before deciding: the assessment's answers, the plan's goals and
    their changes since the last approved version, or what a closure leaves open. A few queries."""
    if approval.kind == ApprovalRequest.Kind.PLAN:
        plan = approval.plan
        plan.case = approval.case  # spares a query in last_approved_plan
        previous = last_approved_plan(plan)
        goals = list(plan.goals.select_related("source_assessment"))
        plan._prefetched_objects_cache = {"goals": goals}
        return {"plan": plan, "previous": previous, "goal_diff": goal_diff(plan, previous)}
    if approval.kind == ApprovalRequest.Kind.CLOSURE:
        return {"open_work": open_work(approval.case)}
    return {}


def open_work(case) -> list[tuple[str, int]]:
    """What closing a case leaves unfinished, counted: the approver weighs it against the reason."""
    from cases.models import FollowUpTask, PlanGoal
    from services.models import Referral

    return [
        (gettext("Open follow-up tasks"), FollowUpTask.objects.filter(case=case).open().count()),
        (
            gettext("Open goals of the current plan"),
            PlanGoal.objects.filter(plan__case=case, plan__status="current").open().count(),
        ),
        (gettext("Open referrals"), Referral.objects.filter(case=case).open().count()),
    ]
