"""A world built once per test module, for modules whose tests read what the actions wrote rather
than write it: the actions (each with its audit rows) and factories run once, not once per test.

The world is built inside a transaction rolled back when the module is done; each test still runs
in its own savepoint inside it, so what one test writes the next never sees. Its Python objects are
shared by the module's tests and a test may change them (a sign-in sets `last_login`, an action
refreshes an instance): a module hands its tests copies read afresh (`reread`), never the world's."""

import pytest
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY

from repat.accounts import sessions as account_sessions
from repat.accounts.permissions import two_factor_required

from .accounts.helpers import pass_second_factor


def module_world(build, *, media_root: str | None = None):
    """A module-scoped fixture holding `build()`'s result. Files and audit heads written while it
    is built go to a folder of the module's own, never to the real ones under var/ (the per-test
    folders of tests/conftest.py are set only once a test starts). `media_root`: the name of a
    session-scoped fixture whose folder takes the world's files instead, for tests that read them
    (the attack suite's)."""

    @pytest.fixture(scope="module")
    def fixture(request, django_db_setup, django_db_blocker, tmp_path_factory):
        folder = tmp_path_factory.mktemp("world")
        files = request.getfixturevalue(media_root) if media_root else folder / "private"
        with (
            override_settings(REPAT_PRIVATE_MEDIA_ROOT=files, REPAT_AUDIT_HEAD_DIR=folder / "audit-heads"),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            world = build()
            settle_foreign_keys()
            yield world
            transaction.set_rollback(True)

    return fixture


def settle_foreign_keys() -> None:
    """Check now the foreign keys of the rows written so far in this transaction (PostgreSQL defers
    the checks to the commit). Each test checks its transaction's deferred keys as it ends (Django's
    `check_constraints`), and then rolls back to its savepoint, which makes the world's checks pending
    again: every test of a module checked the whole world's keys anew, about 4 ms a test in the
    attack suite. Checked here once, in the module's transaction, they stay done; each test checks
    only its own writes (and the sessions signed in after the world, a few rows)."""
    connection.check_constraints()


def reread(instance):
    """The row of `instance` as the database holds it now: a new object, so a test that changes it
    changes nothing the next test reads."""
    return type(instance)._default_manager.get(pk=instance.pk)


def sign_in(client, user):
    """`client` signed in as `user`, past the second factor where their role asks for one (an
    authenticator app is made for them)."""
    client.force_login(user)
    if two_factor_required(user):
        pass_second_factor(client, user)
    return client


def sessions_of(users) -> dict[int, tuple[str, dict]]:
    """user pk -> (session key, session data) of each of `users`, signed in (`sign_in`) while a
    world is built: `signing_in` hands a test's client the session instead of signing in again (a
    session row, the sign-in's audit row and `last_login`, every test)."""
    found = {}
    for user in users:
        session = sign_in(Client(), user).session
        found[user.pk] = (session.session_key, dict(session.items()))
    return found


def signing_in(client, sessions: dict[int, tuple[str, dict]]):
    """tests/conftest.py's `client_for` for a world: the client takes the user's session made with
    the world (`sessions_of`), its sign-in times set to now (as a sign-in would: no idle limit nor
    password confirmation for exports is due), in this test's transaction. A user outside the world,
    or whose password or need of a second factor changed since, signs in afresh."""

    def login(user):
        key, data = sessions.get(user.pk, (None, {}))
        if (
            key is None
            or data.get(HASH_SESSION_KEY) != user.get_session_auth_hash()
            or (DEVICE_ID_SESSION_KEY in data) != two_factor_required(user)
        ):
            return sign_in(client, user)
        now = int(account_sessions.now())
        fresh = {**data, account_sessions.LOGIN_AT: now, account_sessions.LAST_SEEN: now}
        Session.objects.filter(session_key=key).update(session_data=SessionStore().encode(fresh))
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client

    return login


def _part(world, name: str):
    return world[name] if isinstance(world, dict) else getattr(world, name)


def from_world(name: str):
    """A fixture `name` for a module with a world (its fixture `world`): the world's row of that name
    read afresh, in place of tests/conftest.py's fixture of the same name (another person)."""

    @pytest.fixture(name=name)
    def fixture(world):
        return reread(_part(world, name))

    return fixture


def clients_of_world():
    """The `client_for` fixture of a module with a world: its people's sessions (`signing_in`)."""

    @pytest.fixture(name="client_for")
    def fixture(client, world):
        return signing_in(client, _part(world, "sessions"))

    return fixture


def role_matrix(matrix: dict, roles: tuple):
    """One test per page and role of `matrix`, {(method, page): (status per role, in the order of
    `roles`)}, as the arguments method, name, role and expected."""
    return pytest.mark.parametrize(
        ("method", "name", "role", "expected"),
        [
            pytest.param(method, name, role, code, id=f"{method}-{name}-{role}")
            for (method, name), codes in matrix.items()
            for role, code in zip(roles, codes, strict=True)
        ],
    )
