"""The approvals queue's export: its columns, what it records, and its cost; never provider staff.
That it holds the rows the queue shows, for each role, is in test_export_roles.py."""

import pytest
from django.urls import reverse

from repat.approvals import actions
from tests.exports import csv_rows, last_export, xlsx_rows

pytestmark = pytest.mark.django_db

QUEUE = reverse("approvals:queue")
EXPORT = reverse("approvals:queue_export")


def requests_on(ask, supervisor, other_case, other_worker):
    """A pending assessment, a returned plan and a pending closure on `case`; a closure in Osh."""
    assessment = ask("assessment")
    plan = ask("plan")
    actions.approval_decide(actor=supervisor, approval=plan, approve=False, comment="Add a goal on housing.")
    closure = ask("closure")
    osh = actions.approval_request(
        actor=other_worker, kind="closure", case=other_case, subject=None, closure_reason="reintegrated", comment=""
    )
    return {"assessment": assessment, "plan": plan, "closure": closure, "osh": osh}


@pytest.fixture
def requests(ask, supervisor, other_case, other_worker):
    return requests_on(ask, supervisor, other_case, other_worker)


def test_the_export_has_the_queue_columns(requests, supervisor, case, client_for):
    header, *rows = xlsx_rows(client_for(supervisor).get(EXPORT + "?status=returned&format=xlsx"))
    assert header == [
        "ID",
        "Case number",
        "Approval of",
        "Status",
        "Region",
        "Requested by",
        "Requested at",
        "Answered by",
        "Answered at",
    ]
    (row,) = rows
    assert row[:4] == [
        requests["plan"].pk,
        case.returnee.case_number,
        "Reintegration plan · version 1",
        "Returned for changes",
    ]
    assert row[4:6] == ["Chüy Oblast", str(case.worker)]
    assert row[7] == str(supervisor)


def test_an_approvers_default_filter_is_recorded(requests, supervisor, client_for):
    client_for(supervisor).get(EXPORT)
    assert last_export().changes == {
        "list": "approvals",
        "format": "csv",
        "filters": {"status": "pending"},
        "search": False,
        "rows": 2,
    }


def test_the_queue_offers_the_export(requests, supervisor, client_for):
    html = client_for(supervisor).get(QUEUE + "?kind=closure").content.decode()
    assert f'href="{EXPORT}?kind=closure&amp;format=csv"' in html


def test_provider_staff_get_403(provider_user, client_for):
    assert client_for(provider_user).get(EXPORT).status_code == 403


def test_the_number_of_queries_does_not_grow_with_the_rows(ask, supervisor, client_for, django_assert_max_num_queries):
    client = client_for(supervisor)
    ask("assessment")
    csv_rows(client.get(EXPORT + "?status="))
    with django_assert_max_num_queries(30) as few:
        csv_rows(client.get(EXPORT + "?status="))
    ask("plan")
    ask("closure")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(csv_rows(client.get(EXPORT + "?status="))) == 4
