"""Failed sign-ins lock out the username and, separately, the address (django-axes): the same
messages whether or not the username exists, a clear page when locked, and an end to it."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"
WRONG_LOGIN = "Please enter a correct username and password. Note that both fields may be case-sensitive."
LOCKED = (
    "Too many failed sign-in attempts. Signing in is blocked for 30 minutes; "
    "try again later or ask an administrator to unblock it."
)


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_five_wrong_passwords_lock_the_username_from_any_address(client):
    # Given an account
    UserFactory(username="amina")

    # When four wrong passwords come from four addresses
    attempts = [sign_in(client, "amina", "wrong", address=f"10.0.0.{n}") for n in range(1, 5)]

    # Then each says the usual thing and nothing is locked yet
    assert [response.status_code for response in attempts] == [200, 200, 200, 200]
    assert all(errors(response) == [WRONG_LOGIN] for response in attempts)

    # When the fifth wrong password comes from yet another address
    fifth = sign_in(client, "amina", "wrong", address="10.0.0.5")

    # Then the login page says the sign-in is blocked
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()
    assert 'id="id_username"' in fifth.content.decode()

    # And even the right password, from a fresh address, does not get in
    right = sign_in(client, "amina", PASSWORD, address="10.0.0.6")
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_username_gets_the_same_messages_and_the_same_lockout(client):
    # Given one account that exists and a name that does not
    UserFactory(username="amina")

    # When both fail five times (each from its own address, so only the username counts)
    known = [sign_in(client, "amina", "wrong", address="10.0.1.1") for _ in range(5)]
    unknown = [sign_in(client, "nobody", "wrong", address="10.0.2.1") for _ in range(5)]

    # Then the answers cannot tell them apart
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200, 200, 200, 200, 429]
    assert [errors(r) for r in known[:4]] == [errors(r) for r in unknown[:4]] == [[WRONG_LOGIN]] * 4
    assert LOCKED in known[4].content.decode()
    assert LOCKED in unknown[4].content.decode()


def test_five_failures_from_one_address_lock_that_address_for_every_username(client):
    # Given an account, and an address that failed five times with five different usernames
    UserFactory(username="amina")
    for n in range(5):
        sign_in(client, f"guess-{n}", "wrong", address="192.0.2.7")

    # When the account's owner signs in correctly from that address
    blocked = sign_in(client, "amina", PASSWORD, address="192.0.2.7")

    # Then that address is blocked
    assert blocked.status_code == 429
    assert LOCKED in blocked.content.decode()

    # But the same sign-in from another address works
    elsewhere = sign_in(client, "amina", PASSWORD, address="192.0.2.8")
    assert elsewhere.status_code == 302


def test_the_lockout_ends_after_the_cool_off(client):
    # Given a username locked out by five failures
    UserFactory(username="amina")
    for _ in range(5):
        sign_in(client, "amina", "wrong")
    assert sign_in(client, "amina", PASSWORD).status_code == 429

    # When 30 minutes pass without another try
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=31))

    # Then the right password works again
    response = sign_in(client, "amina", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_try_during_the_lockout_starts_the_cool_off_again(client):
    # Given a username locked out 29 minutes ago
    UserFactory(username="amina")
    for _ in range(5):
        sign_in(client, "amina", "wrong")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=29))

    # When someone tries again now, and then 2 minutes later (31 after the lockout)
    assert sign_in(client, "amina", "wrong").status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=2))

    # Then it is still locked: the cool-off counts from the last try
    assert sign_in(client, "amina", PASSWORD).status_code == 429


def test_the_limits_come_from_the_settings(client, settings):
    # Given a deployment that allows three failures and blocks for 5 minutes
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=5)
    UserFactory(username="amina")

    # When three wrong passwords are typed
    responses = [sign_in(client, "amina", "wrong") for _ in range(3)]

    # Then the third one locks, and the page gives the configured time
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert "Signing in is blocked for 5 minutes;" in responses[2].content.decode()


def test_sign_ins_are_audited_by_repat_not_duplicated_by_axes(client):
    # Given an account
    UserFactory(username="amina")

    # When its owner signs in
    assert sign_in(client, "amina", PASSWORD).status_code == 302

    # Then axes keeps no access log of its own (repat.audit records sign-ins)
    assert not AccessLog.objects.exists()


def test_the_test_client_helpers_still_sign_in(client, worker, client_for):
    # Given the lockout backend first in AUTHENTICATION_BACKENDS
    # When tests sign in with force_login (through client_for)
    response = client_for(worker).get(reverse("cases:caseload"))

    # Then they are signed in
    assert response.status_code == 200


def test_behind_a_proxy_one_client_failing_does_not_lock_out_the_others(client, settings):
    # Given one proxy in front of the app, through which every request comes from 10.0.0.2
    settings.REPAT_TRUSTED_PROXY_COUNT = 1
    UserFactory(username="amina")
    for n in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": f"guess-{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="192.0.2.7",
        )

    # When another client signs in through the same proxy
    other = client.post(
        reverse("accounts:login"),
        {"username": "amina", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.8",
    )

    # Then only the failing client's address is locked
    assert other.status_code == 302
    assert AccessAttempt.objects.filter(ip_address="192.0.2.7").exists()
    assert not AccessAttempt.objects.filter(ip_address="10.0.0.2").exists()


def test_without_a_proxy_a_forged_forwarded_for_changes_nothing(client):
    for n in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": f"guess-{n}", "password": "wrong"},
            REMOTE_ADDR="192.0.2.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",  # a new "address" each time
        )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.7"}
