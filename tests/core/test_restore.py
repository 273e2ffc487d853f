"""`manage.py verify_restore`: every registered check runs, each on its own; the migrations and the
audit chain (against the heads published outside the backup); a failure exits with status 1."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases import actions as case_actions
from repat.audit import actions as audit
from repat.core import restore

pytestmark = pytest.mark.django_db

OTHER_AUDIT_KEY = "other:" + "o" * 40  # made for this test only


def run(*args) -> tuple[str, str | None]:
    out = io.StringIO()
    try:
        call_command("verify_restore", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def line(output: str, check: str) -> str:
    return next(row for row in output.splitlines() if f" {check}:" in row)


@pytest.fixture
def trail(worker, case):
    """A few audit rows about `case`."""
    for n in range(3):
        case_actions.note_log(
            actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary=f"Visit {n}."
        )


def test_every_app_registers_its_checks_and_they_run_in_order():
    assert list(restore.checks()) == [
        "migrations",
        "records",
        "uploaded files",
        "restricted section",
        "report files",
        "audit trail",
    ]


def test_the_chain_verifies_against_a_head_kept_outside_the_backup(trail, tmp_path, settings):
    # given: a head published, its copy kept elsewhere, and the server's folder lost with the machine
    head = audit.head_publish().head
    kept = tmp_path / "kept-heads"
    kept.mkdir()
    (kept / head.name).write_bytes((Path(settings.REPAT_AUDIT_HEAD_DIR) / head.name).read_bytes())
    settings.REPAT_AUDIT_HEAD_DIR = tmp_path / "empty"

    output, error = run("--heads", str(kept))

    assert error is None
    assert line(output, "audit trail").startswith(f"ok      audit trail: intact, {head.rows} rows checked, the newest")
    assert line(output, "audit trail").endswith(
        f"; 1 published heads held, the newest of {head.when} ({head.rows} rows)"
    )
    assert line(output, "migrations") == "ok      migrations: every migration of this code is applied"


def test_the_chain_fails_without_the_key_that_sealed_it(trail, settings):
    settings.REPAT_AUDIT_KEYS = [OTHER_AUDIT_KEY]

    output, error = run()

    assert "FAILED  audit trail: Audit trail broken at row " in output
    assert "this row is sealed with the key “dev”, which is not configured" in line(output, "audit trail")
    assert error == "Restore not verified: 1 of 6 checks failed (audit trail)."


def test_a_check_that_raises_fails_alone_and_names_the_error(trail, monkeypatch):
    def broken(options):
        raise RuntimeError("the bucket did not answer\nsecond line with details")

    monkeypatch.setitem(restore._registered, "broken", broken)

    output, error = run()

    assert "FAILED  broken: could not be checked: RuntimeError: the bucket did not answer\n" in output
    assert "second line" not in output
    assert line(output, "audit trail").startswith("ok      audit trail: intact")
    assert error == "Restore not verified: 1 of 7 checks failed (broken)."


def test_unapplied_migrations_fail(trail, monkeypatch):
    class Migration:
        app_label, name = "cases", "9999_from_the_future"

    monkeypatch.setattr(restore.MigrationExecutor, "migration_plan", lambda self, targets: [(Migration, False)])

    output, error = run()

    assert line(output, "migrations") == (
        "FAILED  migrations: 1 migrations not applied: the backup is older than the code"
    )
    assert "        cases.9999_from_the_future" in output
    assert error == "Restore not verified: 1 of 6 checks failed (migrations)."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sample", "0"], "--sample must be at least 1 (or use --all)."),
        (["--heads", "/nonexistent/heads"], "No such folder: /nonexistent/heads."),
    ],
)
def test_bad_options_are_refused(db, args, message):
    assert run(*args) == ("", message)
