"""The cases' part of `manage.py verify_restore` (repat/core/restore.py): how much came back and how
recent it is, whether the uploaded files open through the storage as they were stored, and whether
the restricted section decrypts with the configured keys. Counts, ids and times only."""

import hashlib

from cryptography.fernet import InvalidToken
from django.db.models import Max, TextField
from django.db.models.functions import Cast

from repat.core.crypto import fernet
from repat.core.restore import Options, Outcome, listed, sample_of, scope

from .models import Attachment, Case, CaseEvent, LegalRecord, Returnee


def records(options: Options) -> Outcome:
    """What a person checks first after a point-in-time restore: the newest change is just before
    the time asked for. An empty database fails: every other check would pass on it."""
    returnees = Returnee.objects.count()
    if not returnees:
        return Outcome(False, "no returnees at all: is this the restored database?")
    newest = CaseEvent.objects.aggregate(newest=Max("created_at"))["newest"]
    when = f", the newest at {newest:%Y-%m-%d %H:%M:%S %Z}" if newest else ""
    return Outcome(
        True,
        f"{returnees} returnees, {Case.objects.count()} cases, {CaseEvent.objects.count()} timeline events{when}",
    )


def _stored_as_recorded(attachment: Attachment) -> bool:
    digest, size = hashlib.sha256(), 0
    with attachment.file.open("rb") as stored:  # through the field's storage: a folder or a bucket
        for chunk in stored.chunks():
            digest.update(chunk)
            size += len(chunk)
    return size == attachment.size and digest.hexdigest() == attachment.sha256


def attachments(options: Options) -> Outcome:
    """Each file of the sample opened through the storage and its bytes held against the checksum
    taken at upload. A missing file means the files were restored from a copy older than the
    database: restore a newer one (files are written once, under new names, so a newer copy only
    adds files no row points at)."""
    stored = Attachment.objects.exclude(file="")  # an anonymised case's files are deleted (retention)
    total = stored.count()
    missing, differing, opened = [], [], 0
    for attachment in sample_of(stored.only("file", "size", "sha256"), options):
        opened += 1
        try:
            intact = _stored_as_recorded(attachment)
        except Exception:  # noqa: BLE001 (missing or unreadable: a folder and a bucket say it differently)
            missing.append(attachment.pk)
            continue
        if not intact:
            differing.append(attachment.pk)
    covered = scope(opened, total)
    if not (missing or differing):
        return Outcome(True, f"{total} uploaded files; {covered} opened and matched its size and checksum at upload")
    details = []
    if missing:
        details.append(f"missing from the storage or unreadable: {len(missing)} (attachment ids {listed(missing)})")
    if differing:
        details.append(f"different from what was uploaded: {len(differing)} (attachment ids {listed(differing)})")
    return Outcome(False, f"{total} uploaded files; of {covered}, {len(missing) + len(differing)} failed", details)


def restricted_section(options: Options) -> Outcome:
    """Every field of the sample decrypted with REPAT_FIELD_ENCRYPTION_KEYS, read as the ciphertext
    stored (the model's field would decrypt on reading, and stop at the first failure)."""
    total = LegalRecord.objects.count()
    raw = {f"raw_{name}": Cast(name, output_field=TextField()) for name in LegalRecord.FIELDS}
    keys = fernet()
    failing, read = [], 0
    for row in sample_of(LegalRecord.objects.annotate(**raw).values("pk", *raw), options):
        read += 1
        for name in raw:
            if not row[name]:
                continue
            try:
                keys.decrypt(row[name].encode())
            except InvalidToken:
                failing.append(row["pk"])
                break
    covered = scope(read, total)
    if not failing:
        return Outcome(True, f"{total} restricted sections; {covered} decrypted with the configured keys")
    return Outcome(
        False,
        f"{total} restricted sections; of {covered}, {len(failing)} do not decrypt with the configured keys: "
        "REPAT_FIELD_ENCRYPTION_KEYS must hold every key the backup's rows were written with",
        [f"restricted section ids {listed(failing)}"],
    )
