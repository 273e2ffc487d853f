"""The GIN indexes of the searches write each new row into the index at once (`fastupdate = off`)
instead of into a pending list. Every scan of a GIN index reads its whole pending list (up to
`gin_pending_list_limit`, 4 MB, until a vacuum empties it): after a 10,000-row manifest was
registered, one probe of the manifest's duplicate check took 60 ms instead of 0.7 ms at a million
people (docs/benchmarks.md, "Manifest import"), and the case-number search paid the same. Writing
straight into the index costs each registration a few index entries. The pending lists are emptied
into the index here. PostgreSQL only (SQLite has no such index)."""

from django.db import migrations

INDEXES = ("namekey_words_idx", "returnee_case_number_trgm")


def _each_index(schema_editor, statement: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        body = statement.format(name=name)
        schema_editor.execute(
            f"DO $$ BEGIN IF to_regclass('{name}') IS NOT NULL THEN {body} END IF; END $$", params=None
        )


def without_pending_list(apps, schema_editor):
    _each_index(
        schema_editor, "ALTER INDEX {name} SET (fastupdate = off); PERFORM gin_clean_pending_list('{name}'::regclass);"
    )


def with_pending_list(apps, schema_editor):
    _each_index(schema_editor, "ALTER INDEX {name} RESET (fastupdate);")


class Migration(migrations.Migration):
    dependencies = [("cases", "0020_manifest_imports")]

    operations = [migrations.RunPython(without_pending_list, with_pending_list)]
