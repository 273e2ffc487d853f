"""What approvals are asked about: on `case` (Chüy, held by `worker`) a completed assessment, a draft
plan with a goal, and a submitted referral that shares data without consent."""

import pytest

from repat.approvals import actions
from tests.factories import AssessmentFactory, PlanGoalFactory, ReintegrationPlanFactory
from tests.services.factories import ReferralFactory

from .factories import CLOSURE_REASON, OVERRIDE_REASON


@pytest.fixture
def assessment(worker, case):
    return AssessmentFactory(case=case, kind="psychosocial", status="completed", recorded_by=worker)


@pytest.fixture
def draft(worker, case):
    plan = ReintegrationPlanFactory(case=case, version=1, status="draft", created_by=worker)
    PlanGoalFactory(plan=plan, domain="education", goal="Enrol in grade 3")
    return plan


@pytest.fixture
def referral(worker, case):
    return ReferralFactory(case=case, requested_by=worker, status="submitted", shares_data=True)


@pytest.fixture
def subjects(case, assessment, draft, referral):
    """The thing each kind of approval is about (a closure is about the case itself)."""
    return {"assessment": assessment, "plan": draft, "closure": None, "consent_override": referral}


@pytest.fixture
def ask(case, subjects):
    """Ask for one kind of approval on `case`, as its worker unless told otherwise, with what that
    kind needs (a closure reason, an override reason)."""

    def request(kind, actor=None, **overrides):
        data = {"closure_reason": CLOSURE_REASON} if kind == "closure" else {}
        if kind == "consent_override":
            data["comment"] = OVERRIDE_REASON
        data.update(overrides)
        return actions.approval_request(
            actor=actor or case.worker, kind=kind, case=case, subject=subjects[kind], **data
        )

    return request
