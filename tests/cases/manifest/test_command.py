"""manage.py import_manifest: preview by default, exit codes for problems and matches."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases import actions
from cases.models import Returnee

from .files import csv_bytes, family, person


@pytest.fixture
def manifest_file(tmp_path):
    def write(rows):
        path = tmp_path / "flight.csv"
        path.write_bytes(csv_bytes(rows))
        return str(path)

    return write


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def command(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_manifest", *args, stdout=out)
        return out.getvalue()

    return command


@pytest.fixture
def aisha(coordinator, chuy, operation):
    return actions.returnee_register(
        actor=coordinator,
        data={
            "given_name": "Aisha",
            "family_name": "Abdyrakhmanova",
            "sex": "female",
            "date_of_birth": datetime.date(2016, 1, 1),
            "operation": operation,
            "arrival_date": datetime.date(2023, 2, 10),
            "region": chuy,
        },
    )


def test_preview_writes_nothing_and_commit_registers(run, manifest_file, coordinator, operation):
    path = manifest_file(family())
    output = run(path, "--as", coordinator.username)
    assert "Preview only: nothing was registered (add --commit)." in output
    assert Returnee.objects.count() == 0
    output = run(path, "--as", coordinator.username, "--commit")
    assert "committed: 3 cases, 1 families, 0 skipped" in output
    assert Returnee.objects.count() == 3


def test_a_row_with_a_problem_exits_non_zero(run, manifest_file, coordinator, operation):
    path = manifest_file([person(birth_date="yesterday")])
    with pytest.raises(CommandError):
        run(path, "--as", coordinator.username, "--commit")
    assert Returnee.objects.count() == 0


def test_a_match_stops_by_default_and_new_or_skip_go_on(run, manifest_file, coordinator, aisha):
    path = manifest_file(family())
    with pytest.raises(CommandError):
        run(path, "--as", coordinator.username, "--commit")
    assert Returnee.objects.count() == 1
    output = run(path, "--as", coordinator.username, "--on-match", "skip", "--commit")
    assert "committed: 2 cases, 1 families, 1 skipped" in output
    path = manifest_file([person(household="H9", given_name="Aisha")])
    output = run(path, "--as", coordinator.username, "--on-match", "new", "--commit")
    assert "committed: 1 cases" in output


def test_defaults_for_operation_and_region(run, manifest_file, coordinator, operation):
    path = manifest_file([person(operation="", region="")])
    with pytest.raises(CommandError):
        run(path, "--as", coordinator.username)
    output = run(path, "--as", coordinator.username, "--operation", operation.name, "--region", "Chüy Oblast")
    assert "Preview only" in output


def test_an_unknown_user_is_an_error(db, run, manifest_file):
    with pytest.raises(CommandError):
        run(manifest_file(family()), "--as", "nobody")
