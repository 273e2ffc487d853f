"""The keys that seal the audit trail. They come from the environment (REPAT_AUDIT_KEYS, "id:secret",
newest first) and never enter the database: its owner can rewrite rows, but cannot seal them again.
New rows are sealed with the first key; each row names its key, so that older keys keep checking
older rows after a rotation (put the new key in front and keep the old ones behind it)."""

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,20}")
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = field(repr=False)

    def seal(self, message: str) -> str:
        """HMAC-SHA256 of `message`, in hex."""
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()


class UnknownKey(LookupError):
    """A row or a published head names a key that is not configured."""


@cache
def _parse(entries: tuple[str, ...]) -> dict[str, AuditKey]:
    if not entries:
        raise ImproperlyConfigured("REPAT_AUDIT_KEYS is empty: the audit trail cannot be sealed.")
    keys: dict[str, AuditKey] = {}
    for position, entry in enumerate(entries, start=1):
        key_id, colon, secret = entry.partition(":")
        # The message names the position, never the secret (it may end up in a log).
        if not colon or not KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(
                f'REPAT_AUDIT_KEYS: key {position} must read "id:secret", the id being 1 to 20 letters, '
                "digits, dots, dashes or underscores."
            )
        if len(secret) < MIN_SECRET_LENGTH:
            raise ImproperlyConfigured(
                f'REPAT_AUDIT_KEYS: the secret of key "{key_id}" is shorter than {MIN_SECRET_LENGTH} characters.'
            )
        if key_id in keys:
            raise ImproperlyConfigured(f'REPAT_AUDIT_KEYS: the id "{key_id}" is given twice.')
        keys[key_id] = AuditKey(key_id, secret.encode())
    return keys


def audit_keys() -> dict[str, AuditKey]:
    """Every configured key by id, newest first."""
    return _parse(tuple(settings.REPAT_AUDIT_KEYS))


def sealing_key() -> AuditKey:
    """The key that seals new rows and new published heads: the first one."""
    return next(iter(audit_keys().values()))


def audit_key(key_id: str) -> AuditKey:
    try:
        return audit_keys()[key_id]
    except KeyError:
        raise UnknownKey(key_id) from None
