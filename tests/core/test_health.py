"""/healthz and /readyz: answered without a login, a session or a known host, and honest about
what is down."""

import json
import socket

import pytest
from django.db import connections

from repat.core import health
from repat.core.health import HealthMiddleware
from tests.objectstore import running_object_store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def migrations_asked_again(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def body(response) -> dict:
    return json.loads(response.content)


def test_liveness_needs_no_login_and_no_known_host(client, settings):
    settings.ALLOWED_HOSTS = ["repat.example.org"]

    response = client.get("/healthz", HTTP_HOST="10.0.0.7")

    assert response.status_code == 200
    assert body(response) == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_ready_when_everything_answers(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/readyz", HTTP_HOST="10.0.0.7")

    assert response.status_code == 200
    assert body(response) == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "storage": "ok"}}


def test_redis_down_is_not_ready(client, settings):
    with socket.socket() as spare:  # a port nothing listens on
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert body(response)["checks"]["redis"] == "failing"
    assert str(port) not in response.content.decode()  # nothing about the infrastructure


def test_unapplied_migrations_are_not_ready(client, monkeypatch):
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("cases", "0099")])

    response = client.get("/readyz")

    assert response.status_code == 503
    assert body(response)["checks"]["migrations"] == "failing"


def test_a_database_that_does_not_answer_is_not_ready(rf, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    middleware = HealthMiddleware(lambda request: pytest.fail("the probe went on to the site"))

    response = middleware(rf.get("/readyz"))

    assert response.status_code == 503
    assert body(response) == {"status": "failing", "checks": {"database": "failing", "migrations": "failing"}}
    assert "refused" not in response.content.decode()


def test_storage_that_cannot_be_read_is_not_ready(client, monkeypatch):
    def broken(self, name):
        raise PermissionError("denied")

    monkeypatch.setattr("cases.storage.PrivateStorage.exists", broken)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert body(response)["checks"]["storage"] == "failing"


@pytest.mark.own_servers
def test_ready_on_an_object_store_and_not_when_it_stops(client, settings, tmp_path):
    with running_object_store(tmp_path / "moto") as store:
        store.new_bucket()
        settings.STORAGES = store.storages(settings)
        ok = client.get("/readyz")
        store.stop()
        stopped = client.get("/readyz")

    assert (ok.status_code, body(ok)["checks"]["storage"]) == (200, "ok")
    checks = body(stopped)["checks"]
    assert (stopped.status_code, checks.pop("storage")) == (503, "failing")
    assert set(checks.values()) == {"ok"}  # the database, its migrations (and Redis, when configured)


def test_other_pages_still_need_a_login(client):
    assert client.get("/healthzz").status_code in (302, 404)
    assert client.get("/").status_code == 302
