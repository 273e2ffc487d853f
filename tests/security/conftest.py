"""The attack suite's fixtures: one world per test module (built once, rolled back at the module's
end: each test still runs in its own savepoint, so what one test writes the next never sees), and
the uploads of the whole run in one private folder."""

import pytest
from django.test import override_settings

from tests.worlds import module_world, sessions_of, signing_in

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


world = module_world(build_world, media_root="security_media_root")


@pytest.fixture(scope="module")
def signed_in(world, django_db_blocker) -> dict:
    """Each role of the module's world signed in once per module, inside the world's transaction,
    rather than once per test (tests/worlds.py's `sessions_of`)."""
    with django_db_blocker.unblock():
        return sessions_of(world.user(role) for role in ALL_ROLES)


@pytest.fixture
def client_for(client, signed_in):
    """tests/conftest.py's `client_for` on the module's sessions (tests/worlds.py's `signing_in`)."""
    return signing_in(client, signed_in)
