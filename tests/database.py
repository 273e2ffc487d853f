"""The test database as other processes can open it."""

import sqlite3
from contextlib import closing
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections


def copy_to_file(path: Path) -> None:
    """Copy the SQLite test database, which lives in this process's memory (repat/settings/test.py),
    to a file, with SQLite's backup API: what is committed so far (call it from a transactional test)."""
    database = connections[DEFAULT_DB_ALIAS]
    database.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        database.connection.backup(copy)
