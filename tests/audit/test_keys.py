"""REPAT_AUDIT_KEYS: "id:secret", newest first. A malformed list stops the application; the message
never repeats a secret."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from repat.audit.keys import UnknownKey, audit_key, audit_keys, sealing_key

SECRET = "s" * 40


def test_the_first_key_seals_and_every_key_checks(settings):
    settings.REPAT_AUDIT_KEYS = [f"new:{SECRET}", "old:" + "o" * 32]

    assert sealing_key().id == "new"
    assert list(audit_keys()) == ["new", "old"]
    assert audit_key("old").seal("x") != audit_key("new").seal("x")
    with pytest.raises(UnknownKey):
        audit_key("gone")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "REPAT_AUDIT_KEYS is empty: the audit trail cannot be sealed."),
        (
            [SECRET],
            'REPAT_AUDIT_KEYS: key 1 must read "id:secret", the id being 1 to 20 letters, digits, dots, dashes or '
            "underscores.",
        ),
        (
            [f"a:{SECRET}", f"bad id:{SECRET}"],
            'REPAT_AUDIT_KEYS: key 2 must read "id:secret", the id being 1 to 20 letters, digits, dots, dashes or '
            "underscores.",
        ),
        (["k1:too-short-a-secret"], 'REPAT_AUDIT_KEYS: the secret of key "k1" is shorter than 32 characters.'),
        ([f"k1:{SECRET}", f"k1:{SECRET}x"], 'REPAT_AUDIT_KEYS: the id "k1" is given twice.'),
    ],
)
def test_malformed_keys_are_refused_without_repeating_the_secret(keys, message, settings):
    settings.REPAT_AUDIT_KEYS = keys

    with pytest.raises(ImproperlyConfigured) as error:
        audit_keys()

    assert str(error.value) == message
    assert SECRET not in str(error.value)
