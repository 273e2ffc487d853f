"""Shared values and readers for the approvals tests (fixtures are in conftest.py)."""

from cases.models import Assessment, Case, ReintegrationPlan
from services.models import Referral
from tests.factories import AssessmentFactory, PlanGoalFactory, ReintegrationPlanFactory
from tests.services.factories import ReferralFactory

KINDS = ("assessment", "plan", "closure", "consent_override")
CLOSURE_REASON = "reintegrated"
OVERRIDE_REASON = "Mother unreachable in Russia; the child needs care now."


def effects(case) -> dict:
    """What approving changes, read from the database: equal before and after means nothing was applied."""
    return {
        "assessment": list(Assessment.objects.filter(case=case).values_list("pk", "approved_by", "approved_at")),
        "plan": list(
            ReintegrationPlan.objects.filter(case=case).values_list("pk", "status", "approved_by", "activated_at")
        ),
        "closure": list(Case.objects.filter(pk=case.pk).values_list("status", "closed_on", "closure_reason")),
        "consent_override": list(
            Referral.objects.filter(case=case).values_list("pk", "consent_overridden_by", "consent_override_reason")
        ),
    }


def subjects_of(case, worker) -> dict:
    """What each kind of approval on `case` is about (a closure is about the case itself): a completed
    assessment, a draft plan with a goal, and a submitted referral that shares data without consent."""
    plan = ReintegrationPlanFactory(case=case, version=1, status="draft", created_by=worker)
    PlanGoalFactory(plan=plan, domain="education", goal="Enrol in grade 3")
    return {
        "assessment": AssessmentFactory(case=case, kind="psychosocial", status="completed", recorded_by=worker),
        "plan": plan,
        "closure": None,
        "consent_override": ReferralFactory(case=case, requested_by=worker, status="submitted", shares_data=True),
    }
