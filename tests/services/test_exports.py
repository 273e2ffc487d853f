"""The referral queue's export: the rows the queue shows with its filters, in its order; only what
the user may see; never for provider staff, who have no export button either."""

import pytest
from django.urls import reverse

from repat.audit.models import AuditEvent
from tests.exports import csv_rows, ids, last_export, xlsx_rows
from tests.factories import CaseFactory, ReturneeFactory

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("services:queue")
EXPORT = reverse("services:queue_export")


@pytest.fixture
def referrals(case, other_case, worker, provider):
    """Four referrals of the worker's case in several states, and one in Osh."""
    return {
        "submitted": ReferralFactory(case=case, requested_by=worker, status="submitted", shares_data=True),
        "assigned": ReferralFactory(case=case, requested_by=worker, status="assigned", provider=provider),
        "accepted": ReferralFactory(case=case, requested_by=worker, status="accepted", provider=provider),
        "draft": ReferralFactory(case=case, requested_by=worker, status="draft"),
        "osh": ReferralFactory(case=other_case, status="submitted"),
    }


@pytest.mark.parametrize(
    "query",
    ["", "?status=assigned", "?unassigned=on", "?provider={provider}", "?status=nope", "?sort=requested", "?sort=-id"],
)
@pytest.mark.parametrize("role", ["worker", "coordinator", "supervisor", "administrator"])
def test_the_queue_exports_the_rows_its_page_shows(query, role, referrals, provider, request, client_for):
    # given
    client = client_for(request.getfixturevalue(role))
    query = query.format(provider=provider.pk)
    shown = [referral.pk for referral in client.get(QUEUE + query).context["referrals"]]

    # when
    rows = csv_rows(client.get(EXPORT + query))

    # then
    assert ids(rows) == shown
    if role != "administrator":
        assert referrals["osh"].pk not in ids(rows)


def test_the_export_has_the_queue_columns_and_writes_names_safely(worker, chuy, client_for):
    # given
    case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy, family_name="@SUM(1+1)"))
    referral = ReferralFactory(case=case, requested_by=worker, status="submitted")

    # when
    header, row = xlsx_rows(client_for(worker).get(EXPORT + "?format=xlsx"))

    # then
    assert header == [
        "ID",
        "Number",
        "Service",
        "Category",
        "Case number",
        "Name",
        "Status",
        "Urgency",
        "Provider",
        "Assigned to",
        "Region",
        "Due",
        "Overdue",
        "Requested on",
    ]
    assert row[:2] == [referral.pk, referral.number]
    assert row[4:7] == [case.returnee.case_number, "'" + case.returnee.full_name, "Submitted"]


def test_the_export_is_audited_with_its_filters(referrals, coordinator, client_for):
    client_for(coordinator).get(EXPORT + "?status=assigned&overdue=&format=xlsx")
    event = last_export()
    assert event.changes == {
        "list": "referrals",
        "format": "xlsx",
        "filters": {"status": "assigned"},
        "search": False,
        "rows": 1,
    }
    assert event.actor == coordinator


def test_the_queue_offers_the_export_with_its_filters(referrals, coordinator, client_for):
    html = client_for(coordinator).get(QUEUE + "?status=assigned").content.decode()
    assert f'href="{EXPORT}?status=assigned&amp;format=xlsx"' in html


def test_provider_staff_see_no_export_and_get_403(referrals, provider_user, client_for):
    client = client_for(provider_user)
    page = client.get(QUEUE)
    assert page.status_code == 200 and page.context["referrals"]
    assert "export-links" not in page.content.decode() and page.context["exports"] is None
    for fmt in ("csv", "xlsx"):
        assert client.get(f"{EXPORT}?format={fmt}").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_number_of_queries_does_not_grow_with_the_rows(case, worker, client_for, django_assert_max_num_queries):
    client = client_for(worker)
    ReferralFactory(case=case, requested_by=worker)
    csv_rows(client.get(EXPORT))
    with django_assert_max_num_queries(20) as few:
        csv_rows(client.get(EXPORT))
    ReferralFactory.create_batch(30, case=case, requested_by=worker)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(csv_rows(client.get(EXPORT))) == 32
