"""Fixtures per role. Each test builds what it needs; regions come from the seeded migration."""

import gc
import itertools
import logging
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import pytest
from _pytest.nodeid import NodeId
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.creation import BaseDatabaseCreation
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import translation

from cases import actions as case_actions
from repat.core import broker, choices

from .audit.helpers import guard_lifted
from .database import PostgresSnapshot, SqliteSnapshot, copy_to_file
from .factories import CaseFactory, ReturneeFactory, person, region
from .objectstore import running_object_store
from .services.factories import ProviderFactory, ProviderStaffFactory, service
from .worlds import sign_in

OWN_SERVERS = ("tests/ops/", "tests/browser/")
ATTACK_SUITE = "tests/security/"


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Tests that start servers of their own (gunicorn, redis-server, a Celery worker, Chromium, an
    object store, Django's live server: the API fuzzer's, 68 of the SQLite pass's 324 test-seconds)
    are marked `own_servers`: what they prove is about the production stack, so CI runs them once, in its
    PostgreSQL + Redis pass, and leaves them out of its second pass on the embedded defaults
    (`make test TEST_ARGS='-m "not own_servers"'`). So are the attack suite's (tests/security,
    marked `attack_suite`): half the suite's tests, requests of every role on every route, whose
    verdicts come from the permission functions, which the tests of each app check on both databases.

    Then (after pytest-django's order and `-m`) the long tests go first: those of an `xdist_group`
    (the largest group first), then the other `own_servers` and `slow` tests. In a parallel run the
    processes start on them and the short tests fill in after, instead of one process running them
    alone at the end while the others wait (they came last as transactional tests). Any order is safe
    because every test finds the rows the migrations made (`audit_trail_flushable`)."""
    for item in items:
        path = item.nodeid
        if (
            path.startswith(OWN_SERVERS)
            or item.get_closest_marker("real_stack")
            or item.get_closest_marker("browser")
            or "live_server" in getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.own_servers)
        if path.startswith(ATTACK_SUITE):
            item.add_marker(pytest.mark.attack_suite)
    yield
    if getattr(config.option, "loadgroup", False):  # an xdist worker of `--dist loadgroup`
        for item in items:
            _name_group(item)
    groups = Counter(_group(item) for item in items)
    items.sort(key=lambda item: _long_first(item, groups))


def pytest_collection_finish(session):
    """What every test of this process shares for as long as it runs (the modules, Django's apps and
    URL patterns, the collected tests: about 290,000 objects) is set aside from the garbage
    collector, whose full passes walked it all each time: GC took 6.3 s of a 158 s run, 4.3 s after."""
    gc.collect()
    gc.freeze()


def _name_group(item) -> None:
    """Append `@<group>` to the test's id, which is how `--dist loadgroup` sends a group's tests to one
    process. pytest-xdist 3.8 does it by setting `item._nodeid`, which pytest 9.2 no longer reads (the
    id is `item._id`, a NodeId): every group was spread over the processes, and each process running
    a browser test seeded the demo (about 30 s) for itself. Left alone once xdist's suffix shows."""
    group = _group(item)
    if group is None or item.nodeid.endswith(f"@{group}"):
        return
    item._id = NodeId.parse(f"{item.nodeid}@{group}")


def _group(item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    return (marker.args[0] if marker.args else marker.kwargs.get("name")) if marker else None


def _long_first(item, groups: Counter) -> tuple:
    group = _group(item)
    if group is not None:
        return (0, -groups[group], group)
    if item.get_closest_marker("own_servers") or item.get_closest_marker("slow"):
        return (1,)
    return (2,)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, and at the end no other session on this process's one: a
    thread of this process (the live server's) may have left its connection open, and PostgreSQL's
    DROP DATABASE then waited 5 s for it and failed, leaving the database behind (at the end of
    every CI pass on PostgreSQL, with both cores idle)."""
    yield
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor == "postgresql":
        with django_db_blocker.unblock(), database.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True, scope="session")
def audit_trail_flushable():
    """After a transactional test Django empties every table (DELETE on SQLite; on PostgreSQL, see
    below), which the audit trail's triggers refuse, as they must in production. The flush lifts
    them as the owner of the database could, and puts them back.

    The rows the migrations made (regions, services: Django's serialized copy, kept when a test of
    the run asks for `serialized_rollback`) are put back as soon as the tables are emptied, rather
    than at the start of the next test that asks for them: every test, transactional or not, then
    finds them, whichever ran before it in its process, and the tests may go out in any order
    (long ones first, `pytest_collection_modifyitems`).

    On PostgreSQL the tables are emptied with DELETE, not Django's TRUNCATE: TRUNCATE makes each of
    the 70 tables' files anew, 2.2 s a flush on this machine against 0.06 s, after each of the 37
    transactional tests (21 of them in the one browser process). Triggers and foreign-key checks are
    off for the flush's transaction (`session_replication_role`), as TRUNCATE ignores row triggers
    and empties every table at once. Sequences go on as with TRUNCATE (no RESTART IDENTITY asked).
    The rows the migrations made are then copied back from a copy of them in the database
    (`PostgresSnapshot`, taken after the first flush), not read back through Django's serializer:
    0.6 s a flush."""
    flush = BaseDatabaseOperations.execute_sql_flush
    deserialize = BaseDatabaseCreation.deserialize_db_from_string

    def execute_sql_flush(self, sql_list):
        with guard_lifted(self.connection):
            flush(self, sql_list)
        seeded = getattr(self.connection, "_test_serialized_contents", None)
        if seeded is not None:
            snapshot = getattr(self.connection, "seeded_snapshot", None)
            if snapshot is not None and snapshot.data is seeded:
                snapshot.restore()
            else:
                deserialize(self.connection.creation, seeded)
                if self.connection.vendor == "postgresql" and _superuser(self.connection):
                    self.connection.seeded_snapshot = PostgresSnapshot(self.connection, "seeded_snapshot")
                    self.connection.seeded_snapshot.data = seeded
            self.connection.seeded_rows_kept = True

    def deserialize_db_from_string(self, data):
        if getattr(self.connection, "seeded_rows_kept", False) and data is getattr(
            self.connection, "_test_serialized_contents", None
        ):
            return  # back since the last flush, and rolled back to that by every test since
        # Before any flush the rows are still there, and Django saves each again over itself: the
        # audit chain's head (migration 0008) too, which its triggers let only move forward.
        with guard_lifted(self.connection):
            deserialize(self, data)

    with (
        mock.patch.object(BaseDatabaseOperations, "execute_sql_flush", execute_sql_flush),
        mock.patch.object(BaseDatabaseCreation, "deserialize_db_from_string", deserialize_db_from_string),
        _flush_by_delete_on_postgresql(),
    ):
        yield


@contextmanager
def _flush_by_delete_on_postgresql():
    """PostgreSQL's flush as DELETEs (see `audit_trail_flushable`), for a superuser (who may set
    `session_replication_role`, as CI's `postgres` is); anyone else keeps Django's TRUNCATE."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or not _superuser(self.connection):
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # Names from Django's introspection, not from input.
        delete = (f"DELETE FROM {self.quote_name(table)}" for table in tables)  # noqa: S608
        return ["SET LOCAL session_replication_role = replica", *delete]

    with mock.patch.object(DatabaseOperations, "sql_flush", sql_flush):
        yield


def _superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


@pytest.fixture
def database_file(transactional_db, tmp_path):
    """The test database in a file, for a test whose database another process opens (a Celery
    worker, gunicorn): on SQLite it lives in this process's memory (repat/settings/test.py). What is
    committed so far is copied to a file, and until the test ends every connection of this process,
    in any thread, opens that file instead; the copy goes with the test, and the database in memory
    is as the test found it. On PostgreSQL the test database is a server's already: nothing to do."""
    memory = connections[DEFAULT_DB_ALIAS]
    if memory.vendor != "sqlite" or not memory.is_in_memory_db():
        yield
        return
    path = tmp_path / "test-database.sqlite3"
    copy_to_file(path)
    in_memory = connections.settings[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = {**in_memory, "NAME": str(path)}
    connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        connections.settings[DEFAULT_DB_ALIAS] = in_memory
        connections[DEFAULT_DB_ALIAS] = memory


@pytest.fixture(autouse=True)
def fresh_reference_lists():
    """Each test's rows are rolled back without signals: no test sees the last one's cached lists."""
    yield
    choices.forget_all()


@pytest.fixture(autouse=True)
def broker_warns_afresh():
    """A broker that is down is said once per process (repat/core/broker.py): once per test here."""
    broker.forget_warnings()


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request as a user who chose Kyrgyz leaves Kyrgyz active in the thread (each real request
    activates its own language); the next test starts in the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def test_folders(tmp_path_factory):
    """Paths of fresh folders under the session's temporary folder, one per test, made only when a
    test writes there (the storages make their folders): `tmp_path` for every test made a folder and
    moved pytest's `-current` link, about 2 ms a test of some 10,000 in CI."""
    base = tmp_path_factory.getbasetemp() / "tests"
    return (base / str(number) for number in itertools.count())


@pytest.fixture
def test_folder(test_folders):
    return next(test_folders)


@pytest.fixture(autouse=True)
def private_media(settings, test_folder):
    """Uploads of every test go to a fresh folder, never to the real one under var/."""
    settings.REPAT_PRIVATE_MEDIA_ROOT = test_folder / "private"
    return settings.REPAT_PRIVATE_MEDIA_ROOT


@pytest.fixture(autouse=True)
def audit_heads(settings, test_folder):
    """Heads of the audit trail published by a test go to a fresh folder, and verification reads
    only those: never the real ones under var/."""
    settings.REPAT_AUDIT_HEAD_DIR = test_folder / "audit-heads"
    return settings.REPAT_AUDIT_HEAD_DIR


@pytest.fixture
def chuy(db):
    return region("Chüy Oblast")


@pytest.fixture
def osh(db):
    return region("Osh Oblast")


@pytest.fixture
def worker(db):
    return person("worker")


@pytest.fixture
def other_worker(db):
    return person("other_worker")


@pytest.fixture
def coordinator(db):
    return person("coordinator")


@pytest.fixture
def supervisor(db):
    return person("supervisor")


@pytest.fixture
def osh_supervisor(db):
    return person("osh_supervisor")


@pytest.fixture
def osh_coordinator(db):
    return person("osh_coordinator")


@pytest.fixture
def administrator(db):
    return person("administrator")


@pytest.fixture
def case(worker, chuy):
    """A case in Chüy held by `worker`."""
    return CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))


@pytest.fixture
def other_case(other_worker, osh):
    """A case in Osh held by `other_worker`."""
    return CaseFactory(worker=other_worker, returnee=ReturneeFactory(region=osh))


@pytest.fixture
def counselling(db):
    return service("individual-counselling")  # 5 days to accept, 90 to complete


@pytest.fixture
def provider(chuy, counselling):
    """A provider in Chüy offering individual counselling."""
    return ProviderFactory(name="Ak-Bata Family Centre", regions=[chuy], service_types=[counselling])


@pytest.fixture
def other_provider(chuy, counselling):
    return ProviderFactory(name="Umut Psychosocial Service", regions=[chuy], service_types=[counselling])


@pytest.fixture
def provider_user(provider):
    return ProviderStaffFactory(provider=provider, user__username="provider-a").user


@pytest.fixture
def other_provider_user(other_provider):
    return ProviderStaffFactory(provider=other_provider, user__username="provider-b").user


@pytest.fixture
def transfer(case, worker, other_worker, osh, osh_coordinator):
    """A pending transfer of `case` to `other_worker` in Osh (whose coordinator oversees the region)."""
    return case_actions.transfer_request(
        actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="The family moved to Osh."
    )


@pytest.fixture
def client_for(client):
    """Log the test client in as a user: `client_for(worker).get(...)`. A user whose role requires
    two-factor sign-in gets an authenticator app and a session that has passed it."""

    return lambda user: sign_in(client, user)


# --- An S3-compatible object store (moto's server, in a process of its own: tests/objectstore.py) ---


@pytest.fixture(scope="module")
def object_store_server(tmp_path_factory):
    with running_object_store(tmp_path_factory.mktemp("moto")) as store:
        yield store


@pytest.fixture
def object_store(object_store_server):
    """The module's store, with a bucket of this test's own."""
    object_store_server.new_bucket()
    return object_store_server


@pytest.fixture
def on_object_store(object_store, settings):
    """The private storage on the test's bucket for the length of the test."""
    settings.STORAGES = object_store.storages(settings)
    return object_store


@dataclass
class DemoSeeding:
    """What `seed_demo` did when `demo` seeded it: for each message it queued, whether it was inside
    broker.offline() (it must be: the demo never tries the broker), and the warnings it logged."""

    queued_offline: list[bool]
    warnings: list[str]


@pytest.fixture(scope="session")
def demo_snapshots():
    """The test database right after `seed_demo`, and what the seeding did, kept by `demo` for the
    process's next tests (the tests that use the demo run in one process: xdist_group "demo")."""
    snapshots = {}
    yield snapshots
    if "seeded" in snapshots:
        snapshots["seeded"].close()


@pytest.fixture
def demo(transactional_db, demo_snapshots, settings) -> DemoSeeding:
    """The demo data (`manage.py seed_demo`), committed (for a live server to show). Seeding takes
    tens of seconds, so it is done once per process and the seeded tables are kept aside: on SQLite
    (the database in memory) a copy of the database, on PostgreSQL a copy of each table in a schema
    of the test database's own; each next test gets them back as they were. The seeding is watched
    as it happens (`DemoSeeding`), for tests/devtools/test_demo.py."""
    settings.REPAT_ALLOW_DEMO_DATA = True
    database = connections[DEFAULT_DB_ALIAS]
    database.ensure_connection()
    if "seeded" in demo_snapshots:
        demo_snapshots["seeded"].restore()
        return demo_snapshots["seeding"]
    seeding = DemoSeeding(queued_offline=[], warnings=[])
    send = broker.send

    def watched(queue, message, *args):
        seeding.queued_offline.append(broker._offline.get())
        return send(queue, message, *args)

    with mock.patch.object(broker, "send", watched), _warnings_logged(seeding.warnings):
        call_command("seed_demo", verbosity=0)
    if database.vendor == "sqlite" and database.is_in_memory_db():
        demo_snapshots["seeded"] = SqliteSnapshot(database)
    elif database.vendor == "postgresql":
        demo_snapshots["seeded"] = PostgresSnapshot(database, "demo_snapshot")
    demo_snapshots["seeding"] = seeding
    return seeding


@contextmanager
def _warnings_logged(messages: list[str]):
    """Every warning logged meanwhile, whichever logger (as pytest's caplog sees them)."""

    class Kept(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    root = logging.getLogger()
    handler, level = Kept(logging.WARNING), root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.WARNING))
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
