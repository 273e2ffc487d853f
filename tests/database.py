"""The test database as other processes can open it."""

import sqlite3
from contextlib import closing
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction


def copy_to_file(path: Path) -> None:
    """Copy the SQLite test database, which lives in this process's memory (repat/settings/test.py),
    to a file, with SQLite's backup API: what is committed so far (call it from a transactional test)."""
    database = connections[DEFAULT_DB_ALIAS]
    database.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        database.connection.backup(copy)


class SqliteSnapshot:
    """The whole database in memory, copied with SQLite's backup API."""

    def __init__(self, database):
        self.database = database
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        database.connection.backup(self.copy)

    def restore(self):
        self.copy.backup(self.database.connection)

    def close(self):
        self.copy.close()


class PostgresSnapshot:
    """Each of Django's tables copied to a schema of its own (outside the search path, so
    Django's flush and introspection never see it). Restoring empties the tables and copies the rows
    back with triggers and foreign-key checks off for the transaction (`session_replication_role`),
    as a restore of a dump does. DELETE, not TRUNCATE: the tables hold only the rows the migrations
    made (the last test's teardown emptied them), and a TRUNCATE of the 70 tables makes each table's
    files anew (seconds, on a busy machine); a DELETE of them, a few ms. The sequences are left as
    they are: they only go up, past every row of the copy, just as when the rows were made anew.
    Kept for the demo (tests/conftest.py's `demo`) and for the rows the migrations made
    (tests/conftest.py's `audit_trail_flushable`)."""

    def __init__(self, database, schema: str):
        self.database = database
        self.schema = schema
        self.tables = sorted(database.introspection.django_table_names(only_existing=True, include_views=False))
        with database.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {self.schema}")
            self.columns = {}
            for table in self.tables:
                cursor.execute(f'CREATE TABLE {self.schema}."{table}" AS TABLE public."{table}"')
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
                    " AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    [table],
                )
                self.columns[table] = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())

    def restore(self):
        with transaction.atomic(using=self.database.alias), self.database.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in self.tables:
                columns = self.columns[table]
                # Names from Django's introspection and the database's catalogue, not from input.
                cursor.execute(f'DELETE FROM public."{table}"')  # noqa: S608
                copy = f'INSERT INTO public."{table}" ({columns}) SELECT {columns} FROM {self.schema}."{table}"'  # noqa: S608
                cursor.execute(copy)

    def close(self):
        """Nothing to do: the schema goes with the test database at the end of the run."""
