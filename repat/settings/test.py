"""pytest: fast hashing, in-memory e-mail, same database choice as dev (DATABASE_URL or SQLite)."""

import os

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
LANGUAGE_CODE = "en"
# Each test that expects an error e-mail gets it; the rate limit's own test sets an interval.
REPAT_ERROR_MAIL_INTERVAL_SECONDS = 0
# Live-server threads must not keep connections open, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if "replica" in DATABASES:
    DATABASES["replica"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The SQLite test database lives in memory (Django's default for SQLite), one per pytest process:
    # nothing waits on the disk. A test whose database another process must open (a Celery worker,
    # gunicorn) asks for the `database_file` fixture (tests/conftest.py), which copies it to a file.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    # A test database need not survive a crash of the server: commits do not wait for the disk.
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"
# Runs on one machine may share its Redis: each process (pytest-xdist worker) keeps its cached
# sessions and lists to itself.
if "KEY_PREFIX" in globals().get("CACHES", {}).get("default", {}):
    CACHES["default"]["KEY_PREFIX"] = f"repat-test-{os.getpid()}"
