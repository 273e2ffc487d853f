"""Getting rows into PostgreSQL fast, following its "Populating a Database" advice: COPY, with the
foreign keys and plain indexes dropped during the load and put back (and so checked) at the end.

COPY bypasses Django, so `copy_columns` checks, from each model's `_meta`, that no NOT NULL column
is left without a value: a new required field makes the seeder fail loudly instead of writing rows
the app cannot read."""

import time
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from psycopg import sql

from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    ConsentRecord,
    Family,
    FamilyMember,
    FollowUpTask,
    IdentityDocument,
    NameKey,
    NameWord,
    Note,
    Operation,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    ReturneeAlias,
)
from repat.accounts.models import Organisation, User
from repat.approvals.models import ApprovalRequest
from repat.devtools.scale.base import SeedError
from repat.reminders.models import Reminder
from services.models import Provider, ProviderContact, ProviderStaff, Referral

# The tables the seeder fills, in load order; `--replace` truncates them.
SEEDED_MODELS = (
    Organisation,
    User,
    User.regions.through,
    Operation,
    Provider,
    Provider.regions.through,
    Provider.service_types.through,
    ProviderContact,
    ProviderStaff,
    Family,
    Returnee,
    ReturneeAlias,
    FamilyMember,
    NameKey,
    NameWord,
    Case,
    CaseEvent,
    Note,
    IdentityDocument,
    Assessment,
    ReintegrationPlan,
    PlanGoal,
    ConsentRecord,
    Referral,
    FollowUpTask,
    ApprovalRequest,
    Reminder,
)


def copy_columns(model: type[models.Model], fields: tuple[str, ...]) -> list[str]:
    """The columns for `fields`, refusing a list that leaves a NOT NULL column without a value."""
    opts = model._meta
    given = set(fields)
    missing = [
        f.name
        for f in opts.concrete_fields
        if not f.null and f.name not in given and f.attname not in given and not f.has_db_default()
    ]
    if missing:
        raise ImproperlyConfigured(
            f"seed_scale gives no value for the NOT NULL column(s) {', '.join(missing)} of {opts.label}: "
            "add them to the module of repat/devtools/scale/ that writes that table."
        )
    return [opts.get_field(name).column for name in fields]


class Loader:
    """Streams rows into tables with COPY and keeps count and time per table."""

    def __init__(self, cursor):
        self.cursor = cursor.cursor  # the psycopg cursor under Django's wrapper
        self.counts: Counter = Counter()
        self.seconds: defaultdict = defaultdict(float)
        self._statements: dict = {}

    def copy(self, model: type[models.Model], fields: tuple[str, ...], rows: Iterable[tuple]) -> None:
        """Copy rows (generated lazily, so that Python and PostgreSQL work at the same time)."""
        key = (model, fields)
        if key not in self._statements:
            self._statements[key] = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(model._meta.db_table),
                sql.SQL(", ").join(sql.Identifier(c) for c in copy_columns(model, fields)),
            )
        start, n = time.perf_counter(), 0
        with self.cursor.copy(self._statements[key]) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                n += 1
        self.seconds[model._meta.db_table] += time.perf_counter() - start
        self.counts[model._meta.db_table] += n


def seeded_tables() -> list[str]:
    return [model._meta.db_table for model in SEEDED_MODELS]


def check_database(*, replace: bool) -> None:
    """Refuse a database that is not PostgreSQL, or that already holds data, unless replacing."""
    if connection.vendor != "postgresql":
        raise SeedError(
            f"seed_scale loads data with PostgreSQL's COPY; this database is {connection.vendor}. "
            "Set DATABASE_URL to a PostgreSQL database."
        )
    if replace:
        return
    returnees = Returnee.objects.count()
    if returnees:
        raise SeedError(
            f"The database already holds {returnees:,} returnees. Run with --replace to delete them and the "
            "other seeded tables (users, providers, cases...) first."
        )
    filled = [model._meta.db_table for model in SEEDED_MODELS if model.objects.exists()]
    if filled:
        raise SeedError(
            f"These tables already hold rows: {', '.join(filled)}. Run with --replace to empty them first "
            "(this deletes every user too)."
        )


def foreign_keys(cursor, tables: list[str]) -> list[tuple[str, str, str]]:
    cursor.execute(
        """
        SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid)
        FROM pg_constraint co
        JOIN pg_class cl ON cl.oid = co.conrelid
        JOIN pg_namespace ns ON ns.oid = cl.relnamespace
        WHERE co.contype = 'f' AND ns.nspname = current_schema() AND cl.relname = ANY(%s)
        ORDER BY cl.relname, co.conname
        """,
        [tables],
    )
    return cursor.fetchall()


def plain_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """The indexes that back no primary key or unique constraint: (name, definition)."""
    cursor.execute(
        """
        SELECT ic.relname, pg_get_indexdef(ix.indexrelid)
        FROM pg_index ix
        JOIN pg_class ic ON ic.oid = ix.indexrelid
        JOIN pg_class tc ON tc.oid = ix.indrelid
        JOIN pg_namespace ns ON ns.oid = tc.relnamespace
        WHERE ns.nspname = current_schema() AND tc.relname = ANY(%s)
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid AND co.contype IN ('p', 'u', 'x')
          )
        ORDER BY tc.relname, ic.relname
        """,
        [tables],
    )
    return cursor.fetchall()


def execute_each(cursor, statement: str, items: Iterable[tuple]) -> None:
    for item in items:
        cursor.execute(sql.SQL(statement).format(*(sql.Identifier(part) for part in item[:2]), *item[2:]))
