"""Sessions: idle and absolute limits, a new key at sign-in, sign-out that ends the server session,
and changes to a user's access that apply on their next request."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from repat.accounts import sessions
from repat.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"


def shift(client, **seconds_ago):
    """Move the session's sign-in (login) and last-seen (seen) times into the past."""
    session = client.session
    if "login" in seconds_ago:
        session[sessions.LOGIN_AT] = int(sessions.now()) - seconds_ago["login"]
    if "seen" in seconds_ago:
        session[sessions.LAST_SEEN] = int(sessions.now()) - seconds_ago["seen"]
    session.save()
    return session.session_key


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_session_idle_for_more_than_30_minutes_is_ended(client_for, worker):
    # Given a worker whose last request was 31 minutes ago
    client = client_for(worker)
    key = shift(client, seen=31 * 60)

    # When they click on
    response = client.get(reverse("cases:caseload"))

    # Then they are signed out, the server session is gone, and the login page says why
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"
    assert flashed(response) == ["You were signed out after 30 minutes without activity. Please sign in again."]
    assert not Session.objects.filter(session_key=key).exists()
    login_page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity. Please sign in again." in login_page
    assert client.get(reverse("cases:caseload"))["Location"].startswith(reverse("accounts:login"))


def test_a_session_used_within_30_minutes_stays(client_for, worker):
    # Given a worker whose last request was 29 minutes ago
    client = client_for(worker)
    shift(client, seen=29 * 60)

    # When they click on
    response = client.get(reverse("cases:caseload"))

    # Then they stay signed in
    assert response.status_code == 200


def test_a_session_ends_12_hours_after_sign_in_however_active(client_for, worker):
    # Given a worker who signed in 12 hours and a minute ago and has been busy since
    client = client_for(worker)
    key = shift(client, login=12 * 3600 + 60, seen=10)

    # When they click on
    response = client.get(reverse("cases:caseload"))

    # Then they are signed out with the reason
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"
    assert flashed(response) == ["You were signed out because you signed in 12 hours ago. Please sign in again."]
    assert not Session.objects.filter(session_key=key).exists()


def test_the_limits_come_from_the_settings(client_for, worker, settings):
    # Given a deployment with a 5-minute idle limit
    settings.REPAT_SESSION_IDLE_MINUTES = 5
    client = client_for(worker)
    shift(client, seen=6 * 60)

    # Then six idle minutes end the session
    response = client.get(reverse("cases:caseload"))
    assert flashed(response) == ["You were signed out after 5 minutes without activity. Please sign in again."]


def test_the_last_activity_is_written_at_most_once_a_minute(client_for, worker):
    # Given a worker seen 30 seconds ago
    client = client_for(worker)
    shift(client, seen=30)
    before = client.session[sessions.LAST_SEEN]

    # When they click on, the time is not rewritten
    client.get(reverse("cases:caseload"))
    assert client.session[sessions.LAST_SEEN] == before

    # When they were last seen 90 seconds ago, it is
    shift(client, seen=90)
    client.get(reverse("cases:caseload"))
    assert client.session[sessions.LAST_SEEN] >= int(sessions.now()) - 1


def test_an_htmx_request_after_the_timeout_loads_the_login_page_whole(client_for, worker):
    # Given an idle session
    client = client_for(worker)
    shift(client, seen=31 * 60)

    # When an htmx fragment is asked for
    response = client.get(reverse("cases:caseload"), headers={"HX-Request": "true"})

    # Then htmx is told to go to the login page
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('accounts:login')}?next=/"


def test_signing_in_gives_the_session_a_new_key(client):
    # Given a browser holding a session key from before signing in (planted, say, by an attacker)
    UserFactory(username="amina")
    planted = SessionStore()
    planted["note"] = "before sign-in"
    planted.create()
    client.cookies["sessionid"] = planted.session_key

    # When the user signs in
    response = client.post(reverse("accounts:login"), {"username": "amina", "password": PASSWORD})

    # Then the signed-in session has another key, and the old key is worth nothing
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    attacker = Client()
    attacker.cookies["sessionid"] = planted.session_key
    assert attacker.get(reverse("cases:caseload"))["Location"].startswith(reverse("accounts:login"))


def test_signing_out_ends_the_server_session(client):
    # Given a signed-in user, and a copy of their session cookie
    UserFactory(username="amina")
    client.post(reverse("accounts:login"), {"username": "amina", "password": PASSWORD})
    stolen = client.cookies["sessionid"].value
    assert client.get(reverse("cases:caseload")).status_code == 200

    # When they sign out
    assert client.get(reverse("accounts:logout")).status_code == 405  # only by POST (no sign-out by link)
    response = client.post(reverse("accounts:logout"))

    # Then the server session is gone: the copied cookie no longer works
    assert response["Location"] == reverse("accounts:login")
    assert not Session.objects.filter(session_key=stolen).exists()
    other = Client()
    other.cookies["sessionid"] = stolen
    assert other.get(reverse("cases:caseload"))["Location"].startswith(reverse("accounts:login"))


def test_the_session_cookie_is_http_only_same_site_and_ends_with_the_browser(client):
    # Given an account
    UserFactory(username="amina")

    # When its owner signs in
    client.post(reverse("accounts:login"), {"username": "amina", "password": PASSWORD})

    # Then the cookie is out of reach of scripts, not sent by other sites' forms, and not kept on disk
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["expires"] == cookie["max-age"] == ""


def test_a_deactivated_user_is_out_on_their_next_request(client_for, worker):
    # Given a signed-in worker
    client = client_for(worker)
    assert client.get(reverse("cases:caseload")).status_code == 200

    # When an administrator deactivates the account
    User.objects.filter(pk=worker.pk).update(is_active=False)

    # Then their next request is treated as signed out
    assert client.get(reverse("cases:caseload"))["Location"].startswith(reverse("accounts:login"))


def test_a_changed_password_ends_the_other_sessions(client_for, worker):
    # Given a worker signed in
    client = client_for(worker)

    # When their password is changed (elsewhere, by them or an administrator)
    worker.set_password("a-new-long-passphrase-9")
    worker.save()

    # Then this session is over
    assert client.get(reverse("cases:caseload"))["Location"].startswith(reverse("accounts:login"))


def test_a_removed_region_takes_effect_on_the_next_request(client_for, coordinator, case, chuy):
    # Given a coordinator of Chüy looking at a case there
    client = client_for(coordinator)
    assert client.get(case.get_absolute_url()).status_code == 200

    # When Chüy is taken off their regions (without signing them out)
    coordinator.regions.remove(chuy)

    # Then the case is not there for them any more
    assert client.get(case.get_absolute_url()).status_code == 404


def test_a_changed_role_takes_effect_on_the_next_request(client_for, coordinator, case):
    # Given a coordinator looking at a case of their region
    client = client_for(coordinator)
    assert client.get(case.get_absolute_url()).status_code == 200

    # When their role becomes social worker (who sees only their own cases)
    User.objects.filter(pk=coordinator.pk).update(role=User.Role.SOCIAL_WORKER)

    # Then the case is not there for them any more
    assert client.get(case.get_absolute_url()).status_code == 404


def test_a_role_that_now_needs_two_factor_is_asked_for_it_on_the_next_request(client_for, coordinator):
    # Given a coordinator signed in with a password only (their role does not need a second factor)
    client = client_for(coordinator)
    assert client.get(reverse("cases:caseload")).status_code == 200

    # When they are made a supervisor
    User.objects.filter(pk=coordinator.pk).update(role=User.Role.SUPERVISOR)

    # Then their next request must set up the second factor first
    assert client.get(reverse("cases:caseload"))["Location"].startswith(reverse("accounts:two_factor_setup"))
