"""The password policy (Django's validators) applies wherever a password is chosen in a form."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOO_SHORT = "This password is too short. It must contain at least 12 characters."
TOO_COMMON = "This password is too common."
NUMERIC = "This password is entirely numeric."
SIMILAR = "The password is too similar to the username."


def problems(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("password12345", [TOO_COMMON]),
        ("kq8#zLw!2p", [TOO_SHORT]),  # ten characters
        ("840215739164", [NUMERIC]),
        ("12345678", [TOO_SHORT, TOO_COMMON, NUMERIC]),
        ("a-much-longer-passphrase-42", []),
    ],
)
def test_the_policy(password, expected):
    assert problems(password) == expected


def test_a_password_like_the_username_is_refused():
    user = UserFactory(username="dinara.supervisor")
    assert problems("dinara.supervisor1", user) == [SIMILAR]


def test_the_change_password_page_says_what_is_wrong(client_for, worker):
    # Given a worker changing their password
    client = client_for(worker)

    # When they choose a common one
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "test-password-123", "new_password1": "password12345", "new_password2": "password12345"},
    )

    # Then the page says so and the password stays
    assert response.context["form"].errors["new_password2"] == [TOO_COMMON]
    worker.refresh_from_db()
    assert worker.check_password("test-password-123")
