"""Who is an active user and who is an administrator: one rule each (repat.accounts), which every
app's permissions.py asks instead of writing its own copy."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from repat.accounts.models import User
from repat.accounts.permissions import is_active_administrator, is_active_user
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def product_code() -> list[Path]:
    return [
        path
        for folder in ("repat", "cases", "services")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and "devtools" not in path.parts
    ]


@pytest.mark.django_db
def test_the_administrators_condition_finds_whom_the_property_names():
    # Given a user of every role, each once more as a superuser
    users = [UserFactory(role=role, is_superuser=superuser) for role in User.Role.values for superuser in (False, True)]

    # Then the condition on users and the property agree
    assert set(User.objects.filter(User.administrators())) == {user for user in users if user.is_administrator}
    assert {user.role for user in users if user.is_administrator and not user.is_superuser} == {"administrator"}


@pytest.mark.django_db
def test_only_a_signed_in_user_whose_account_is_on_is_active():
    active, inactive = UserFactory(), UserFactory(is_active=False)
    administrator = UserFactory(role=User.Role.ADMINISTRATOR)
    switched_off = UserFactory(role=User.Role.ADMINISTRATOR, is_active=False)

    assert [is_active_user(user) for user in (None, AnonymousUser(), inactive, active)] == [False, False, False, True]
    assert [is_active_administrator(user) for user in (AnonymousUser(), active, switched_off, administrator)] == [
        False,
        False,
        False,
        True,
    ]


def test_no_module_writes_its_own_administrator_or_active_user_rule():
    # The rules live in repat/accounts (models.py, permissions.py); a copy elsewhere would drift.
    own = {ROOT / "repat" / "accounts" / "models.py", ROOT / "repat" / "accounts" / "permissions.py"}
    administrator = re.compile(r"Role\.ADMINISTRATOR\b.*is_superuser|is_superuser.*Role\.ADMINISTRATOR\b")
    active = re.compile(r"is_authenticated and \w+\.is_active\b")
    code = product_code()
    assert len(code) > 50  # the scan sees the apps

    copies = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in code
        if path not in own
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if administrator.search(line) or active.search(line)
    ]

    assert copies == []
