"""Which database a read goes to when a replica is configured (repat/core/db_router.py). The real
replica, built by pg_basebackup and read over HTTP, is tests/ops/test_replica.py; here the decisions,
with the replica's answer stubbed, and a replica that does not answer."""

import logging
import socket

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from cases.models import Returnee
from repat.core import db_router
from repat.core.db_router import (
    REPLICA,
    ReplicaRouter,
    reading_replica,
    reads_from,
    request_unit,
    writes_not_read_back,
)
from repat.core.middleware import ReplicaPinMiddleware

router = ReplicaRouter()


def read() -> str:
    return router.db_for_read(Returnee)


def write() -> str:
    return router.db_for_write(Returnee)


@pytest.fixture
def replica_answers(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "_replica_answers", lambda: True)


def test_without_a_replica_the_scope_changes_nothing(settings):
    assert settings.DATABASE_ROUTERS == []
    with reading_replica():
        assert reads_from() == DEFAULT_DB_ALIAS


def test_reads_go_to_the_replica_only_inside_the_scope(replica_answers):
    assert read() == DEFAULT_DB_ALIAS
    with reading_replica():
        assert read() == REPLICA
    assert read() == DEFAULT_DB_ALIAS


def test_writes_and_migrations_go_to_the_primary(replica_answers):
    with reading_replica():
        assert write() == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "cases") is True
    assert router.allow_migrate(REPLICA, "cases") is False


def test_the_decorator_is_the_same_scope(replica_answers):
    @reading_replica()
    def figures():
        return read()

    assert figures() == REPLICA
    assert read() == DEFAULT_DB_ALIAS


def test_a_read_inside_a_transaction_goes_to_the_primary(replica_answers, monkeypatch):
    primary = connections[DEFAULT_DB_ALIAS]
    with reading_replica():
        monkeypatch.setattr(primary, "in_atomic_block", True)  # transaction.atomic(), without a database
        assert read() == DEFAULT_DB_ALIAS
        monkeypatch.setattr(primary, "in_atomic_block", False)
        assert read() == REPLICA
    monkeypatch.setattr(primary, "in_atomic_block", True)
    with reading_replica():
        monkeypatch.setattr(primary, "in_atomic_block", False)
        assert read() == DEFAULT_DB_ALIAS  # decided when the scope began


def test_once_a_request_wrote_it_reads_from_the_primary(replica_answers):
    with request_unit():
        with reading_replica():
            assert read() == REPLICA
        write()
        with reading_replica():
            assert read() == DEFAULT_DB_ALIAS
    with request_unit(), reading_replica():  # the next request has written nothing
        assert read() == REPLICA


def test_a_write_inside_the_scope_pins_the_rest_of_it(replica_answers):
    with request_unit(), reading_replica():
        assert read() == REPLICA
        write()
        assert read() == DEFAULT_DB_ALIAS


def test_outside_a_request_the_scope_is_pinned_by_its_own_writes_only(replica_answers):
    write()  # a task's bookkeeping before the figures
    with reading_replica():
        assert read() == REPLICA
        write()
        assert read() == DEFAULT_DB_ALIAS
    with reading_replica():
        assert read() == REPLICA


def test_bookkeeping_writes_do_not_pin(replica_answers):
    with request_unit(), reading_replica():
        with writes_not_read_back():
            write()
        assert read() == REPLICA


def test_a_nested_scope_keeps_the_outer_decision(replica_answers):
    with request_unit():
        write()
        with reading_replica(), reading_replica():
            assert read() == DEFAULT_DB_ALIAS


def test_the_middleware_pins_a_request_that_wrote(replica_answers, rf):
    seen = []

    def view(request):
        with reading_replica():
            seen.append(read())
        if request.method == "POST":
            write()
            with reading_replica():
                seen.append(read())
        return None

    ReplicaPinMiddleware(view)(rf.post("/"))
    ReplicaPinMiddleware(view)(rf.get("/"))

    assert seen == [REPLICA, DEFAULT_DB_ALIAS, REPLICA]


@pytest.fixture
def unreachable_replica(db, monkeypatch):
    """A "replica" alias on a port (or in a file) where nothing answers. The test's transaction is
    hidden from the router (inside one, the replica is not even tried)."""
    primary = connections[DEFAULT_DB_ALIAS]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    default = connections.settings[DEFAULT_DB_ALIAS]
    if default["ENGINE"].endswith("sqlite3"):
        replica = {**default, "NAME": "/nonexistent/replica.sqlite3"}
    else:
        replica = {
            **default,
            "HOST": "127.0.0.1",
            "PORT": port,
            "OPTIONS": {**default["OPTIONS"], "connect_timeout": 2},
        }
    monkeypatch.setitem(connections.settings, REPLICA, replica)
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "_down_until", 0.0)
    primary.in_atomic_block = False
    try:
        yield
    finally:
        primary.in_atomic_block = True  # before the test's transaction is rolled back
        connections[REPLICA].close()
        del connections[REPLICA]


def test_a_replica_that_does_not_answer_is_left_alone_and_the_primary_reads(unreachable_replica, monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="repat.core.db_router"), reading_replica():
        assert read() == DEFAULT_DB_ALIAS
    assert caplog.messages == ["The database replica does not answer; reading from the primary for 30.0 s."]

    # it is not tried again for a while: each page would wait for it
    def tried():
        raise AssertionError("The replica was tried again.")

    monkeypatch.setattr(connections[REPLICA], "ensure_connection", tried)
    with reading_replica():
        assert read() == DEFAULT_DB_ALIAS


@pytest.fixture
def lagging_replica(db, monkeypatch):
    """A "replica" alias that answers and says how far behind it is through `lag`, a list whose
    last value it reports; each time it is asked is counted."""
    primary = connections[DEFAULT_DB_ALIAS]
    monkeypatch.setitem(connections.settings, REPLICA, connections.settings[DEFAULT_DB_ALIAS])
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "_down_until", 0.0)
    monkeypatch.setattr(db_router, "_lag", {"checked": float("-inf"), "too_far": False})
    replica = connections[REPLICA]
    monkeypatch.setattr(replica, "ensure_connection", lambda: None)  # it answers
    monkeypatch.setattr(replica, "close_if_health_check_failed", lambda: None)
    lag, asked = [0.0], []

    def replica_lag_seconds(connection):
        asked.append(connection.alias)
        return lag[-1]

    monkeypatch.setattr(db_router, "replica_lag_seconds", replica_lag_seconds)
    primary.in_atomic_block = False
    try:
        yield lag, asked
    finally:
        primary.in_atomic_block = True
        connections[REPLICA].close()
        del connections[REPLICA]


def test_a_replica_too_far_behind_is_not_read_until_it_catches_up(lagging_replica, settings, monkeypatch, caplog):
    lag, asked = lagging_replica
    settings.REPAT_REPLICA_MAX_LAG_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(db_router.time, "monotonic", lambda: clock[-1])

    lag.append(45.0)  # replay is stuck three quarters of a minute behind
    with caplog.at_level(logging.WARNING, logger="repat.core.db_router"), reading_replica():
        assert read() == DEFAULT_DB_ALIAS
    assert caplog.messages == ["The database replica is more than 30 s behind; reading from the primary."]

    lag.append(0.0)  # caught up, but the answer is kept for REPAT_REPLICA_LAG_CHECK_SECONDS
    clock.append(1001.0)
    with reading_replica():
        assert read() == DEFAULT_DB_ALIAS
    assert asked == [REPLICA]

    clock.append(1000.0 + settings.REPAT_REPLICA_LAG_CHECK_SECONDS + 1)
    with reading_replica():
        assert read() == REPLICA
    assert asked == [REPLICA, REPLICA]

    settings.REPAT_REPLICA_MAX_LAG_SECONDS = 0  # no limit: the lag is not asked
    clock.append(clock[-1] + 60)
    lag.append(3600.0)
    with reading_replica():
        assert read() == REPLICA
    assert len(asked) == 2
