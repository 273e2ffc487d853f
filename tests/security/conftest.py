"""The attack suite's fixtures: one world per test module (built once, rolled back at the module's
end: each test still runs in its own savepoint, so what one test writes the next never sees), and
the uploads of the whole run in one private folder."""

import pytest
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY

from repat.accounts import sessions
from repat.accounts.permissions import two_factor_required
from tests.accounts.helpers import pass_second_factor

from .world import ALL_ROLES, build_world


@pytest.fixture(scope="session")
def security_media_root(tmp_path_factory):
    """One private folder for the session: the world's files are written once per module, before
    any test-scoped setting could point elsewhere."""
    root = tmp_path_factory.mktemp("private")
    with override_settings(REPAT_PRIVATE_MEDIA_ROOT=root):
        yield root


@pytest.fixture(autouse=True)
def private_media(security_media_root):
    """Replaces tests/conftest.py's per-test folder: the module's world keeps its files here."""
    return security_media_root


def module_world(build):
    """A module-scoped fixture holding `build()`'s result inside a transaction that is rolled back
    when the module is done."""

    @pytest.fixture(scope="module")
    def fixture(django_db_setup, django_db_blocker, security_media_root):
        with django_db_blocker.unblock(), transaction.atomic():
            yield build()
            transaction.set_rollback(True)

    return fixture


world = module_world(build_world)


@pytest.fixture(scope="module")
def signed_in(world, django_db_blocker) -> dict:
    """user pk -> (session key, session data) of each role of the module's world, signed in as
    tests/conftest.py's `client_for` does (second factor passed where the role needs it), once per
    module inside the world's transaction rather than once per test."""
    with django_db_blocker.unblock():
        found = {}
        for role in ALL_ROLES:
            user = world.user(role)
            client = Client()
            client.force_login(user)
            if two_factor_required(user):
                pass_second_factor(client, user)
            session = client.session
            found[user.pk] = (session.session_key, dict(session.items()))
        return found


@pytest.fixture
def client_for(client, signed_in):
    """tests/conftest.py's `client_for` on the module's sessions: the client takes the user's
    session, its sign-in times set to now (as a sign-in would: no idle limit nor password
    confirmation for exports is due), in this test's transaction. A user outside the world, or
    whose password or need of a second factor changed since, signs in as tests/conftest.py does."""

    def login(user):
        key, data = signed_in.get(user.pk, (None, {}))
        if (
            key is None
            or data.get(HASH_SESSION_KEY) != user.get_session_auth_hash()
            or (DEVICE_ID_SESSION_KEY in data) != two_factor_required(user)
        ):
            client.force_login(user)
            if two_factor_required(user):
                pass_second_factor(client, user)
            return client
        now = int(sessions.now())
        fresh = {**data, sessions.LOGIN_AT: now, sessions.LAST_SEEN: now}
        Session.objects.filter(session_key=key).update(session_data=SessionStore().encode(fresh))
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client

    return login
