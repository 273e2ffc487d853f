"""English smoke tests of what the journeys (test_journeys.py) do not walk through: a document issued
and a plan goal, a plan approved from the queue, a probable duplicate on a phone."""

import pytest

# serialized_rollback: the regions seeded by a migration come back after each test flushes the tables.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # One process of a parallel run takes them all: Chromium starts, and the demo data is made, once.
    pytest.mark.xdist_group("demo"),
]


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


def test_supervisor_approves_a_plan_from_the_queue(demo, page, login):
    from cases.models import ReintegrationPlan
    from repat.approvals.models import ApprovalRequest

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
