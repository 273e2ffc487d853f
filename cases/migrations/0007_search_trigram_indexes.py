"""Trigram indexes for the caseload search (`ReturneeQuerySet.search`): a name typed anywhere in a
word, in any script, found among a million people without reading them all. PostgreSQL only; on
SQLite the search reads the table, which is fine at the sizes SQLite is used for."""

from django.db import migrations

INDEXES = {
    "returnee_given_name_trgm": ("cases_returnee", "given_name"),
    "returnee_family_name_trgm": ("cases_returnee", "family_name"),
    "returnee_patronymic_trgm": ("cases_returnee", "patronymic"),
    "returnee_case_number_trgm": ("cases_returnee", "case_number"),
    "returneealias_name_trgm": ("cases_returneealias", "name"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        # UPPER(...) as Django writes `icontains` on PostgreSQL, so that the planner matches it.
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER("{column}") gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_approvals_restricted_retention")]

    operations = [migrations.RunPython(create, drop)]
