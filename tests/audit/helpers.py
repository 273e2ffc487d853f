"""Readers of the trail, and raw tampering with it, for the audit tests."""

from contextlib import contextmanager

from django.db import connection

from repat.audit.models import AuditEvent


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
