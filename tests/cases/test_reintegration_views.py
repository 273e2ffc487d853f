"""The pages for documents, consent, kinship, care, assessments and plans: who may open and post
them, how errors are shown, what the returnee, case, family and plan pages show, and their queries."""

import datetime
import re
import uuid
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import (
    Assessment,
    CareArrangement,
    CaseEvent,
    ConsentRecord,
    IdentityDocument,
    KinshipTest,
    Returnee,
)
from services.models import ServiceCategory
from tests.factories import (
    AssessmentFactory,
    CareArrangementFactory,
    CaseFactory,
    ConsentRecordFactory,
    FamilyFactory,
    FamilyMemberFactory,
    GoalProgressFactory,
    IdentityDocumentFactory,
    KinshipTestFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    pdf_upload,
    snapshot,
)
from tests.services.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def token() -> str:
    return str(uuid.uuid4())


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


def urls(t) -> dict[str, str]:
    r, c = t.returnee.pk, t.case.pk
    return {
        "document_create": reverse("cases:document_create", args=[r]),
        "document_update": reverse("cases:document_update", args=[t.document.pk]),
        "document_transition": reverse("cases:document_transition", args=[t.document.pk]),
        "consent_create": reverse("cases:consent_create", args=[r]),
        "consent_withdraw": reverse("cases:consent_withdraw", args=[t.consent.pk]),
        "kinship_create": reverse("cases:kinship_create", args=[r]),
        "kinship_result": reverse("cases:kinship_result", args=[t.test.pk]),
        "care_create": reverse("cases:care_create", args=[r]),
        "assessment_create": reverse("cases:assessment_create", args=[c]),
        "assessment_update": reverse("cases:assessment_update", args=[t.assessment.pk]),
        "plan": reverse("cases:plan", args=[c]),
        "plan_detail": reverse("cases:plan_detail", args=[t.plan.pk]),
        "goal_create": reverse("cases:goal_create", args=[t.plan.pk]),
        "goal_update": reverse("cases:goal_update", args=[t.goal.pk]),
        "goal_progress": reverse("cases:goal_progress", args=[t.goal.pk]),
        "attachment_download": reverse("cases:attachment_download", args=[t.attachment.pk]),
    }


WRITE_PAGES = (
    "document_create",
    "document_update",
    "document_transition",
    "consent_create",
    "consent_withdraw",
    "kinship_create",
    "kinship_result",
    "care_create",
    "assessment_create",
    "assessment_update",
    "goal_create",
    "goal_update",
    "goal_progress",
)


def expected(write: int, plan: int, read: int) -> dict[str, int]:
    return {**dict.fromkeys(WRITE_PAGES, write), "plan": plan, "plan_detail": read, "attachment_download": read}


# GET per role on a case in Chüy held by `worker`: 200 allowed, 403 visible but read-only, 404 not
# visible (the same answer as an object that does not exist). "plan" redirects (302) to the plan version.
EXPECTED = {
    "worker": expected(write=200, plan=302, read=200),
    "other_worker": expected(write=404, plan=404, read=404),
    "coordinator": expected(write=200, plan=302, read=200),
    "supervisor": expected(write=403, plan=302, read=200),
    "osh_supervisor": expected(write=404, plan=404, read=404),
    "administrator": expected(write=200, plan=302, read=200),
}


def test_the_matrix_covers_every_new_page(things):
    assert set(EXPECTED["worker"]) == set(urls(things))


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("name", EXPECTED["worker"])
def test_pages_per_role(request, things, client_for, role, name):
    client = client_for(request.getfixturevalue(role))

    response = client.get(urls(things)[name])

    assert response.status_code == EXPECTED[role][name], (role, name)


def test_anonymous_users_are_sent_to_login_from_every_new_page(client, things):
    for name, url in urls(things).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


def post_data(t) -> dict[str, dict]:
    """A valid POST for each form page: a refusal can only come from the permission check."""
    today = timezone.localdate().isoformat()
    return {
        "document_create": {"kind": "passport", "status": "missing", "form_token": token()},
        "document_update": {"kind": "birth_certificate", "number": "I-АН 123456", "form_token": token()},
        "document_transition": {"status": "in_progress", "on": today},
        "consent_create": {
            "purpose": "photos",
            "giver": f"member:{t.mother.pk}",
            "given_on": today,
            "form_token": token(),
        },
        "consent_withdraw": {"on": today, "reason": "Changed her mind."},
        "kinship_create": {
            "relative": t.mother.pk,
            "claimed_relationship": "mother",
            "laboratory": "Republican forensic laboratory",
            "sample_date": today,
            "consent": t.consent.pk,
            "form_token": token(),
        },
        "kinship_result": {"result": "no_match", "reported_on": today},
        "care_create": {
            "kind": "mother",
            "caregiver_name": "Гулнара Тестова",
            "placement_date": today,
            "form_token": token(),
        },
        "assessment_create": {"kind": "medical", "status": "completed", "assessed_on": today, "form_token": token()},
        "assessment_update": {
            "kind": "psychosocial",
            "status": "completed",
            "assessed_on": today,
            "score": "12",
            "form_token": token(),
        },
        "goal_create": {"domain": "health", "goal": "Vaccinations", "status": "not_started", "form_token": token()},
        "goal_update": {"domain": "education", "goal": "Enrol", "status": "in_progress", "form_token": token()},
        "goal_progress": {"written_on": today, "text": "Attends school.", "form_token": token()},
    }


@pytest.mark.parametrize("role", ["worker", "coordinator", "administrator"])
@pytest.mark.parametrize("name", WRITE_PAGES)
def test_writers_can_post_every_form(request, things, client_for, role, name):
    user = request.getfixturevalue(role)
    before = set(CaseEvent.objects.values_list("pk", flat=True))

    response = client_for(user).post(urls(things)[name], post_data(things)[name])

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert CaseEvent.objects.exclude(pk__in=before).filter(case=things.case, actor=user).exists()


@pytest.mark.parametrize(("role", "status"), [("supervisor", 403), ("other_worker", 404), ("osh_supervisor", 404)])
@pytest.mark.parametrize("name", WRITE_PAGES)
def test_posting_any_form_without_the_right_is_refused_and_saves_nothing(
    request, things, client_for, role, status, name
):
    client = client_for(request.getfixturevalue(role))
    before = snapshot()

    response = client.post(urls(things)[name], post_data(things)[name])

    assert response.status_code == status
    assert snapshot() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("worker", 302), ("coordinator", 302), ("administrator", 302), ("supervisor", 403), ("other_worker", 404)],
)
def test_starting_a_plan_per_role(request, case, client_for, role, status):
    response = client_for(request.getfixturevalue(role)).post(reverse("cases:plan_start", args=[case.pk]))

    assert response.status_code == status
    assert case.plans.exists() is (status == 302)
    if status == 302:
        assert response["Location"] == case.plans.get().get_absolute_url()


@pytest.mark.parametrize(
    ("role", "status", "offered"),
    [
        ("worker", 200, True),
        ("coordinator", 200, True),
        ("administrator", 200, True),
        ("supervisor", 200, False),
        ("osh_supervisor", 404, False),
    ],
)
def test_a_draft_plan_is_sent_for_approval_instead_of_made_current(request, things, client_for, role, status, offered):
    # The plan page no longer makes a draft current: writers ask a supervisor (repat.approvals).
    response = client_for(request.getfixturevalue(role)).get(urls(things)["plan_detail"])

    assert response.status_code == status
    ask = reverse("approvals:request", args=["plan", things.plan.pk])
    assert (ask in response.content.decode()) is offered
    assert "Make this the current plan" not in response.content.decode()


def test_plan_start_takes_no_get_and_plans_are_no_longer_activated_by_url(worker, things, client_for):
    client = client_for(worker)
    assert client.get(reverse("cases:plan_start", args=[things.case.pk])).status_code == 405
    assert client.post(f"/plans/{things.plan.pk}/activate/").status_code == 404
    things.plan.refresh_from_db()
    assert things.plan.status == "draft"
    assert things.case.plans.count() == 1


def test_direct_urls_to_another_workers_documents_and_uploads_are_404(worker, other_worker, other_case, client_for):
    document = IdentityDocumentFactory(returnee=other_case.returnee, status="requested")
    upload = actions.attachment_upload(actor=other_worker, case=other_case, uploaded=pdf_upload("secret.pdf"))
    consent = ConsentRecordFactory(returnee=other_case.returnee)
    plan = ReintegrationPlanFactory(case=other_case, version=1)
    goal = PlanGoalFactory(plan=plan)
    client = client_for(worker)

    for url in (
        reverse("cases:document_update", args=[document.pk]),
        reverse("cases:document_transition", args=[document.pk]),
        reverse("cases:document_create", args=[other_case.returnee.pk]),
        reverse("cases:attachment_download", args=[upload.pk]),
        reverse("cases:consent_withdraw", args=[consent.pk]),
        reverse("cases:plan_detail", args=[plan.pk]),
        reverse("cases:goal_update", args=[goal.pk]),
        reverse("cases:assessment_create", args=[other_case.pk]),
    ):
        assert client.get(url).status_code == 404, url

    response = client.post(
        reverse("cases:document_transition", args=[document.pk]),
        {"status": "issued", "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.status == "requested"


# --- Form errors: next to the field, nothing saved


def field_error_html(response, field: str, message: str) -> bool:
    """Crispy renders a field's error right under it, with an id naming the field."""
    pattern = rf'id="error_\d+_id_{field}"[^>]*>\s*<strong>{re.escape(message)}</strong>'
    return re.search(pattern, response.content.decode()) is not None


def test_refusing_a_document_without_a_reason_shows_the_error_at_the_reason(worker, things, client_for):
    response = client_for(worker).post(
        urls(things)["document_transition"], {"status": "refused", "on": timezone.localdate().isoformat()}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Give the reason for the refusal."]}
    assert field_error_html(response, "reason", "Give the reason for the refusal.")
    things.document.refresh_from_db()
    assert things.document.status == "requested"
    assert not CaseEvent.objects.filter(kind="document_status").exists()


def test_the_status_form_offers_only_the_legal_next_statuses(worker, things, client_for):
    response = client_for(worker).get(urls(things)["document_transition"])

    assert [value for value, _ in response.context["form"].fields["status"].choices] == [
        "in_progress",
        "issued",
        "refused",
    ]

    response = client_for(worker).post(
        urls(things)["document_transition"], {"status": "missing", "on": timezone.localdate().isoformat()}
    )
    assert response.context["form"].errors["status"] == [
        "Select a valid choice. missing is not one of the available choices."
    ]


def test_a_guardianship_order_without_guardian_shows_the_error_at_the_guardian(worker, things, client_for):
    data = post_data(things)["care_create"] | {"guardianship_order_number": "123/2023"}

    response = client_for(worker).post(urls(things)["care_create"], data)

    assert response.context["form"].errors == {"guardian_name": ["Name the legal guardian the order appoints."]}
    assert field_error_html(response, "guardian_name", "Name the legal guardian the order appoints.")
    assert not CareArrangement.objects.exists()


def test_a_care_arrangement_before_the_current_one_shows_the_error_at_the_date(worker, things, client_for):
    CareArrangementFactory(returnee=things.returnee, placement_date=datetime.date(2023, 3, 1))
    data = post_data(things)["care_create"] | {"placement_date": "2023-02-01"}

    response = client_for(worker).post(urls(things)["care_create"], data)

    assert response.context["form"].errors == {
        "placement_date": ["The new placement cannot start before the current one (2023-03-01)."]
    }
    assert CareArrangement.objects.count() == 1


def test_a_planned_assessment_without_due_date_shows_the_error_at_the_due_date(worker, things, client_for):
    data = post_data(things)["assessment_create"] | {"status": "planned", "assessed_on": ""}

    response = client_for(worker).post(urls(things)["assessment_create"], data)

    assert response.context["form"].errors == {"due_date": ["Give the date a planned assessment is due."]}
    assert field_error_html(response, "due_date", "Give the date a planned assessment is due.")
    assert Assessment.objects.count() == 1


# Rules the database also enforces: the form must still show them at their field, not above the form.
MODEL_RULES = {
    "sharing without a provider or category": (
        "consent_create",
        {"purpose": "data_sharing", "expires_on": "2030-01-01"},
        "provider",
        "Choose the provider, or a service category.",
    ),
    "consent expiring before given": (
        "consent_create",
        {"given_on": "2024-05-02", "expires_on": "2024-05-01"},
        "expires_on",
        "Consent cannot expire before it was given.",
    ),
    "issued document without date": (
        "document_create",
        {"status": "issued", "issued_on": ""},
        "issued_on",
        "Give the date the document was issued.",
    ),
    "completed assessment without date": (
        "assessment_create",
        {"status": "completed", "assessed_on": ""},
        "assessed_on",
        "Give the date of a completed assessment.",
    ),
}


@pytest.mark.parametrize("rule", MODEL_RULES)
def test_rules_kept_by_the_database_are_shown_at_their_field(worker, things, client_for, rule):
    page, overrides, field, message = MODEL_RULES[rule]
    before = snapshot()

    response = client_for(worker).post(urls(things)[page], post_data(things)[page] | overrides)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert field_error_html(response, field, message)
    assert snapshot() == before


def test_clearing_the_issue_date_of_an_issued_document_is_refused_at_the_field(worker, case, client_for):
    document = IdentityDocumentFactory(returnee=case.returnee, status="issued", issued_on=days(-3))

    response = client_for(worker).post(
        reverse("cases:document_update", args=[document.pk]),
        {"kind": "birth_certificate", "issued_on": "", "form_token": token()},
    )

    assert response.context["form"].errors == {"issued_on": ["Give the date the document was issued."]}
    document.refresh_from_db()
    assert document.issued_on == days(-3)


def test_confirming_a_no_match_shows_the_error_at_the_checkbox(worker, things, client_for):
    data = {"result": "no_match", "reported_on": timezone.localdate().isoformat(), "confirm_relationship": "on"}

    response = client_for(worker).post(urls(things)["kinship_result"], data)

    assert response.context["form"].errors == {"confirm_relationship": ["Only a match can confirm a relationship."]}
    things.test.refresh_from_db()
    assert things.test.result == "pending"


def test_a_withdrawn_consent_cannot_be_chosen_for_a_dna_test(worker, things, client_for):
    actions.consent_withdraw(actor=worker, consent=things.consent, on=timezone.localdate(), reason="")

    response = client_for(worker).post(urls(things)["kinship_create"], post_data(things)["kinship_create"])

    assert response.context["form"].errors == {
        "consent": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert KinshipTest.objects.count() == 1


def test_a_goal_cannot_cite_an_assessment_of_another_case(worker, things, other_case, client_for):
    foreign = AssessmentFactory(case=other_case)
    data = post_data(things)["goal_create"] | {"source_assessment": foreign.pk}

    response = client_for(worker).post(urls(things)["goal_create"], data)

    assert response.context["form"].errors == {
        "source_assessment": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert things.plan.goals.count() == 1


def test_a_superseded_plan_refuses_new_goals_on_its_form(worker, things, client_for):
    things.plan.status = "superseded"
    things.plan.save()
    ReintegrationPlanFactory(case=things.case, version=2, status="current")

    client = client_for(worker)
    # The form is not even offered for a superseded version, and posting to it changes nothing.
    assert client.get(urls(things)["goal_create"]).status_code == 403
    response = client.post(urls(things)["goal_create"], post_data(things)["goal_create"])

    assert response.status_code == 403
    assert things.plan.goals.count() == 1


def test_a_document_form_posted_twice_records_one_document(worker, things, client_for):
    client = client_for(worker)
    data = post_data(things)["document_create"]

    first = client.post(urls(things)["document_create"], data)
    second = client.post(urls(things)["document_create"], data)

    assert second["Location"] == first["Location"]
    assert IdentityDocument.objects.filter(kind="passport").count() == 1


# --- Successful flows through the pages


def test_recording_a_document_returns_to_the_documents_section(worker, things, client_for):
    response = client_for(worker).post(urls(things)["document_create"], post_data(things)["document_create"])

    assert response["Location"] == things.returnee.get_absolute_url() + "#documents"
    assert IdentityDocument.objects.filter(kind="passport", status="missing").exists()


def test_a_confirmed_match_shows_dna_as_the_kinship_basis_on_the_family_page(worker, things, client_for):
    client = client_for(worker)
    page = client.get(things.family.get_absolute_url()).content.decode()
    assert "DNA test" not in page

    response = client.post(
        urls(things)["kinship_result"],
        {"result": "match", "reported_on": days(-1).isoformat(), "confirm_relationship": "on"},
    )

    assert response["Location"] == things.returnee.get_absolute_url() + "#kinship"
    page = client.get(things.family.get_absolute_url()).content.decode()
    assert page.count("DNA test") == 2  # the returnee and her mother
    assert f"Match, Republican forensic laboratory, {days(-1):%d.%m.%Y}" in page


def test_a_dna_test_can_be_recorded_against_a_relative_of_the_household(worker, things, client_for):
    form = client_for(worker).get(urls(things)["kinship_create"]).context["form"]

    assert list(form.fields["relative"].queryset) == [things.mother]
    assert list(form.fields["consent"].queryset) == [things.consent]


# --- The returnee page


def test_returnee_page_shows_missing_core_documents_at_a_glance(worker, case, client_for):
    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert "0 of 3 issued" in page
    for label in ("Birth certificate", "Citizenship confirmation", "Residence registration"):
        assert f"missing: {label}" in page
    assert "No documents recorded yet." in page


def test_returnee_page_counts_issued_core_documents_and_overdue_ones(worker, case, client_for):
    IdentityDocumentFactory(returnee=case.returnee, kind="birth_certificate", status="issued", issued_on=days(-9))
    IdentityDocumentFactory(returnee=case.returnee, kind="passport", status="requested", due_date=days(-1))
    IdentityDocumentFactory(returnee=case.returnee, kind="national_id", status="requested", due_date=days(5))

    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert "1 of 3 issued" in page
    assert "missing: Birth certificate" not in page
    assert "missing: Citizenship confirmation" in page
    assert '<span class="badge text-bg-danger ms-1">1 overdue</span>' in page
    assert page.count('<span class="badge text-bg-danger">Overdue</span>') == 1


def test_returnee_page_shows_consent_kinship_and_care(worker, case, client_for):
    r = case.returnee
    ConsentRecordFactory(returnee=r, purpose="services", given_on=days(-5))
    ConsentRecordFactory(returnee=r, purpose="photos", given_on=days(-50), expires_on=days(-1))
    ConsentRecordFactory(
        returnee=r, purpose="data_sharing", shared_with="UNICEF", given_on=days(-50), withdrawn_on=days(-2)
    )
    test = KinshipTestFactory(returnee=r, relative__full_name="Калыйпа Тестова", claimed_relationship="grandparent")
    CareArrangementFactory(
        returnee=r, kind="institution", caregiver_name="Children's home", ended_on=datetime.date(2023, 6, 1)
    )
    CareArrangementFactory(
        returnee=r,
        kind="grandparents",
        caregiver_name="Калыйпа Тестова",
        placement_date=datetime.date(2023, 6, 1),
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="77/2023",
    )

    page = client_for(worker).get(r.get_absolute_url()).content.decode()

    summary = page.split('<div class="row g-4">')[0]
    assert '<span class="badge text-bg-success ms-1">Receiving services</span>' in summary
    assert "Photographs</span>" not in summary
    assert "With grandparents" in summary
    assert "Under legal guardianship" in summary
    consent = page.split('id="consent"')[1]
    assert f"withdrawn {days(-2):%d.%m.%Y}" in consent
    assert "Expired" in consent
    assert "UNICEF" in consent
    kinship = page.split('id="kinship"')[1].split("</section>")[0]
    assert "Калыйпа Тестова" in kinship
    assert "Awaiting result" in kinship
    assert reverse("cases:kinship_result", args=[test.pk]) in kinship
    care = page.split('id="care"')[1].split("</section>")[0]
    assert "Institution" in care
    assert "order 77/2023" in care


def test_supervisor_sees_the_returnee_page_without_any_write_link(supervisor, things, client_for):
    page = client_for(supervisor).get(things.returnee.get_absolute_url()).content.decode()

    assert "Awaiting result" in page
    for name in ("document_create", "document_update", "document_transition", "consent_withdraw", "kinship_result"):
        assert urls(things)[name] not in page, name
    for name in ("consent_create", "kinship_create", "care_create"):
        assert urls(things)[name] not in page, name


def test_the_scan_of_a_document_is_linked_through_the_download_view(worker, things, client_for):
    things.document.scan = things.attachment
    things.document.save()

    page = client_for(worker).get(things.returnee.get_absolute_url()).content.decode()

    assert urls(things)["attachment_download"] in page
    assert things.attachment.file.name not in page


# --- The case page


def test_case_page_shows_assessments_and_the_reintegration_summary(worker, case, client_for):
    AssessmentFactory(case=case, kind="medical", status="planned", assessed_on=None, due_date=days(-3))
    AssessmentFactory(case=case, kind="psychosocial", recommended_domains=["psychosocial", "education"])
    plan = ReintegrationPlanFactory(case=case, version=1, status="current")
    PlanGoalFactory(plan=plan, status="achieved")
    PlanGoalFactory(plan=plan, target_date=days(-1))

    page = client_for(worker).get(case.get_absolute_url()).content.decode()

    assert "Medical screening" in page
    assert f'<span class="overdue">due {days(-3):%d.%m.%Y}</span>' in page
    assert "Psychosocial, Education" in page
    assert "version 1 (Current)" in page
    assert "1 of 2 goals achieved" in page
    assert "1 goal overdue" in page
    assert "missing: Birth certificate" in page


def test_case_timeline_names_what_each_event_is_about(worker, things, client_for):
    actions.document_transition(actor=worker, document=things.document, status="in_progress")
    actions.consent_record(
        actor=worker,
        returnee=things.returnee,
        data={"purpose": "services", "given_by": "member", "giver": things.mother, "given_on": days(0)},
    )
    plan_v2 = ReintegrationPlanFactory(case=things.case, version=7, status="superseded")
    actions.goal_progress_add(actor=worker, goal=things.goal, written_on=days(0), text="Attends school daily.")
    actions.assessment_update(actor=worker, assessment=things.assessment, data={"recommended_domains": ["health"]})
    CaseEvent.objects.create(
        case=things.case,
        kind="plan_created",
        actor=worker,
        subject="reintegrationplan",
        subject_id=plan_v2.pk,
        item="7",
    )

    page = client_for(worker).get(things.case.get_absolute_url()).content.decode()
    timeline = " ".join(re.sub(r"<[^>]+>", "", page.split('<ol class="timeline">')[1]).split())

    assert "File uploaded: birth-certificate.pdf" in timeline
    assert "Document status changed: Birth certificate" in timeline
    assert "Status: Requested → In progress" in timeline
    assert "Consent recorded: Receiving services" in timeline
    assert "Progress noted on a goal: Enrol in grade 3" in timeline
    assert "Progress: — → Attends school daily." in timeline
    assert "Assessment updated: Psychosocial" in timeline
    assert "Needs recommended for the plan: — → Health" in timeline
    assert "Plan version started: version 7" in timeline


# --- The plan page


def test_plan_page_of_a_case_without_plan_offers_to_start_one(worker, supervisor, case, client_for):
    url = reverse("cases:plan", args=[case.pk])

    page = client_for(worker).get(url).content.decode()
    assert "This case has no reintegration plan yet." in page
    assert reverse("cases:plan_start", args=[case.pk]) in page

    page = client_for(supervisor).get(url).content.decode()
    assert "This case has no reintegration plan yet." in page
    assert reverse("cases:plan_start", args=[case.pk]) not in page


def test_plan_page_goes_to_the_current_version_before_a_draft(worker, case, client_for):
    current = ReintegrationPlanFactory(case=case, version=1, status="current")
    ReintegrationPlanFactory(case=case, version=2, status="draft")

    response = client_for(worker).get(reverse("cases:plan", args=[case.pk]))

    assert response["Location"] == current.get_absolute_url()


def test_plan_page_lists_goals_by_domain(worker, things, client_for):
    PlanGoalFactory(plan=things.plan, domain="legal", goal="Birth certificate")
    PlanGoalFactory(plan=things.plan, domain="health", goal="Vaccinations")
    progress = GoalProgressFactory(goal=things.goal, author=worker, text="Placement test passed.")

    page = client_for(worker).get(urls(things)["plan_detail"]).content.decode()

    assert re.findall(r'<h2 class="h5 mt-3">(.*?)</h2>', page) == ["Health", "Education", "Legal and documents"]
    education = page.split('<h2 class="h5 mt-3">Education</h2>')[1].split("<h2")[0]
    assert "Enrol in grade 3" in education
    assert progress.text in education
    assert "Vaccinations" not in education


def test_plan_page_offers_goals_for_needs_recommended_by_assessments(worker, supervisor, things, client_for):
    recommending = AssessmentFactory(case=things.case, kind="medical", recommended_domains=["education", "health"])
    AssessmentFactory(
        case=things.case,
        kind="family",
        status="planned",
        assessed_on=None,
        due_date=days(5),
        recommended_domains=["family"],
    )
    shortcut = f"{urls(things)['goal_create']}?domain=health&amp;source_assessment={recommending.pk}"

    page = client_for(worker).get(urls(things)["plan_detail"]).content.decode()

    assert "Needs recommended by assessments, with no goal yet:" in page
    assert shortcut in page
    assert "domain=education" not in page  # the plan already has an education goal
    assert "domain=family" not in page  # a planned assessment recommends nothing yet
    assert shortcut not in client_for(supervisor).get(urls(things)["plan_detail"]).content.decode()

    form = client_for(worker).get(f"{urls(things)['goal_create']}?domain=health&source_assessment={recommending.pk}")
    assert form.context["form"].initial["domain"] == "health"
    assert form.context["form"].initial["source_assessment"] == str(recommending.pk)


def test_a_superseded_version_is_read_only_history(worker, things, client_for):
    things.plan.status = "superseded"
    things.plan.save()
    current = ReintegrationPlanFactory(case=things.case, version=2, status="current")

    page = client_for(worker).get(urls(things)["plan_detail"]).content.decode()

    assert "This version was superseded. It is kept as history and cannot be changed." in page
    assert urls(things)["goal_create"] not in page
    assert urls(things)["goal_update"] not in page
    assert current.get_absolute_url() in page


def test_plan_versions_through_the_pages(worker, supervisor, case, client_for):
    client = client_for(worker)
    client.post(reverse("cases:plan_start", args=[case.pk]))
    v1 = case.plans.get()

    def ask(plan):
        return client.post(reverse("approvals:request", args=["plan", plan.pk]), {"comment": ""})

    def approve(plan):
        approval = plan.approval_requests.get(status="pending")
        client_for(supervisor).post(reverse("approvals:detail", args=[approval.pk]), {"decision": "approve"})
        client_for(worker)  # the same test client: log the worker back in

    refused = ask(v1)
    assert refused.context["form"].non_field_errors() == ["Add at least one goal before making the plan current."]
    client.post(
        reverse("cases:goal_create", args=[v1.pk]),
        {"domain": "health", "goal": "Vaccinations", "status": "not_started", "form_token": token()},
    )
    assert ask(v1)["Location"] == v1.get_absolute_url()
    approve(v1)
    response = client.post(reverse("cases:plan_start", args=[case.pk]), follow=True)

    v2 = case.plans.get(version=2)
    assert "Plan version 2 was started as a draft." in response.content.decode()
    assert list(v2.goals.values_list("goal", flat=True)) == ["Vaccinations"]
    again = client.post(reverse("cases:plan_start", args=[case.pk]), follow=True)
    assert "This case already has a draft plan: finish that one first." in again.content.decode()
    ask(v2)
    approve(v2)
    assert dict(case.plans.values_list("version", "status")) == {1: "superseded", 2: "current"}


# --- Queries do not grow with rows


def fill_returnee(worker, case, n: int) -> None:
    r = case.returnee
    for i in range(n):
        scan = actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload())
        IdentityDocumentFactory(returnee=r, kind="other", status="requested", due_date=days(-1), scan=scan)
        ConsentRecordFactory(returnee=r, form=scan, given_on=days(-i))
        KinshipTestFactory(returnee=r, consent=ConsentRecordFactory(returnee=r, purpose="dna_testing"))
        CareArrangementFactory(
            returnee=r, placement_date=datetime.date(2023, 1, 1) + datetime.timedelta(days=i), ended_on=days(-1)
        )


def test_returnee_page_query_count_does_not_grow_with_rows(worker, case, client_for, django_assert_max_num_queries):
    client = client_for(worker)
    url = case.returnee.get_absolute_url()
    FamilyMemberFactory(returnee=case.returnee)
    CareArrangementFactory(returnee=case.returnee, placement_date=days(-1), guardian_name="Калыйпа")
    fill_returnee(worker, case, 1)
    with django_assert_max_num_queries(25) as small:
        client.get(url)

    fill_returnee(worker, case, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["document_summary"].documents) == 11


def test_case_page_query_count_does_not_grow_with_documents_and_assessments(
    worker, case, client_for, django_assert_max_num_queries
):
    client = client_for(worker)
    url = case.get_absolute_url()
    plan = ReintegrationPlanFactory(case=case, version=1, status="current")

    def fill(n):
        for _ in range(n):
            actions.document_add(actor=worker, returnee=case.returnee, data={"kind": "other", "due_date": days(-1)})
            actions.assessment_record(
                actor=worker, case=case, data={"kind": "medical", "status": "planned", "due_date": days(-2)}
            )
            actions.goal_add(actor=worker, plan=plan, data={"domain": "health", "goal": "Check-up"})

    fill(1)
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    fill(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["assessments"]) == 11


def test_plan_page_query_count_does_not_grow_with_goals(worker, case, client_for, django_assert_max_num_queries):
    client = client_for(worker)
    old = ReintegrationPlanFactory(case=case, version=1, status="superseded")
    plan = ReintegrationPlanFactory(case=case, version=2, status="current")
    url = plan.get_absolute_url()

    def fill(n):
        for i in range(n):
            assessment = AssessmentFactory(case=case, recommended_domains=["health", "livelihoods", "family"])
            domain = ["health", "education", "legal", "psychosocial"][i % 4]
            goal = PlanGoalFactory(plan=plan, domain=domain, source_assessment=assessment, target_date=days(-1))
            GoalProgressFactory.create_batch(2, goal=goal, author=worker)
            PlanGoalFactory(plan=old)

    fill(1)
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    fill(10)
    ReintegrationPlanFactory(case=case, version=3, status="draft")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert sum(len(goals) for _, goals in response.context["goals_by_domain"]) == 11


def test_unrelated_case_rows_do_not_show_on_the_returnee_page(worker, case, client_for):
    other = CaseFactory(worker=worker, returnee=ReturneeFactory())
    IdentityDocumentFactory(returnee=other.returnee, kind="passport", number="OTHER-123")

    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert "OTHER-123" not in page


@pytest.mark.parametrize("language", ["ru", "ky"])
@pytest.mark.parametrize("name", WRITE_PAGES)
def test_each_form_page_is_titled_in_the_readers_language(name, language, things, worker, client_for):
    client = client_for(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    title = str(client.get(urls(things)[name]).context["title"])

    assert re.search(r"[А-Яа-яЁёӨөҮүҢң]", title), title


# --- The consent form and list (issue 13, point 6) ---------------------------------------------------


@pytest.fixture
def ten_year_old(things):
    """The returnee, ten years old, with her mother and a grandmother on record, and a guardianship
    order naming the grandmother."""
    Returnee.objects.filter(pk=things.returnee.pk).update(date_of_birth=days(-10 * 365 - 3))
    things.returnee.refresh_from_db()
    things.grandmother = FamilyMemberFactory(
        family=things.family, full_name="Калыйпа Тестова", relationship="grandparent"
    )
    things.order = CareArrangementFactory(
        returnee=things.returnee,
        kind="grandparents",
        caregiver_name="Калыйпа Тестова",
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="GO-17",
        guardianship_order_date=days(-40),
    )
    things.provider = ProviderFactory(name="Ak-Bata Family Centre", name_ru="Семейный центр «Ак-Бата»")
    return things


def consent_post(t, **overrides) -> dict:
    return {
        "purpose": "data_sharing",
        "giver": f"member:{t.mother.pk}",
        "provider": t.provider.pk,
        "given_on": days(-1).isoformat(),
        "expires_on": days(364).isoformat(),
        "form_token": token(),
        **overrides,
    }


def test_the_consent_form_offers_the_people_on_record_and_says_who_may_consent(ten_year_old, worker, client_for):
    response = client_for(worker).get(urls(ten_year_old)["consent_create"])

    form = response.context["form"]
    assert list(form.fields["giver"].choices) == [
        ("", "---------"),
        ("self", "The returnee themself"),
        (f"member:{ten_year_old.mother.pk}", "Гулнара Тестова — Mother"),
        (f"member:{ten_year_old.grandmother.pk}", "Калыйпа Тестова — Grandparent"),
        (f"guardian:{ten_year_old.order.pk}", "Калыйпа Тестова — legal guardian (order GO-17)"),
    ]
    assert (
        "Below 14, consent comes from a parent or legal guardian on record: a family member recorded as mother, "
        "father or guardian, or the guardian named by a guardianship order. From 14 the returnee may consent "
        "themself. Add a missing parent to the family first." in response.content.decode()
    )


@pytest.mark.parametrize(
    ("giver", "error"),
    [
        (
            "self",
            "The returnee was under 14 when consent was given: a parent or legal guardian on record must consent.",
        ),
        (
            "grandmother",
            "Калыйпа Тестова (Grandparent) may not consent for the returnee: only a parent or legal guardian on "
            "record may, or the returnee themself from age 14.",
        ),
    ],
)
def test_a_giver_who_may_not_consent_is_refused_at_the_field(ten_year_old, worker, client_for, giver, error):
    t = ten_year_old
    value = "self" if giver == "self" else f"member:{t.grandmother.pk}"

    response = client_for(worker).post(urls(t)["consent_create"], consent_post(t, giver=value))

    assert response.status_code == 200
    assert response.context["form"].errors == {"giver": [error]}
    assert field_error_html(response, "giver", error)
    assert not ConsentRecord.objects.filter(purpose="data_sharing").exists()


@pytest.mark.parametrize("giver", ["mother", "order"])
def test_the_mother_or_the_guardian_consents_and_the_page_says_valid(ten_year_old, worker, client_for, giver):
    t = ten_year_old
    value = f"member:{t.mother.pk}" if giver == "mother" else f"guardian:{t.order.pk}"
    client = client_for(worker)

    response = client.post(urls(t)["consent_create"], consent_post(t, giver=value))

    assert response.status_code == 302
    consent = ConsentRecord.objects.get(purpose="data_sharing")
    assert consent.provider == t.provider
    page = client.get(t.returnee.get_absolute_url()).content.decode()
    section = page.split('id="consent"')[1]
    row = section.split("Sharing data with a service provider")[1].split("</tr>")[0]
    assert "Ak-Bata Family Centre" in row
    assert ("Гулнара Тестова" if giver == "mother" else "Калыйпа Тестова") in row
    assert '<span class="badge text-bg-success">Valid</span>' in row


def test_a_category_wide_consent_is_listed_as_such(ten_year_old, worker, client_for):
    t = ten_year_old
    health = ServiceCategory.objects.get(code="health")
    client = client_for(worker)
    client.post(urls(t)["consent_create"], consent_post(t, provider="", service_category=health.pk))
    page = client.get(t.returnee.get_absolute_url()).content.decode()
    assert "any provider of Health" in page


def test_the_consent_page_shows_valid_only_when_the_gate_would_accept(ten_year_old, worker, client_for):
    # given: her own consent (she is ten), recorded before the rule, and one without an end date
    t = ten_year_old
    ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", provider=t.provider, given_by="self", giver=None)
    ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", provider=t.provider, expires_on=None)

    # when
    page = client_for(worker).get(t.returnee.get_absolute_url()).content.decode()

    # then
    section = page.split('id="consent"')[1].split("</section>")[0]
    assert section.count('<span class="badge text-bg-success">Valid</span>') == 1  # only the DNA consent
    assert "The returnee was under 14 when consent was given" in section
    assert "It has no expiry date." in section


def test_consent_rows_of_every_kind_add_no_queries(ten_year_old, worker, client_for, django_assert_max_num_queries):
    # given: consents by the mother, the guardian and the returnee, about a provider and a category
    t = ten_year_old
    client = client_for(worker)
    health = ServiceCategory.objects.get(code="health")

    def add_consents():
        ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", provider=t.provider)
        ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", service_category=health)
        ConsentRecordFactory(returnee=t.returnee, given_by="guardian", giver=None, guardianship=t.order)
        ConsentRecordFactory(returnee=t.returnee, given_by="self", giver=None)

    add_consents()
    with django_assert_max_num_queries(25) as small:
        client.get(t.returnee.get_absolute_url())

    # when
    for _ in range(10):
        add_consents()

    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(t.returnee.get_absolute_url())
    assert len(response.context["consents"]) == 45


@pytest.mark.parametrize(("language", "title"), [("ru", "Зарегистрировать согласие"), ("ky", "Макулдукту каттоо")])
def test_form_pages_are_titled_in_the_users_language(things, worker, client_for, language, title):
    # The titles were translated once, in English, when the module was imported.
    client = client_for(worker)
    client.cookies["django_language"] = language
    page = client.get(urls(things)["consent_create"]).content.decode()
    assert f'<h1 class="h3 mb-1">{title}</h1>' in page
