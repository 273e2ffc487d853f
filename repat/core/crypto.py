"""Field-level encryption for the restricted section: the database (and its backups) hold only
ciphertext; the keys come from the environment. Several keys may be given, newest first: new
values use the first, old ones still decrypt, so a key can be rotated without downtime.

Rotating a key: put the new key first (REPAT_FIELD_ENCRYPTION_KEYS=new,old), deploy, run
`manage.py rotate_encryption_key` (re-encrypts every value under the new key, in batches; run it
again to resume or to check), then remove the old key. `--check` says whether any value still
needs an old key."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("REPAT_FIELD_ENCRYPTION_KEYS is empty: the restricted section cannot be stored.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.REPAT_FIELD_ENCRYPTION_KEYS))


def newest() -> Fernet:
    keys = settings.REPAT_FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("REPAT_FIELD_ENCRYPTION_KEYS is empty: the restricted section cannot be stored.")
    return Fernet(keys[0].encode())


class Ciphertext(str):
    """A value already encrypted (by `rotate`): stored as it is, not encrypted again."""


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet: AES-128-CBC with an HMAC). It cannot be searched or sorted
    in SQL, which is the point: the restricted section stays out of lists and search."""

    def get_prep_value(self, value):
        if isinstance(value, Ciphertext):
            return str(value)
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return fernet().encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken as error:
            raise ImproperlyConfigured("A restricted field cannot be decrypted with the configured keys.") from error


# --- Rotation ---------------------------------------------------------------------------------------


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and their names."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


@dataclass
class Rotation:
    records: int = 0  # records read
    rotated: int = 0  # values re-encrypted under the newest key
    current: int = 0  # values already under it
    unreadable: list[str] = field(default_factory=list)  # "app.Model pk field": no configured key opens them


def rotate(*, batch_size: int = 500, check: bool = False) -> Rotation:
    """Re-encrypt every encrypted value that the newest key cannot open under the newest key.

    Batches of records by primary key, each in its own transaction with the rows locked (an edit
    made meanwhile waits, then writes under the newest key itself), so an interrupted run keeps
    what it did and the next run carries on: a value the newest key opens is left alone. Values
    are moved as ciphertext (MultiFernet.rotate): the plaintext never leaves this function. With
    `check`, nothing is written: the result counts what would be re-encrypted."""
    latest, every = newest(), fernet()
    result = Rotation()
    for model, names in encrypted_fields():
        label = model._meta.label
        raw = {f"raw_{name}": Cast(name, output_field=models.TextField()) for name in names}
        last = None
        while True:
            with transaction.atomic():
                rows = model._base_manager.order_by("pk")
                if last is not None:
                    rows = rows.filter(pk__gt=last)
                if not check:
                    rows = rows.select_for_update()
                batch = list(rows.annotate(**raw).values_list("pk", *raw)[:batch_size])
                for pk, *tokens in batch:
                    changes = {}
                    for name, token in zip(names, tokens, strict=True):
                        if not token:
                            continue
                        try:
                            latest.decrypt(token.encode())
                            result.current += 1
                            continue
                        except InvalidToken:
                            pass
                        try:
                            changes[name] = Ciphertext(every.rotate(token.encode()).decode())
                        except InvalidToken:
                            result.unreadable.append(f"{label} {pk} {name}")
                    if changes and not check:
                        model._base_manager.filter(pk=pk).update(**changes)
                    result.rotated += len(changes)
                result.records += len(batch)
            if len(batch) < batch_size:
                break
            last = batch[-1][0]
    return result


def needs_old_keys() -> int:
    """How many stored values the newest key alone cannot open (0: the old keys can go)."""
    result = rotate(check=True)
    return result.rotated + len(result.unreadable)
