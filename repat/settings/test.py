"""pytest: fast hashing, in-memory e-mail, same database choice as dev (DATABASE_URL or SQLite)."""

import os
import tempfile
from pathlib import Path

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
LANGUAGE_CODE = "en"
# Live-server threads must not keep connections open, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the real-stack tests run a Celery worker in another process, which must
    # see the same test database. One file per pytest process, so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"repat-test-{os.getpid()}.sqlite3")}
# Runs on one machine may share its Redis: each keeps its cached sessions and lists to itself.
if "KEY_PREFIX" in globals().get("CACHES", {}).get("default", {}):
    CACHES["default"]["KEY_PREFIX"] = f"repat-test-{os.getpid()}"
