"""A fresh production install, set up as the README tells an operator: `repat.settings.prod` with its
secrets from the environment, `check --deploy`, `collectstatic`, `migrate` on an empty PostgreSQL
database, gunicorn; then a social worker signs in over HTTP, opens their caseload, a case and the
page's static files.

It runs on PostgreSQL (as production does), in a database of its own that it creates and drops on the
server DATABASE_URL names, and with a redis-server of its own on a spare port (so that nothing it
caches or queues reaches the machine's shared Redis). With DATABASE_URL unset (SQLite) it is skipped;
CI runs it in its PostgreSQL pass, and there a missing redis-server fails it.
"""

import json
import os
import re
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from .stack import ROOT, Gunicorn, RedisServer, database_url, manage, production_env

# One process of a parallel run takes the operator's tests: `collectstatic` (conftest.py) runs once.
pytestmark = pytest.mark.xdist_group("ops")

SEED = """
import json
from tests.factories import CaseFactory, ReturneeFactory, UserFactory, region
from repat.accounts.models import User

chuy = region("Chüy Oblast")
worker = UserFactory(username="smoke-worker", role=User.Role.SOCIAL_WORKER, regions=[chuy])
case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy, given_name="Зарина", family_name="Смоукова"))
print(json.dumps({"username": worker.username, "case": case.get_absolute_url(), "number": case.returnee.case_number}))
"""

HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js|svg)$")
HASH_IN_URL = re.compile(rb"\.[0-9a-f]{12}(?=\.(?:woff2?|ttf|eot|svg|png)\b)")
CONTENT_TYPES = {"css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"}


@pytest.fixture
def fresh_database():
    """An empty database of this test's own, next to the test database; dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "The production smoke test runs on PostgreSQL, as production does: set DATABASE_URL to a "
            "PostgreSQL server (CI runs it there)."
        )
    settings = connection.settings_dict
    name = f"repat_smoke_{os.getpid()}"
    server = {
        "host": settings["HOST"] or "localhost",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(**server) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url({**settings, "NAME": name})
    finally:
        with psycopg.connect(**server) as admin:
            admin.execute(drop)


def test_a_fresh_production_install_serves_a_signed_in_worker_and_the_static_files(
    tmp_path, fresh_database, static_for
):
    redis = RedisServer(tmp_path / "redis")
    env = production_env(tmp_path, database=fresh_database, redis_url=redis.url)
    web = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        redis.start()

        # given: the deployment checks, the static files and the database, as the README says
        checked = manage(env, "check", "--deploy", "--fail-level", "WARNING")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "System check identified no issues" in checked.stdout
        static_for(tmp_path)  # collectstatic, run once with these settings (conftest.py)
        migrated = manage(env, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        seeded = manage(env, "shell", "-c", SEED)
        assert seeded.returncode == 0, seeded.stderr
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        web.start()
        browser = web.browser()

        # when: the social worker signs in
        signed_in = browser.sign_in(seed["username"])

        # then: their caseload and the case page
        assert signed_in.status == 302, signed_in.text[-2000:]
        assert signed_in.location == "/today/"  # each person starts from their day
        caseload = browser.get("/")
        assert caseload.status == 200
        assert seed["number"] in caseload.text
        page = browser.get(seed["case"])
        assert page.status == 200
        assert "Зарина" in page.text and "Смоукова" in page.text

        # and: every stylesheet, script and icon of the page by its hashed name, with its type and content
        static = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
        assert any(path.endswith(".css") for path in static) and any(path.endswith(".js") for path in static)
        manifest = json.loads((tmp_path / "var" / "staticfiles" / "staticfiles.json").read_text())["paths"]
        chart = "/static/" + manifest["vendor/chartjs-4.6.1/chart.umd.min.js"]
        for path in [*static, chart]:
            kind = HASHED.search(path)
            assert kind, f"{path} is not served by its hashed name"
            served = browser.get(path)
            assert served.status == 200, path
            assert served.headers["Content-Type"].startswith(CONTENT_TYPES[kind.group(1)]), path
            original = next(name for name, hashed in manifest.items() if "/static/" + hashed == path)
            # A stylesheet's url()s name the hashed files (the icon font): the same bytes once unhashed.
            assert HASH_IN_URL.sub(b"", served.body) == (ROOT / "static" / original).read_bytes(), path

        # and: the API's documentation page finds its bundles (drf-spectacular's sidecar) by their
        # hashed names: only those are collected (WHITENOISE_KEEP_ONLY_HASHED_FILES)
        docs = browser.get("/api/docs/")
        assert docs.status == 200
        bundles = re.findall(r'(?:href|src)="(/static/[^"]+)"', docs.text)
        assert len([path for path in bundles if "swagger-ui" in path]) == 4
        assert [path for path in bundles if browser.get(path).status != 200] == []
        unhashed = tmp_path / "var" / "staticfiles" / "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"
        assert not unhashed.exists()

        # and: nothing failed on the server
        assert [r.status for r in browser.responses if r.status >= 500] == []
        assert web.errors() == []
    finally:
        web.stop()
        redis.stop()


def test_every_vendored_file_points_only_at_files_that_are_shipped():
    """What the manifest storage follows (CSS url() and @import, JS and CSS source maps) must exist,
    or collectstatic fails and a fresh install answers 500 everywhere."""
    static = ROOT / "static"
    reference = re.compile(
        r"""url\(\s*['"]?(?!data:|https?:|#)([^'")?#]+)|@import\s+['"]([^'"]+)|sourceMappingURL=([^\s*]+)"""
    )
    missing = []
    for path in static.rglob("*"):
        if path.suffix not in {".css", ".js"}:
            continue
        for match in reference.finditer(path.read_text(encoding="utf-8")):
            target = next(group for group in match.groups() if group)
            if not (path.parent / target).resolve().is_file():
                missing.append(f"{path.relative_to(static)} → {target}")
    assert missing == []


def test_collectstatic_succeeds_with_the_production_storage(collected_static):
    result, static_root = collected_static
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    manifest = json.loads(Path(static_root, "staticfiles.json").read_text())["paths"]
    assert manifest["vendor/chartjs-4.6.1/chart.umd.min.js"].startswith("vendor/chartjs-4.6.1/chart.umd.min.")
