"""Without signing in, every page sends the visitor to the login page, whatever the method: the
login requirement (LoginRequiredMiddleware, in process_view) answers before the view, so even a
POST-only view does not say "405" to a stranger. Only the login page and the language switch are
public."""

from urllib.parse import quote

import pytest
from django.urls import URLResolver, get_resolver, reverse

from .helpers import domain_state
from .routes import ROUTES

pytestmark = pytest.mark.django_db

# The API answers strangers 401 instead (tests/security/test_api.py).
PRIVATE = [route for route in ROUTES if route.kind != "public" and not route.kind.startswith("api")]


def login_url(next_url: str) -> str:
    return f"{reverse('accounts:login')}?next={quote(next_url)}"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", PRIVATE, ids=lambda r: r.label)
def test_every_private_page_sends_strangers_to_the_login_page(route, method, world, client):
    # given
    url = route.url(world.chuy if route.target else None)

    # when
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, route.data(world.chuy, world.chuy.worker, world))

    # then
    assert response.status_code == 302
    assert response["Location"] == login_url(url)


@pytest.mark.parametrize("route", PRIVATE, ids=lambda r: r.label)
def test_an_anonymous_post_changes_nothing(route, world, client):
    before = domain_state()
    client.post(route.url(world.chuy if route.target else None), route.data(world.chuy, world.chuy.worker, world))
    assert domain_state() == before


def test_the_login_page_is_public(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_a_failed_sign_in_shows_the_login_page_again(client):
    response = client.post(reverse("accounts:login"), {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    assert response.wsgi_request.user.is_anonymous


def test_the_language_switch_is_public_and_post_only(client):
    assert client.get(reverse("accounts:set_language")).status_code == 405
    response = client.post(reverse("accounts:set_language"), {"language": "ru", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ru"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_language_switch_never_redirects_off_site(next_url, client):
    response = client.post(reverse("accounts:set_language"), {"language": "ru", "next": next_url})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_static_files_are_served_before_the_login_requirement(settings):
    """CSS, scripts and fonts are public (the login page needs them); WhiteNoise answers for them
    before the login requirement, and nothing else is served that way."""
    order = settings.MIDDLEWARE
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < order.index(
        "django.contrib.auth.middleware.LoginRequiredMiddleware"
    )
    assert settings.STATIC_URL == "/static/"
    # Uploads have no URL of their own: no pattern serves files from a folder.
    assert not [name for name, view in views() if view.__module__ == "django.views.static"]


def views(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from views(pattern, pattern.namespace or namespace)
        else:
            yield f"{namespace}:{pattern.name}", pattern.callback
