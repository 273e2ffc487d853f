"""A restore drill, as docs/operations.md tells an operator to run one: back up a running system (the
database with pg_dump while people work, then the private files), restore both into a new database and
a new folder, give the keys kept apart from the backup, and check with `manage.py verify_restore` and
through the app: the audit chain verifies (against a head published before the backup and kept
elsewhere), the uploaded file opens with its bytes, and the restricted section reads. A head published
after the backup says how many rows the restore lost. With other keys,
the same backup verifies nothing: a backup without its keys is useless, which is why the keys are kept
apart from it (and why a backup with them is dangerous).

PostgreSQL only (production's database and its tools), on the server DATABASE_URL names: the running
system's database is made from the migrated test database, the restore's is a new, empty one; both are
dropped at the end. With SQLite it is
skipped; CI runs it in its PostgreSQL pass. No Redis: the production settings run without one
(Celery's filesystem broker), and nothing here needs a worker.
"""

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.utils import timezone
from psycopg import sql

from repat.audit import anchors

from .stack import PRODUCTION, Gunicorn, database_url, free_port, manage, production_env, wait_for

pytestmark = pytest.mark.xdist_group("ops")  # with the other operator's tests: collectstatic once

PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"
PG_RESTORE = shutil.which("pg_restore") or "/usr/bin/pg_restore"

MARKER = "DRILL-7731"
CHARGES = f"Article 256 ({MARKER})"
SECURITY_NOTES = f"Contacts abroad ({MARKER})"

# What the running system holds before its backup: a worker granted the restricted section, a case,
# an uploaded scan (written through the action, which checks it as the upload page does).
SEED = """
import json
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from cases import actions
from repat.accounts.models import User
from tests.factories import PDF_BYTES, CaseFactory, ReturneeFactory, UserFactory, region

chuy = region("Chüy Oblast")
worker = UserFactory(username="drill-worker", role=User.Role.SOCIAL_WORKER, regions=[chuy])
worker.set_password("drill-password-123")
worker.save(update_fields=["password"])
worker.user_permissions.add(Permission.objects.get(codename="see_restricted", content_type__app_label="cases"))
worker = User.objects.get(pk=worker.pk)
returnee = ReturneeFactory(region=chuy, given_name="Айгерим", family_name="Дрилова")
case = CaseFactory(worker=worker, returnee=returnee)
scan = SimpleUploadedFile("birth-certificate.pdf", PDF_BYTES + b"drill" * 100, content_type="application/pdf")
attachment = actions.attachment_upload(actor=worker, case=case, uploaded=scan)
print(json.dumps({
    "username": worker.username, "case": case.get_absolute_url(), "returnee": returnee.pk,
    "attachment": attachment.get_absolute_url(), "size": attachment.size,
}))
"""

COUNTED = {
    "audit rows": "SELECT count(*) FROM audit_auditevent",
    "returnees": "SELECT count(*) FROM cases_returnee",
    "attachments": "SELECT count(*) FROM cases_attachment",
    "restricted sections": "SELECT count(*) FROM cases_legalrecord",
}


class Server:
    """The PostgreSQL server the test database is on, for creating and dropping the drill's databases
    and for its client tools."""

    def __init__(self):
        settings = connection.settings_dict
        self.settings = settings
        self.connect = {
            "host": settings["HOST"] or "localhost",
            "port": settings["PORT"] or 5432,
            "user": settings["USER"],
            "password": settings["PASSWORD"] or None,
            "autocommit": True,
        }

    def admin(self):
        return psycopg.connect(dbname="postgres", **self.connect)

    def url(self, name: str) -> str:
        return database_url({**self.settings, "NAME": name})

    def query(self, name: str, statement: str):
        with psycopg.connect(dbname=name, **self.connect) as db:
            return db.execute(statement).fetchone()[0]

    def counts(self, name: str) -> dict[str, int]:
        return {what: self.query(name, statement) for what, statement in COUNTED.items()}

    def tool(self, *command: str) -> subprocess.CompletedProcess:
        """pg_dump or pg_restore on this server, as an operator runs them."""
        env = {**os.environ, "PGHOST": str(self.connect["host"]), "PGPORT": str(self.connect["port"])}
        env["PGUSER"] = self.connect["user"] or ""
        if self.connect["password"]:
            env["PGPASSWORD"] = self.connect["password"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stderr[-3000:]}"
        return result


@pytest.fixture
def drill_databases(db, tmp_path):
    """The running system's database, made from the migrated test database (migrating from nothing
    takes most of a minute on a busy machine), and an empty one for the restore; both dropped
    afterwards. (pg_dump reads what is committed: this test's own transaction holds nothing.)"""
    if connection.vendor != "postgresql":
        pytest.skip(
            "The restore drill backs up and restores PostgreSQL with its own tools (pg_dump, pg_restore), as "
            "production does: set DATABASE_URL to a PostgreSQL server (CI runs it there)."
        )
    server = Server()
    source, restored = f"repat_drill_src_{os.getpid()}", f"repat_drill_dst_{os.getpid()}"
    drop = [
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)) for name in (source, restored)
    ]
    with server.admin() as admin:
        for statement in drop:
            admin.execute(statement)
        for name in (source, restored):
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        migrated = tmp_path / "migrated.dump"
        server.tool(PG_DUMP, "--format=custom", "--file", str(migrated), connection.settings_dict["NAME"])
        server.tool(PG_RESTORE, "--no-owner", "--exit-on-error", "--dbname", source, str(migrated))
        yield server, source, restored
    finally:
        with server.admin() as admin:
            for statement in drop:
                admin.execute(statement)


def deployment(folder: Path, database: str) -> dict:
    """The production environment of one deployment, with the keys from the secret store (stack.py):
    its database, its files under `folder`/var (the private storage in var/private, published heads
    in var/audit-heads). No Redis."""
    return production_env(folder, database=database, redis_url="")


def keep_working(web: Gunicorn, case: str, stop: threading.Event, pages: list) -> None:
    """A colleague opening the case page again and again (each look is an audit row) until told."""
    browser = web.browser()
    signed_in = browser.sign_in("drill-worker", "drill-password-123")
    if signed_in.status != 302:
        pages.append(signed_in.status)
        return
    while not stop.is_set():
        pages.append(browser.get(case).status)


def publish_head_of(server: Server, database: str, folder: Path, settings) -> anchors.PublishedHead:
    """The head beat publishes on the running system (`audit_publish_head`, tested in tests/audit),
    signed with its key, into `folder`: here, to spare a process's start."""
    settings.REPAT_AUDIT_KEYS = [PRODUCTION["REPAT_AUDIT_KEYS"]]
    with psycopg.connect(dbname=database, **server.connect) as db:
        rows, last_id, last_hash = db.execute("SELECT rows, last_id, hash FROM audit_audithead").fetchone()
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_heads": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    return anchors.publish(rows=rows, last_id=last_id, last_hash=last_hash, now=timezone.now())


def test_a_backup_of_a_running_system_restores_into_a_new_database_and_folder(
    tmp_path, drill_databases, static_for, settings
):
    server, source, restored = drill_databases
    live_dir, new_dir, backup_dir, kept_heads = (tmp_path / name for name in ("live", "new", "backup", "kept-heads"))
    for folder in (backup_dir, kept_heads):
        folder.mkdir()
    live = deployment(live_dir, server.url(source))
    new = deployment(new_dir, server.url(restored))
    static_for(live_dir)
    static_for(new_dir)
    web = Gunicorn(live, tmp_path / "live.log")
    web_new = Gunicorn(new, tmp_path / "new.log")
    stop = threading.Event()
    colleague = None
    try:
        # given: the running system, with a scan uploaded and a restricted section saved over HTTP
        seeded = manage(live, "shell", "-c", SEED)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        restricted = f"/returnees/{seed['returnee']}/restricted/"
        web.start()
        browser = web.browser()
        assert browser.sign_in("drill-worker", "drill-password-123").status == 302
        assert browser.get(seed["case"]).status == 200
        saved = browser.submit(restricted, "charges", {"charges": CHARGES, "security_notes": SECURITY_NOTES})
        assert (saved.status, saved.location) == (302, restricted)
        uploaded = browser.get(seed["attachment"])
        assert uploaded.status == 200 and len(uploaded.body) == seed["size"]

        # and: the day's head published, its copy kept away from the server (the e-mailed attachment)
        published = publish_head_of(server, source, live_dir / "var" / "audit-heads", settings)
        shutil.copy2(live_dir / "var" / "audit-heads" / published.name, kept_heads)

        # when: the database is dumped while a colleague keeps working, then the files are copied
        colleague_pages: list[int] = []
        colleague = threading.Thread(target=keep_working, args=(web, seed["case"], stop, colleague_pages))
        colleague.start()
        wait_for(lambda: colleague_pages, 30, "the colleague's first page")
        before = server.counts(source)
        server.tool(PG_DUMP, "--format=custom", "--file", str(backup_dir / "repat.dump"), source)
        with tarfile.open(backup_dir / "private.tar.gz", "w:gz") as archive:
            archive.add(live_dir / "var" / "private", arcname="private")
        pages_during = len(colleague_pages)  # the second page after this one began after the dump's snapshot
        wait_for(lambda: len(colleague_pages) > pages_during + 1, 30, "the colleague's next pages")
        stop.set()
        colleague.join(timeout=30)
        web.stop()
        after = server.counts(source)
        assert colleague_pages and set(colleague_pages) == {200}
        assert web.errors() == []

        # and: restored into a new database and a new folder, on a machine with none of the old files
        server.tool(PG_RESTORE, "--no-owner", "--exit-on-error", "--dbname", restored, str(backup_dir / "repat.dump"))
        (new_dir / "var").mkdir(parents=True, exist_ok=True)
        with tarfile.open(backup_dir / "private.tar.gz") as archive:
            archive.extractall(new_dir / "var", filter="data")

        # then: the restore verifies, with the keys kept apart and the head kept elsewhere
        checked = manage(new, "verify_restore", "--all", "--heads", str(kept_heads))
        assert checked.returncode == 0, checked.stdout + checked.stderr[-3000:]
        report = checked.stdout
        restored_counts = server.counts(restored)
        assert before["audit rows"] <= restored_counts["audit rows"] <= after["audit rows"]
        assert {k: v for k, v in restored_counts.items() if k != "audit rows"} == {
            k: v for k, v in after.items() if k != "audit rows"
        }
        assert f"audit trail: intact, {restored_counts['audit rows']} rows checked" in report
        assert "1 published heads held" in report
        assert "uploaded files: 1 uploaded files; every one opened and matched its size and checksum" in report
        assert "restricted section: 1 restricted sections; every one decrypted with the configured keys" in report
        assert report.rstrip().endswith("Restore verified: 6 checks passed.")
        for personal in ("Айгерим", "Дрилова", "birth-certificate", MARKER):
            assert personal not in report

        # and: a head published after the backup says how many rows the restore lost (docs/operations.md:
        # expected after any restore; the heads after the restore point are kept, apart)
        later_heads = tmp_path / "later-heads"
        later = publish_head_of(server, source, later_heads, settings)
        lost = manage(new, "verify_restore", "--heads", str(kept_heads), "--heads", str(later_heads))
        assert lost.returncode == 1
        assert (
            f"FAILED  audit trail: Audit trail broken: the chain ends after {restored_counts['audit rows']} rows, but "
            f"the head published on {later.when} records {later.rows} rows up to row {later.last_id}: rows were removed"
        ) in lost.stdout
        assert "Restore not verified: 1 of 6 checks failed (audit trail)." in lost.stderr

        # and: the restored app serves the scan with its bytes and the restricted section's text
        web_new.start()
        browser = web_new.browser()
        assert browser.get("/readyz").status == 200
        assert browser.sign_in("drill-worker", "drill-password-123").status == 302
        scan = browser.get(seed["attachment"])
        assert scan.status == 200 and scan.body == uploaded.body
        section = browser.get(restricted)
        assert section.status == 200
        assert CHARGES in section.text and SECURITY_NOTES in section.text
        assert web_new.errors() == []

        # and: with other keys the same backup verifies nothing and reads nothing
        wrong = dict(
            new,
            REPAT_FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            REPAT_AUDIT_KEYS="other:" + "w" * 40,
        )
        refused = manage(wrong, "verify_restore", "--heads", str(kept_heads))
        assert refused.returncode == 1
        assert "FAILED  restricted section: 1 restricted sections; of every one, 1 do not decrypt" in refused.stdout
        assert "FAILED  audit trail: " in refused.stdout
        assert "Restore not verified: 2 of 6 checks failed (restricted section, audit trail)." in refused.stderr
        for secret in (PRODUCTION["REPAT_AUDIT_KEYS"].partition(":")[2], wrong["REPAT_AUDIT_KEYS"].partition(":")[2]):
            assert secret not in refused.stdout + refused.stderr
    finally:
        stop.set()
        if colleague is not None:
            colleague.join(timeout=30)
        web.stop()
        web_new.stop()


# --- Point-in-time recovery --------------------------------------------------------------------------

PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/missing/bin"))

# Before and after the moment to go back to: the section saved right, then overwritten by mistake.
PITR_SEED = """
import json, time
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from cases import actions
from repat.accounts.models import User
from tests.factories import PDF_BYTES, CaseFactory, ReturneeFactory, UserFactory, region

chuy = region("Chüy Oblast")
worker = UserFactory(username="pitr-worker", role=User.Role.SOCIAL_WORKER, regions=[chuy])
worker.user_permissions.add(Permission.objects.get(codename="see_restricted", content_type__app_label="cases"))
worker = User.objects.get(pk=worker.pk)
case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
scan = SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf")
actions.attachment_upload(actor=worker, case=case, uploaded=scan)
actions.restricted_section_save(actor=worker, returnee=case.returnee, data={"charges": "%(good)s"})
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM audit_auditevent")
    rows = cursor.fetchone()[0]
time.sleep(1.0)
target = timezone.now()
time.sleep(1.0)
later = SimpleUploadedFile("later.pdf", PDF_BYTES + b"later", content_type="application/pdf")
actions.attachment_upload(actor=worker, case=case, uploaded=later)
worker = User.objects.get(pk=worker.pk)
actions.restricted_section_save(actor=worker, returnee=case.returnee, data={"charges": "%(mistake)s"})
print(json.dumps({"target": target.isoformat(), "audit_rows": rows}))
"""


class Cluster:
    """A PostgreSQL cluster of our own in a temporary folder, on a spare port, run as the `postgres`
    user when we are root (PostgreSQL refuses to run as root). Never the machine's shared server."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.data, self.port = folder, folder / name, free_port()
        self.log = folder / f"{name}.log"
        self.started = False

    @staticmethod
    def run(*command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*as_postgres, *command], capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        return result

    def init(self, **settings: str) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.configure(**settings)

    def configure(self, **settings: str) -> None:
        lines = "".join(f"{name} = '{value}'\n" for name, value in settings.items())
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n")
            conf.write(f"unix_socket_directories = '{self.folder}'\nfsync = off\n{lines}")

    def start(self) -> None:
        try:
            self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        except AssertionError:
            pytest.fail("PostgreSQL did not start:\n" + (self.log.read_text()[-3000:] if self.log.exists() else ""))
        self.started = True

    def stop(self) -> None:
        if self.started:
            self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False

    def connect(self, dbname: str = "postgres"):
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"


@pytest.fixture
def pitr_folder(db):
    """A folder the `postgres` user owns, for the clusters, the WAL archive and the base backup."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "Point-in-time recovery is PostgreSQL's: set DATABASE_URL to a PostgreSQL server (CI runs it there)."
        )
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"The PostgreSQL server binaries are required in CI but {PG_BIN}/initdb is missing.")
        pytest.skip(f"Point-in-time recovery needs PostgreSQL's initdb and pg_ctl under {PG_BIN}.")
    folder = Path(tempfile.mkdtemp(prefix="repat-pitr-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_point_in_time_recovery_goes_back_to_just_before_a_mistake(pitr_folder, tmp_path):
    """A base backup and the archived WAL bring the database back to a moment: what was written
    before it is there and verifies, what was written after it (the mistake) is not."""
    archive = pitr_folder / "wal-archive"
    primary, recovered = Cluster(pitr_folder, "primary"), Cluster(pitr_folder, "recovered")
    live_dir, new_dir = tmp_path / "live", tmp_path / "new"
    try:
        # given: a primary archiving its WAL, holding the migrated schema, and a base backup of it
        Cluster.run("mkdir", str(archive))
        primary.init(
            wal_level="replica",
            archive_mode="on",
            archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f.tmp && mv {archive}/%f.tmp {archive}/%f",
        )
        primary.start()
        with primary.connect() as admin:
            admin.execute("CREATE DATABASE repat")
        server = Server()
        migrated = tmp_path / "migrated.dump"
        server.tool(PG_DUMP, "--format=custom", "--file", str(migrated), connection.settings_dict["NAME"])
        restore = subprocess.run(
            [
                PG_RESTORE,
                "--no-owner",
                "--exit-on-error",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "--dbname",
                "repat",
                str(migrated),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restore.returncode == 0, restore.stderr[-3000:]
        Cluster.run(
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(pitr_folder / "base"),
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )

        # when: the system works on, then someone saves a wrong section and uploads another scan
        live = deployment(live_dir, primary.url("repat"))
        seeded = manage(live, "shell", "-c", PITR_SEED % {"good": CHARGES, "mistake": "overwritten by mistake"})
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        with primary.connect("repat") as db:
            segment = db.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        wait_for(lambda: (archive / segment).exists(), 30, "the WAL with the mistake to be archived")
        shutil.copytree(live_dir / "var" / "private", new_dir / "var" / "private")  # the files, taken after
        primary.stop()

        # and: the base backup recovered to the moment before the mistake, in a new cluster
        Cluster.run("cp", "-a", str(pitr_folder / "base"), str(recovered.data))
        recovered.configure(
            restore_command=f"cp {archive}/%f %p",
            recovery_target_time=seed["target"],
            recovery_target_action="promote",
            archive_mode="off",
        )
        Cluster.run("touch", str(recovered.data / "recovery.signal"))
        recovered.start()
        wait_for(lambda: not recovered.connect().execute("SELECT pg_is_in_recovery()").fetchone()[0], 60, "promotion")

        # then: what was written before the moment is back and verifies; the mistake is not
        new = deployment(new_dir, recovered.url("repat"))
        checked = manage(new, "verify_restore", "--all")
        assert checked.returncode == 0, checked.stdout + checked.stderr[-3000:]
        assert f"audit trail: intact, {seed['audit_rows']} rows checked" in checked.stdout
        assert "uploaded files: 1 uploaded files; every one opened" in checked.stdout
        with recovered.connect("repat") as db:
            (charges,) = db.execute("SELECT charges FROM cases_legalrecord").fetchone()
        fernet = Fernet(PRODUCTION["REPAT_FIELD_ENCRYPTION_KEYS"].encode())
        assert fernet.decrypt(charges.encode()).decode() == CHARGES
    finally:
        recovered.stop()
        primary.stop()
