"""A PostgreSQL primary and its streaming replica of the test's own, in a temporary folder, on spare
loopback ports: never the machine's shared cluster, whose pg_hba.conf allows no replication (and
which a test must not reconfigure). Both are stopped by the test's `finally`.

The binaries are Debian's (/usr/lib/postgresql/<version>/bin); initdb refuses to run as root, so
the servers run as the postgres user when the tests run as root (as in CI)."""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from .stack import free_port


def binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    return found[-1].parent if found else None


class Cluster:
    """One PostgreSQL server: made by initdb (a primary) or by pg_basebackup from another (a
    replica), run by pg_ctl."""

    def __init__(self, bin_dir: Path, folder: Path, name: str):
        self.bin, self.name = bin_dir, name
        self.data = folder / name
        self.log = folder / f"{name}.log"
        self.port = free_port()
        self.sockets = folder

    def as_server_user(self, *command) -> list[str]:
        command = [str(command[0]), *map(str, command[1:])]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def run(self, *command, timeout: float = 60, **options) -> subprocess.CompletedProcess:
        result = subprocess.run(
            self.as_server_user(*command), capture_output=True, text=True, timeout=timeout, **options
        )
        if result.returncode:
            pytest.fail(f"{command[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        return result

    def init_primary(self) -> None:
        self.run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                # a server for one test: nothing survives a crash, and it needs little memory
                "fsync = off\nsynchronous_commit = off\nshared_buffers = 16MB\nmax_connections = 40\n"
            )
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")

    def init_replica_of(self, primary: "Cluster") -> None:
        """pg_basebackup -R: a copy of the primary that follows it (standby.signal, primary_conninfo)."""
        self.run(
            self.bin / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", primary.port, "-U", "postgres", "-D", self.data),
            *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockets}"
        self.run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: at once (the end of a test), or "fast" as an operator's restart does
        (sessions are ended, the server shuts down cleanly)."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                self.as_server_user(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"),
                capture_output=True,
                timeout=60,
            )

    def sql(self, statement: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [*self.psql(database), "-tAq", "-c", statement],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode:
            pytest.fail(f"psql failed: {result.stderr[-2000:]}")
        return result.stdout.strip()

    def psql(self, database: str) -> list:
        connect = ("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database)
        return [self.bin / "psql", *connect, "-X", "-v", "ON_ERROR_STOP=1"]

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def copy_database(bin_dir: Path, settings_dict: dict, target: Cluster, name: str) -> None:
    """The test database, schema and rows, into a new database `name` of `target`."""
    target.sql(f'CREATE DATABASE "{name}"')
    db = settings_dict
    host, port, user = db["HOST"] or "127.0.0.1", str(db["PORT"] or 5432), db["USER"] or "postgres"
    dump = subprocess.Popen(
        [bin_dir / "pg_dump", "--no-owner", "--no-privileges", "-h", host, "-p", port, "-U", user, db["NAME"]],
        stdout=subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": db["PASSWORD"] or ""},
    )
    restore = subprocess.run(
        [*target.psql(name), "-q"],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
        timeout=120,
    )
    dump.stdout.close()
    if dump.wait(timeout=120) or restore.returncode:
        pytest.fail(f"Copying the test database failed: {restore.stderr[-2000:]}")


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.")


class PrimaryAndReplica:
    """A primary holding a copy of the test database and a streaming replica of it."""

    def __init__(self):
        self.bin = binaries()
        if self.bin is None:
            if os.environ.get("CI"):
                pytest.fail("The replica test needs PostgreSQL's server binaries in CI (/usr/lib/postgresql).")
            pytest.skip("The replica test needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin).")
        # Not pytest's tmp_path: the postgres user must be able to reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="repat-replica-"))
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.primary = Cluster(self.bin, self.folder, "primary")
        self.replica = Cluster(self.bin, self.folder, "replica")

    def build(self, settings_dict: dict | None, database: str) -> None:
        """The primary with `database` (a copy of the test database, or empty without
        `settings_dict`), and the replica following it."""
        self.primary.init_primary()
        self.primary.start()
        if settings_dict is None:
            self.primary.sql(f'CREATE DATABASE "{database}"')
        else:
            copy_database(self.bin, settings_dict, self.primary, database)
        self.replica.init_replica_of(self.primary)
        self.replica.start()
        wait_until(lambda: self.replica.sql("SELECT pg_is_in_recovery()") == "t", 30, "the replica to be in recovery")

    def caught_up(self) -> bool:
        """Has the replica replayed everything the primary has written so far?"""
        wanted = self.primary.sql("SELECT pg_current_wal_lsn()")
        return self.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{wanted}'::pg_lsn") == "t"

    def stop(self) -> None:
        try:
            self.replica.stop()
        finally:
            self.primary.stop()
            shutil.rmtree(self.folder, ignore_errors=True)
