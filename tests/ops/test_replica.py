"""Reads from a streaming replica, as an operator runs it: a PostgreSQL primary and a replica made by
pg_basebackup (tests/ops/replica.py), gunicorn with DATABASE_URL and DATABASE_REPLICA_URL, and a
person searching over HTTP.

With the replica's replay paused, the people search and the caseload's export (which may read from
the replica) do not find someone just registered on the primary, while the person's own page and the
caseload (which read the primary) show them; a search in the request that registered them finds
them (the request is pinned to the primary from its write on); once replay resumes the search and
the export find them too. With the replica stopped, pages answer from the primary, at once and
without an error.
"""

import json
import textwrap
import time

import pytest
from django.db import connection

from tests.factories import CaseFactory, ReturneeFactory

from .replica import PrimaryAndReplica, wait_until
from .stack import Gunicorn, app_env, app_passwords, manage

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a streaming replica is PostgreSQL's"),
]

DATABASE = "repat_replica_test"

# Run by `manage.py shell` against the primary and the replica, as a request does: `request_unit()`
# is what ReplicaPinMiddleware wraps every request in.
WRITE_THEN_SEARCH = textwrap.dedent(
    """
    import json
    from cases.models import Returnee
    from cases.search import find_people
    from repat.accounts.models import User
    from repat.core.db_router import request_unit
    from tests.factories import CaseFactory, ReturneeFactory

    worker = User.objects.get(username="worker-a")
    with request_unit():  # one request: register someone, then search for them
        person = ReturneeFactory(case_number="T-2023-99999", family_name="Replicova", given_name="Zarina")
        new = CaseFactory(worker=worker, returnee=person).returnee
        same_request = [hit.returnee_id for hit in find_people(worker, "Replicova").hits]
    with request_unit():  # the next request, which has written nothing
        next_request = [hit.returnee_id for hit in find_people(worker, "Replicova").hits]
        on_the_primary = Returnee.objects.filter(family_name="Replicova").exists()
    print(json.dumps({"pk": new.pk, "same_request": same_request, "next_request": next_request,
                      "on_the_primary": on_the_primary}))
    """
)


LAG = (
    "import time; from django.db import connections; from repat.core.db_router import replica_lag_seconds; "
    "time.sleep(1.1); print(replica_lag_seconds(connections['replica']))"
)


def replica_lag(env) -> float:
    script = manage(env, "shell", "-c", LAG, timeout=60)
    assert script.returncode == 0, script.stderr[-3000:]
    return float(script.stdout.strip().splitlines()[-1])


@pytest.fixture
def servers():
    servers = PrimaryAndReplica()
    try:
        yield servers
    finally:
        servers.stop()


def test_searches_read_from_the_replica_unless_the_request_wrote_and_pages_survive_its_loss(servers, worker, tmp_path):
    # given: a person in the worker's caseload, the database copied to a primary with a replica
    CaseFactory(worker=worker, returnee=ReturneeFactory(family_name="Asanova", given_name="Aida"))
    app_passwords(worker)
    servers.build(connection.settings_dict, DATABASE)
    env = app_env(
        "repat.settings.dev",
        DATABASE_URL=servers.primary.url(DATABASE),
        DATABASE_REPLICA_URL=servers.replica.url(DATABASE),
        REPAT_VAR_DIR=str(tmp_path / "var"),
        REPAT_REPLICA_RETRY_SECONDS="60",
        REPAT_REPLICA_MAX_LAG_SECONDS="600",  # while replay is paused below, the replica is still read
    )
    web = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        web.start()
        browser = web.browser()
        assert browser.sign_in(worker.username).status == 302
        wait_until(servers.caught_up, 10, "the replica to catch up")
        assert "Aida" in browser.get("/search/?q=Asanova").text

        # when: the replica stops replaying, and someone is registered (and searched for) on the primary
        servers.replica.sql("SELECT pg_wal_replay_pause()")
        script = manage(env, "shell", "-c", WRITE_THEN_SEARCH, timeout=60)
        assert script.returncode == 0, script.stderr[-3000:]
        found = json.loads(script.stdout.strip().splitlines()[-1])

        # then: the request that wrote finds them; the next one searches the replica, which has not
        # seen them yet, while a read outside the scope (the primary) has
        assert found["same_request"] == [found["pk"]]
        assert found["next_request"] == []
        assert found["on_the_primary"] is True
        search = browser.get("/search/?q=Replicova")
        assert search.status == 200
        assert "Zarina" not in search.text
        page = browser.get(f"/returnees/{found['pk']}/")
        assert page.status == 200
        assert "Replicova" in page.text
        # the caseload's export reads the replica too; the caseload page, the primary
        export = browser.get("/export/?format=csv")
        assert export.status == 200
        assert "Asanova" in export.text
        assert "Replicova" not in export.text
        assert "Replicova" in browser.get("/").text

        # the replica knows how far behind it is (what REPAT_REPLICA_MAX_LAG_SECONDS is held against)
        assert replica_lag(env) >= 1.0

        # when replay resumes, the search finds them
        servers.replica.sql("SELECT pg_wal_replay_resume()")
        wait_until(servers.caught_up, 10, "the replica to replay")
        assert replica_lag(env) == 0.0
        assert "Zarina" in browser.get("/search/?q=Replicova").text
        assert "Replicova" in browser.get("/export/?format=csv").text

        # when the replica stops, pages answer from the primary, at once
        servers.replica.stop()
        started = time.monotonic()
        search = browser.get("/search/?q=Replicova")
        assert search.status == 200
        assert "Zarina" in search.text
        assert browser.get("/").status == 200
        assert time.monotonic() - started < 5
        assert web.errors() == []
        assert "The database replica does not answer" in web.output()
    finally:
        web.stop()
