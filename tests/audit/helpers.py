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


@contextmanager
def guard_lifted():
    """Let raw SQL alter the trail, as someone with direct database access could. On PostgreSQL the
    append-only trigger is switched off for the block (the test's transaction rolls it back anyway)."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    try:
        yield
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def raw_set_changes(pk: int, changes: str) -> None:
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with guard_lifted(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET changes = {cast} WHERE id = %s", [changes, pk])  # noqa: S608


def raw_delete(pk: int) -> None:
    with guard_lifted(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [pk])
