"""Field encryption and key rotation (repat/core/crypto.py, manage.py rotate_encryption_key): after
the rotation the old key can be removed and every page that shows encrypted data still opens."""

import io

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from cases import actions
from cases.models import LegalRecord
from repat.core import crypto
from tests.factories import CaseFactory, ReturneeFactory

pytestmark = pytest.mark.django_db

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
MARKER = "MARKER-ROTATED-5521"


def section(n: int) -> dict:
    return {
        "charges": f"Article 256 {MARKER} {n}",
        "court": f"Bishkek city court {n}",
        "sentence": "",
        "release": "",
        "lawyer": f"A. Lawyer {n}",
        "security_notes": "" if n % 2 else f"Contacts abroad {n}",
    }


@pytest.fixture
def under_key_a(settings, administrator, chuy, worker):
    """Five restricted sections written while key A was the only key."""
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [KEY_A]
    cases = [CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy)) for _ in range(5)]
    for n, case in enumerate(cases):
        actions.restricted_section_save(actor=administrator, returnee=case.returnee, data=section(n))
    return cases


def raw_values() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT charges, court, lawyer, security_notes FROM {LegalRecord._meta.db_table}")  # noqa: S608
        return [value for row in cursor.fetchall() for value in row if value]


def opens_with(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except Exception:  # noqa: BLE001
        return False
    return True


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out, **options)
    return out.getvalue()


def pages(cases) -> list[str]:
    """Every page that shows (or reads) the restricted section, for each case."""
    return [
        url
        for case in cases
        for url in (
            reverse("cases:restricted_section", args=[case.returnee.pk]),
            reverse("cases:case_detail", args=[case.pk]),
            reverse("cases:returnee_detail", args=[case.returnee.pk]),
        )
    ]


def test_after_rotation_the_old_key_can_go_without_a_single_error(under_key_a, settings, administrator, client_for):
    # given: key B is added in front of key A
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert all(opens_with(KEY_A, token) for token in raw_values())

    # when: the rotation runs, in batches of two records
    output = rotate(batch_size=2)

    # then: every value is under key B
    assert "5 records read: 18 values re-encrypted under the newest key, 0 already under it." in output
    assert all(opens_with(KEY_B, token) and not opens_with(KEY_A, token) for token in raw_values())

    # when: key A is removed
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [KEY_B]
    client = client_for(administrator)

    # then: every page opens and shows the same text
    for url in pages(under_key_a):
        assert client.get(url).status_code == 200, url
    for n, case in enumerate(under_key_a):
        page = client.get(reverse("cases:restricted_section", args=[case.returnee.pk])).content.decode()
        assert f"Article 256 {MARKER} {n}" in page
        assert f"A. Lawyer {n}" in page

    # and an edit after the rotation saves (the rotation did not touch the edit version)
    case = under_key_a[0]
    response = client.post(reverse("cases:restricted_section", args=[case.returnee.pk]), section(9))
    assert response.status_code == 302
    assert LegalRecord.objects.get(returnee=case.returnee).charges == f"Article 256 {MARKER} 9"


def test_without_the_rotation_removing_the_old_key_breaks_the_page(under_key_a, settings, administrator, client_for):
    # given: the old key removed without rotating (what the command prevents)
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [KEY_B]

    # when / then
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        client_for(administrator).get(reverse("cases:restricted_section", args=[under_key_a[0].returnee.pk]))
    with pytest.raises(CommandError, match="18 values open with none of the configured keys"):
        rotate()


def test_the_rotation_is_idempotent_and_check_says_when_the_old_key_can_go(under_key_a, settings):
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError, match="Some values still need an old key"):
        rotate(check=True)
    assert crypto.needs_old_keys() == 18
    assert all(opens_with(KEY_A, token) for token in raw_values())  # --check changed nothing

    rotate()
    tokens = raw_values()
    second = rotate()

    assert "0 values re-encrypted under the newest key, 18 already under it." in second
    assert raw_values() == tokens  # nothing written again
    assert "older keys can be removed" in rotate(check=True)
    assert crypto.needs_old_keys() == 0


def test_an_interrupted_rotation_resumes_where_it_stopped(under_key_a, settings, monkeypatch):
    # given: the rotation is stopped after 7 values (in the 2nd batch of two records)
    settings.REPAT_FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    real_rotate, calls = MultiFernet.rotate, []

    def interrupted(self, token):
        calls.append(token)
        if len(calls) > 7:
            raise KeyboardInterrupt
        return real_rotate(self, token)

    monkeypatch.setattr(MultiFernet, "rotate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rotate(batch_size=2)
    monkeypatch.undo()

    # then: the first batch (two records, 7 values) stays done
    under_b = sum(opens_with(KEY_B, token) for token in raw_values())
    assert under_b == 7

    # when: it runs again
    output = rotate(batch_size=2)

    # then: it does the rest only
    assert "11 values re-encrypted under the newest key, 7 already under it." in output
    assert all(opens_with(KEY_B, token) for token in raw_values())


def test_every_encrypted_field_is_found():
    assert [(model._meta.label, names) for model, names in crypto.encrypted_fields()] == [
        ("cases.LegalRecord", ["charges", "court", "sentence", "release", "lawyer", "security_notes"])
    ]
