"""The suite covers every page: each URL pattern of the site (the admin site aside) has an entry in
routes.py saying what it targets and how to reach it. A new view fails here until someone decides
how need-to-know, CSRF and the other attacks apply to it."""

import pytest
from django.urls import reverse

from .routes import EXCLUDED_NAMESPACES, PUBLIC, ROUTES, site_patterns, walk
from .world import ALL_ROLES

pytestmark = pytest.mark.django_db


def test_every_url_pattern_has_an_entry_in_the_suite():
    missing = sorted(set(site_patterns()) - {route.name for route in ROUTES})
    assert missing == [], f"Add these patterns to tests/security/routes.py: {missing}"


def test_every_entry_of_the_suite_is_a_url_pattern():
    stale = sorted({route.name for route in ROUTES} - set(site_patterns()))
    assert stale == [], f"These patterns no longer exist: {stale}"


def test_the_walk_finds_nested_namespaces_and_leaves_out_only_the_admin_site():
    names = {name for name, _route in walk()}
    assert {"cases:case_detail", "services:referral_step", "accounts:login"} <= names
    assert any(name.startswith("admin:") for name in names)
    assert not any(name.split(":")[0] in EXCLUDED_NAMESPACES for name in site_patterns())


def test_only_the_login_page_and_the_language_switch_are_public():
    public = sorted(route.name for route in ROUTES if route.kind == "public")
    assert public == sorted(PUBLIC)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kind in ("object", "api")], ids=lambda r: r.label)
def test_object_routes_name_a_target_that_exists_in_the_world(route, world):
    for side in world.sides:
        assert getattr(side, route.target) is not None
        assert route.url(side) != route.url(world.other(side))


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.kind not in ("object", "api", "api_reference")], ids=lambda r: r.label
)
def test_other_routes_take_no_object(route):
    assert route.target is None
    assert route.url() == reverse(route.name)


def test_each_role_of_the_world_is_a_different_user(world):
    users = {role: world.user(role) for role in ALL_ROLES}
    assert len({user.pk for user in users.values()}) == len(ALL_ROLES)
    assert {role for role, user in users.items() if user.regions.filter(name="Osh Oblast").exists()} == {
        "other_worker",
        "osh_colleague",
        "osh_coordinator",
        "osh_supervisor",
    }
