"""`things`: one of everything on a case, for the tests of the civil-status and plan pages."""

from types import SimpleNamespace

import pytest

from cases import actions
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
)

from .helpers import days


@pytest.fixture
def things(worker, case):
    """One of everything on `case` (Chüy, held by `worker`). The returnee lives in her mother's
    household, so the mother can be chosen for a DNA test."""
    returnee = case.returnee
    family = FamilyFactory(name="Тестовы")
    mother = FamilyMemberFactory(family=family, full_name="Гулнара Тестова", relationship="mother", is_head=True)
    FamilyMemberFactory(family=family, returnee=returnee, relationship="child")
    plan = ReintegrationPlanFactory(case=case, version=1, status="draft", created_by=worker)
    return SimpleNamespace(
        case=case,
        returnee=returnee,
        family=family,
        mother=mother,
        document=IdentityDocumentFactory(returnee=returnee, status="requested"),
        consent=ConsentRecordFactory(returnee=returnee, purpose="dna_testing", given_on=days(-30)),
        test=KinshipTestFactory(returnee=returnee, relative=mother, sample_date=days(-10)),
        assessment=AssessmentFactory(case=case, kind="psychosocial"),
        plan=plan,
        goal=PlanGoalFactory(plan=plan, domain="education", goal="Enrol in grade 3"),
        attachment=actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload()),
    )
