"""Web requests have a statement timeout on PostgreSQL (repat/core/timeouts.py, wired in
repat/wsgi.py); workers and management commands do not."""

import subprocess
import sys

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError, connection, connections
from django.urls import reverse

from cases.views import CaseDetailView
from repat.core import timeouts
from tests.ops.stack import ROOT, app_env, database_url

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's (DATABASE_URL=postgres://...)"
)

SHOW_TIMEOUT = """
import django
django.setup()
{web}
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    print(cursor.fetchone()[0])
"""


def statement_timeout_in_a_process(*, web: bool) -> str:
    env = app_env("repat.settings.test", DATABASE_URL=database_url(), REPAT_WEB_STATEMENT_TIMEOUT_MS="1500")
    code = SHOW_TIMEOUT.format(web="import repat.wsgi" if web else "")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@postgresql_only
def test_a_web_process_has_the_statement_timeout_and_a_management_command_has_none():
    assert statement_timeout_in_a_process(web=True) == "1500ms"
    assert statement_timeout_in_a_process(web=False) == "0"
    # A management command (manage.py shell) does not import repat.wsgi either.
    env = app_env("repat.settings.test", DATABASE_URL=database_url(), REPAT_WEB_STATEMENT_TIMEOUT_MS="1500")
    command = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "0"


@postgresql_only
def test_each_new_connection_of_a_web_process_gets_it(settings):
    # given
    settings.REPAT_WEB_STATEMENT_TIMEOUT_MS = 2500
    timeouts.limit_web_statements()
    other = connections.create_connection("default")
    try:
        # when
        with other.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            # then
            assert cursor.fetchone()[0] == "2500ms"
    finally:
        other.close()
        from django.db.backends.signals import connection_created

        connection_created.disconnect(dispatch_uid="repat-web-statement-timeout")


def test_nothing_is_set_on_sqlite_or_when_turned_off(settings):
    class Connection:
        vendor = "sqlite"

        def cursor(self):
            raise AssertionError("no statement expected")

    timeouts.set_statement_timeout(connection=Connection())
    settings.REPAT_WEB_STATEMENT_TIMEOUT_MS = 0
    Connection.vendor = "postgresql"
    timeouts.set_statement_timeout(connection=Connection())


@postgresql_only
def test_a_query_over_the_limit_ends_in_a_clean_503_without_personal_data(
    settings, worker, case, client_for, monkeypatch, caplog
):
    # given: the case page runs a statement longer than the limit after loading the case
    settings.REPAT_WEB_STATEMENT_TIMEOUT_MS = 200
    client = client_for(worker)
    timeouts.set_statement_timeout(connection=connection)  # as when the web process connected
    get_context_data = CaseDetailView.get_context_data

    def slow(self, **kwargs):
        context = get_context_data(self, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return context

    monkeypatch.setattr(CaseDetailView, "get_context_data", slow)

    # when
    response = client.get(reverse("cases:case_detail", args=[case.pk]))

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "This page took too long to prepare. Please try again in a moment." in page
    assert case.returnee.given_name not in page and case.returnee.case_number not in page
    assert "A query ran longer than 200 ms; answered 503." in caplog.messages
    assert all(case.returnee.given_name not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection failed: Connection refused"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_database_that_does_not_answer_is_a_503_to_try_again_not_a_500(worker, client_for, monkeypatch, error):
    # given: a signed-in worker, and the database stopping (the session is read before any view)
    client = client_for(worker)
    client.raise_request_exception = False

    def unreachable(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(SessionStore, "load", unreachable)

    # when
    response = client.get(reverse("cases:caseload"))

    # then: "try again in a moment" for the person and for the load balancer
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "The database did not answer. Please try again in a moment." in response.content.decode()


def test_any_other_error_is_still_the_500_page(worker, client_for, monkeypatch):
    client = client_for(worker)
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", lambda self: 1 / 0)

    response = client.get(reverse("cases:caseload"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
