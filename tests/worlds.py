"""A world built once per test module, for modules whose tests read what the actions wrote rather
than write it: the actions (each with its audit rows) and factories run once, not once per test.

The world is built inside a transaction rolled back when the module is done; each test still runs
in its own savepoint inside it, so what one test writes the next never sees. Its Python objects are
shared by the module's tests and a test may change them (a sign-in sets `last_login`, an action
refreshes an instance): a module hands its tests copies read afresh (`reread`), never the world's."""

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from repat.accounts.permissions import two_factor_required

from .accounts.helpers import pass_second_factor


def module_world(build):
    """A module-scoped fixture holding `build()`'s result. Files and audit heads written while it
    is built go to a folder of the module's own, never to the real ones under var/ (the per-test
    folders of tests/conftest.py are set only once a test starts)."""

    @pytest.fixture(scope="module")
    def fixture(django_db_setup, django_db_blocker, tmp_path_factory):
        folder = tmp_path_factory.mktemp("world")
        with (
            override_settings(REPAT_PRIVATE_MEDIA_ROOT=folder / "private", REPAT_AUDIT_HEAD_DIR=folder / "audit-heads"),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            yield build()
            transaction.set_rollback(True)

    return fixture


def reread(instance):
    """The row of `instance` as the database holds it now: a new object, so a test that changes it
    changes nothing the next test reads."""
    return type(instance)._default_manager.get(pk=instance.pk)


def sessions_of(users) -> dict[int, str]:
    """A signed-in session for each of `users` (past the second factor where their role asks for
    one), made while a world is built: `signing_in` gives a test's client the session instead of
    signing in again (a session row, the sign-in's audit row and `last_login`, every test)."""
    sessions = {}
    for user in users:
        client = Client()
        client.force_login(user)
        if two_factor_required(user):
            pass_second_factor(client, user)
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def signing_in(client, sessions: dict[int, str]):
    """tests/conftest.py's `client_for` for a world: its people's clients carry the session made
    for them with the world (rolled back with each test like any row); anyone else signs in."""

    def login(user):
        if user.pk not in sessions:
            client.force_login(user)
            if two_factor_required(user):
                pass_second_factor(client, user)
            return client
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[user.pk]
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
