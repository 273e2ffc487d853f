"""Readers of the trail, and raw tampering with it, for the audit tests."""

import hashlib
from contextlib import contextmanager

from django.db import connection

from repat.audit.keys import AuditKey
from repat.audit.models import GENESIS, AuditEvent, AuditHead

# What verification says of a row changed after it was sealed with the development key.
ALTERED = "this row was altered, or the key “dev” is not the one that sealed it"


def audit_ids() -> set[int]:
    return set(AuditEvent.objects.values_list("pk", flat=True))


def new_rows(before: set[int], *fields: str) -> list[tuple]:
    """Audit rows written since `before` (a set of ids), oldest first, as tuples of `fields`."""
    fields = fields or ("action", "detail", "case_id", "actor_name")
    return list(AuditEvent.objects.exclude(pk__in=before).order_by("id").values_list(*fields))


AUDIT_TABLES = ("audit_auditevent", "audit_audithead")


@contextmanager
def guard_lifted(using=None):
    """Let raw SQL alter the trail, as the owner of the database could. On PostgreSQL the tables'
    triggers are switched off for the block (the test's transaction rolls that back anyway); SQLite
    cannot switch a trigger off, so they are dropped and made again from their stored definition."""
    using = using or connection
    postgres = using.vendor == "postgresql"
    with using.cursor() as cursor:
        if postgres:
            saved = []
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)", AUDIT_TABLES
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with using.cursor() as cursor:
            for table in AUDIT_TABLES if postgres else ():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            for _name, sql in saved:
                cursor.execute(sql)


def raw_execute(sql: str, params=None) -> None:
    """One statement with the guard lifted, as the database's owner could run it."""
    with guard_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def raw_set_changes(pk: int, changes: str) -> None:
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with guard_lifted(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET changes = {cast} WHERE id = %s", [changes, pk])  # noqa: S608


def raw_delete(pk: int) -> None:
    raw_execute("DELETE FROM audit_auditevent WHERE id = %s", [pk])


def raw_empty() -> None:
    """Empty the trail the quickest way the database offers (TRUNCATE; SQLite has only DELETE)."""
    raw_execute("TRUNCATE audit_auditevent" if connection.vendor == "postgresql" else "DELETE FROM audit_auditevent")


def reseal(*, after: int, key: AuditKey | None = None, drop_key_ids: bool = False) -> None:
    """Cover a change the way the owner of the database would: give every row after `after` the
    previous row's seal and a seal of its own, then move the head to the end. With `key` (someone who
    also holds it) the rows are sealed properly; without, with the old unkeyed SHA-256, their key ids
    kept or dropped (`drop_key_ids`: passed off as rows from before the keys)."""
    events = list(AuditEvent.objects.order_by("id"))
    previous = GENESIS
    with guard_lifted():
        for event in events:
            if event.pk > after:
                event.prev_hash = previous
                if key is not None:
                    event.key_id = key.id
                    event.hash = key.seal(event._canonical())
                else:
                    key_id, event.key_id = event.key_id, ""
                    event.hash = hashlib.sha256(event._canonical().encode()).hexdigest()
                    event.key_id = "" if drop_key_ids else key_id
                AuditEvent.objects.filter(pk=event.pk).update(
                    prev_hash=event.prev_hash, hash=event.hash, key_id=event.key_id
                )
            previous = event.hash
        AuditHead.objects.filter(pk=1).update(
            hash=previous, rows=len(events), last_id=events[-1].pk if events else None
        )


def cut_after(pk: int) -> None:
    """Remove every row after `pk` and move the head back to it, as the database's owner could."""
    with guard_lifted():
        AuditEvent.objects.filter(pk__gt=pk).delete()
        AuditHead.objects.filter(pk=1).update(
            hash=AuditEvent.objects.get(pk=pk).hash, rows=AuditEvent.objects.count(), last_id=pk
        )
