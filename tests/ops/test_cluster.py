"""The cluster test (`make cluster-test`, run by CI after the PostgreSQL pass): a deployment as
docs/deploy.md draws it, on this one machine, driven over HTTP as people and an operator would.

Two gunicorn nodes (the production settings), two Celery workers (a pool of one process each) and one
beat, on a PostgreSQL primary with a streaming replica (tests/ops/replica.py), a redis-server
(tests/ops/stack.py) and an S3-compatible store (moto's server, tests/objectstore.py): every one of
them started by this module on spare loopback ports, and stopped at its end, even when a test fails.
The machine's shared PostgreSQL (5432) and Redis (6379) are never touched.

In order: a person signs in on one node and goes on on the other; a scan uploaded on one downloads
from the other; a progress report made by a worker downloads from both; then Redis is restarted,
PostgreSQL is restarted (pages answer 503 while it is down, never 500) and a worker's process is
killed in the middle of a report. Nothing is lost, and every reminder is e-mailed exactly once.

Skipped by `make test` (marker `cluster`, pyproject.toml): it takes about two minutes on two cores.
"""

import datetime
import json
import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django_otp.oath import TOTP

from tests.factories import PDF_BYTES
from tests.objectstore import ObjectStore

from .conftest import collect, link_static
from .replica import PrimaryAndReplica, wait_until
from .stack import PREFORK, Beat, Gunicorn, RedisServer, Worker, manage, production_env, read_e_mails

pytestmark = pytest.mark.cluster

DATABASE = "repat"
RELAY_SECONDS = 3  # beat sends the reminder relay this often (production: every two minutes)
REDIS_DOWN = "consumer: Cannot connect to redis://"  # what a worker logs until Redis is back

SEED = """
import json
from django_otp.plugins.otp_totp.models import TOTPDevice
from repat.accounts.models import User
from repat.reminders.models import ReminderSettings
from services.models import ServiceType
from tests.factories import CaseFactory, ReturneeFactory, UserFactory, region

chuy = region("Chüy Oblast")
worker = UserFactory(username="cluster-worker", role=User.Role.SOCIAL_WORKER, regions=[chuy])
coordinator = UserFactory(
    username="cluster-coordinator", role=User.Role.COORDINATOR, regions=[chuy], email="coordinator@example.org"
)
supervisor = UserFactory(username="cluster-supervisor", role=User.Role.SUPERVISOR, regions=[chuy])
device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy, family_name="Кластерова"))
config = ReminderSettings.current()  # single e-mails at any hour: no digest, no quiet hours
config.daily_digest, config.quiet_hours_start, config.quiet_hours_end = False, 0, 0
config.save()
print(json.dumps({
    "worker": worker.username, "coordinator": coordinator.username, "supervisor": supervisor.username,
    "totp_key": device.key, "case": case.pk, "case_url": case.get_absolute_url(), "returnee": case.returnee.pk,
    "number": case.returnee.case_number,
    "services": dict(ServiceType.objects.values_list("code", "pk")),
}))
"""


class Deployment:
    """Every server of the cluster, each with its own log under `folder`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.database = PrimaryAndReplica()
        self.redis = RedisServer(folder / "redis")
        self.store = ObjectStore(folder / "moto")
        self.mail = folder / "mail"
        self.nodes: list[Gunicorn] = []
        self.workers: list[Worker] = []
        self.beat: Beat | None = None
        self.seed: dict = {}
        self.last_code = 0  # the time step of the last second-factor code used

    def env(self, name: str) -> dict:
        """One process's environment: the deployment's, with a var folder of its own (as on a
        machine of its own); e-mails of every worker into one folder, to count them."""
        env = production_env(
            self.folder, database=self.database.primary.url(DATABASE), redis_url=self.redis.url
        ) | self.store.environ(
            DATABASE_REPLICA_URL=self.database.replica.url(DATABASE),
            REPAT_REPLICA_RETRY_SECONDS="5",
            REPAT_RELAY_SECONDS=str(RELAY_SECONDS),
            REPAT_VAR_DIR=str(self.folder / name / "var"),
        )
        return env

    def start(self) -> None:
        # Two cores: what waits (collectstatic, then the servers' start-ups) runs side by side.
        with ThreadPoolExecutor(max_workers=5) as side:
            static = side.submit(collect, self.folder / "collected")
            self.database.build(None, DATABASE)
            self.redis.start()
            self.store.start()
            self.store.new_bucket()
            migrated = manage(self.env("setup"), "migrate", "--noinput", timeout=300)
            assert migrated.returncode == 0, migrated.stdout[-2000:] + migrated.stderr[-3000:]
            seeded = manage(self.env("setup"), "shell", "-c", SEED)
            assert seeded.returncode == 0, seeded.stderr[-3000:]
            self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
            for name in ("node-a", "node-b"):
                link_static(static.result(), self.folder / name)
                self.nodes.append(Gunicorn(self.env(name), self.folder / f"{name}.log"))
            for name in ("worker-a", "worker-b"):
                self.workers.append(Worker(self.env(name), self.folder / f"{name}.log", name=name, pool=PREFORK))
            self.beat = Beat(self.env("beat"), self.folder / "beat.log")
            for started in [side.submit(process.start) for process in [*self.nodes, *self.workers, self.beat]]:
                started.result()

    def stop(self) -> None:
        """Stop every process this deployment started, by its handle, whatever state it is in."""
        with ThreadPoolExecutor(max_workers=8) as side:
            for process in [*self.nodes, *self.workers, self.beat, self.redis, self.store]:
                if process is not None:
                    side.submit(process.stop)
        self.database.stop()

    # --- What the tests look at -------------------------------------------------------------------

    def sql(self, statement: str) -> str:
        return self.database.primary.sql(statement, DATABASE)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.database.primary.url(DATABASE))

    def e_mails(self) -> list:
        return read_e_mails(self.mail)

    def logs(self) -> str:
        return "".join(process.output() for process in [*self.nodes, *self.workers])

    def signed_in(self, node: Gunicorn, role: str = "worker"):
        browser = node.browser()
        signed_in = browser.sign_in(self.seed[role])
        assert signed_in.status == 302, signed_in.text[-2000:]
        if role == "supervisor":  # supervisors pass a second factor: the code their app shows
            assert signed_in.location == "/accounts/two-factor/verify/", signed_in.location
            code = TOTP(bytes.fromhex(self.seed["totp_key"]))
            # A code is accepted once: a second sign-in within 30 s takes the next one (tolerated).
            code.drift = max(0, self.last_code + 1 - code.t())
            self.last_code = code.t()
            verified = browser.submit(signed_in.location, "code", {"code": f"{code.token():06d}"})
            assert verified.status == 302, verified.text[-2000:]
        return browser


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("cluster"))
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture
def a(cluster):
    return cluster.nodes[0]


@pytest.fixture
def b(cluster):
    return cluster.nodes[1]


def note(browser, cluster, summary: str):
    today = datetime.date.today().isoformat()
    values = {"contact_date": today, "kind": "phone_call", "summary": summary}
    return browser.submit(cluster.seed["case_url"], "summary", values)


def refer(browser, cluster, service: str, reason: str):
    return browser.submit(
        f"/services/cases/{cluster.seed['case']}/referrals/new/",
        "service_type",
        {"service_type": str(cluster.seed["services"][service]), "reason": reason, "shares_data": None},
    )


def request_report(browser):
    asked = browser.submit("/reports/progress/new/", "period_start", {})
    assert asked.status == 302, asked.text[-3000:]
    found = re.fullmatch(r"/reports/progress/(\d+)/", asked.location)
    assert found, asked.location
    return int(found.group(1))


def report_state(cluster, report: int) -> tuple[str, int]:
    with cluster.connect() as db:
        return db.execute("SELECT status, attempts FROM reports_progressreport WHERE id = %s", [report]).fetchone()


def report_tasks(worker: Worker, event: str = "(?:succeeded|raised)") -> int:
    """How many progress-report tasks the worker received (or finished)."""
    return len(re.findall(rf"Task repat\.reports\.tasks\.generate_report\[[^\]]+\] {event}", worker.output()))


def server_errors(browser) -> list[int]:
    return [response.status for response in browser.responses if response.status >= 500]


# --- The tests, in the order an operator would try them ---------------------------------------------


def test_a_person_signed_in_on_one_node_goes_on_working_on_the_other(cluster, a, b):
    # given: a social worker signed in through node A
    on_a = cluster.signed_in(a)
    assert cluster.seed["number"] in on_a.get("/").text

    # when: the balancer sends their next requests to node B
    on_b = on_a.on(b.port)

    # then: B knows them, shows their case and saves their note (the form's CSRF token from B)
    page = on_b.get(cluster.seed["case_url"])
    assert page.status == 200
    assert "Кластерова" in page.text
    saved = note(on_b, cluster, "Phone call, saved through node B.")
    assert saved.status == 302, saved.text[-2000:]
    assert "Phone call, saved through node B." in on_a.get(cluster.seed["case_url"]).text
    assert server_errors(on_a) == []


def test_a_scan_uploaded_on_one_node_downloads_byte_for_byte_from_the_other(cluster, a, b):
    # given: a social worker on node A
    on_a = cluster.signed_in(a)
    scan = PDF_BYTES + b"cluster" * 200

    # when: they upload a scan there
    uploaded = on_a.submit_files(
        f"/returnees/{cluster.seed['returnee']}/documents/new/",
        "scan_file",
        {"kind": "birth_certificate", "status": "missing"},
        {"scan_file": ("birth.pdf", scan, "application/pdf")},
    )

    # then: it is in the bucket, and node B hands it over unchanged
    assert uploaded.status == 302, uploaded.text[-2000:]
    attachment, name = cluster.sql("SELECT id, file FROM cases_attachment ORDER BY id DESC LIMIT 1").split("|")
    assert cluster.store.keys().count(name) == 1
    download = on_a.on(b.port).get(f"/attachments/{attachment}/")
    assert download.status == 200, download.status
    assert download.body == scan
    assert server_errors(on_a) == []


def test_a_report_made_by_a_worker_downloads_from_both_nodes(cluster, a, b):
    # given: a supervisor on node B
    on_b = cluster.signed_in(b, "supervisor")

    # when: they ask for a progress report, which a worker produces
    report = request_report(on_b)
    wait_until(lambda: report_state(cluster, report)[0] == "ready", 60, "the report to be ready")

    # then: both nodes hand over the same PDF and workbook, from the bucket
    for kind, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        from_a, from_b = (on_b.on(node.port).get(f"/reports/progress/{report}/{kind}/") for node in (a, b))
        assert (from_a.status, from_b.status) == (200, 200)
        assert from_a.body.startswith(magic)
        assert from_a.body == from_b.body
    assert report_state(cluster, report) == ("ready", 1)
    assert server_errors(on_b) == []


def test_with_redis_restarted_pages_keep_working_and_the_e_mail_goes_once_it_is_back(cluster, a, b):
    # given: a social worker on both nodes
    on_a = cluster.signed_in(a)
    on_b = on_a.on(b.port)

    # when: Redis stops
    cluster.redis.stop()

    # then: pages open and saves succeed on both nodes; the coordinator's e-mail waits in the database
    for browser in (on_a, on_b):
        assert browser.get("/").status == 200
        assert browser.get(cluster.seed["case_url"]).status == 200
    referred = refer(on_b, cluster, "individual-counselling", "Asked for while Redis was down.")
    assert referred.status == 302, referred.text[-2000:]
    waiting = "SELECT count(*) FROM reminders_reminder WHERE email_status = 'pending'"
    assert cluster.sql(waiting) == "1"

    # when: Redis is back (empty: it keeps nothing on disk)
    cluster.redis.start()

    # then: beat's relay finds the e-mail, a worker sends it
    wait_until(lambda: cluster.sql(waiting) == "0", 60, "the e-mail to go out after Redis came back")
    assert server_errors(on_a) == []
    assert all(worker.process.poll() is None for worker in cluster.workers)
    assert cluster.beat.process.poll() is None


def test_with_postgresql_restarted_pages_answer_503_meanwhile_and_nothing_is_lost(cluster, a, b):
    # given: a social worker on both nodes, with a note saved
    on_a = cluster.signed_in(a)
    on_b = on_a.on(b.port)
    assert note(on_a, cluster, "Saved before the restart.").status == 302
    sent = cluster.beat.output().count("Sending due task reminder-relay")
    form = on_b.form(on_b.get(cluster.seed["case_url"]), "summary")

    # when: PostgreSQL's primary stops
    cluster.database.primary.stop("fast")
    try:
        # then: the nodes say "try again" (503), never 500, and the readiness probe takes them out
        outage = [browser.get(path) for browser in (on_a, on_b) for path in ("/", cluster.seed["case_url"])]
        lost = urlencode([*form.fields, ("summary", "lost")])
        outage.append(on_b.request("POST", cluster.seed["case_url"], lost, referer=cluster.seed["case_url"]))
        probes = [on_a.get("/readyz"), on_b.get("/healthz")]
    finally:
        # when: it starts again
        cluster.database.primary.start()
    assert {response.status for response in outage} == {503}, [response.status for response in outage]
    assert [probe.status for probe in probes] == [503, 200]

    # then: the same people go on at once on both nodes, and what they saved before is there
    wait_until(lambda: on_a.get("/readyz").status == 200, 20, "node A to be ready again")
    for browser in (on_a, on_b):
        page = browser.get(cluster.seed["case_url"])
        assert page.status == 200
        assert "Saved before the restart." in page.text
    assert note(on_b, cluster, "Saved after the restart.").status == 302
    assert refer(on_a, cluster, "parent-counselling", "Asked for after the restart.").status == 302
    assert cluster.sql("SELECT count(*) FROM cases_note WHERE summary = 'lost'") == "0"

    # and: the workers and beat carried on: the coordinator's e-mail goes out
    pending = "SELECT count(*) FROM reminders_reminder WHERE email_status <> 'sent'"
    wait_until(lambda: cluster.sql(pending) == "0", 60, "the e-mail after the restart")
    wait_until(lambda: cluster.beat.output().count("Sending due task reminder-relay") > sent, 30, "beat's next relay")
    assert all(worker.process.poll() is None for worker in cluster.workers)
    assert 500 not in {response.status for response in on_a.responses}


def test_a_worker_killed_in_the_middle_of_a_report_leaves_it_to_another_which_makes_it_once(cluster, a, b):
    # given: a supervisor, and the report's settings held by an operator's transaction, so that the
    # worker that takes the next report stops right after taking it
    on_a = cluster.signed_in(a, "supervisor")
    holder = cluster.connect()
    try:
        holder.execute("LOCK TABLE reports_reportsettings IN ACCESS EXCLUSIVE MODE")
        report = request_report(on_a)
        blocked = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'repat'"
        wait_until(lambda: cluster.sql(blocked) != "0", 30, "a worker to take the report")
        assert report_state(cluster, report) == ("running", 1)
        (running,) = [worker for worker in cluster.workers if report_tasks(worker, "received") > report_tasks(worker)]

        # when: the process running it is killed (the kernel's OOM killer, a crash)
        (process,) = running.pool_processes()
        os.kill(process, signal.SIGKILL)
    finally:
        holder.rollback()
        holder.close()

    # then: the task is delivered again and the report is made, by the second attempt only
    wait_until(lambda: report_state(cluster, report)[0] == "ready", 60, "the report to be made again")
    assert report_state(cluster, report) == ("ready", 2)
    download = on_a.on(b.port).get(f"/reports/progress/{report}/pdf/")
    assert download.status == 200
    assert download.body.startswith(b"%PDF")
    assert all(worker.process.poll() is None for worker in cluster.workers)


def test_every_reminder_was_e_mailed_exactly_once_and_nothing_failed_on_the_servers(cluster, a, b):
    # then: every reminder is sent, and each e-mail matches one delivery recorded in the database
    # (a delivery run twice would send an e-mail that no batch accounts for)
    assert cluster.sql("SELECT count(*) FROM reminders_reminder WHERE email_status <> 'sent'") == "0"
    batches = cluster.sql(
        "SELECT count(*) FROM reminders_reminder GROUP BY recipient_id, email_sent_at ORDER BY 1"
    ).split()
    subjects = sorted(message["Subject"] for message in cluster.e_mails())
    assert subjects == sorted(f"Repat: {count} reminders" for count in batches)
    assert len(batches) >= 2
    # and: no server answered 500; the workers logged errors only for the faults made on purpose
    for node in cluster.nodes:
        assert "Internal Server Error" not in node.output()
    errors = [line for worker in cluster.workers for line in logged(worker.output(), "ERROR", "CRITICAL")]
    killed = [error for error in errors if "Worker exited prematurely: signal 9 (SIGKILL)" in error]
    assert len(killed) == 1
    assert [error for error in errors if error not in killed and REDIS_DOWN not in error] == []


def logged(output: str, *levels: str) -> list[str]:
    """The messages of a process's JSON log lines at these levels."""
    lines = (json.loads(line) for line in output.splitlines() if line.startswith('{"time"'))
    return [f"{line['message']} {line.get('exc', '')}" for line in lines if line["level"] in levels]
