"""The head may move forward by several rows in one UPDATE: a batch append (`audit.record_many`,
used by the manifest import) seals its rows in order under one lock on the head, inserts them in
one statement and moves the head past all of them at once. It still only moves forward: by at
least one row, over at least as many ids as rows, to a new newest row and a new seal. (The rule
was "one row at a time"; what the head guards, a trail emptied or cut short, is unchanged.)"""

from django.db import migrations

FORWARD = """
    NEW.id <> OLD.id OR NEW.rows <= OLD.rows OR NEW.last_id IS NULL
    OR NEW.last_id <= COALESCE(OLD.last_id, 0) OR NEW.hash = OLD.hash
    OR NEW.last_id - COALESCE(OLD.last_id, 0) < NEW.rows - OLD.rows
"""
ONE_ROW = """
    NEW.id <> OLD.id OR NEW.rows <> OLD.rows + 1 OR NEW.last_id IS NULL
    OR NEW.last_id <= COALESCE(OLD.last_id, 0) OR NEW.hash = OLD.hash
"""


def _postgresql(condition: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS audit_head_forward ON audit_audithead",
        f"""CREATE TRIGGER audit_head_forward
    BEFORE UPDATE ON audit_audithead
    FOR EACH ROW WHEN ({condition})
    EXECUTE FUNCTION audit_head_forward_only()""",
    ]


def _sqlite(condition: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS audit_head_forward",
        f"""CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_audithead
    WHEN {condition}
    BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward (UPDATE refused)'); END""",
    ]


def _execute(schema_editor, condition: str) -> None:
    statements = {"postgresql": _postgresql, "sqlite": _sqlite}.get(schema_editor.connection.vendor)
    for statement in statements(condition) if statements else []:
        schema_editor.execute(statement, params=None)


def batches(apps, schema_editor):
    _execute(schema_editor, FORWARD)


def one_row(apps, schema_editor):
    _execute(schema_editor, ONE_ROW)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_field_labels")]

    operations = [migrations.RunPython(batches, one_row)]
