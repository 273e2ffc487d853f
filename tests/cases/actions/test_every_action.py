"""Every action on documents, consent, kinship, care, assessments and plans: allowed to those who
may change the case and writing one event on it, refused to readers and strangers and writing nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from cases import actions
from cases.models import CaseEvent
from tests.factories import (
    AssessmentFactory,
    ConsentRecordFactory,
    FamilyFactory,
    FamilyMemberFactory,
    IdentityDocumentFactory,
    KinshipTestFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    pdf_upload,
    snapshot,
)

from .helpers import care_data, consent_data, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(worker, case):
    """One of each thing on `case`: a requested document, a DNA consent, a pending test against the
    mother, an assessment, and a current plan v1 with a goal."""
    mother = FamilyMemberFactory(family=FamilyFactory(), full_name="Гулнара Тестова", relationship="mother")
    plan = ReintegrationPlanFactory(case=case, version=1, status="current", created_by=worker)
    return SimpleNamespace(
        case=case,
        returnee=case.returnee,
        mother=mother,
        document=IdentityDocumentFactory(returnee=case.returnee, status="requested"),
        consent=ConsentRecordFactory(
            returnee=case.returnee, purpose="dna_testing", given_on=days(-60), recorded_by=worker
        ),
        test=KinshipTestFactory(returnee=case.returnee, relative=mother, recorded_by=worker),
        assessment=AssessmentFactory(case=case, recorded_by=worker),
        plan=plan,
        goal=PlanGoalFactory(plan=plan, goal="Enrol in school"),
    )


@dataclass
class Act:
    call: Callable  # (actor, world, given) -> result
    kind: str
    subject: str
    item: str
    given: Callable = lambda w: None


ACTIONS = {
    "attachment_upload": Act(
        lambda a, w, g: actions.attachment_upload(actor=a, case=w.case, uploaded=pdf_upload("form.pdf")),
        "file_uploaded",
        "attachment",
        "form.pdf",
    ),
    "document_add": Act(
        lambda a, w, g: actions.document_add(actor=a, returnee=w.returnee, data={"kind": "passport"}),
        "document_added",
        "identitydocument",
        "passport",
    ),
    "document_update": Act(
        lambda a, w, g: actions.document_update(actor=a, document=w.document, data={"number": "123"}),
        "document_updated",
        "identitydocument",
        "birth_certificate",
    ),
    "document_transition": Act(
        lambda a, w, g: actions.document_transition(actor=a, document=w.document, status="in_progress"),
        "document_status",
        "identitydocument",
        "birth_certificate",
    ),
    "consent_record": Act(
        lambda a, w, g: actions.consent_record(
            actor=a, returnee=w.returnee, data=consent_data(w.returnee, purpose="photos")
        ),
        "consent_recorded",
        "consentrecord",
        "photos",
    ),
    "consent_withdraw": Act(
        lambda a, w, g: actions.consent_withdraw(actor=a, consent=w.consent, on=days(0), reason="Changed her mind."),
        "consent_withdrawn",
        "consentrecord",
        "dna_testing",
    ),
    "kinship_test_record": Act(
        lambda a, w, g: actions.kinship_test_record(
            actor=a,
            returnee=w.returnee,
            relative=w.mother,
            claimed_relationship="grandparent",
            laboratory="Lab",
            sample_date=days(-1),
            consent=w.consent,
        ),
        "kinship_test",
        "kinshiptest",
        "grandparent",
    ),
    "kinship_result_record": Act(
        lambda a, w, g: actions.kinship_result_record(actor=a, test=w.test, result="no_match", reported_on=days(0)),
        "kinship_result",
        "kinshiptest",
        "mother",
    ),
    "care_arrangement_set": Act(
        lambda a, w, g: actions.care_arrangement_set(actor=a, returnee=w.returnee, data=care_data(kind="mother")),
        "care_changed",
        "carearrangement",
        "mother",
    ),
    "assessment_record": Act(
        lambda a, w, g: actions.assessment_record(
            actor=a, case=w.case, data={"kind": "medical", "status": "planned", "due_date": days(7)}
        ),
        "assessment_recorded",
        "assessment",
        "medical",
    ),
    "assessment_update": Act(
        lambda a, w, g: actions.assessment_update(actor=a, assessment=w.assessment, data={"score": Decimal("12")}),
        "assessment_updated",
        "assessment",
        "psychosocial",
    ),
    "plan_start": Act(
        lambda a, w, g: actions.plan_start(actor=a, case=w.case), "plan_created", "reintegrationplan", "2"
    ),
    "goal_add": Act(
        lambda a, w, g: actions.goal_add(actor=a, plan=w.plan, data={"domain": "health", "goal": "Vaccinations"}),
        "goal_added",
        "plangoal",
        "Vaccinations",
    ),
    "goal_update": Act(
        lambda a, w, g: actions.goal_update(actor=a, goal=w.goal, data={"status": "in_progress"}),
        "goal_updated",
        "plangoal",
        "Enrol in school",
    ),
    "goal_progress_add": Act(
        lambda a, w, g: actions.goal_progress_add(actor=a, goal=w.goal, written_on=days(0), text="Started."),
        "goal_progress",
        "plangoal",
        "Enrol in school",
    ),
}


@pytest.mark.parametrize("role", ["worker", "coordinator", "administrator"])
@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_is_allowed_to_writers_and_writes_one_event_on_the_case(request, world, role, name):
    actor = request.getfixturevalue(role)
    act = ACTIONS[name]
    given = act.given(world)
    before = set(CaseEvent.objects.values_list("pk", flat=True))

    act.call(actor, world, given)

    event = CaseEvent.objects.exclude(pk__in=before).get()
    assert event.case == world.case
    assert event.kind == act.kind
    assert event.actor == actor
    assert event.subject == act.subject
    assert event.item == act.item
    assert apps.get_model("cases", event.subject).objects.filter(pk=event.subject_id).exists()


@pytest.mark.parametrize("role", ["other_worker", "supervisor", "osh_supervisor"])
@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_is_refused_to_readers_and_strangers_and_writes_nothing(request, world, role, name):
    actor = request.getfixturevalue(role)
    act = ACTIONS[name]
    given = act.given(world)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        act.call(actor, world, given)

    assert snapshot() == before


def test_an_inactive_worker_can_no_longer_write(worker, world):
    worker.is_active = False
    worker.save()

    with pytest.raises(PermissionDenied):
        actions.document_add(actor=worker, returnee=world.returnee, data={"kind": "passport"})
