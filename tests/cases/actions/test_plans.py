"""Assessments and reintegration plans, through the actions: recording and completing assessments,
plan versions, goals and their progress."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from cases import actions
from cases.models import Assessment, CaseEvent, GoalProgress, PlanGoal
from repat.approvals import actions as approval_actions
from tests.factories import (
    AssessmentFactory,
    GoalProgressFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    approve_plan,
)

from .helpers import days, refused

pytestmark = pytest.mark.django_db


# --- Assessments


def test_a_planned_assessment_needs_a_due_date(worker, case):
    error = refused(
        lambda: actions.assessment_record(actor=worker, case=case, data={"kind": "medical", "status": "planned"})
    )

    assert error.message_dict == {"due_date": ["Give the date a planned assessment is due."]}
    assert not Assessment.objects.exists()


def test_a_completed_assessment_needs_its_date(worker, case):
    error = refused(
        lambda: actions.assessment_record(actor=worker, case=case, data={"kind": "medical", "status": "completed"})
    )

    assert error.message_dict == {"assessed_on": ["Give the date of a completed assessment."]}
    assert not Assessment.objects.exists()


def test_an_assessment_cannot_be_dated_in_the_future(worker, case):
    error = refused(
        lambda: actions.assessment_record(
            actor=worker, case=case, data={"kind": "medical", "status": "completed", "assessed_on": days(1)}
        )
    )

    assert error.message_dict == {"assessed_on": ["An assessment cannot be dated in the future."]}


def test_recording_an_assessment_writes_an_event(worker, case):
    assessment = actions.assessment_record(
        actor=worker,
        case=case,
        data={
            "kind": "psychosocial",
            "status": "completed",
            "assessed_on": days(-2),
            "tool": "SDQ",
            "score": Decimal("17.50"),
            "recommended_domains": ["psychosocial", "education"],
        },
    )

    assert assessment.recorded_by == worker
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.ASSESSMENT_RECORDED
    assert (event.subject, event.subject_id, event.item) == ("assessment", assessment.pk, "psychosocial")
    assert event.changes == {
        "status": [None, "completed"],
        "assessed_on": [None, days(-2).isoformat()],
        "score": [None, "17.50"],
        "recommended_domains": [None, ["psychosocial", "education"]],
    }


def test_a_planned_assessment_is_completed_later(worker, case):
    assessment = actions.assessment_record(
        actor=worker, case=case, data={"kind": "educational", "status": "planned", "due_date": days(-1)}
    )
    assert assessment.is_overdue

    actions.assessment_update(
        actor=worker,
        assessment=assessment,
        data={"status": "completed", "assessed_on": days(0), "assessor": "Школа №5"},
    )

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED
    assert not assessment.is_overdue
    event = case.events.get(kind="assessment_updated")
    assert event.changes == {
        "status": ["planned", "completed"],
        "assessed_on": [None, days(0).isoformat()],
        "assessor": ["", "Школа №5"],
    }


def test_completing_an_assessment_without_its_date_changes_nothing(worker, case):
    assessment = AssessmentFactory(case=case, status="planned", assessed_on=None, due_date=days(3))

    error = refused(
        lambda: actions.assessment_update(actor=worker, assessment=assessment, data={"status": "completed"})
    )

    assert error.message_dict == {"assessed_on": ["Give the date of a completed assessment."]}
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.PLANNED
    assert not CaseEvent.objects.exists()


def test_an_assessment_update_without_changes_writes_no_event(worker, case):
    assessment = AssessmentFactory(case=case, tool="SDQ")

    actions.assessment_update(actor=worker, assessment=assessment, data={"tool": "SDQ"})

    assert not CaseEvent.objects.exists()


# --- Reintegration plans and goals


def test_plan_versions_from_first_draft_to_superseded(worker, supervisor, case):
    assessment = AssessmentFactory(case=case, recommended_domains=["education"])

    # v1 starts as a draft and cannot go to a supervisor without a goal.
    v1 = actions.plan_start(actor=worker, case=case)
    assert (v1.version, v1.status, v1.created_by) == (1, "draft", worker)
    error = refused(lambda: approval_actions.approval_request(actor=worker, kind="plan", case=case, subject=v1))
    assert error.messages == ["Add at least one goal before making the plan current."]

    goal = actions.goal_add(
        actor=worker,
        plan=v1,
        data={
            "domain": "education",
            "goal": "Enrol in grade 3",
            "actions": "Placement test; talk to the school director.",
            "responsible": "School No. 5",
            "target_date": days(60),
            "status": "in_progress",
            "source_assessment": assessment,
        },
    )
    GoalProgressFactory(goal=goal, author=worker)
    v1 = approve_plan(v1, supervisor)
    assert (v1.status, v1.approved_by) == ("current", supervisor)
    assert v1.activated_at is not None

    # v2 copies the goals of the current version, as new rows, without their progress notes.
    v2 = actions.plan_start(actor=worker, case=case)
    assert (v2.version, v2.status) == (2, "draft")
    copied = v2.goals.get()
    assert copied.pk != goal.pk
    fields = ("domain", "goal", "actions", "responsible", "target_date", "status", "source_assessment")
    assert [getattr(copied, f) for f in fields] == [getattr(goal, f) for f in fields]
    assert not copied.progress_notes.exists()
    assert v1.goals.get() == goal

    # Approving v2 makes it current and keeps v1 as superseded history.
    approve_plan(v2, supervisor)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("superseded", "current")
    assert case.plans.filter(status="current").get() == v2

    kinds = list(case.events.filter(subject="reintegrationplan").order_by("id").values_list("kind", "item", "actor"))
    assert kinds == [
        ("plan_created", "1", worker.pk),
        ("plan_activated", "1", supervisor.pk),
        ("plan_created", "2", worker.pk),
        ("plan_activated", "2", supervisor.pk),
    ]


def test_a_second_draft_is_refused(worker, case):
    actions.plan_start(actor=worker, case=case)

    error = refused(lambda: actions.plan_start(actor=worker, case=case))

    assert error.messages == ["This case already has a draft plan: finish that one first."]
    assert case.plans.count() == 1


def test_starting_from_a_current_plan_copies_its_summary(worker, case):
    ReintegrationPlanFactory(case=case, version=1, status="current", summary="Family reunification first.")

    draft = actions.plan_start(actor=worker, case=case)

    assert draft.summary == "Family reunification first."
    assert draft.version == 2


@pytest.mark.parametrize("status", ["current", "superseded"])
def test_only_a_draft_can_be_made_current(worker, supervisor, case, status):
    plan = ReintegrationPlanFactory(case=case, version=1, status=status)
    PlanGoalFactory(plan=plan)

    error = refused(lambda: approval_actions.approval_request(actor=worker, kind="plan", case=case, subject=plan))
    assert error.messages == ["Only a draft can be made the current plan."]

    error = refused(lambda: actions.plan_make_current(approver=supervisor, plan=plan))
    assert error.messages == ["Only a draft can be made the current plan."]
    plan.refresh_from_db()
    assert plan.status == status
    assert not CaseEvent.objects.exists()


def superseded_plan(case):
    old = ReintegrationPlanFactory(case=case, version=1, status="superseded")
    ReintegrationPlanFactory(case=case, version=2, status="current")
    return old, PlanGoalFactory(plan=old, goal="Old goal")


SUPERSEDED = "This plan version was superseded and can no longer be changed."


def test_a_superseded_plan_cannot_get_new_goals(worker, case):
    old, _ = superseded_plan(case)

    error = refused(lambda: actions.goal_add(actor=worker, plan=old, data={"domain": "health", "goal": "New"}))

    assert error.messages == [SUPERSEDED]
    assert old.goals.count() == 1


def test_a_goal_of_a_superseded_plan_cannot_be_edited(worker, case):
    _, goal = superseded_plan(case)

    error = refused(lambda: actions.goal_update(actor=worker, goal=goal, data={"status": "achieved"}))

    assert error.messages == [SUPERSEDED]
    goal.refresh_from_db()
    assert goal.status == PlanGoal.Status.NOT_STARTED


def test_a_goal_of_a_superseded_plan_gets_no_progress_notes(worker, case):
    _, goal = superseded_plan(case)

    error = refused(lambda: actions.goal_progress_add(actor=worker, goal=goal, written_on=days(0), text="x"))

    assert error.messages == [SUPERSEDED]
    assert not GoalProgress.objects.exists()


def test_the_database_allows_one_current_and_one_draft_per_case(worker, case):
    ReintegrationPlanFactory(case=case, version=1, status="current")
    ReintegrationPlanFactory(case=case, version=2, status="draft")

    with pytest.raises(IntegrityError), transaction.atomic():
        ReintegrationPlanFactory(case=case, version=3, status="current")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReintegrationPlanFactory(case=case, version=3, status="draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReintegrationPlanFactory(case=case, version=2, status="superseded")


def test_a_goal_cannot_cite_an_assessment_of_another_case(worker, case, other_case):
    plan = ReintegrationPlanFactory(case=case, version=1)
    foreign = AssessmentFactory(case=other_case)

    error = refused(
        lambda: actions.goal_add(
            actor=worker, plan=plan, data={"domain": "health", "goal": "Dental care", "source_assessment": foreign}
        )
    )

    assert error.message_dict == {"source_assessment": ["Choose an assessment of this case."]}
    assert not PlanGoal.objects.exists()


def test_a_goal_cannot_be_changed_to_cite_an_assessment_of_another_case(worker, case, other_case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1))

    error = refused(
        lambda: actions.goal_update(
            actor=worker, goal=goal, data={"source_assessment": AssessmentFactory(case=other_case)}
        )
    )

    assert error.message_dict == {"source_assessment": ["Choose an assessment of this case."]}
    goal.refresh_from_db()
    assert goal.source_assessment is None


def test_adding_a_goal_writes_an_event(worker, case):
    plan = ReintegrationPlanFactory(case=case, version=1)

    goal = actions.goal_add(
        actor=worker, plan=plan, data={"domain": "legal", "goal": "Get a birth certificate", "target_date": days(30)}
    )

    event = case.events.get()
    assert event.kind == CaseEvent.Kind.GOAL_ADDED
    assert (event.subject, event.subject_id, event.item) == ("plangoal", goal.pk, "Get a birth certificate")
    assert event.changes == {"domain": [None, "legal"], "target_date": [None, days(30).isoformat()]}


def test_updating_a_goal_records_the_changes(worker, case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1, status="current"), goal="Enrol")

    actions.goal_update(actor=worker, goal=goal, data={"status": "achieved", "goal": "Enrol"})

    goal.refresh_from_db()
    assert goal.status == PlanGoal.Status.ACHIEVED
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.GOAL_UPDATED
    assert event.changes == {"status": ["not_started", "achieved"]}

    actions.goal_update(actor=worker, goal=goal, data={"status": "achieved"})
    assert case.events.count() == 1


def test_progress_on_a_goal(worker, case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1, status="current"), goal="Enrol")

    progress = actions.goal_progress_add(actor=worker, goal=goal, written_on=days(-1), text="Attends school daily.")

    assert (progress.goal, progress.author, progress.written_on) == (goal, worker, days(-1))
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.GOAL_PROGRESS
    assert (event.subject, event.subject_id, event.item) == ("plangoal", goal.pk, "Enrol")
    assert event.changes == {"text": [None, "Attends school daily."]}


def test_progress_cannot_be_dated_in_the_future(worker, case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1))

    error = refused(lambda: actions.goal_progress_add(actor=worker, goal=goal, written_on=days(1), text="x"))

    assert error.message_dict == {"written_on": ["Progress cannot be dated in the future."]}
    assert not GoalProgress.objects.exists()


def test_goal_overdue_only_while_open():
    assert PlanGoal(status="not_started", target_date=days(-1)).is_overdue
    assert PlanGoal(status="in_progress", target_date=days(-1)).is_overdue
    assert not PlanGoal(status="in_progress", target_date=days(0)).is_overdue
    assert not PlanGoal(status="achieved", target_date=days(-1)).is_overdue
    assert not PlanGoal(status="dropped", target_date=days(-1)).is_overdue
