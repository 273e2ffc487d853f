"""Assessments and the reintegration plan: versions, goals and progress."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.core.versions import check_version

from ..models import Assessment, Case, CaseEvent, GoalProgress, PlanGoal, ReintegrationPlan
from .base import _require_edit
from .events import _apply, _created, case_event_write

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
def assessment_record(*, actor: User, case: Case, data: dict[str, Any]) -> Assessment:
    _require_edit(actor, case)
    assessment = Assessment(case=case, recorded_by=actor, **{f: data[f] for f in ASSESSMENT_FIELDS if f in data})
    _check_assessment(assessment)
    assessment.full_clean()
    assessment.save()
    changes = _created(assessment, ("status", "assessed_on", "due_date", "score", "recommended_domains"))
    case_event_write(
        case=case, kind=CaseEvent.Kind.ASSESSMENT_RECORDED, actor=actor, changes=changes, subject=assessment
    )
    return assessment


@transaction.atomic
def assessment_update(
    *, actor: User, assessment: Assessment, data: dict[str, Any], version: str | None = None
) -> Assessment:
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
    case_event_write(
        case=assessment.case, kind=CaseEvent.Kind.ASSESSMENT_UPDATED, actor=actor, changes=changes, subject=assessment
    )
    return assessment


GOAL_FIELDS = ("domain", "goal", "actions", "responsible", "target_date", "status", "source_assessment")


@transaction.atomic
def plan_start(*, actor: User, case: Case) -> ReintegrationPlan:
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
    case_event_write(
        case=case, kind=CaseEvent.Kind.PLAN_CREATED, actor=actor, changes={"version": [None, version]}, subject=plan
    )
    return plan


@transaction.atomic
def plan_make_current(*, approver: User, plan: ReintegrationPlan) -> ReintegrationPlan:
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
        case=plan.case,
        kind=CaseEvent.Kind.PLAN_ACTIVATED,
        actor=approver,
        changes={"version": [None, plan.version]},
        subject=plan,
    )
    return plan


def check_plan_ready(plan: ReintegrationPlan) -> None:
    """A plan goes to a supervisor, and becomes current, only as a draft with at least one goal."""
    if plan.status != ReintegrationPlan.Status.DRAFT:
        raise ValidationError(_("Only a draft can be made the current plan."))
    if not plan.goals.exists():
        raise ValidationError(_("Add at least one goal before making the plan current."))


def _editable_plan(actor: User, plan: ReintegrationPlan) -> ReintegrationPlan:
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
def goal_add(*, actor: User, plan: ReintegrationPlan, data: dict[str, Any]) -> PlanGoal:
    plan = _editable_plan(actor, plan)
    goal = PlanGoal(plan=plan, **{f: data[f] for f in GOAL_FIELDS if f in data})
    _check_goal(goal, plan)
    goal.full_clean()
    goal.save()
    case_event_write(
        case=plan.case,
        kind=CaseEvent.Kind.GOAL_ADDED,
        actor=actor,
        changes=_created(goal, ("domain", "target_date")),
        subject=goal,
    )
    return goal


@transaction.atomic
def goal_update(*, actor: User, goal: PlanGoal, data: dict[str, Any], version: str | None = None) -> PlanGoal:
    plan = _editable_plan(actor, goal.plan)
    goal = PlanGoal.objects.select_for_update().get(pk=goal.pk)
    check_version(goal, version)
    changes = _apply(goal, data, GOAL_FIELDS)
    if not changes:
        return goal
    _check_goal(goal, plan)
    goal.full_clean()
    goal.save()
    case_event_write(case=plan.case, kind=CaseEvent.Kind.GOAL_UPDATED, actor=actor, changes=changes, subject=goal)
    return goal


@transaction.atomic
def goal_progress_add(*, actor: User, goal: PlanGoal, written_on: datetime.date, text: str) -> GoalProgress:
    plan = _editable_plan(actor, goal.plan)
    if written_on > timezone.localdate():
        raise ValidationError({"written_on": _("Progress cannot be dated in the future.")})
    progress = GoalProgress(goal=goal, written_on=written_on, text=text, author=actor)
    progress.full_clean()
    progress.save()
    case_event_write(
        case=plan.case,
        kind=CaseEvent.Kind.GOAL_PROGRESS,
        actor=actor,
        changes={"text": [None, text[:200]]},
        subject=goal,
    )
    return progress
