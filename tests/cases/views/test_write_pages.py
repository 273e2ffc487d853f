"""The form pages for documents, consent, kinship, care, assessments and plans (CaseWriteView):
who may open and post each, errors the database also keeps shown at their field, their titles,
and what their events read like on the case timeline."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import CaseEvent
from tests.factories import (
    ConsentRecordFactory,
    IdentityDocumentFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    pdf_upload,
    snapshot,
)

from .helpers import WRITE_PAGES, days, field_error_html, post_data, urls

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("language", ["ru", "ky"])
@pytest.mark.parametrize("name", WRITE_PAGES)
def test_each_form_page_is_titled_in_the_readers_language(name, language, things, worker, client_for):
    client = client_for(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    title = str(client.get(urls(things)[name]).context["title"])

    assert re.search(r"[А-Яа-яЁёӨөҮүҢң]", title), title
