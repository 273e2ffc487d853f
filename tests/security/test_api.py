"""Need-to-know over the API: every API route of routes.py, read and write, with a token of every
role, against the same world of two regions as the pages (world.py).

As for the pages (test_need_to_know.py), the expectations are written out by hand:

- API_OWN_REGION: what each Chüy role's token gets on Chüy objects and on the lists;
- every role's token gets 404 on every object of the other region (405 where the endpoint takes
  no such method at all);
- a refused write (403, 404, 405) writes nothing; an accepted one (200, 201) writes;
- a read token writes nothing anywhere; strangers get 401; lists name only whom a role may see.
"""

import datetime
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from repat.api import actions
from repat.api.models import ApiToken

from .helpers import changed_tables, domain_state, shown
from .routes import API_ROUTES
from .test_need_to_know import ROLES, VISIBLE
from .world import ALL_ROLES, CHUY_ROLES, OSH_ROLES

pytestmark = pytest.mark.django_db

ALL_SEE = "200 405  200 405  200 405  200 405  200 405  200 405"
SEE_OWN = "200 405  404 405  200 405  200 405  200 405  404 405"  # provider staff never see case files
WRITE = "405 201  405 404  405 201  405 403  405 201  405 404"
UPDATE = "200 200  404 404  200 200  200 403  200 200  404 404"

# (GET, write) per role, in the order of test_need_to_know.ROLES.
# fmt: off
API_OWN_REGION = {
    #                               worker   colleague  coordinator supervisor admin  provider
    "api:returnee-list":            ALL_SEE,
    "api:returnee-detail":          SEE_OWN,
    "api:returnee-detail/patch":    UPDATE,
    "api:returnee-documents":       WRITE,
    "api:family-list":              ALL_SEE,
    "api:family-detail":            SEE_OWN,
    "api:case-list":                ALL_SEE,
    "api:case-detail":              SEE_OWN,
    "api:case-detail/patch":        UPDATE,
    "api:case-notes":               WRITE,
    "api:case-tasks":               WRITE,
    "api:case-referrals":           WRITE,
    "api:note-list":                ALL_SEE,
    "api:note-detail":              SEE_OWN,
    "api:document-list":            ALL_SEE,
    "api:document-detail":          SEE_OWN,
    "api:document-detail/patch":    UPDATE,
    "api:document-transition":      "405 200  405 404  405 200  405 403  405 200  405 404",
    "api:task-list":                ALL_SEE,
    "api:task-detail":              SEE_OWN,
    "api:task-done":                "405 200  405 404  405 200  405 403  405 200  405 404",
    "api:referral-list":            ALL_SEE,
    "api:referral-detail":          "200 405  404 405  200 405  200 405  200 405  200 405",
    "api:referral-step/accept":     "405 403  405 404  405 200  405 403  405 200  405 200",
    "api:referral-step/cancel":     "405 200  405 404  405 200  405 403  405 200  405 403",
    "api:referral-step/revoke":     "405 403  405 404  405 200  405 200  405 200  405 403",
    "api:referral-step/assign":     "405 403  405 404  405 200  405 403  405 200  405 404",
    "api:referral-step/override":   "405 403  405 404  405 403  405 200  405 200  405 404",
    "api:reminder-list":            ALL_SEE,
    # The reminder is the worker's: nobody else reads it.
    "api:reminder-detail":          "200 405  404 405  404 405  404 405  404 405  404 405",
    "api:service-type-list":        ALL_SEE,
    "api:service-type-detail":      ALL_SEE,
    # As the providers page: those who assign referrals or oversee them.
    "api:provider-list":            "403 403  403 403  200 405  200 405  200 405  403 403",
    "api:provider-detail":          "403 403  403 403  200 405  200 405  200 405  403 403",
    # Computed in the background: a scope's first request answers 202 (tests/api/test_views.py).
    "api:indicators":               "403 405  403 405  202 405  202 405  202 405  403 405",
    "api:schema":                   ALL_SEE,
}
# fmt: on
OBJECT_ROUTES = [route for route in API_ROUTES if route.kind == "api"]
# The routes that write for some role (their write answers 200 or 201 in the table).
WRITES = {label for label, row in API_OWN_REGION.items() if {"200", "201"} & set(row.split()[1::2])}


def codes(label: str) -> dict[str, tuple[int, int]]:
    numbers = [int(n) for n in API_OWN_REGION[label].split()]
    return {role: (numbers[2 * i], numbers[2 * i + 1]) for i, role in enumerate(ROLES)}


@pytest.fixture(scope="module")
def keys(world, django_db_blocker):
    """A write token and a read token for every role (issued inside the world's transaction)."""
    with django_db_blocker.unblock():
        expires = timezone.now() + datetime.timedelta(days=30)
        found = {}
        for role in ALL_ROLES:
            user = world.user(role)
            for scope in ApiToken.Scope.values:
                _token, key = actions.token_issue(
                    actor=user, user=user, name=scope, scope=scope, expires_at=expires, second_factor_passed=True
                )
                found[role, scope] = key
        return found


def api(keys, role, scope=ApiToken.Scope.WRITE) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {keys[role, scope]}")


def call(client, method: str, route, side, user, world):
    url = route.url(side if route.target else None)
    if method == "get":
        return client.get(url)
    if route.method == "patch":
        etag = client.get(url).get("ETag", '"none"')
        return client.patch(url, route.data(side, user, world), content_type="application/json", HTTP_IF_MATCH=etag)
    return client.post(url, json.dumps(route.data(side, user, world)), content_type="application/json")


def test_the_table_covers_every_api_route():
    assert set(API_OWN_REGION) == {route.label for route in API_ROUTES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.label)
def test_own_region(route, role, world, keys):
    # given
    side, user = world.chuy, world.user(role)
    client = api(keys, role)
    expected_get, expected_write = codes(route.label)[role]

    # when
    got = call(client, "get", route, side, user, world).status_code
    before = domain_state()
    response = call(client, "write", route, side, user, world)
    written = changed_tables(before, domain_state())

    # then
    assert (got, response.status_code) == (expected_get, expected_write), response.content[:300]
    if expected_write >= 400:
        assert written == []
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    elif route.label in WRITES:
        assert written, "the write was accepted but wrote nothing"


@pytest.mark.parametrize("role", [*CHUY_ROLES, *OSH_ROLES])
@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.label)
def test_other_region_is_not_there(route, role, world, keys):
    """An object of the other region answers 404 to every role's token, read or write, as if it
    did not exist (405 where the endpoint takes no such method)."""
    # given
    own = world.side_of(role)
    other, user = world.other(own), world.user(role)
    client = api(keys, role)
    admin_get, admin_write = codes(route.label)["administrator"]

    # when
    got = call(client, "get", route, other, user, world).status_code
    before = domain_state()
    written = call(client, "write", route, other, user, world).status_code

    # then
    assert (got, written) == (405 if admin_get == 405 else 404, 405 if admin_write == 405 else 404)
    assert changed_tables(before, domain_state()) == []


@pytest.mark.parametrize("route", [r for r in API_ROUTES if r.label in WRITES], ids=lambda r: r.label)
def test_a_read_token_writes_nothing(route, world, keys):
    before = domain_state()

    response = call(
        api(keys, "administrator", ApiToken.Scope.READ), "write", route, world.chuy, world.administrator, world
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert changed_tables(before, domain_state()) == []


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.label)
def test_strangers_get_401_and_change_nothing(route, world, client):
    before = domain_state()

    got = call(client, "get", route, world.chuy, world.chuy.worker, world)
    written = call(client, "write", route, world.chuy, world.chuy.worker, world)

    assert (got.status_code, written.status_code) == (401, 401)
    assert got.json()["error"]["code"] == "not_authenticated"
    assert changed_tables(before, domain_state()) == []


@pytest.mark.parametrize("route", [r for r in API_ROUTES if r.label in WRITES], ids=lambda r: r.label)
def test_a_session_write_without_the_csrf_token_is_refused(route, world, client_for):
    client = client_for(world.administrator)
    client.handler.enforce_csrf_checks = True
    client.cookies[settings.CSRF_COOKIE_NAME] = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tAB"
    before = domain_state()

    response = call(client, "write", route, world.chuy, world.administrator, world)

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert changed_tables(before, domain_state()) == []


LISTS = [route for route in API_ROUTES if route.kind == "api_page" and route.name.endswith("-list")]


@pytest.mark.parametrize("role", list(VISIBLE))
@pytest.mark.parametrize("route", LISTS, ids=lambda r: r.label)
def test_lists_name_only_the_returnees_a_role_may_see(route, role, world, keys):
    response = api(keys, role).get(route.url(), {"page_size": 100})
    body = response.content.decode("unicode_escape") if response.status_code == 200 else ""

    forbidden = set().union(*(world.markers(side) for side in world.sides if side.tag not in VISIBLE[role]))
    assert response.status_code in (200, 403)
    assert shown(body, forbidden) == set()


@pytest.mark.parametrize("role", ["provider_user", "osh_provider_user"])
def test_provider_staff_never_get_a_case_number(role, world, keys):
    client = api(keys, role)
    bodies = [client.get(route.url(), {"page_size": 100}).content.decode("unicode_escape") for route in LISTS]
    side = world.side_of(role)
    bodies.append(client.get(f"/api/v1/referrals/{side.referral.pk}/").content.decode("unicode_escape"))

    assert not any(number in body for body in bodies for side in world.sides for number in side.case_numbers)


def test_the_restricted_section_never_appears_for_anyone(world, keys):
    side = world.chuy
    for role in ALL_ROLES:
        client = api(keys, role)
        for url in (f"/api/v1/returnees/{side.returnee.pk}/", "/api/v1/returnees/", f"/api/v1/cases/{side.case.pk}/"):
            body = client.get(url).content.decode("unicode_escape")
            assert "article 256" not in body and '"charges"' not in body, (role, url)
