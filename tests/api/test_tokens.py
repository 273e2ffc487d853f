"""Tokens: the self-service page (create, the key shown once, revoke), the administrators' issue in
the admin, the second-factor rule, and the audit trail of each."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from repat.api import actions
from repat.api.models import ApiToken, key_hash
from repat.audit.models import AuditEvent
from tests.accounts.helpers import authenticator, pass_second_factor

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

KEY = re.compile(r'id="new-token-key">(rpt_[0-9a-f]{10}\.[A-Za-z0-9_-]+)<')


def test_a_person_creates_a_token_and_sees_its_key_once(client_for, worker, case):
    client = client_for(worker)

    response = client.post(reverse("api:tokens"), {"name": "Field app", "scope": "read", "lifetime": "90"}, follow=True)
    key = KEY.search(response.content.decode()).group(1)
    again = client.get(reverse("api:tokens")).content.decode()

    token = ApiToken.objects.get(user=worker)
    assert (token.name, token.scope, token.created_by) == ("Field app", "read", worker)
    assert token.key_hash == key_hash(key) and key not in token.key_hash
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=90)).date()
    assert key not in again and token.prefix in again  # the list shows the prefix, never the key
    assert ApiClient(key).get(reverse("api:case-detail", args=[case.pk])).status_code == 200
    issued = AuditEvent.objects.get(action="permission", object_type="apitoken", object_id=token.pk)
    assert issued.detail == "api token issued" and key not in str(issued.changes)


def test_a_person_revokes_their_token_and_it_stops_working(client_for, worker, case):
    client = client_for(worker)
    client.post(reverse("api:tokens"), {"name": "Laptop", "scope": "write", "lifetime": "30"})
    key = KEY.search(client.get(reverse("api:tokens")).content.decode()).group(1)
    token = ApiToken.objects.get(user=worker)
    assert KEY.search(client.get(reverse("api:tokens")).content.decode()) is None  # shown once

    response = client.post(reverse("api:token_revoke"), {"token": token.pk})

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="permission", object_id=token.pk, detail="api token revoked").exists()
    assert ApiClient(key).get(reverse("api:case-detail", args=[case.pk])).status_code == 401


def test_nobody_revokes_someone_elses_token(client_for, worker, other_worker):
    _token, _key = actions.token_issue(
        actor=other_worker,
        user=other_worker,
        name="Theirs",
        scope="read",
        expires_at=timezone.now() + datetime.timedelta(days=5),
        second_factor_passed=True,
    )
    token = ApiToken.objects.get(user=other_worker)

    response = client_for(worker).post(reverse("api:token_revoke"), {"token": token.pk})

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_account_that_needs_a_second_factor_must_have_passed_it(client, supervisor):
    client.force_login(supervisor)  # signed in, second factor not passed

    response = client.post(reverse("api:tokens"), {"name": "Reports", "scope": "read", "lifetime": "30"})

    assert response.status_code == 302 and "two-factor" in response["Location"]
    assert not ApiToken.objects.exists()


def test_the_action_refuses_without_the_second_factor(supervisor):
    with pytest.raises(Exception, match="second factor"):
        actions.token_issue(
            actor=supervisor,
            user=supervisor,
            name="x",
            scope="read",
            expires_at=timezone.now() + datetime.timedelta(days=5),
            second_factor_passed=False,
        )
    assert not ApiToken.objects.exists()


def test_a_session_that_passed_the_second_factor_creates_one(client, supervisor):
    client.force_login(supervisor)
    pass_second_factor(client, supervisor)

    response = client.post(reverse("api:tokens"), {"name": "Reports", "scope": "read", "lifetime": "30"})

    assert response.status_code == 302
    assert ApiToken.objects.filter(user=supervisor).count() == 1


def test_a_token_lives_at_most_a_year(worker):
    with pytest.raises(Exception, match="at most"):
        actions.token_issue(
            actor=worker,
            user=worker,
            name="Forever",
            scope="read",
            expires_at=timezone.now() + datetime.timedelta(days=400),
            second_factor_passed=True,
        )


def test_an_administrator_issues_a_token_in_the_admin_and_sees_the_key_once(client_for, administrator, coordinator):
    authenticator(coordinator)
    client = client_for(administrator)
    expires = (timezone.localtime() + datetime.timedelta(days=30)).replace(microsecond=0)

    response = client.post(
        reverse("admin:api_apitoken_add"),
        {
            "name": "Civil registry sync",
            "user": coordinator.pk,
            "scope": "write",
            "expires_at_0": expires.date().isoformat(),
            "expires_at_1": expires.time().isoformat(),
        },
        follow=True,
    )

    token = ApiToken.objects.get(user=coordinator)
    assert token.created_by == administrator
    page = response.content.decode()
    key = re.search(r"(rpt_[0-9a-f]{10}\.[A-Za-z0-9_-]+)", page).group(1)
    assert token.key_hash == key_hash(key)
    assert key not in client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()


def test_an_administrator_cannot_issue_one_to_an_account_without_its_second_factor(
    client_for, administrator, supervisor
):
    expires = timezone.localtime() + datetime.timedelta(days=30)

    response = client_for(administrator).post(
        reverse("admin:api_apitoken_add"),
        {
            "name": "x",
            "user": supervisor.pk,
            "scope": "read",
            "expires_at_0": expires.date().isoformat(),
            "expires_at_1": "12:00:00",
        },
    )

    assert response.status_code == 200
    assert "second factor" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_only_administrators_issue_tokens_to_others(worker, other_worker):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.token_issue(
            actor=worker,
            user=other_worker,
            name="x",
            scope="read",
            expires_at=timezone.now() + datetime.timedelta(days=5),
            second_factor_passed=True,
        )


def test_the_docs_are_served_from_static_files_under_the_csp(client_for, worker):
    client = client_for(worker)

    swagger = client.get(reverse("api:docs"))
    redoc = client.get(reverse("api:redoc"))
    schema = client.get(reverse("api:schema"))

    assert swagger.status_code == 200 and "/static/drf_spectacular_sidecar/swagger-ui-dist/" in swagger.content.decode()
    assert "<script>" not in swagger.content.decode() and "unsafe-inline" not in swagger["Content-Security-Policy"]
    assert "cdn" not in swagger.content.decode().lower() and "cdn" not in redoc.content.decode().lower()
    assert "/static/drf_spectacular_sidecar/redoc/" in redoc.content.decode()
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    assert "Error" in schema.json()["components"]["schemas"]
