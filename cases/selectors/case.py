"""The case page and the caseload: a case by id, the caseload's filtered list, the page's overview
(plan, documents, pending transfer) and the printable summary."""

from django import forms
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from repat.core.choices import reference_choices

from .. import permissions
from ..filters import CaseFilter
from ..models import Case, CaseTransfer, LegalRecord, Note, PlanGoal, ReintegrationPlan
from ..querysets import PlanGoalQuerySet
from .civil_status import document_summary
from .plans import PlanSummary, plan_latest


def caseload(*, user, params) -> CaseFilter:
    own = permissions.has_own_caseload(user)
    queryset = permissions.cases_visible_to(user).select_related(
        "returnee", "returnee__operation", "returnee__region", "worker"
    )
    filterset = CaseFilter(params, queryset=queryset, user=user)
    # The worker filter offers the colleagues whose cases this user may see, not every worker; a
    # social worker sees only their own cases, so has no colleague to pick (and no list to load).
    worker = filterset.form.fields["worker"]
    worker.queryset = permissions.workers_visible_to(user)
    region = str(params.get("region") or "")
    if not own and region in dict(reference_choices("regions")):
        worker.queryset = worker.queryset.filter(regions=int(region)).distinct()
    elif own or permissions.sees_every_region(user):
        # Two thousand names are not a list anyone reads: the country's workers are offered once
        # a region is chosen (a dashboard link naming a worker still filters by them).
        worker.widget = forms.HiddenInput()
    return filterset


def case_get(*, user, pk: int) -> Case:
    """The case, with what its page asks several times about the user (see `with_viewer_scope`)."""
    pending_transfer = CaseTransfer.objects.filter(case=OuterRef("pk"), status=CaseTransfer.Status.PENDING)
    case = get_object_or_404(
        permissions.with_viewer_scope(permissions.cases_visible_to(user), user)
        .annotate(pending_transfer_id=Subquery(pending_transfer.values("pk")[:1]))
        .select_related(
            "returnee",
            "returnee__operation",
            "returnee__region",
            "returnee__district",
            "worker",
            "returnee__membership__family",
            "returnee__photo",
        ),
        pk=pk,
    )
    permissions.remember_viewer(user, case)
    return case


def recent_notes(*, case: Case, limit: int = 20) -> list[Note]:
    return list(case.notes.select_related("author")[:limit])


def _pending_transfer(case: Case):
    """Rarely any: `case_get` says whether there is one, so the page asks only then."""
    if getattr(case, "pending_transfer_id", 0) is None:
        return None
    return case.transfers.filter(status="pending").select_related("to_worker", "to_region").first()


def case_overview(*, case: Case) -> dict:
    """The case page's reintegration summary: assessments, the plan's progress (the plan and its
    goal counts in one query), documents."""
    overdue = PlanGoalQuerySet.overdue_condition(timezone.localdate(), "goals__")
    plans = {
        plan.status: plan
        for plan in case.plans.exclude(status=ReintegrationPlan.Status.SUPERSEDED).annotate(
            goal_count=Count("goals"),
            achieved_count=Count("goals", filter=Q(goals__status=PlanGoal.Status.ACHIEVED)),
            overdue_count=Count("goals", filter=overdue),
        )
    }
    plan = plans.get(ReintegrationPlan.Status.CURRENT) or plans.get(ReintegrationPlan.Status.DRAFT)
    summary = PlanSummary(plan)
    if plan is not None:
        summary = PlanSummary(plan, plan.goal_count, plan.achieved_count, plan.overdue_count)
    return {
        "tasks": list(case.tasks.open().select_related("assigned_to")[:50]),
        "pending_transfer": _pending_transfer(case),
        "assessments": list(case.assessments.all()[:20]),
        "plan_summary": summary,
        "document_summary": document_summary(returnee=case.returnee),
    }


def case_summary(*, user, case: Case) -> dict:
    """What the printable case summary shows, in a fixed number of queries: the case and person, the
    family, documents, assessments, the current plan's goals, open tasks, the latest contacts; the
    restricted section only for a reader who may open it. (The page adds the referrals.)"""
    returnee = case.returnee
    membership = getattr(returnee, "membership", None)
    members = []
    if membership is not None:
        members = list(membership.family.members.select_related("returnee").order_by("-is_head", "id"))
    plan = plan_latest(case=case)
    legal = None
    if permissions.can_see_restricted(user, returnee):
        legal = LegalRecord.objects.filter(returnee=returnee).first()
    return {
        "case": case,
        "returnee": returnee,
        "family": membership.family if membership is not None else None,
        "members": members,
        "document_summary": document_summary(returnee=returnee),
        "assessments": list(case.assessments.all()[:20]),
        "plan": plan,
        "goals": list(plan.goals.all()) if plan is not None else [],
        "tasks": list(case.tasks.open().select_related("assigned_to")[:50]),
        "notes": recent_notes(case=case, limit=10),
        "legal_record": legal,
        "photo": getattr(returnee, "photo", None),
    }
