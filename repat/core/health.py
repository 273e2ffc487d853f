"""`/healthz` and `/readyz` for load balancers and orchestrators (docs/deploy.md).

Answered by the first middleware, before host validation, sessions, sign-in and auditing: a probe
from the balancer comes by IP with no session, and must neither need a login nor touch personal
data. `/healthz` says the process answers; `/readyz` that what a request needs is reachable: the
database (with every migration applied), Redis when it is configured, and the private file storage.
Each check has a short timeout and says only "ok" or "failing": no error text, no host names. Apps
above the platform add their own (`register_check`), as the menu's entries are added."""

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse

logger = logging.getLogger(__name__)

LIVE, READY = "/healthz", "/readyz"
_migrated = False  # once every migration is applied, a running process need not ask again


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations() -> None:
    global _migrated
    if _migrated:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrated = True


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    finally:
        client.close()


# Checks the apps above the platform add in their AppConfig.ready() (cases: the file storage).
_registered: dict[str, Callable[[], object]] = {}


def register_check(name: str, check: Callable[[], object]) -> None:
    """Add a dependency to readiness: `check()` raises when it is not reachable."""
    _registered[name] = check


def checks() -> dict:
    found = {"database": _database, "migrations": _migrations}
    if settings.REDIS_URL:
        found["redis"] = _redis
    return found | _registered


def readiness() -> tuple[bool, dict[str, str]]:
    results = {}
    for name, check in checks().items():
        try:
            check()
        except Exception:  # noqa: BLE001 (any failure of a dependency is "not ready", whatever raised it)
            logger.warning("Readiness check failed: %s", name)
            results[name] = "failing"
            if name == "database":
                results["migrations"] = "failing"
                break
        else:
            results.setdefault(name, "ok")
    return all(state == "ok" for state in results.values()), results


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """Answers the two probes; every other request goes on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVE:
            return _json(200, {"status": "ok"})
        if request.path == READY:
            ready, results = readiness()
            return _json(200 if ready else 503, {"status": "ok" if ready else "failing", "checks": results})
        return self.get_response(request)
