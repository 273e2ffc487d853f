"""The approvals queue's export holds the rows the queue shows (an approver's default, the pending
requests, included), in its order, for each role: only requests on cases the user may see. Every
test only reads, so the people, the two cases and their requests are made once for the module
(tests/worlds.py)."""

import pytest

from repat.approvals import actions
from tests.exports import csv_rows, ids
from tests.factories import CaseFactory, ReturneeFactory, person, region
from tests.worlds import clients_of_world, module_world, reread, sessions_of

from .factories import CLOSURE_REASON, OVERRIDE_REASON, subjects_of
from .test_exports import EXPORT, QUEUE, requests_on

pytestmark = pytest.mark.django_db

ROLES = ("worker", "coordinator", "supervisor", "administrator")


def build_world():
    """As tests/approvals/conftest.py's fixtures: `case` in Chüy held by the worker, with what
    approvals are asked about, and `other_case` in Osh held by the other worker; then their requests."""
    people = {name: person(name) for name in (*ROLES, "other_worker")}
    worker, other_worker = people["worker"], people["other_worker"]
    case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=region("Chüy Oblast")))
    other_case = CaseFactory(worker=other_worker, returnee=ReturneeFactory(region=region("Osh Oblast")))
    subjects = subjects_of(case, worker)

    def ask(kind):
        data = {"closure_reason": CLOSURE_REASON} if kind == "closure" else {}
        if kind == "consent_override":
            data["comment"] = OVERRIDE_REASON
        return actions.approval_request(actor=worker, kind=kind, case=case, subject=subjects[kind], **data)

    return {
        "people": people,
        "sessions": sessions_of(people.values()),
        "requests": requests_on(ask, people["supervisor"], other_case, other_worker),
    }


world = module_world(build_world)


client_for = clients_of_world()


@pytest.fixture
def requests(world):
    return world["requests"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=returned",
        "?status=",
        "?status=&sort=requested",
        "?sort=-requested",
        "?sort=id",
        "?kind=closure&status=",
        "?status=zz",
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_the_queue_exports_the_rows_its_page_shows(query, role, requests, world, client_for):
    client = client_for(reread(world["people"][role]))
    shown = [approval.pk for approval in client.get(QUEUE + query).context["approvals"]]
    rows = csv_rows(client.get(EXPORT + query))
    assert ids(rows) == shown
    if role != "administrator":
        assert requests["osh"].pk not in ids(rows)
