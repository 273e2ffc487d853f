"""Need-to-know, page by page: every route of routes.py, GET and POST, for every role, against a
world of two regions holding one of every kind of object.

The expectations are written out below by hand, not derived from the permission functions, so
that a permission function that became too loose fails here:

- OWN_REGION: what each Chüy role gets on Chüy objects (and on pages without an object);
- every role of one region gets 404 on every object of the other region (405 where the view
  takes no such method at all: that says nothing about the object);
- a refused POST (403, 404, 405) writes nothing; an accepted one (302) writes what it says.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions as case_actions
from cases.models import EmergencyAccess
from repat.accounts.models import User
from repat.reminders import actions as reminder_actions
from tests.reminders.factories import ReminderFactory

from .helpers import changed_tables, compute_dashboards, domain_state, shown, xlsx_text
from .routes import BY_LABEL, ROUTES, returnee_form, token
from .world import CHUY_ROLES, OSH_ROLES

pytestmark = pytest.mark.django_db

ROLES = ("worker", "colleague", "coordinator", "supervisor", "administrator", "provider_user")

# Written by a role that may do it, and by no one else.
WRITE = "200 302  404 404  200 302  403 403  200 302  404 404"

# (GET, POST) per role, in the order of ROLES: a social worker holding the cases, a social worker of
# the same region holding neither, the region's coordinator and supervisor, an administrator, and
# staff of the provider the region's referral is assigned to.
# fmt: off
OWN_REGION = {
    #                                    worker   colleague  coordinator supervisor admin  provider
    # A search is posted (names stay out of URLs), kept in the session, then shown by GET.
    "cases:caseload":                   "200 302  200 302  200 302  200 302  200 302  302 302",
    "cases:search":                     "200 302  200 302  200 302  200 302  200 302  403 403",
    # Exports (GET only): provider staff take no list away, whatever the list (403 before any lookup).
    "cases:caseload_export":            "200 405  200 405  200 405  200 405  200 405  403 405",
    "cases:search_export":              "200 405  200 405  200 405  200 405  200 405  403 405",
    "cases:family_export":              "200 405  404 405  200 405  200 405  200 405  403 405",
    "cases:case_detail":                "200 302  404 404  200 302  200 403  200 302  404 404",
    "cases:case_summary":               "200 405  404 405  200 405  200 405  200 405  404 405",
    "cases:case_summary_pdf":           "200 405  404 405  200 405  200 405  200 405  404 405",
    "cases:case_update":                WRITE,
    "cases:returnee_register":          "200 302  200 302  200 302  403 403  200 302  403 403",
    "cases:family_register":            "200 302  200 302  200 302  403 403  200 302  403 403",
    # Into a family of the region: whoever may register people and has the family in scope.
    "cases:family_register_into":       WRITE,
    "cases:returnee_detail":            "200 405  404 405  200 405  200 405  200 405  404 405",
    "cases:returnee_update":            WRITE,
    "cases:family_detail":              "200 302  404 404  200 302  200 403  200 302  404 404",
    "cases:document_create":            WRITE,
    "cases:document_update":            WRITE,
    "cases:document_transition":        WRITE,
    "cases:consent_create":             WRITE,
    "cases:consent_withdraw":           WRITE,
    "cases:kinship_create":             WRITE,
    "cases:kinship_result":             WRITE,
    "cases:care_create":                WRITE,
    "cases:assessment_create":          WRITE,
    "cases:assessment_update":          WRITE,
    "cases:plan":                       "302 405  404 405  302 405  302 405  302 405  404 405",
    "cases:plan_start":                 "405 302  405 404  405 302  405 403  405 302  405 404",
    "cases:plan_detail":                "200 405  404 405  200 405  200 405  200 405  404 405",
    "cases:goal_create":                WRITE,
    "cases:goal_update":                WRITE,
    "cases:goal_progress":              WRITE,
    "cases:transfer_create":            WRITE,
    "cases:transfers":                  "200 405  200 405  200 405  200 405  200 405  200 405",
    "cases:task_create":                WRITE,
    "cases:task_done":                  "405 302  405 404  405 302  405 403  405 302  405 404",
    # The pending transfer goes to `colleague`: they and the coordinator of the region answer it.
    "cases:transfer_decide":            "405 404  405 302  405 302  405 404  405 302  405 404",
    "cases:transfer_cancel":            "405 302  405 404  405 302  405 403  405 302  405 404",
    "cases:attachment_download":        "200 405  404 405  200 405  200 405  200 405  404 405",
    # A returnee's photo: seen as the returnee is, changed as the case is; removed by a POST only.
    "cases:returnee_photo":             "200 405  404 405  200 405  200 405  200 405  404 405",
    "cases:returnee_photo_edit":        WRITE,
    "cases:returnee_photo_remove":      "405 302  405 404  405 302  405 403  405 302  405 404",
    # Coordinators and supervisors who see both records decide; not the worker who registered them.
    "cases:duplicate_decide":           "404 404  404 404  200 302  200 302  200 302  404 404",
    # Granted to worker, colleague, coordinator and supervisor; read and written only in one's scope.
    "cases:restricted_section":         "200 302  404 404  200 302  200 302  200 302  404 404",
    "cases:emergency_access":           "200 302  200 302  200 302  200 302  403 403  403 403",
    # Supervisors of the region and administrators merge two records; only administrators undo.
    "cases:returnee_merge":             "403 403  404 404  403 403  200 302  200 302  404 404",
    "cases:merge_undo":                 "404 404  404 404  404 404  404 404  200 302  404 404",
    "services:queue":                   "200 405  200 405  200 405  200 405  200 405  200 405",
    "services:queue_export":            "200 405  200 405  200 405  200 405  200 405  403 405",
    "services:bulk_assign":             "405 403  405 403  405 302  405 403  405 302  405 403",
    "services:referral_detail":         "200 405  404 405  200 405  200 405  200 405  200 405",
    "services:referral_step/accept":    "403 403  404 404  200 302  403 403  200 302  200 302",
    "services:referral_step/cancel":    "200 302  404 404  200 302  403 403  200 302  403 403",
    "services:referral_step/revoke":    "403 403  404 404  200 302  200 302  200 302  403 403",
    # Not yet assigned: the provider does not see it at all.
    "services:referral_step/assign":    "403 403  404 404  200 302  403 403  200 302  404 404",
    "services:referral_step/override":  "403 403  404 404  403 403  200 302  200 302  404 404",
    "services:referral_create":         WRITE,
    "services:providers":               "403 403  403 403  200 405  200 405  200 405  403 403",
    "services:consent_overrides":       "403 403  403 403  403 403  200 405  200 405  403 403",
    "reminders:list":                   "200 405  200 405  200 405  200 405  200 405  200 405",
    "reminders:list_export":            "200 405  200 405  200 405  200 405  200 405  403 405",
    "reminders:escalations":            "200 405  200 405  200 405  200 405  200 405  200 405",
    # The reminder is the worker's: nobody else opens it.
    "reminders:open":                   "302 405  404 405  404 405  404 405  404 405  404 405",
    "reminders:mark_all_read":          "405 302  405 302  405 302  405 302  405 302  405 302",
    # One's own reminders only: another person's is not there.
    "reminders:snooze":                 "405 302  405 404  405 404  405 404  405 404  405 404",
    "reminders:done":                   "405 302  405 404  405 404  405 404  405 404  405 404",
    # Approvers of the region approve what they may; the rest are refused before anything is read.
    "approvals:approve_selected":       "405 403  405 403  405 403  405 302  405 302  405 403",
    # Everyone's home page but provider staff's, who are sent to their referrals.
    "today:home":                       "200 405  200 405  200 405  200 405  200 405  302 302",
    "approvals:queue":                  "200 405  200 405  200 405  200 405  200 405  403 403",
    "approvals:queue_export":           "200 405  200 405  200 405  200 405  200 405  403 405",
    # A closure the worker asked for: supervisors of the region (and administrators) decide.
    "approvals:detail":                 "200 403  404 404  200 403  200 302  200 302  404 404",
    "approvals:withdraw":               "405 302  405 404  405 302  405 403  405 302  405 404",
    "approvals:request/assessment":     WRITE,
    "approvals:request/plan":           WRITE,
    "approvals:request/closure":        WRITE,
    "approvals:request/consent_override": WRITE,
    "reports:dashboard":                "403 403  403 403  200 302  200 302  200 302  403 403",
    "reports:report_list":              "403 403  403 403  403 403  200 405  200 405  403 403",
    # Manifest import (issue 16): coordinators and administrators; an import is its uploader's.
    "cases:manifest_list":              "403 403  403 403  200 302  403 403  200 302  403 403",
    "cases:manifest_template":          "403 403  403 403  200 405  403 403  200 405  403 403",
    "cases:manifest_detail":            "404 405  404 405  200 405  404 405  200 405  404 405",
    "cases:manifest_map":               "404 404  404 404  200 302  404 404  200 302  404 404",
    "cases:manifest_commit":            "404 404  404 404  200 302  404 404  200 302  404 404",
    "cases:manifest_file":              "404 405  404 405  200 405  404 405  200 405  404 405",
    "reports:report_create":            "403 403  403 403  403 403  200 302  200 302  403 403",
    # The supervisor's own report: only its author changes the narrative.
    "reports:report_detail":            "404 404  404 404  404 404  200 302  200 403  404 404",
    "reports:report_download/pdf":      "404 405  404 405  404 405  200 405  200 405  404 405",
    "reports:report_download/xlsx":     "404 405  404 405  404 405  200 405  200 405  404 405",
    "audit:search":                     "403 403  403 403  403 403  403 403  200 405  403 403",
    "audit:verify":                     "405 403  405 403  405 403  405 403  405 302  405 403",
    # The API's documentation: the schema's shape, nothing about anyone.
    "api:docs":                         "200 405  200 405  200 405  200 405  200 405  200 405",
    "api:redoc":                        "200 405  200 405  200 405  200 405  200 405  200 405",
}
# fmt: on

# Accepted POSTs that write nothing in the domain tables, and why.
NO_WRITE = {
    "cases:caseload",  # keeps the search text in the session
    "cases:search",  # the same
    "cases:plan_start",  # the case already has a draft: the page says so
    "cases:emergency_access",  # for a case the user may see already: no emergency needed...
    "reports:dashboard",  # recomputes figures (a snapshot, not data about people)
    "audit:verify",  # reads the trail
    "reminders:mark_all_read",  # writes only if the user has unread reminders
    "today:home",  # provider staff are sent to their referrals, whatever the method
}
# ... but for a case outside their scope, breaking the glass is a write (an EmergencyAccess row).
WRITES_FOR = {"cases:emergency_access": {"worker", "colleague", "coordinator", "supervisor"}}


def codes(label: str) -> dict[str, tuple[int, int]]:
    numbers = [int(n) for n in OWN_REGION[label].split()]
    return {role: (numbers[2 * i], numbers[2 * i + 1]) for i, role in enumerate(ROLES)}


def request(client, method, route, side, user, world):
    url = route.url(side)
    if method == "get":
        return client.get(url)
    return client.post(url, route.data(side, user, world))


EXPORTS = {route.label for route in ROUTES if route.name.endswith("_export")}
TABLE_ROUTES = [route for route in ROUTES if route.kind in ("object", "page")]
OBJECT_ROUTES = [route for route in ROUTES if route.kind == "object"]


def test_the_table_covers_every_object_and_page_route():
    assert set(OWN_REGION) == {route.label for route in TABLE_ROUTES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", TABLE_ROUTES, ids=lambda r: r.label)
def test_own_region(route, role, world, client_for):
    # given
    side, user = world.chuy, world.user(role)
    client = client_for(user)
    expected_get, expected_post = codes(route.label)[role]

    # when
    got = request(client, "get", route, side, user, world).status_code
    before = domain_state()
    response = request(client, "post", route, side, user, world)
    written = changed_tables(before, domain_state())

    # then
    assert (got, response.status_code) == (expected_get, expected_post)
    if expected_post != 302:
        assert written == []
    elif route.label not in NO_WRITE or role in WRITES_FOR.get(route.label, ()):
        assert written, f"the POST was accepted but wrote nothing: {response['Location']}"


@pytest.mark.parametrize("role", [*CHUY_ROLES, *OSH_ROLES])
@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.label)
def test_other_region_is_not_there(route, role, world, client_for):
    """An object of the other region answers 404, GET or POST, as if it did not exist."""
    # given
    own = world.side_of(role)
    other, user = world.other(own), world.user(role)
    client = client_for(user)
    admin_get, admin_post = codes(route.label)["administrator"]

    # when
    got = request(client, "get", route, other, user, world).status_code
    before = domain_state()
    posted = request(client, "post", route, other, user, world).status_code

    # then: provider staff are refused every export before it looks anything up (403, not 404)
    if route.label in EXPORTS and role.endswith("provider_user"):
        assert (got, posted) == (403, 405)
    else:
        assert (got, posted) == (405 if admin_get == 405 else 404, 405 if admin_post == 405 else 404)
    assert changed_tables(before, domain_state()) == []


# --- What the pages without an object show ----------------------------------------------------------

# Which region's returnees each role may see named on list pages.
VISIBLE = {
    "worker": {"chuy"},
    "colleague": set(),
    "coordinator": {"chuy"},
    "supervisor": {"chuy"},
    "provider_user": {"chuy"},  # by name only, on the referrals sent to its organisation
    "other_worker": {"osh"},
    "osh_colleague": set(),
    "osh_coordinator": {"osh"},
    "osh_supervisor": {"osh"},
    "osh_provider_user": {"osh"},
    "administrator": {"chuy", "osh"},
}
# The colleague answers a transfer of the worker's second case: the transfer list names that case.
INCOMING_TRANSFER = {"colleague": "chuy", "osh_colleague": "osh"}

LIST_PAGES = (
    "cases:caseload",
    "cases:transfers",
    "services:queue",
    "services:consent_overrides",
    "approvals:queue",
    "reminders:list",
    "reminders:escalations",
    "reports:report_list",
)


@pytest.mark.parametrize("role", list(VISIBLE))
@pytest.mark.parametrize("name", LIST_PAGES)
def test_lists_name_only_the_returnees_a_role_may_see(name, role, world, client_for):
    # when
    response = client_for(world.user(role)).get(reverse(name), follow=True)
    page = response.content.decode()

    # then
    for side in world.sides:
        allowed = side.tag in VISIBLE[role] or (name == "cases:transfers" and INCOMING_TRANSFER.get(role) == side.tag)
        if not allowed:
            assert shown(page, world.markers(side)) == set(), side.tag


@pytest.mark.parametrize("role", [role for role in VISIBLE if not role.endswith("provider_user")])
@pytest.mark.parametrize("name", sorted(EXPORTS - {"cases:family_export"}))
def test_exports_name_only_the_returnees_a_role_may_see(name, role, world, client_for):
    # given: a search in the session that would find the other region's returnees (never theirs to see)
    client = client_for(world.user(role))
    for side in world.sides:
        if side.tag not in VISIBLE[role]:
            client.post(reverse("cases:search"), {"q": side.returnee.family_name})
            client.post(reverse("cases:caseload"), {"q": side.returnee.family_name})

    # when
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse(name), {"format": fmt})
        body = b"".join(response.streaming_content)
        text = body.decode("utf-8") if fmt == "csv" else xlsx_text(body)

        # then
        for side in world.sides:
            if side.tag not in VISIBLE[role]:
                assert shown(text, world.markers(side)) == set(), (side.tag, fmt)


@pytest.mark.parametrize("role", ["provider_user", "osh_provider_user"])
@pytest.mark.parametrize("name", LIST_PAGES)
def test_provider_staff_never_see_case_numbers(name, role, world, client_for):
    page = client_for(world.user(role)).get(reverse(name), follow=True).content.decode()
    for side in world.sides:
        assert shown(page, side.case_numbers) == set()


@pytest.mark.parametrize("role", ["worker", "coordinator", "supervisor", "administrator"])
def test_caseload_lists_the_cases_in_scope(role, world, client_for):
    page = client_for(world.user(role)).get(reverse("cases:caseload")).content.decode()
    expected = set().union(*(side.case_numbers for side in world.sides if side.tag in VISIBLE[role]))
    assert shown(page, world.chuy.case_numbers | world.osh.case_numbers) == expected


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "osh_coordinator", "osh_supervisor"])
def test_dashboard_figures_count_only_the_regions_of_the_viewer(role, world, client_for):
    # given: the figures computed, as the background task would
    client = client_for(world.user(role))
    client.get(reverse("reports:dashboard"))
    compute_dashboards()

    # when
    page = client.get(reverse("reports:dashboard")).content.decode()

    # then: the workers of the viewer's region are named, the others' are not
    own = world.side_of(role)
    assert own.worker.last_name in page
    assert world.other(own).worker.last_name not in page


# --- Emergency access ("break the glass") ----------------------------------------------------------


@pytest.fixture
def broken_glass(world):
    """worker (Chüy) opened the Osh case in an emergency."""
    case_actions.emergency_access_open(
        actor=world.chuy.worker,
        case_number=world.osh.returnee.case_number,
        reason="The child was found alone at the bus station tonight.",
    )
    return world.osh


READ = ("cases:case_detail", "cases:returnee_detail", "cases:plan_detail", "cases:attachment_download")
WRITES = (
    "cases:case_detail",
    "cases:family_detail",
    "cases:kinship_create",
    "cases:consent_create",
    "cases:restricted_section",
    "cases:case_update",
    "cases:returnee_update",
    "cases:document_create",
    "cases:document_update",
    "cases:assessment_update",
    "cases:goal_update",
    "cases:transfer_create",
    "cases:task_create",
    "services:referral_create",
    "approvals:request/closure",
)


@pytest.mark.parametrize("label", READ)
def test_emergency_access_opens_the_case_for_reading(label, broken_glass, world, client_for):
    assert client_for(world.chuy.worker).get(BY_LABEL[label].url(broken_glass)).status_code == 200


@pytest.mark.parametrize("label", WRITES)
def test_emergency_access_never_allows_a_change(label, broken_glass, world, client_for):
    # given
    route, user = BY_LABEL[label], world.chuy.worker
    before = domain_state()

    # when
    response = client_for(user).post(route.url(broken_glass), route.data(broken_glass, user, world))

    # then: refused (the restricted section is not there at all for them)
    assert response.status_code == (404 if label == "cases:restricted_section" else 403)
    assert changed_tables(before, domain_state()) == []


def test_emergency_access_never_places_a_new_returnee_in_the_family_it_opened(broken_glass, world, client_for):
    # given
    user = world.chuy.worker
    data = returnee_form(world.chuy, family=broken_glass.family.pk, relationship="sibling", risk_level="medium")
    before = domain_state()

    # when
    response = client_for(user).post(reverse("cases:returnee_register"), {**data, "form_token": token()})

    # then
    assert response.status_code == 200
    assert "family" in response.context["registration_form"].errors
    assert changed_tables(before, domain_state()) == []


def test_emergency_access_never_lets_a_kinship_test_reach_into_the_family_it_opened(broken_glass, world, client_for):
    # given: a test of the worker's own returnee, against the mother in the family opened in an emergency
    side, route = world.chuy, BY_LABEL["cases:kinship_create"]
    data = {**route.data(side, side.worker, world), "relative": broken_glass.relative.pk}
    before = domain_state()

    # when
    response = client_for(side.worker).post(route.url(side), data)

    # then
    assert response.status_code == 200
    assert "relative" in response.context["form"].errors
    assert changed_tables(before, domain_state()) == []


@pytest.fixture
def regional_glass(world):
    """The coordinator and the supervisor of Chüy opened the Osh case in an emergency."""
    for user in (world.chuy.coordinator, world.chuy.supervisor):
        case_actions.emergency_access_open(
            actor=user,
            case_number=world.osh.returnee.case_number,
            reason="The child was found alone at the bus station tonight.",
        )
    return world.osh


@pytest.mark.parametrize(
    ("role", "label"),
    [
        ("coordinator", "services:referral_step/assign"),
        ("coordinator", "services:referral_step/accept"),
        ("coordinator", "services:referral_step/cancel"),
        ("coordinator", "services:referral_step/revoke"),
        ("supervisor", "services:referral_step/revoke"),
        ("supervisor", "services:referral_step/override"),
    ],
)
def test_emergency_access_never_moves_a_referral(role, label, regional_glass, world, client_for):
    # given
    route, user = BY_LABEL[label], world.user(role)
    client = client_for(user)
    before = domain_state()

    # when
    shown_step = client.get(route.url(regional_glass)).status_code
    response = client.post(route.url(regional_glass), route.data(regional_glass, user, world))

    # then
    assert (shown_step, response.status_code) == (403, 403)
    assert changed_tables(before, domain_state()) == []


def test_emergency_access_shows_a_referral_without_its_steps(regional_glass, world, client_for):
    response = client_for(world.chuy.coordinator).get(regional_glass.submitted.get_absolute_url())
    assert response.status_code == 200
    assert response.context["steps"] == []


def test_emergency_access_never_lets_a_referral_be_assigned_in_bulk(regional_glass, world, client_for):
    osh = regional_glass
    before = domain_state()
    response = client_for(world.chuy.coordinator).post(
        reverse("services:bulk_assign"), {"referrals": [osh.submitted.pk], "provider": osh.provider.pk}
    )
    assert response.status_code == 403
    assert changed_tables(before, domain_state()) == []


def test_emergency_access_never_opens_the_restricted_section(broken_glass, world, client_for):
    client = client_for(world.chuy.worker)
    url = reverse("cases:restricted_section", args=[broken_glass.returnee.pk])
    assert client.get(url).status_code == 404
    page = client.get(broken_glass.case.get_absolute_url()).content.decode()
    assert "article 256" not in page


def test_emergency_access_ends_when_it_expires(broken_glass, world, client_for):
    EmergencyAccess.objects.update(expires_at=timezone.now())
    response = client_for(world.chuy.worker).get(broken_glass.case.get_absolute_url())
    assert response.status_code == 404


def test_the_restricted_section_stays_out_of_the_pages_of_everyone_else(world, client_for):
    for role in ("provider_user", "colleague", "other_worker", "osh_supervisor"):
        client = client_for(world.user(role))
        for label in ("services:referral_detail", "services:queue", "reminders:list"):
            route = BY_LABEL[label]
            page = client.get(route.url(world.chuy) if route.target else reverse(label)).content.decode()
            assert "article 256" not in page, (role, label)


@pytest.mark.parametrize(("role", "names_case"), [("provider_user", False), ("worker", True)])
def test_reminder_e_mails_name_case_numbers_only_to_those_who_may_see_them(role, names_case, world, mailoutbox):
    # given: reminders waiting (the provider's: a referral was assigned to it)
    user = world.user(role)
    User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")
    ten_o_clock = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(10)))

    # when
    carried = reminder_actions.deliver(user_id=user.pk, now=ten_o_clock)

    # then
    assert carried > 0
    (mail,) = mailoutbox
    assert (world.chuy.returnee.case_number in mail.body) is names_case
    assert world.chuy.returnee.full_name not in mail.body


def test_a_reminder_about_a_case_one_can_no_longer_see_does_not_open_it(world, client_for):
    # given: the colleague was reminded about the worker's case (an old escalation, say)
    reminder = ReminderFactory(case=world.chuy.case, recipient=world.chuy.colleague)

    # when
    response = client_for(world.chuy.colleague).get(reverse("reminders:open", args=[reminder.pk]))

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("reminders:list")


@pytest.mark.parametrize("role", ["worker", "supervisor", "administrator", "provider_user"])
@pytest.mark.parametrize("route", [r for r in ROUTES if r.kind == "self"], ids=lambda r: r.label)
def test_own_account_pages_answer_every_role(route, role, world, client_for):
    """Pages about the signed-in user's own account: no object, nothing of anyone else's."""
    client = client_for(world.user(role))
    for method in ("get", "post"):
        response = getattr(client, method)(reverse(route.name))
        assert response.status_code in (200, 302, 405), (method, response.status_code)
        for side in world.sides:
            assert shown(response.content.decode(), world.markers(side)) == set()
