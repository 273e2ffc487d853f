"""The chain is sealed with keys from outside the database; its head records its length and newest
row; and the database guards both tables.

- Each row names the key that sealed it (`key_id`). The rows already written keep their plain
  SHA-256 hashes and an empty key id: they are checked as before, and a signed head covering them
  is published now (REPAT_AUDIT_HEAD_DIR), so that they cannot be rewritten later either. (Sealing
  them again with the key would have meant rewriting every row of the trail, the very thing the
  trail forbids, with the triggers off, and would bless whatever had been changed before.)
- The head learns how many rows the chain holds and which is the newest (counted from the rows as
  they are), so that a trail emptied or cut short shows against it.
- PostgreSQL refuses TRUNCATE of the audit table (a row trigger does not see it) and of the head;
  the head may only move forward by one row at a time and cannot be deleted.
- SQLite (development and tests) gets the same guards: BEFORE UPDATE and BEFORE DELETE triggers on
  the audit table (a trigger also turns off SQLite's "truncate optimisation", so `DELETE FROM`
  without WHERE fires it for every row), and the head's.

Whoever owns the tables can still switch the triggers off (PostgreSQL) or drop them (SQLite); what
then shows is the job of the head, the keys and the heads published outside the database.
On SQLite, Django rebuilds a table to alter it, which drops its triggers: a later migration that
alters these tables must make them again (tests/audit/test_actions.py tries every guard)."""


from django.db import migrations, models
from django.utils import timezone

POSTGRESQL = """
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain head only moves forward (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_no_delete
    BEFORE DELETE ON audit_audithead
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
CREATE TRIGGER audit_head_no_truncate
    BEFORE TRUNCATE ON audit_audithead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only();
CREATE TRIGGER audit_head_forward
    BEFORE UPDATE ON audit_audithead
    FOR EACH ROW WHEN (
        NEW.id <> OLD.id OR NEW.rows <> OLD.rows + 1 OR NEW.last_id IS NULL
        OR NEW.last_id <= COALESCE(OLD.last_id, 0) OR NEW.hash = OLD.hash
    )
    EXECUTE FUNCTION audit_head_forward_only();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_audithead;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_audithead;
DROP TRIGGER IF EXISTS audit_head_forward ON audit_audithead;
DROP FUNCTION IF EXISTS audit_head_forward_only();
"""
SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only (DELETE refused)'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_audithead
    BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward (DELETE refused)'); END""",
    """CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_audithead
    WHEN NEW.id <> OLD.id OR NEW.rows <> OLD.rows + 1 OR NEW.last_id IS NULL
        OR NEW.last_id <= COALESCE(OLD.last_id, 0) OR NEW.hash = OLD.hash
    BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward (UPDATE refused)'); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("audit_event_no_update", "audit_event_no_delete", "audit_head_no_delete", "audit_head_forward")
]


def count_the_chain(apps, schema_editor):
    """The head of an existing trail learns its length and newest row from the rows themselves."""
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    AuditHead.objects.filter(pk=1).update(rows=AuditEvent.objects.count(), last_id=last)


def publish_the_unkeyed_rows(apps, schema_editor):
    """A signed head over the rows from before the keys: verification accepts rows without a key
    only where a published head covers them."""
    from repat.audit import anchors

    AuditEvent = apps.get_model("audit", "AuditEvent")
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    if last is not None:
        anchors.publish(rows=AuditEvent.objects.count(), last_id=last[0], last_hash=last[1], now=timezone.now())


def _execute(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def guard(apps, schema_editor):
    _execute(schema_editor, {"postgresql": [POSTGRESQL], "sqlite": SQLITE})


def unguard(apps, schema_editor):
    _execute(schema_editor, {"postgresql": [POSTGRESQL_DROP], "sqlite": SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_actor_name_index")]

    operations = [
        migrations.AddField(
            model_name="audithead",
            name="last_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="audithead",
            name="rows",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        migrations.RunPython(count_the_chain, migrations.RunPython.noop),
        migrations.RunPython(publish_the_unkeyed_rows, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
