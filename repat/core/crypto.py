"""Field-level encryption for the restricted section: the database (and its backups) hold only
ciphertext; the keys come from the environment. Several keys may be given, newest first: new
values use the first, old ones still decrypt, so a key can be rotated without downtime."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("REPAT_FIELD_ENCRYPTION_KEYS is empty: the restricted section cannot be stored.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.REPAT_FIELD_ENCRYPTION_KEYS))


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet: AES-128-CBC with an HMAC). It cannot be searched or sorted
    in SQL, which is the point: the restricted section stays out of lists and search."""

    def get_prep_value(self, value):
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
