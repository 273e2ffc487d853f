"""`make run` starts the web server, a Celery worker and beat; a periodic task that beat sends through
the configured broker (Redis when REDIS_URL is set, the filesystem otherwise) is executed by the
worker; Ctrl-C stops them all."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.database import copy_to_file
from tests.ops.stack import RedisServer, database_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
            return response.status == 200
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


# serialized_rollback: the regions seeded by a migration come back after the test empties the tables.
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_starts_web_worker_and_beat_and_ctrl_c_stops_them(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "repat.settings.dev",
        "REPAT_VAR_DIR": str(tmp_path),
        "REPAT_ADDRESS": f"127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        # The reminders' relay every second (its interval is the operator's to set): beat sends it
        # soon after it starts, instead of an hour later for the shortest fixed schedule.
        "REPAT_RELAY_SECONDS": "1",
    }
    if "DATABASE_URL" in env:  # the migrated test database, which beat's lease needs (repat/core/beat.py)
        env["DATABASE_URL"] = database_url()
    else:  # SQLite where `make run` keeps it: a copy of the migrated test database
        copy_to_file(tmp_path / "repat.sqlite3")
    redis = None
    if env.get("REDIS_URL"):  # a redis-server of its own: a worker of another run must not take the task
        redis = RedisServer(tmp_path / "redis")
        redis.start()
        env["REDIS_URL"] = redis.url
    log = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "repat.devserver"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/accounts/login/"), 60), "web server did not answer"
        output = lambda: (tmp_path / "run.log").read_text()  # noqa: E731
        assert wait_for(lambda: " ready." in output(), 60), output()
        assert wait_for(lambda: "beat: Starting" in output(), 30), output()

        # then: beat sent the relay through the broker and the worker ran it
        relayed = re.compile(r"Task repat\.reminders\.tasks\.relay\[[0-9a-f-]+\] succeeded")
        assert wait_for(lambda: relayed.search(output()), 30), output()
        if not env.get("REDIS_URL"):
            # the filesystem broker keeps all its folders, its exchange tables too, under var/
            assert (tmp_path / "broker" / "control" / "celery.exchange").exists()

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        process.wait(timeout=30)
        assert wait_for(lambda: not group_alive(process.pid), 20), "a process outlived Ctrl-C"
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        if redis is not None:
            redis.stop()
