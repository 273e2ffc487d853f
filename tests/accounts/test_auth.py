import pytest
from django.urls import reverse

from repat.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_public_and_everything_else_needs_login(client):
    assert client.get(reverse("accounts:login")).status_code == 200
    for name in ("cases:caseload", "cases:returnee_register", "accounts:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_login_and_logout(client):
    UserFactory(username="amina")
    response = client.post(reverse("accounts:login"), {"username": "amina", "password": "test-password-123"})
    assert response.status_code == 302
    assert client.get(reverse("cases:caseload")).status_code == 200

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("cases:caseload")).status_code == 302


def test_wrong_password_gives_the_same_message_as_an_unknown_user(client):
    UserFactory(username="amina")
    wrong = client.post(reverse("accounts:login"), {"username": "amina", "password": "nope"})
    unknown = client.post(reverse("accounts:login"), {"username": "nobody", "password": "nope"})
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_deactivated_user_is_out_at_once(client, worker):
    client.force_login(worker)
    worker.is_active = False
    worker.save()
    assert client.get(reverse("cases:caseload")).status_code == 302


def test_password_change_enforces_the_policy(client, worker):
    client.force_login(worker)
    url = reverse("accounts:password_change")
    short = client.post(url, {"old_password": "test-password-123", "new_password1": "short", "new_password2": "short"})
    assert "new_password2" in short.context["form"].errors
    ok = client.post(
        url,
        {
            "old_password": "test-password-123",
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )
    assert ok.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password("a-much-longer-passphrase-42")


def test_language_choice_is_remembered_for_the_user(client, worker):
    client.force_login(worker)
    response = client.post(reverse("accounts:set_language"), {"language": "ky", "next": "/"})
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.language == "ky"

    # On another device (no cookie) the saved choice applies.
    other = client.__class__()
    other.force_login(worker)
    assert other.get(reverse("cases:caseload")).content.decode().startswith('<!DOCTYPE html>\n<html lang="ky">')


def test_language_can_be_switched_before_login(client):
    response = client.post(reverse("accounts:set_language"), {"language": "ru", "next": reverse("accounts:login")})
    assert response.status_code == 302
    assert '<html lang="ru">' in client.get(reverse("accounts:login")).content.decode()


def test_custom_user_model_roles():
    assert set(User.Role.values) == {"social_worker", "coordinator", "supervisor", "administrator", "provider"}


def test_pages_are_not_cached(client, worker):
    client.force_login(worker)
    assert client.get(reverse("cases:caseload"))["Cache-Control"] == "no-store"
