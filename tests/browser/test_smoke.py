import pytest

from cases.models import Note

# serialized_rollback: the regions seeded by a migration come back after each test flushes the tables.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # One process of a parallel run takes them all: Chromium starts, and the demo data is made, once.
    pytest.mark.xdist_group("browser"),
]


def test_worker_opens_a_case_and_logs_a_visit(demo, page, login):
    login("worker1")
    assert page.locator("h1").inner_text() == "Today"  # the home page: what needs them this week
    page.locator("nav a", has_text="My caseload").first.click()
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


def test_worker_records_a_document_as_issued_and_adds_a_plan_goal(demo, page, login):
    from cases.models import IdentityDocument, PlanGoal

    document = (
        IdentityDocument.objects.filter(returnee__case__worker__username="worker1", status="in_progress")
        .select_related("returnee")
        .first()
    )
    returnee = document.returnee
    login("worker1")

    # The returnee page shows the document; change its status to issued.
    page.goto(returnee.get_absolute_url())
    row = page.locator("#documents tr", has_text=document.get_kind_display())
    row.locator("a", has_text="Change status").click()
    page.select_option("#id_status", "issued")
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector(".alert-success")
    assert "The document status was changed." in page.locator(".alert-success").inner_text()
    assert "Issued" in page.locator("#documents tr", has_text=document.get_kind_display()).inner_text()
    document.refresh_from_db()
    assert document.status == "issued"

    # From the case page to the plan: start one if needed, then add a goal.
    page.goto(returnee.case.get_absolute_url())
    page.click("text=Reintegration plan")
    if page.locator("button", has_text="Start the plan").count():
        page.click("button:has-text('Start the plan')")
    page.click("text=Add a goal")
    page.select_option("#id_domain", "education")
    page.fill("#id_goal", "Browser test: enrol in the village school")
    page.fill("#id_responsible", "District education department")
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector(".alert-success")
    assert "Browser test: enrol in the village school" in page.content()
    assert PlanGoal.objects.filter(plan__case=returnee.case, goal="Browser test: enrol in the village school").exists()


def test_coordinator_assigns_a_submitted_referral_to_a_provider(demo, page, login):
    from repat.accounts.models import User
    from services.models import Referral
    from services.permissions import referrals_visible_to

    coordinator = User.objects.get(username="coordinator1")
    referral = (
        referrals_visible_to(coordinator)
        .filter(status="submitted", shares_data=False)
        .select_related("service_type")
        .order_by("id")
        .first()
    )
    login("coordinator1")

    page.goto("/services/referrals/?unassigned=on")
    page.click(f"a[href='{referral.get_absolute_url()}']")
    page.click("text=Assign to a provider")
    provider_option = page.locator("#id_provider option").nth(1)
    provider_name = provider_option.inner_text()
    page.select_option("#id_provider", index=1)
    page.fill("#id_comment", "Browser test assignment")
    page.click("button[type=submit].btn-primary")

    page.wait_for_selector(".alert-success")
    assert f"The referral was assigned to {provider_name}." in page.locator(".alert-success").inner_text()
    assert provider_name in page.content()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ASSIGNED
    assert referral.provider.name == provider_name


def test_supervisor_approves_a_plan_and_downloads_a_report(demo, page, login):
    import io

    from openpyxl import load_workbook

    from cases.models import ReintegrationPlan
    from repat.approvals.models import ApprovalRequest
    from repat.reports.models import ReportExport

    waiting = ApprovalRequest.objects.filter(kind="plan", status="pending").order_by("requested_at", "id").first()
    login("supervisor1")

    # The approvals queue lists the plan waiting; the supervisor opens it and approves.
    # Past the first three, the top bar's entries are under "More".
    page.click("nav .dropdown-toggle:has(.bi-three-dots)")
    page.click("nav .dropdown-menu >> text=Approvals")
    page.select_option("#id_kind", "plan")
    page.click("input[type=submit][value=Filter]")
    page.locator("#approvals tbody tr", has_text=waiting.case.returnee.case_number).locator("a").first.click()
    page.wait_for_url(f"**/approvals/{waiting.pk}/")
    page.click("button[value=approve]")
    page.wait_for_selector(".alert-success")
    assert "Approved." in page.locator(".alert-success").inner_text()
    plan = ReintegrationPlan.objects.get(pk=waiting.plan_id)
    assert (plan.status, plan.approved_by.username) == ("current", "supervisor1")

    # A new progress report for Chüy, produced in the background; the page follows its progress.
    page.click("nav .dropdown-toggle:has(.bi-three-dots)")
    page.click("nav .dropdown-menu >> text=Progress reports")
    page.click("text=Make a progress report")
    page.fill("#id_period_start", "2021-01-01")
    page.select_option("#id_region", label="Chüy Oblast")
    page.fill("#id_summary", "Browser test: the quarter in Chüy.")
    page.click("button:has-text('Produce the report')")
    page.wait_for_selector("#download-xlsx", timeout=60_000)
    with page.expect_download() as pdf:
        page.click("#download-pdf")
    assert pdf.value.path().read_bytes()[:4] == b"%PDF"
    with page.expect_download() as xlsx:
        page.click("#download-xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.value.path().read_bytes()))
    assert "Summary" in workbook.sheetnames
    assert ReportExport.objects.filter(user__username="supervisor1").count() == 2


def test_worker_on_a_phone_is_told_of_a_probable_duplicate_and_confirms_another_person(demo, page, login):
    from cases.models import DuplicateDecision, Returnee

    recorded = Returnee.objects.get(case_number="KG-2023-00017")  # Абдыкадырова Марьям, worker1's
    page.set_viewport_size({"width": 360, "height": 800})
    login("worker1")

    # The same name in passport Latin, registered again
    page.goto("/returnees/new/")
    page.fill("#id_family_name", "ABDYKADYROVA")
    page.fill("#id_given_name", "MARIAM")
    page.select_option("#id_sex", "female")
    page.select_option("#id_operation", str(recorded.operation_id))
    page.fill("#id_arrival_date", "2023-02-10")
    page.select_option("#id_region", str(recorded.region_id))
    page.fill("#id_new_family_name", "Abdykadyrovy")
    page.locator("main form [type=submit]").last.click()

    # The match is shown, nothing is saved, and the page does not scroll sideways at 360 px
    panel = page.locator("#probable-duplicates")
    assert recorded.case_number in panel.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not Returnee.objects.filter(family_name="ABDYKADYROVA").exists()

    # Confirming another person, with a reason, registers her and keeps the reason
    page.check("#id_distinct_person")
    page.fill("#id_distinct_reason", "Another mother: different birthplace and children.")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url("**/cases/*/")
    decision = DuplicateDecision.objects.get(returnee__family_name="ABDYKADYROVA")
    assert (decision.candidate, decision.reason) == (recorded, "Another mother: different birthplace and children.")
