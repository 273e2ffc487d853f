"""The printable case summary: its page and its PDF, in the reader's language, audited, with the
case page's need-to-know and the restricted section only for those who may open it."""

import io

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions
from repat.audit.models import AuditEvent
from tests.factories import AssessmentFactory, FamilyMemberFactory, PlanGoalFactory

from .test_restricted_section import RESTRICTED_DATA, granted

pytestmark = pytest.mark.django_db


def page_url(case) -> str:
    return reverse("cases:case_summary", args=[case.pk])


def pdf_url(case) -> str:
    return reverse("cases:case_summary_pdf", args=[case.pk])


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)


def test_the_summary_shows_the_case_its_plan_and_family(worker, things, client_for):
    page = client_for(worker).get(page_url(things.case)).content.decode()

    assert things.returnee.case_number in page
    assert "Enrol in grade 3" in page
    assert "Гулнара Тестова" in page
    assert 'class="btn btn-primary js-print"' in page
    assert pdf_url(things.case) in page


def test_the_case_page_links_to_its_summary(worker, case, client_for):
    page = client_for(worker).get(case.get_absolute_url()).content.decode()

    assert f'href="{page_url(case)}" id="summary-link"' in page


def test_the_pdf_is_in_the_readers_language_and_audited_as_a_download(worker, things, client_for):
    worker.language = "ru"
    worker.save(update_fields=["language"])

    response = client_for(worker).get(pdf_url(things.case))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="case-summary-{things.returnee.case_number}.pdf"'
    text = pdf_text(response.content)
    assert things.returnee.case_number in text
    assert "Социальный работник" in text  # "Social worker", from the catalogue
    assert "Social worker" not in text
    row = AuditEvent.objects.latest("id")
    assert (row.action, row.object_type, row.case_id, row.detail) == (
        "download",
        "case",
        things.case.pk,
        "cases:case_summary_pdf",
    )


def test_the_page_is_audited_as_a_view(worker, case, client_for):
    client_for(worker).get(page_url(case))

    row = AuditEvent.objects.latest("id")
    assert (row.action, row.object_type, row.case_id, row.detail) == ("view", "case", case.pk, "cases:case_summary")


@pytest.mark.parametrize("who", ["other_worker", "provider_user"])
def test_those_who_may_not_open_the_case_do_not_get_its_summary(who, case, client_for, request):
    client = client_for(request.getfixturevalue(who))

    assert client.get(page_url(case)).status_code == 404
    assert client.get(pdf_url(case)).status_code == 404


def test_the_restricted_section_is_printed_only_for_those_who_may_see_it(worker, coordinator, case, client_for):
    actions.restricted_section_save(actor=granted(worker), returnee=case.returnee, data=RESTRICTED_DATA)
    allowed = client_for(granted(worker))

    shown = allowed.get(page_url(case)).content.decode()
    shown_pdf = pdf_text(allowed.get(pdf_url(case)).content)
    hidden = client_for(coordinator).get(page_url(case)).content.decode()
    hidden_pdf = pdf_text(client_for(coordinator).get(pdf_url(case)).content)

    assert RESTRICTED_DATA["charges"] in shown and "Article 256" in shown_pdf
    for value in filter(None, RESTRICTED_DATA.values()):
        assert value not in hidden
    assert "Article 256" not in hidden_pdf and 'id="summary-restricted"' not in hidden


def test_the_summary_costs_the_same_queries_however_much_the_case_holds(worker, things, client_for):
    client = client_for(worker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(things.case)).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(5):
        AssessmentFactory(case=things.case, kind="educational")
        PlanGoalFactory(plan=things.plan, domain="health", goal=f"Goal {n}")
        FamilyMemberFactory(family=things.family, full_name=f"Relative {n}", relationship="aunt")
    assert queries() == few
