"""The cases' checks of `manage.py verify_restore`: what came back, whether the uploaded files open
through the storage as uploaded, whether the restricted section decrypts with the keys given. Its
output names counts, ids and times, never a person, a file name or what the section says."""

import io

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from cases import actions
from cases.models import Attachment
from repat.accounts.models import User
from tests.factories import pdf_upload, png_upload

pytestmark = pytest.mark.django_db

SECRET = "Article 256, Bishkek city court"


def verify_restore(*args) -> str:
    out = io.StringIO()
    call_command("verify_restore", *args, stdout=out)
    return out.getvalue()


def failing(*args) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_restore", *args, stdout=out)
    return out.getvalue(), str(failed.value)


def line(output: str, check: str) -> str:
    return next(row for row in output.splitlines() if f" {check}:" in row)


@pytest.fixture
def restored(worker, case):
    """A case with two uploaded files and a restricted section, as a restore brings them back."""
    older = actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload("older.pdf"))
    newer = actions.attachment_upload(actor=worker, case=case, uploaded=png_upload("newer.png"))
    worker.user_permissions.add(Permission.objects.get(codename="see_restricted", content_type__app_label="cases"))
    worker = User.objects.get(pk=worker.pk)  # permissions are cached
    actions.restricted_section_save(actor=worker, returnee=case.returnee, data={"charges": SECRET})
    return case, older, newer


def test_a_complete_restore_passes_and_the_output_names_nobody(restored):
    case, _older, _newer = restored

    output = verify_restore()

    assert line(output, "uploaded files") == (
        "ok      uploaded files: 2 uploaded files; every one opened and matched its size and checksum at upload"
    )
    assert line(output, "restricted section") == (
        "ok      restricted section: 1 restricted sections; every one decrypted with the configured keys"
    )
    assert line(output, "records").startswith("ok      records: 1 returnees, 1 cases, ")
    assert output.endswith("Restore verified: 6 checks passed.\n")
    for personal in (case.returnee.given_name, case.returnee.family_name, "older.pdf", "newer.png", SECRET):
        assert personal not in output


def test_files_missing_from_the_storage_or_changed_fail_with_their_ids(restored):
    # given: the files restored from a copy older than the database, and one changed since
    _case, older, newer = restored
    newer.file.storage.delete(newer.file.name)
    with older.file.storage.open(older.file.name, "wb") as stored:
        stored.write(b"%PDF-1.4 something else")

    output, error = failing()

    assert line(output, "uploaded files") == "FAILED  uploaded files: 2 uploaded files; of every one, 2 failed"
    assert f"        missing from the storage or unreadable: 1 (attachment ids {newer.pk})" in output
    assert f"        different from what was uploaded: 1 (attachment ids {older.pk})" in output
    assert error == "Restore not verified: 1 of 6 checks failed (uploaded files)."


def test_a_sample_opens_the_newest_files_and_all_opens_every_one(restored):
    _case, older, _newer = restored
    older.file.storage.delete(older.file.name)

    sampled = verify_restore("--sample", "1")
    output, _error = failing("--all")

    assert line(sampled, "uploaded files") == (
        "ok      uploaded files: 2 uploaded files; the 1 newest opened and matched its size and checksum at upload"
    )
    assert line(output, "uploaded files") == "FAILED  uploaded files: 2 uploaded files; of every one, 1 failed"


def test_the_restricted_section_fails_with_keys_other_than_those_it_was_written_with(restored, settings):
    # given: keys kept apart from the backup, and the wrong ones given at restore
    case, _older, _newer = restored
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    output, error = failing()

    assert line(output, "restricted section") == (
        "FAILED  restricted section: 1 restricted sections; of every one, 1 do not decrypt with the configured "
        "keys: REPAT_FIELD_ENCRYPTION_KEYS must hold every key the backup's rows were written with"
    )
    legal = case.returnee.legal_record
    assert f"        restricted section ids {legal.pk}" in output
    assert error == "Restore not verified: 1 of 6 checks failed (restricted section)."


def test_the_restricted_section_passes_with_a_newer_key_in_front(restored, settings):
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.REPAT_FIELD_ENCRYPTION_KEYS]

    output = verify_restore()

    assert line(output, "restricted section").startswith("ok      restricted section: 1 restricted sections;")


def test_a_database_without_returnees_fails(db):
    output, error = failing()

    assert line(output, "records") == "FAILED  records: no returnees at all: is this the restored database?"
    assert error == "Restore not verified: 1 of 6 checks failed (records)."


def test_an_attachment_without_a_file_in_a_bucket_like_storage_counts_as_missing(restored, monkeypatch):
    """An object store says "missing" with its own exceptions, not FileNotFoundError."""
    _case, _older, newer = restored

    def refuse(self, *args, **kwargs):
        raise RuntimeError("NoSuchKey")

    monkeypatch.setattr(type(newer.file), "open", refuse)

    output, _error = failing()

    assert Attachment.objects.count() == 2
    assert "        missing from the storage or unreadable: 2 (attachment ids " in output


def test_the_files_of_an_anonymised_case_are_not_looked_for(restored):
    # given: retention deleted a file and emptied its row, as it does for an anonymised case
    _case, older, _newer = restored
    older.file.delete(save=False)
    Attachment.objects.filter(pk=older.pk).update(file="", original_name="")

    output = verify_restore()

    assert line(output, "uploaded files") == (
        "ok      uploaded files: 1 uploaded files; every one opened and matched its size and checksum at upload"
    )
