"""Cross-site request forgery: with CSRF checks enforced (as a browser's session would be), a POST
without the token is refused with 403 on every page, for a signed-in role that may otherwise post
there; with the token the same POST goes through. No view is exempt."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .helpers import changed_tables, domain_state
from .routes import ROUTES
from .test_need_to_know import ROLES, codes
from .world import ALL_ROLES

pytestmark = pytest.mark.django_db

# A secret in the form Django issues (32 letters and digits), sent as cookie and as form field.
SECRET = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tAB"


def allowed_role(route) -> str:
    """The first role whose POST to this route succeeds in the need-to-know table (a page where
    nobody's POST does, like a GET-only list, is tried by the worker)."""
    if route.kind in ("self", "public"):
        return "worker"
    posts = {role: post for role, (_get, post) in codes(route.label).items()}
    return next((role for role in ROLES if posts[role] == 302), "worker")


@pytest.fixture
def csrf_client_for(world, client_for):
    """`client_for` (signed in, second factor passed where the role needs it) with CSRF checks
    enforced, as a browser's requests are."""

    def login(role):
        client = client_for(world.user(role))
        client.handler.enforce_csrf_checks = True
        return client

    return login


# The API's session writes are checked in tests/security/test_api.py (JSON bodies).
@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.kind != "public" and not r.kind.startswith("api")], ids=lambda r: r.label
)
def test_a_post_without_the_token_is_refused(route, world, csrf_client_for):
    # given
    role = allowed_role(route)
    side, user = world.chuy, world.user(role)
    client = csrf_client_for(role)
    before = domain_state()

    # when
    response = client.post(route.url(side if route.target else None), route.data(side, user, world))

    # then
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert changed_tables(before, domain_state()) == []


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kind in ("object", "page")], ids=lambda r: r.label)
def test_the_same_post_with_the_token_is_not_refused_for_csrf(route, world, csrf_client_for):
    # given
    role = allowed_role(route)
    side, user = world.chuy, world.user(role)
    client = csrf_client_for(role)
    client.cookies[settings.CSRF_COOKIE_NAME] = SECRET

    # when
    data = {**route.data(side, user, world), "csrfmiddlewaretoken": SECRET}
    response = client.post(route.url(side if route.target else None), data)

    # then: what the need-to-know table says this role gets
    assert response.status_code == codes(route.label)[role][1]


def test_a_token_of_another_session_is_refused(world, csrf_client_for):
    client = csrf_client_for("worker")
    client.cookies[settings.CSRF_COOKIE_NAME] = SECRET
    data = {"contact_date": "2025-01-01", "kind": "home_visit", "summary": "x", "csrfmiddlewaretoken": "x" * 32}
    response = client.post(reverse("cases:case_detail", args=[world.chuy.case.pk]), data)
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["accounts:login", "accounts:set_language"])
def test_public_posts_need_the_token_too(name):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse(name), {"username": "worker-a", "password": "x", "language": "ru"})
    assert response.status_code == 403


def test_every_role_is_refused_without_the_token(world, csrf_client_for):
    """Not only the role tried above: nobody's session posts without the token."""
    url = reverse("reminders:mark_all_read")
    for role in ALL_ROLES:
        assert csrf_client_for(role).post(url).status_code == 403, role
