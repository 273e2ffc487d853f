"""Mass assignment and foreign keys out of scope: a form posted with extra fields, or with the id of
a person, provider, assessment or region outside the user's scope, is refused (or the extra field
is ignored) and nothing is written beyond what the user may write."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseTransfer, EmergencyAccess, LegalRecord, PlanGoal, Returnee
from repat.approvals.models import ApprovalRequest
from repat.reports.models import ProgressReport
from services.models import Referral
from tests.services.factories import ProviderFactory

from .helpers import changed_tables, domain_state
from .routes import BY_LABEL, returnee_form, today, token

pytestmark = pytest.mark.django_db

CHOOSE_VALID = "Select a valid choice. That choice is not one of the available choices."


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post(client, label, side, data, user, world):
    route = BY_LABEL[label]
    return client.post(route.url(side), {**route.data(side, user, world), **data})


@pytest.fixture
def unchanged():
    """Assert that nothing was written: `with unchanged(): ...`."""

    class Unchanged:
        def __enter__(self):
            self.before = domain_state()

        def __exit__(self, *exc):
            if exc[0] is None:
                assert changed_tables(self.before, domain_state()) == []

    return Unchanged


# --- Who holds a case --------------------------------------------------------------------------------


def test_a_worker_cannot_hand_their_case_to_someone_else(world, client_for):
    # given
    side, other_worker = world.chuy, world.osh.worker

    # when: the form has no worker field for a social worker; it is posted anyway
    response = post(client_for(side.worker), "cases:case_update", side, {"worker": other_worker.pk}, side.worker, world)

    # then: the rest is saved, the worker stays
    assert response.status_code == 302
    assert Case.objects.get(pk=side.case.pk).worker == side.worker


@pytest.mark.parametrize("target", ["osh_worker", "chuy_coordinator", "chuy_supervisor"])
def test_a_coordinator_assigns_only_social_workers_of_their_region(target, world, client_for, unchanged):
    side = world.chuy
    person = {"osh_worker": world.osh.worker, "chuy_coordinator": side.coordinator, "chuy_supervisor": side.supervisor}
    with unchanged():
        response = post(
            client_for(side.coordinator),
            "cases:case_update",
            side,
            {"worker": person[target].pk},
            side.coordinator,
            world,
        )
    assert response.status_code == 200
    assert response.context["form"].errors["worker"] == [CHOOSE_VALID]


def test_closing_a_case_from_the_edit_form_is_refused(world, client_for, unchanged):
    side = world.chuy
    with unchanged():
        response = post(client_for(side.worker), "cases:case_update", side, {"status": "closed"}, side.worker, world)
    assert response.status_code == 200
    assert "status" in response.context["form"].errors


# --- Registration ------------------------------------------------------------------------------------


def test_a_worker_registers_for_themselves_whatever_worker_is_posted(world, client_for):
    side = world.chuy
    data = returnee_form(
        side, new_family_name="Nurlanovs", relationship="child", risk_level="medium", form_token=token()
    )
    data["worker"] = world.osh.worker.pk

    response = client_for(side.worker).post(reverse("cases:returnee_register"), data)

    assert response.status_code == 302
    assert Returnee.objects.get(family_name="Nurlanova").case.worker == side.worker


def test_a_worker_may_register_a_returnee_living_in_another_region_and_keeps_the_case(world, client_for):
    """The product's rule: a returnee lives where they live; the registering worker holds the case
    (and sees it), that region's regional staff see it, the worker's own coordinator does not."""
    # given
    side, osh = world.chuy, world.osh
    data = returnee_form(
        osh, new_family_name="Nurlanovs", relationship="child", risk_level="medium", form_token=token()
    )

    # when
    response = client_for(side.worker).post(reverse("cases:returnee_register"), data)

    # then
    case = Returnee.objects.get(family_name="Nurlanova").case
    assert response.status_code == 302
    assert (case.worker, case.returnee.region) == (side.worker, osh.region)
    assert client_for(side.worker).get(case.get_absolute_url()).status_code == 200
    assert client_for(osh.supervisor).get(case.get_absolute_url()).status_code == 200
    assert client_for(side.coordinator).get(case.get_absolute_url()).status_code == 404


def test_registering_into_a_family_one_cannot_see_is_refused(world, client_for, unchanged):
    side = world.chuy
    data = returnee_form(
        side, family=world.osh.family.pk, relationship="child", risk_level="medium", form_token=token()
    )
    with unchanged():
        response = client_for(side.worker).post(reverse("cases:returnee_register"), data)
    assert response.status_code == 200
    assert CHOOSE_VALID in response.context["registration_form"].errors["family"]


def test_a_returnee_form_ignores_fields_it_does_not_show(world, client_for):
    side = world.chuy
    number = side.returnee.case_number
    response = post(
        client_for(side.worker),
        "cases:returnee_update",
        side,
        {"case_number": "KG-1999-99999", "created_at": "2000-01-01", "id": world.osh.returnee.pk},
        side.worker,
        world,
    )
    assert response.status_code == 302
    assert Returnee.objects.get(pk=side.returnee.pk).case_number == number
    assert Returnee.objects.get(pk=world.osh.returnee.pk).family_name == "Oshova"


# --- Referrals and providers -------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["osh", "not_offering"])
def test_a_coordinator_assigns_only_providers_serving_the_referral(provider, world, client_for, unchanged):
    side = world.chuy
    chosen = world.osh.provider if provider == "osh" else ProviderFactory(regions=[side.region])
    with unchanged():
        response = post(
            client_for(side.coordinator),
            "services:referral_step/assign",
            side,
            {"provider": chosen.pk},
            side.coordinator,
            world,
        )
    assert response.status_code == 200
    assert response.context["form"].errors["provider"] == [CHOOSE_VALID]


@pytest.mark.parametrize(
    ("assignee", "message"),
    [
        ("osh_provider_user", "This person does not work for Chuy Family Centre."),
        ("osh_worker", "This social worker does not work in the returnee's region."),
        ("chuy_supervisor", "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_the_responsible_person_works_for_the_provider_or_in_the_region(
    assignee, message, world, client_for, unchanged
):
    side = world.chuy
    person = {
        "osh_provider_user": world.osh.provider_user,
        "osh_worker": world.osh.worker,
        "chuy_supervisor": side.supervisor,
    }[assignee]
    with unchanged():
        response = post(
            client_for(side.coordinator),
            "services:referral_step/assign",
            side,
            {"assignee": person.pk},
            side.coordinator,
            world,
        )
    assert response.status_code == 200
    assert response.context["form"].errors["assignee"] == [message]


def test_bulk_assignment_to_a_provider_of_another_region_assigns_nothing(world, client_for, unchanged):
    side = world.chuy
    data = {"referrals": [side.submitted.pk], "provider": world.osh.provider.pk}
    with unchanged():
        response = client_for(side.coordinator).post(reverse("services:bulk_assign"), data)
    assert response.status_code == 302
    assert flashed(response) == [
        f"{side.returnee.case_number}: Osh Family Centre does not serve this region. — nothing was assigned."
    ]


def test_bulk_assignment_of_a_referral_of_another_region_assigns_nothing(world, client_for, unchanged):
    side = world.chuy
    data = {"referrals": [side.submitted.pk, world.osh.submitted.pk], "provider": side.provider.pk}
    with unchanged():
        response = client_for(side.coordinator).post(reverse("services:bulk_assign"), data)
    assert flashed(response) == ["Tick the referrals and choose a provider."]


def test_a_referral_takes_its_status_and_region_from_the_case_not_the_form(world, client_for):
    side = world.chuy
    extra = {
        "status": "completed",
        "provider": side.provider.pk,
        "region": world.osh.region.pk,
        "requested_by": side.coordinator.pk,
        "consent_overridden_by": side.supervisor.pk,
        "case": world.osh.case.pk,
    }
    response = post(client_for(side.worker), "services:referral_create", side, extra, side.worker, world)
    assert response.status_code == 302
    referral = Referral.objects.get(reason="Needs help.")
    assert (referral.case, referral.status, referral.region, referral.provider) == (
        side.case,
        "submitted",
        side.region,
        None,
    )
    assert (referral.requested_by, referral.consent_overridden_by) == (side.worker, None)


def test_a_referral_for_a_goal_of_another_case_is_refused(world, client_for, unchanged):
    side = world.chuy
    with unchanged():
        response = post(
            client_for(side.worker),
            "services:referral_create",
            side,
            {"plan_goal": world.osh.goal.pk},
            side.worker,
            world,
        )
    assert response.status_code == 200
    assert response.context["form"].errors["plan_goal"] == [CHOOSE_VALID]


# --- Transfers and tasks -----------------------------------------------------------------------------


def test_a_transfer_to_a_worker_who_does_not_work_in_the_chosen_region_is_refused(world, client_for, unchanged):
    side = world.chuy
    data = {"to_region": side.region.pk, "to_worker": world.osh.worker.pk}
    with unchanged():
        response = post(client_for(side.worker), "cases:transfer_create", side, data, side.worker, world)
    assert response.status_code == 200
    assert response.context["form"].errors["to_worker"] == ["This social worker does not work in the chosen region."]


def test_a_transfer_to_someone_who_is_not_a_social_worker_is_refused(world, client_for, unchanged):
    side = world.chuy
    with unchanged():
        response = post(
            client_for(side.worker),
            "cases:transfer_create",
            side,
            {"to_worker": side.coordinator.pk},
            side.worker,
            world,
        )
    assert response.context["form"].errors["to_worker"] == [CHOOSE_VALID]


def test_a_coordinator_hands_an_accepted_transfer_only_to_a_worker_of_their_region(world, client_for, unchanged):
    side = world.chuy
    CaseTransfer.objects.filter(pk=side.transfer.pk).update(to_worker=None)
    with unchanged():
        response = client_for(side.coordinator).post(
            reverse("cases:transfer_decide", args=[side.transfer.pk]),
            {"decision": "accept", "worker": world.osh.worker.pk},
        )
    assert flashed(response) == ["Check the answer and try again."]


def test_a_social_worker_answering_a_transfer_cannot_name_another_worker(world, client_for, unchanged):
    side = world.chuy
    with unchanged():
        response = client_for(side.colleague).post(
            reverse("cases:transfer_decide", args=[side.transfer.pk]),
            {"decision": "accept", "worker": side.worker.pk, "comment": ""},
        )
    assert flashed(response) == ["Check the answer and try again."]


def test_a_task_for_someone_outside_the_region_is_refused(world, client_for, unchanged):
    side = world.chuy
    for person in (world.osh.worker, world.osh.coordinator, side.provider_user):
        with unchanged():
            response = post(
                client_for(side.worker), "cases:task_create", side, {"assigned_to": person.pk}, side.worker, world
            )
        assert response.context["form"].errors["assigned_to"] == [CHOOSE_VALID]


# --- Plans, kinship, documents -----------------------------------------------------------------------


@pytest.mark.parametrize("label", ["cases:goal_create", "cases:goal_update"])
def test_a_goal_citing_an_assessment_of_another_case_is_refused(label, world, client_for, unchanged):
    side = world.chuy
    with unchanged():
        response = post(
            client_for(side.worker), label, side, {"source_assessment": world.osh.assessment.pk}, side.worker, world
        )
    assert response.status_code == 200
    assert response.context["form"].errors["source_assessment"] == [CHOOSE_VALID]


def test_a_goal_added_to_ones_plan_stays_in_it(world, client_for):
    side = world.chuy
    response = post(client_for(side.worker), "cases:goal_create", side, {"plan": world.osh.plan.pk}, side.worker, world)
    assert response.status_code == 302
    assert PlanGoal.objects.get(goal="See a dentist").plan == side.plan
    assert world.osh.plan.goals.count() == 1


@pytest.mark.parametrize("field", ["relative", "consent"])
def test_a_kinship_test_against_people_of_another_family_is_refused(field, world, client_for, unchanged):
    side = world.chuy
    value = {"relative": world.osh.relative.pk, "consent": world.osh.consent.pk}[field]
    with unchanged():
        response = post(client_for(side.worker), "cases:kinship_create", side, {field: value}, side.worker, world)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [CHOOSE_VALID]


def test_a_document_status_change_on_another_cases_document_is_not_found(world, client_for, unchanged):
    side = world.chuy
    url = reverse("cases:document_transition", args=[world.osh.document.pk])
    with unchanged():
        response = client_for(side.worker).post(
            url, {"status": "requested", "on": today(), "document": side.document.pk, "returnee": side.returnee.pk}
        )
    assert response.status_code == 404


def test_a_document_status_change_takes_no_other_field(world, client_for):
    side = world.chuy
    response = post(
        client_for(side.worker),
        "cases:document_transition",
        side,
        {"returnee": world.osh.returnee.pk, "number": "AN1234567", "refusal_reason": "x"},
        side.worker,
        world,
    )
    assert response.status_code == 302
    document = type(side.document).objects.get(pk=side.document.pk)
    assert (document.returnee_id, document.status, document.number, document.refusal_reason) == (
        side.returnee.pk,
        "requested",
        "",
        "",
    )


# --- Approvals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "target"), [("assessment", "assessment"), ("plan", "plan"), ("closure", "case")])
def test_an_approval_for_a_subject_of_another_case_is_not_found(kind, target, world, client_for, unchanged):
    side = world.chuy
    url = reverse("approvals:request", args=[kind, getattr(world.osh, target).pk])
    with unchanged():
        response = client_for(side.worker).post(url, {"comment": "x", "closure_reason": "moved"})
    assert response.status_code == 404


def test_an_approval_request_takes_its_case_and_subject_from_the_url(world, client_for):
    side, osh = world.chuy, world.osh
    extra = {
        "case": osh.case.pk,
        "assessment": osh.assessment.pk,
        "region": osh.region.pk,
        "status": "approved",
        "requested_by": side.coordinator.pk,
    }
    response = post(client_for(side.worker), "approvals:request/assessment", side, extra, side.worker, world)
    assert response.status_code == 302
    approval = ApprovalRequest.objects.get(assessment=side.assessment)
    assert (approval.case, approval.region, approval.status, approval.requested_by) == (
        side.case,
        side.region,
        "pending",
        side.worker,
    )
    assert not ApprovalRequest.objects.filter(assessment=osh.assessment).exists()


def test_deciding_an_approval_sets_only_the_decision(world, client_for):
    side = world.chuy
    response = post(
        client_for(side.supervisor),
        "approvals:detail",
        side,
        {"decision": "return", "comment": "Wait.", "decided_by": side.worker.pk, "case": world.osh.case.pk},
        side.supervisor,
        world,
    )
    assert response.status_code == 302
    approval = ApprovalRequest.objects.get(pk=side.approval.pk)
    assert (approval.status, approval.decided_by, approval.case_id) == ("returned", side.supervisor, side.moving.pk)


# --- Reports -----------------------------------------------------------------------------------------


def test_a_report_over_a_region_not_ones_own_is_refused(world, client_for, unchanged):
    side = world.chuy
    with unchanged():
        response = post(
            client_for(side.supervisor),
            "reports:report_create",
            side,
            {"region": world.osh.region.pk},
            side.supervisor,
            world,
        )
    assert response.status_code == 200
    assert response.context["form"].errors["region"] == [CHOOSE_VALID]


def test_a_report_belongs_to_its_author_and_their_regions_whatever_is_posted(world, client_for):
    side = world.chuy
    extra = {
        "created_by": world.administrator.pk,
        "scope_regions": f"[{world.osh.region.pk}]",
        "status": "ready",
        "region": "",
    }
    response = post(client_for(side.supervisor), "reports:report_create", side, extra, side.supervisor, world)
    assert response.status_code == 302
    report = ProgressReport.objects.get(summary="Quarter.")
    assert (report.created_by, report.scope_regions, report.status) == (side.supervisor, [side.region.pk], "queued")


def test_a_report_narrative_edit_changes_nothing_else(world, client_for):
    side = world.chuy
    before = ProgressReport.objects.values("created_by", "region", "scope_regions").get(pk=side.report.pk)
    response = post(
        client_for(side.supervisor),
        "reports:report_detail",
        side,
        {"region": world.osh.region.pk, "created_by": world.osh.supervisor.pk, "scope_regions": "null"},
        side.supervisor,
        world,
    )
    assert response.status_code == 302
    assert ProgressReport.objects.values("created_by", "region", "scope_regions").get(pk=side.report.pk) == before


# --- Restricted section and emergency access ---------------------------------------------------------


def test_the_restricted_section_is_saved_on_the_returnee_of_the_url(world, client_for):
    side = world.chuy
    osh_before = LegalRecord.objects.get(returnee=world.osh.returnee).charges
    response = post(
        client_for(side.worker),
        "cases:restricted_section",
        side,
        {"returnee": world.osh.returnee.pk, "updated_by": world.osh.worker.pk},
        side.worker,
        world,
    )
    assert response.status_code == 302
    assert LegalRecord.objects.get(returnee=world.osh.returnee).charges == osh_before
    record = LegalRecord.objects.get(returnee=side.returnee)
    assert (record.charges, record.updated_by) == ("Changed.", side.worker)


def test_emergency_access_is_granted_to_the_one_who_asks(world, client_for):
    side = world.chuy
    data = {
        "case_number": world.osh.returnee.case_number,
        "reason": "The child was found alone at the bus station tonight.",
        "user": side.colleague.pk,
        "expires_at": (timezone.now() + datetime.timedelta(days=365)).isoformat(),
    }
    response = client_for(side.worker).post(reverse("cases:emergency_access"), data)
    assert response.status_code == 302
    access = EmergencyAccess.objects.get()
    assert access.user == side.worker
    assert access.expires_at - access.granted_at == datetime.timedelta(minutes=120)
