"""Open, due and overdue for cases, follow-up tasks, documents, assessments and plan goals: the
querysets (the reminder sweep, the dashboard, the filters) and `is_overdue` (the pages) agree on
the boundary days, and the sweep's "of an open case" leaves out what closed cases left behind."""

import itertools

import pytest
from django.db.models import Count
from django.utils import timezone

from cases.models import Assessment, Case, FollowUpTask, IdentityDocument, PlanGoal, ReintegrationPlan
from cases.querysets import PlanGoalQuerySet
from tests.deadlines import assert_one_rule, boundary_days
from tests.factories import (
    AssessmentFactory,
    CaseFactory,
    IdentityDocumentFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def closed_case(**fields):
    return CaseFactory(status=Case.Status.CLOSED, closed_on=timezone.localdate(), closure_reason="moved", **fields)


def test_cases_follow_up():
    cases = [
        CaseFactory(status=status, next_follow_up=day)
        for status, day in itertools.product([Case.Status.OPEN, Case.Status.MONITORING], boundary_days())
    ]
    cases += [closed_case(next_follow_up=day) for day in boundary_days()]

    assert_one_rule(
        Case.objects.all(),
        cases,
        is_open=lambda case: not case.is_closed,
        due=lambda case: case.next_follow_up,
        is_overdue=lambda case: case.follow_up_overdue,
    )


def test_follow_up_tasks(worker, case):
    tasks = [
        FollowUpTask.objects.create(
            case=case,
            due_date=day,
            description="Call the school",
            assigned_to=worker,
            created_by=worker,
            done_at=timezone.now() if done else None,
        )
        for day, done in itertools.product(boundary_days()[:3], (False, True))
    ]

    assert_one_rule(
        FollowUpTask.objects.all(), tasks, is_open=lambda task: task.done_at is None, due=lambda t: t.due_date
    )


def test_identity_documents(case):
    today = timezone.localdate()
    documents = [
        IdentityDocumentFactory(
            returnee=case.returnee, status=status, due_date=day, issued_on=today, refusal_reason="No archive record."
        )
        for status, day in itertools.product(IdentityDocument.Status.values, boundary_days())
    ]

    assert_one_rule(
        IdentityDocument.objects.all(),
        documents,
        is_open=lambda document: document.is_open,
        due=lambda document: document.due_date,
    )
    assert set(IdentityDocument.OPEN_STATUSES) == set(IdentityDocument.Status.values) - {"issued"}


def test_assessments(worker, case):
    assessments = [
        AssessmentFactory(case=case, status=status, due_date=day, recorded_by=worker)
        for status, day in itertools.product(Assessment.Status.values, boundary_days())
    ]

    assert_one_rule(
        Assessment.objects.all(),
        assessments,
        is_open=lambda assessment: assessment.status == Assessment.Status.PLANNED,
        due=lambda assessment: assessment.due_date,
    )


def test_plan_goals_and_the_plan_summary_count(worker, case):
    plan = ReintegrationPlanFactory(case=case, created_by=worker, status=ReintegrationPlan.Status.CURRENT)
    goals = [
        PlanGoalFactory(plan=plan, status=status, target_date=day)
        for status, day in itertools.product(PlanGoal.Status.values, boundary_days())
    ]

    assert_one_rule(
        PlanGoal.objects.all(),
        goals,
        is_open=lambda goal: goal.status in PlanGoal.OPEN_STATUSES,
        due=lambda goal: goal.target_date,
    )
    # The case page counts a plan's late goals from the same condition, through the plan.
    overdue = PlanGoalQuerySet.overdue_condition(timezone.localdate(), "goals__")
    counted = ReintegrationPlan.objects.annotate(n=Count("goals", filter=overdue)).get(pk=plan.pk).n
    assert counted == sum(goal.is_overdue for goal in goals) == 2


def test_the_sweep_reads_only_the_items_of_open_cases(worker, case):
    # Given an overdue item of each kind on an open case and on a closed one
    yesterday = boundary_days()[0]
    items = {}
    for kind, owner in (("open", case), ("closed", closed_case())):
        plan = ReintegrationPlanFactory(case=owner, created_by=worker, status=ReintegrationPlan.Status.CURRENT)
        items[kind] = [
            FollowUpTask.objects.create(
                case=owner, due_date=yesterday, description="Visit", assigned_to=worker, created_by=UserFactory()
            ),
            IdentityDocumentFactory(returnee=owner.returnee, status="requested", due_date=yesterday),
            AssessmentFactory(case=owner, status="planned", due_date=yesterday, recorded_by=worker),
            PlanGoalFactory(plan=plan, status="in_progress", target_date=yesterday),
        ]

    # Then each is overdue, and only the open case's is the sweep's
    for open_item, closed_item in zip(items["open"], items["closed"], strict=True):
        model = type(open_item)
        assert set(model.objects.overdue()) == {open_item, closed_item}
        assert list(model.objects.due_by(yesterday).of_open_cases()) == [open_item]
