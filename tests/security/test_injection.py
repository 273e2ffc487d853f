"""Hostile query strings: every filter, search and page parameter of every list page fuzzed with
SQL-injection strings, wildcards, huge numbers, a NUL byte, odd dates and repeated parameters;
and object URLs with ids no row can have. Never a server error, and never a returnee outside the
viewer's need-to-know on the page."""

import re

import pytest
from django.urls import reverse

from repat.reports.models import DashboardSnapshot
from repat.reports.selectors import INDICATOR_KEYS

from .helpers import compute_dashboards, shown, xlsx_text
from .routes import ROUTES
from .test_need_to_know import INCOMING_TRANSFER, VISIBLE

pytestmark = pytest.mark.django_db

FUZZ = (
    "' OR '1'='1",
    "1; DROP TABLE cases_case;--",
    "1) UNION SELECT username, password FROM accounts_user--",
    "%",
    "_",
    "Чүй عربي ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "A" * 5000,
    "0",
    "-1",
    "1e309",
    "9999999999999999999999",
    "\x00",
    "0001-01-01",
    "2025-02-30",
    "",
)
# Repeated parameters (?status=a&status=b).
ARRAYS = ([FUZZ[0], FUZZ[3]], ["open", "closed"])

# Each list page: its GET parameters and who looks at it (a role whose view is narrow, so that a
# filter widening the list would show).
LISTS = {
    "cases:caseload": (
        (
            "q",
            "status",
            "risk_level",
            "operation",
            "region",
            "worker",
            "indicator",
            "on",
            "sort",
            "overdue",
            "hide_closed",
            "page",
        ),
        ("coordinator",),
    ),
    "cases:search": (("q",), ("worker",)),
    "services:queue": (
        ("status", "category", "region", "provider", "overdue", "since", "until", "unassigned", "page"),
        ("coordinator", "provider_user"),
    ),
    "approvals:queue": (("status", "kind", "region", "operation", "requested_by", "page"), ("worker",)),
    "audit:search": (("action", "user", "case", "object_type", "since", "until", "page"), ("administrator",)),
    "reports:dashboard": (("start", "end", "operation", "region", "organisation"), ("coordinator",)),
    "reports:report_list": (("page",), ("supervisor",)),
    "reminders:list": (("page",), ("worker", "provider_user")),
    # The exports take their list's filters (the caseload's search only from the session).
    "cases:caseload_export": (
        ("q", "status", "risk_level", "operation", "region", "worker", "indicator", "on", "sort", "overdue", "page"),
        ("coordinator",),
    ),
    "services:queue_export": (
        ("status", "category", "region", "provider", "overdue", "since", "until"),
        ("coordinator",),
    ),
    "approvals:queue_export": (("status", "kind", "region", "operation", "requested_by"), ("worker",)),
    "reminders:list_export": (("page",), ("worker",)),
    "reminders:escalations": (("page",), ("coordinator",)),
    "services:providers": (("page",), ("coordinator",)),
    "services:consent_overrides": (("page",), ("supervisor",)),
    "cases:transfers": (("page",), ("colleague",)),
}
# Pages that answer htmx with a fragment: fuzzed both ways.
HTMX = {"cases:caseload", "reports:dashboard"}


def foreign_ids(world, param) -> list[str]:
    """Real ids of the other region (Osh) for parameters that take one."""
    osh = world.osh
    return [
        str(value)
        for value in {
            "region": [osh.region.pk],
            "worker": [osh.worker.pk],
            "requested_by": [osh.worker.pk],
            "provider": [osh.provider.pk],
            "case": [osh.case.pk],
            "user": [osh.worker.username],
            "q": [osh.returnee.case_number, osh.returnee.family_name],
        }.get(param, [])
    ]


def forbidden_markers(world, role, name="") -> set[str]:
    """What must not be on `name` for `role`: the returnees of regions outside their view (the
    colleague's transfer list names the case offered to them)."""
    allowed = set(VISIBLE[role])
    if name == "cases:transfers" and role in INCOMING_TRANSFER:
        allowed.add(INCOMING_TRANSFER[role])
    return set().union(*(world.markers(side) for side in world.sides if side.tag not in allowed))


def rendered(response) -> str:
    """The page without the values of its form fields: a search box showing what was searched for
    is not a leak."""
    if response.streaming:  # an export
        body = b"".join(response.streaming_content)
        return body.decode("utf-8") if response["Content-Type"].startswith("text/csv") else xlsx_text(body)
    return re.sub(r'value="[^"]*"', "", response.content.decode())


def test_every_list_page_is_fuzzed():
    pages = {route.name for route in ROUTES if route.kind == "page"}
    without_parameters = {
        "cases:emergency_access",
        "cases:returnee_register",
        "cases:family_register",
        "services:bulk_assign",
        "reminders:mark_all_read",
        "reports:report_create",
        "audit:verify",
        "api:docs",  # the API's documentation: the schema, no list
        "api:redoc",
        "cases:search_export",  # the search kept in the session: fuzzed in test_a_posted_search_is_fuzzed_too
        "today:home",  # each person's day: no filter
        "approvals:approve_selected",  # a POST of the ticked approvals (tests/approvals/test_reading.py)
        "cases:manifest_list",  # the upload form and one's own imports
        "cases:manifest_template",  # the same empty template whatever is asked (xlsx unless format=csv)
    }
    assert pages - without_parameters == set(LISTS)


@pytest.mark.parametrize(
    ("name", "param"), [(name, param) for name, (params, _roles) in LISTS.items() for param in params]
)
def test_fuzzed_parameters_never_break_a_list_or_widen_it(name, param, world, client_for):
    for role in LISTS[name][1]:
        client = client_for(world.user(role))
        forbidden = forbidden_markers(world, role, name) if name != "audit:search" else set()
        for i, value in enumerate([*FUZZ, *ARRAYS, *foreign_ids(world, param)]):
            # htmx asks for the fragment: every other value goes that way
            headers = {"HTTP_HX_REQUEST": "true"} if name in HTMX and i % 2 else {}
            response = client.get(reverse(name), {param: value}, follow=True, **headers)
            assert response.status_code == 200, (role, value)
            assert shown(rendered(response), forbidden) == set(), (role, value)


@pytest.mark.parametrize("role", ["worker", "coordinator"])
def test_a_posted_search_is_fuzzed_too(role, world, client_for):
    """The caseload's search box is posted (and kept in the session), never sent in the URL."""
    client = client_for(world.user(role))
    forbidden = forbidden_markers(world, role)
    posts = [{"q": value, "status": value, "page": value} for value in FUZZ]
    for data in [*posts, *({"q": value} for value in foreign_ids(world, "q"))]:
        response = client.post(reverse("cases:caseload"), data, follow=True)
        assert response.status_code == 200, data
        assert shown(rendered(response), forbidden) == set(), data


@pytest.mark.parametrize("indicator", INDICATOR_KEYS)
@pytest.mark.parametrize("on", ["0001-01-01", "0018-12-31", "9999-12-31", "2024-02-29", "2000-02-29"])
def test_an_indicator_counted_on_any_day_never_breaks_the_caseload(indicator, on, world, client_for):
    client = client_for(world.chuy.coordinator)
    response = client.get(reverse("cases:caseload"), {"indicator": indicator, "on": on}, follow=True)
    assert response.status_code == 200
    assert shown(rendered(response), forbidden_markers(world, "coordinator")) == set()


def test_all_filters_at_once_stay_in_scope(world, client_for):
    osh = world.osh
    params = {
        "q": "' OR '1'='1",
        "status": ["open", "closed"],
        "region": osh.region.pk,
        "worker": osh.worker.pk,
        "operation": world.operation.pk,
        "sort": "-name",
        "overdue": "on",
        "hide_closed": "on",
        "page": "2",
    }
    for role in ("worker", "coordinator", "supervisor"):
        response = client_for(world.user(role)).get(reverse("cases:caseload"), params, follow=True)
        assert response.status_code == 200
        assert shown(rendered(response), world.markers(osh)) == set()


def test_a_region_outside_ones_own_is_not_a_dashboard_scope(world, client_for):
    # given
    client = client_for(world.chuy.coordinator)

    # when: the coordinator of Chüy asks for Osh's figures
    response = client.get(reverse("reports:dashboard"), {"region": world.osh.region.pk})
    compute_dashboards()
    page = client.get(reverse("reports:dashboard"), {"region": world.osh.region.pk}).content.decode()

    # then: refused as a filter; whatever is computed covers Chüy only
    assert "region" in response.context["form"].errors
    assert all(snapshot.scope["regions"] == [world.chuy.region.pk] for snapshot in DashboardSnapshot.objects.all())
    assert world.osh.worker.last_name not in page


@pytest.mark.parametrize("start", ["0001-01-01", "1900-01-01"])
def test_dashboard_figures_for_an_absurd_period_are_computed_without_error(start, world, client_for):
    client = client_for(world.chuy.supervisor)
    assert client.get(reverse("reports:dashboard"), {"start": start}).status_code == 200
    compute_dashboards()
    response = client.get(reverse("reports:dashboard"), {"start": start}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


# --- Ids in the path and in object pages' parameters ------------------------------------------------

IMPOSSIBLE_IDS = (0, 2**31, 2**63 - 1, 2**63, 10**22)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kind == "object"], ids=lambda r: r.label)
def test_ids_no_row_can_have_answer_404(route, world, client_for):
    client = client_for(world.administrator)
    for pk in IMPOSSIBLE_IDS:
        url = route.url(world.chuy).replace(f"/{getattr(world.chuy, route.target).pk}/", f"/{pk}/", 1)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (url, method, response.status_code)


@pytest.mark.parametrize(
    ("label", "param"),
    [
        ("cases:goal_create", "domain"),
        ("cases:goal_create", "source_assessment"),
        ("services:referral_create", "goal"),
    ],
)
def test_form_pages_prefilled_from_the_query_string_take_any_value(label, param, world, client_for):
    route = next(route for route in ROUTES if route.label == label)
    client = client_for(world.chuy.worker)
    values = [*FUZZ, *ARRAYS, "²", "٣", str(world.osh.goal.pk), str(world.osh.assessment.pk)]
    for value in values:
        response = client.get(route.url(world.chuy), {param: value})
        assert response.status_code == 200, repr(value)
        assert shown(rendered(response), world.markers(world.osh)) == set(), repr(value)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_redirects_after_sign_in_never_leave_the_site(next_url, world, client):
    client.post(
        reverse("accounts:login") + "?next=" + next_url,
        {"username": world.chuy.worker.username, "password": "test-password-123"},
    )
    response = client.get(reverse("accounts:login"), {"next": next_url})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert not response["Location"].startswith("javascript")


def test_bulk_assignment_never_redirects_off_site(world, client_for):
    side = world.chuy
    data = {"referrals": [side.submitted.pk], "provider": side.provider.pk, "next": "https://evil.example/"}
    response = client_for(side.coordinator).post(reverse("services:bulk_assign"), data)
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
