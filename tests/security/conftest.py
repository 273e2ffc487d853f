"""The attack suite's fixtures: one world per test module (built once, rolled back at the module's
end: each test still runs in its own savepoint, so what one test writes the next never sees), and
the uploads of the whole run in one private folder."""

import pytest
from django.db import transaction
from django.test import override_settings

from .world import build_world


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
