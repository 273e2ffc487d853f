import pytest
from django.core.management import call_command

from cases.models import Note

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_opens_a_case_and_logs_a_visit(page, login):
    call_command("seed_demo")
    login("worker1")
    assert page.locator("h1").inner_text() == "My caseload"

    page.locator("#case-table tbody tr a").first.click()
    page.wait_for_url("**/cases/*/")
    case_number = page.locator("h1 small").inner_text()
    before = Note.objects.filter(case__returnee__case_number=case_number).count()

    page.select_option("#id_kind", "home_visit")
    page.fill("#id_summary", "Browser test: the family is well; the child goes to school.")
    page.click("#log-visit button[type=submit]")

    page.wait_for_selector(".alert-success")
    assert "The contact was logged." in page.locator(".alert-success").inner_text()
    assert "Browser test: the family is well" in page.locator(".timeline").inner_text()
    assert Note.objects.filter(case__returnee__case_number=case_number).count() == before + 1
