"""Everything that hangs off a case follows the case (issue 13, point 7): once a case is transferred
to another region and worker, its former worker, coordinator and supervisor get a 404 on every page
of the case and of everything inside it (documents, consents, kinship tests, assessments, plans,
goals, uploads, tasks, referrals, approval requests, the transfer itself), and no list names it any
more; its new worker, coordinator and supervisor see all of it.

The household stays: the former worker still holds the sibling's case in the same family, so the
family page (shared by both cases) still lists the household's members by name, and links only the
cases the reader may open (tests/security/test_need_to_know.py covers that page)."""

import dataclasses
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions as case_actions
from repat.accounts.models import User
from repat.approvals import actions as approval_actions
from repat.reminders import actions as reminder_actions

from .helpers import changed_tables, domain_state, shown
from .routes import routes
from .test_need_to_know import LIST_PAGES, codes

pytestmark = pytest.mark.django_db

FORMER = ("worker", "coordinator", "supervisor")
NEW = ("other_worker", "osh_coordinator", "osh_supervisor")
# Objects of the moved case, by the name `Side` gives them. Left out: `family` (the household is
# shared with the sibling's case, which stays), `moving` and its transfer and approval (the
# sibling's), `reminder` (a reminder is its recipient's: opening it says the case is out of reach,
# see test_a_reminder_of_the_moved_case_no_longer_opens_it) and `report` (not about a case).
MOVED = (
    "case",
    "returnee",
    "document",
    "consent",
    "kinship",
    "assessment",
    "plan",
    "goal",
    "attachment",
    "task",
    "referral",
    "submitted",
    "approval",
    "transfer",
)
ROUTES = [route for route in routes("object") if route.target in MOVED]
# Those with a page to see (the others only take a POST).
PAGES = [route for route in ROUTES if codes(route.label)["administrator"][0] != 405]


@pytest.fixture(scope="module")
def moved(world, django_db_blocker):
    """The Chüy case, with an answered and a waiting approval request, transferred to Osh's
    worker. Returns the Chüy side with `approval` and `transfer` pointing at the moved case's.
    Moved once per module, in the world's transaction: every test here is about the moved case."""
    with django_db_blocker.unblock():
        return _move(world)


def _move(world):
    chuy, osh = world.chuy, world.osh
    returned = approval_actions.approval_request(
        actor=chuy.worker, kind="assessment", case=chuy.case, subject=chuy.assessment, comment="Please look."
    )
    approval_actions.approval_decide(
        actor=chuy.supervisor, approval=returned, approve=False, comment="Say what the school said."
    )
    approval_actions.approval_request(
        actor=chuy.worker, kind="plan", case=chuy.case, subject=chuy.plan, comment="First plan."
    )
    transfer = case_actions.transfer_request(
        actor=chuy.worker, case=chuy.case, to_region=osh.region, to_worker=osh.worker, reason="The family moved."
    )
    case_actions.transfer_decide(actor=osh.worker, transfer=transfer, accept=True)
    return dataclasses.replace(chuy, approval=returned, transfer=transfer)


def markers(side) -> set[str]:
    return {side.case.returnee.case_number, side.case.returnee.full_name}


@pytest.mark.parametrize("role", FORMER)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.label)
def test_the_former_holders_get_404_on_every_object_of_the_case(route, role, moved, world, client_for):
    # given
    user = world.user(role)
    client = client_for(user)
    admin_get, admin_post = codes(route.label)["administrator"]

    # when
    got = client.get(route.url(moved)).status_code
    before = domain_state()
    posted = client.post(route.url(moved), route.data(moved, user, world)).status_code

    # then: as if it did not exist (405 where the view takes no such method at all)
    assert (got, posted) == (405 if admin_get == 405 else 404, 405 if admin_post == 405 else 404)
    assert changed_tables(before, domain_state()) == []


@pytest.mark.parametrize("role", NEW)
@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.label)
def test_the_new_holders_see_every_object_of_the_case(route, role, moved, world, client_for):
    response = client_for(world.user(role)).get(route.url(moved))

    assert response.status_code != 404


@pytest.mark.parametrize("role", FORMER)
@pytest.mark.parametrize("name", [*LIST_PAGES, "approvals:queue/any"])
def test_no_list_names_the_moved_case_to_its_former_holders(name, role, moved, world, client_for):
    client = client_for(world.user(role))
    url = reverse("approvals:queue") + "?status=" if name.endswith("/any") else reverse(name)

    page = client.get(url, follow=True).content.decode()

    assert shown(page, markers(moved)) == set()


@pytest.mark.parametrize("role", FORMER)
def test_searching_for_the_moved_returnee_finds_nothing(role, moved, world, client_for):
    client = client_for(world.user(role))

    for query, other in (
        (moved.case.returnee.full_name, moved.case.returnee.case_number),
        (moved.case.returnee.case_number, moved.case.returnee.full_name),
    ):
        response = client.post(reverse("cases:caseload"), {"q": query}, follow=True)
        assert list(response.context["cases"]) == []
        assert other not in response.content.decode()  # (the search box shows what was typed)


@pytest.mark.parametrize("role", NEW)
def test_the_new_holders_find_the_case_and_its_requests(role, moved, world, client_for):
    client = client_for(world.user(role))

    caseload = client.get(reverse("cases:caseload")).content.decode()
    approvals = client.get(reverse("approvals:queue") + "?status=").content.decode()

    assert moved.case.returnee.case_number in caseload
    assert moved.case.returnee.case_number in approvals
    detail = client.get(moved.approval.get_absolute_url()).content.decode()
    assert moved.case.returnee.full_name in detail
    assert "Say what the school said." in detail


def test_the_family_page_names_the_household_but_not_the_moved_case(moved, world, client_for):
    page = client_for(world.chuy.worker).get(moved.family.get_absolute_url()).content.decode()

    assert moved.case.returnee.case_number not in page
    assert moved.case.get_absolute_url() not in page
    assert moved.moving.returnee.case_number in page  # the sibling's case is still the worker's


def test_a_reminder_of_the_moved_case_no_longer_opens_it(moved, world, client_for):
    client = client_for(world.chuy.worker)

    response = client.get(reverse("reminders:open", args=[moved.reminder.pk]))

    assert response["Location"] == reverse("reminders:list")
    assert moved.case.returnee.case_number not in client.get(reverse("reminders:list")).content.decode()


def test_the_former_supervisor_is_no_longer_reminded_of_the_case_by_e_mail(moved, world, mailoutbox):
    # given: the supervisor was told about the plan waiting for approval before the case moved
    supervisor = world.chuy.supervisor
    User.objects.filter(pk=supervisor.pk).update(email="supervisor-a@example.org")
    ten_o_clock = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(10)))

    # when
    carried = reminder_actions.deliver(user_id=supervisor.pk, now=ten_o_clock)

    # then: told that something happened, not which case
    assert carried > 0
    (mail,) = mailoutbox
    assert moved.case.returnee.case_number not in mail.body
