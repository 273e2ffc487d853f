"""Reads that may come from a PostgreSQL streaming replica (DATABASE_REPLICA_URL adds the "replica"
database).

A replica is a few milliseconds to a few seconds behind the primary, so nothing reads from it unless
the code says that this read may be a little old: `reading_replica()`, a context manager (or
decorator) around the dashboards' and reports' figures, the people search and list exports. Even
there, the primary answers

- inside a transaction (what it reads may be what it is about to change),
- once the request has written anything through the ORM (a person who just saved a record must find
  it: the request is pinned to the primary from its first write on),
- when the replica does not answer: it is tried with a short connect timeout, then left alone for
  REPAT_REPLICA_RETRY_SECONDS, and the page is served from the primary rather than failing;
- when the replica is more than REPAT_REPLICA_MAX_LAG_SECONDS behind (replay stuck or slow), asked
  at most every REPAT_REPLICA_LAG_CHECK_SECONDS per process: a figure an hour old is a wrong figure.

Writes and migrations always go to the primary. Without DATABASE_REPLICA_URL the router is not
installed and `reading_replica()` changes nothing.

Outside a request (Celery tasks, commands) there is no request to pin: a scope reads from the
replica until it writes, after which the rest of the scope reads from the primary.
"""

import contextlib
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"


class _Unit:
    """One request (or, outside a request, one scope): has it written yet?"""

    __slots__ = ("wrote",)

    def __init__(self):
        self.wrote = False


_unit: ContextVar[_Unit | None] = ContextVar("repat_db_unit", default=None)
# The database the innermost reading_replica() chose when it was entered (None outside any).
_scope: ContextVar[str | None] = ContextVar("repat_replica_scope", default=None)
# Until when (time.monotonic()) this process leaves a replica that did not answer alone.
_down_until = 0.0
# When this process last asked the replica how far behind it is, and whether it was too far.
_lag = {"checked": float("-inf"), "too_far": False}

# Seconds behind the primary: 0 when the replica has replayed all it received (or is no replica).
LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_answers() -> bool:
    """Connect to the replica if need be (once per request, Django's health check tells a dropped
    connection); a replica that does not answer is left alone for a while."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except Exception:  # noqa: BLE001 - whatever keeps the replica from answering, the primary reads
        _down_until = time.monotonic() + settings.REPAT_REPLICA_RETRY_SECONDS
        logger.warning(
            "The database replica does not answer; reading from the primary for %s s.",
            settings.REPAT_REPLICA_RETRY_SECONDS,
        )
        return False
    return not _too_far_behind(connection)


def replica_lag_seconds(connection) -> float:
    """How many seconds of the primary's commits the replica has received but not replayed yet."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def _too_far_behind(connection) -> bool:
    limit = settings.REPAT_REPLICA_MAX_LAG_SECONDS
    if not limit:
        return False
    now = time.monotonic()
    if now - _lag["checked"] < settings.REPAT_REPLICA_LAG_CHECK_SECONDS:
        return _lag["too_far"]
    try:
        too_far = replica_lag_seconds(connection) > limit
    except Exception:  # noqa: BLE001 - a replica that cannot say how far behind it is is not used
        too_far = True
    if too_far and not _lag["too_far"]:
        logger.warning("The database replica is more than %s s behind; reading from the primary.", limit)
    _lag.update(checked=now, too_far=too_far)
    return too_far


def _primary_required() -> bool:
    unit = _unit.get()
    return (unit is not None and unit.wrote) or connections[DEFAULT_DB_ALIAS].in_atomic_block


@contextlib.contextmanager
def reading_replica():
    """Reads in this block may come from the replica (and so be a few seconds old). Use it for
    figures, searches and exports, never for a read that decides a write."""
    if _scope.get() is not None:  # nested: the outer scope decided
        yield
        return
    use = REPLICA if replica_configured() and not _primary_required() and _replica_answers() else DEFAULT_DB_ALIAS
    # Outside a request the scope is the unit its own writes pin.
    unit_token = _unit.set(_Unit()) if _unit.get() is None else None
    scope_token = _scope.set(use)
    try:
        yield
    finally:
        _scope.reset(scope_token)
        if unit_token is not None:
            _unit.reset(unit_token)


@contextlib.contextmanager
def request_unit():
    """Around a request (repat.core.middleware.ReplicaPinMiddleware): a write pins it to the primary."""
    token = _unit.set(_Unit())
    try:
        yield
    finally:
        _unit.reset(token)


@contextlib.contextmanager
def writes_not_read_back():
    """Writes in this block do not pin the request (or scope) to the primary: bookkeeping that the
    reads around it never read back, such as a report's progress between two steps of figures."""
    unit = _unit.get()
    wrote = unit.wrote if unit is not None else False
    try:
        yield
    finally:
        if unit is not None:
            unit.wrote = wrote


def reads_from() -> str:
    """The database a read made here would use (for tests and logs)."""
    return REPLICA if _scope.get() == REPLICA and not _primary_required() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Installed when DATABASE_REPLICA_URL is set (repat/settings/base.py)."""

    def db_for_read(self, model, **hints):
        # Always a name (never None), or Django would read related rows of an object loaded from
        # the replica from the replica again, outside any scope.
        return reads_from()

    def db_for_write(self, model, **hints):
        unit = _unit.get()
        if unit is not None:
            unit.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same database, read from two places

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
