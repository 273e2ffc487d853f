"""Assessments and reintegration plans: the latest plan, its versions, goals by domain, and the
assessments' recommendations no goal covers yet."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from .. import permissions
from ..models import Assessment, Case, GoalProgress, PlanDomain, PlanGoal, ReintegrationPlan


def plan_latest(*, case: Case) -> ReintegrationPlan | None:
    """The plan to show first: the current version, else the draft."""
    plans = {p.status: p for p in case.plans.exclude(status=ReintegrationPlan.Status.SUPERSEDED)}
    return plans.get(ReintegrationPlan.Status.CURRENT) or plans.get(ReintegrationPlan.Status.DRAFT)


def plan_get(*, user, pk: int) -> ReintegrationPlan:
    return get_object_or_404(
        permissions.plans_visible_to(user).select_related("case", "case__returnee", "case__worker", "created_by"), pk=pk
    )


def plan_versions(*, case: Case) -> list[ReintegrationPlan]:
    if not hasattr(case, "_plan_versions"):
        case._plan_versions = list(case.plans.select_related("created_by"))
    return case._plan_versions


def goals_by_domain(*, plan: ReintegrationPlan) -> list[tuple[str, list[PlanGoal]]]:
    goals = plan.goals.select_related("source_assessment").prefetch_related(
        Prefetch("progress_notes", queryset=GoalProgress.objects.select_related("author"))
    )
    grouped: dict[str, list[PlanGoal]] = {}
    for goal in goals:
        grouped.setdefault(goal.domain, []).append(goal)
    labels = dict(PlanDomain.choices)
    return [(str(labels[domain]), grouped[domain]) for domain in PlanDomain.values if domain in grouped]


def recommended_but_uncovered(*, plan: ReintegrationPlan) -> list[tuple[Assessment, str, str]]:
    """Needs that completed assessments recommend and the plan has no goal for yet:
    (assessment, domain code, domain label)."""
    covered = set(plan.goals.values_list("domain", flat=True))
    labels = dict(PlanDomain.choices)
    result = []
    for assessment in plan.case.assessments.filter(status=Assessment.Status.COMPLETED):
        for domain in assessment.recommended_domains:
            if domain not in covered and domain in labels:
                result.append((assessment, domain, str(labels[domain])))
                covered.add(domain)
    return result


@dataclass
class PlanSummary:
    plan: ReintegrationPlan | None
    goals: int = 0
    achieved: int = 0
    overdue: int = 0
