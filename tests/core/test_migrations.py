"""Deploys do not block writes: an index on an existing table is built concurrently
(repat/core/operations.py), in a migration that is not one transaction."""

from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddIndex, CreateModel, RemoveIndex

from repat.core.operations import AddIndexConcurrently, RemoveIndexConcurrently

# Migrations up to these were applied before the rule (their tables were small then, or new).
BEFORE_THE_RULE = {
    "cases": "0013",
    "services": "0099",
    "accounts": "0099",
    "core": "0099",
    "audit": "0099",
    "reminders": "0099",
    "approvals": "0099",
    "reports": "0099",
}


def our_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)  # the files only, no database
    for (app_label, name), migration in loader.disk_migrations.items():
        if app_label in BEFORE_THE_RULE and name[:4] > BEFORE_THE_RULE[app_label]:
            yield f"{app_label}.{name}", migration


def test_new_indexes_on_existing_tables_are_built_concurrently():
    blocking = []
    for label, migration in our_migrations():
        created = {op.name.lower() for op in migration.operations if isinstance(op, CreateModel)}
        for op in migration.operations:
            plain = isinstance(op, (AddIndex, RemoveIndex)) and not isinstance(
                op, (AddIndexConcurrently, RemoveIndexConcurrently)
            )
            if plain and op.model_name.lower() not in created:
                blocking.append(f"{label}: {op.describe()}")
            if isinstance(op, (AddIndexConcurrently, RemoveIndexConcurrently)) and migration.atomic:
                blocking.append(f"{label}: set atomic = False")
    assert blocking == []


def test_the_rule_covers_the_search_migration():
    assert "cases.0014_name_keys" in dict(our_migrations())
