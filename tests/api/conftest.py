"""Tokens and clients for the API tests: `api_for(user)` is a client whose requests carry a fresh
token of that user (write scope unless asked otherwise)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from repat.api import actions
from repat.api.models import ApiToken
from tests.accounts.helpers import authenticator


def issue(user, scope: str = ApiToken.Scope.WRITE, days: int = 30) -> str:
    """A token's key for `user`, issued as they would on their page (second factor passed)."""
    _token, key = actions.token_issue(
        actor=user,
        user=user,
        name=f"test {scope}",
        scope=scope,
        expires_at=timezone.now() + datetime.timedelta(days=days),
        second_factor_passed=True,
    )
    return key


class ApiClient(Client):
    def __init__(self, key: str, **kwargs):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {key}", enforce_csrf_checks=True, **kwargs)
        self.key = key

    def post_json(self, url, data=None, **extra):
        return self.post(url, data or {}, content_type="application/json", **extra)

    def patch_json(self, url, data=None, **extra):
        return self.patch(url, data or {}, content_type="application/json", **extra)


@pytest.fixture
def api_for(db):
    def make(user, scope: str = ApiToken.Scope.WRITE) -> ApiClient:
        authenticator(user)  # roles that need a second factor have one, as in production
        return ApiClient(issue(user, scope))

    return make
