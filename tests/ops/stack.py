"""The deployed app in processes of its own, for tests that run it as an operator would: a
redis-server and a Celery worker (tests/reminders/test_real_stack.py), gunicorn with the production
settings, and an HTTP client that signs in and fills forms like a browser.

Every server listens on a spare loopback port (never the machine's shared Redis on 6379), every wait
is bounded, and every process is stopped by its handle in the test's `finally`.
"""

import contextlib
import html.parser
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_string
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
import redis
from celery import Celery
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from repat.accounts.models import User
from repat.reminders.models import ReminderSettings

ROOT = Path(__file__).resolve().parents[2]
SHARED_REDIS_PORT = 6379
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
NO_PERSISTENCE = ("--save", "", "--appendonly", "no", "--daemonize", "no")
CELERY = (sys.executable, "-m", "celery", "-A", "repat")
WORKER = (*CELERY, "worker", "--loglevel=INFO", "-Q", "celery")
QUIET_WORKER = ("--without-gossip", "--without-mingle", "--without-heartbeat")
# One task at a time in this process (the tests of one worker); a deployment's worker runs a pool of
# processes (docs/deploy.md), as the cluster test does with `Worker(..., pool=PREFORK)`.
SOLO, PREFORK = ("--pool=solo",), ("--pool=prefork", "--concurrency=1")
# gunicorn as a deployment runs it (repat.wsgi, preloaded), with two workers.
GUNICORN = (sys.executable, "-m", "gunicorn", "repat.wsgi", "--workers", "2", "--preload", "--log-level", "warning")
PASSWORD = "test-password-123"  # tests/factories.py

# The secrets production refuses to start without: made for tests only.
PRODUCTION = {
    "DJANGO_SECRET_KEY": "x7!" + "k" * 60 + "-test-only-production-like-key",
    "REPAT_FIELD_ENCRYPTION_KEYS": "3q2Ah3Ck3YyGB6UbNhY2Q4Cj3ySgk2bJZl5lB8kR0Tg=",
    "REPAT_AUDIT_KEYS": "ops-test:" + "a7Vq" * 10,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port != SHARED_REDIS_PORT
    return port


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.")


def stop(process: subprocess.Popen | None) -> None:
    """Stop one process we started, by its handle: politely, then for good."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def spawn(command: list[str], log: Path, *, mode: str = "w", **options) -> subprocess.Popen:
    """Start one of our servers with its output in `log` (the child keeps the file open, not us)."""
    with log.open(mode) as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **options)


def database_url(settings_dict: dict | None = None) -> str:
    """A database as the deployed app's settings read it (DATABASE_URL): the test database unless
    another one is given."""
    db = settings_dict or connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if settings_dict is None and connection.is_in_memory_db():
            pytest.fail("Another process cannot open a database in memory: the test needs `database_file`.")
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{quote(db['USER'] or '', safe='')}{password}@{host}{port}/{db['NAME']}"
    pytest.fail(f"No real-stack support for {db['ENGINE']}.")


def app_env(settings_module: str, **values) -> dict:
    """The environment of a process of the deployed app: nothing of this test process's own settings
    leaks in (DJANGO_*, DATABASE_*, REDIS_*, CELERY_*, REPAT_*, PYTEST_*), only what is given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "REPAT_", "PYTEST_"))
    }
    env.update(DJANGO_SETTINGS_MODULE=settings_module, DJANGO_LOG_LEVEL="INFO", PYTHONUNBUFFERED="1", **values)
    return env


def production_env(folder: Path, *, database: str, redis_url: str) -> dict:
    """`repat.settings.prod` with its secrets, served on 127.0.0.1 behind a proxy that speaks HTTPS
    (the client says so with X-Forwarded-Proto), files and e-mails under `folder`."""
    (folder / "mail").mkdir(parents=True, exist_ok=True)
    return app_env(
        "repat.settings.prod",
        **PRODUCTION,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database,
        REDIS_URL=redis_url,
        REPAT_VAR_DIR=str(folder / "var"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(folder / "mail"),
    )


def manage(env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def collect_static(env: dict) -> subprocess.CompletedProcess:
    """`collectstatic` as a deployment runs it (whitenoise's compressed manifest storage)."""
    return manage(env, "collectstatic", "--noinput", "-v", "1")


def app_passwords(*users) -> None:
    """The users were made with the test settings' fast hasher, which the app's settings refuse."""
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk__in=[user.pk for user in users]).update(password=hasher.encode(PASSWORD, hasher.salt()))


def reachable(user):
    """Give a user an e-mail address (reminders are e-mailed only to people who have one)."""
    user.email = f"{user.username}@example.org"
    user.save(update_fields=["email"])
    return user


def e_mail_at_any_hour():
    """Single e-mails whatever the time of day the test runs at (no digest, no quiet hours)."""
    config = ReminderSettings.current()
    config.daily_digest, config.quiet_hours_start, config.quiet_hours_end = False, 0, 0
    config.save()
    return config


def read_e_mails(folder: Path) -> list:
    """Every e-mail written to `folder` by Django's file backend (one file per connection, the
    messages in it separated by a line of dashes), parsed."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for part in path.read_text().split("-" * 79):
            if part.strip():
                messages.append(message_from_string(part.strip()))
    return messages


# --- Servers ---------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own: no persistence, on a port nobody else uses."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> None:
        if not Path(REDIS_SERVER).exists():
            if os.environ.get("CI"):
                pytest.fail(f"redis-server is required in CI but {REDIS_SERVER} is missing.")
            pytest.skip(f"Real-stack tests need redis-server at {REDIS_SERVER} (apt-get install redis-server).")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = spawn(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), *NO_PERSISTENCE, "--dir", str(self.folder)],
            self.folder / "redis.log",
            mode="a",
        )

        def answers():
            if self.process.poll() is not None:
                pytest.fail("redis-server exited: " + (self.folder / "redis.log").read_text()[-2000:])
            with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                return self.client().ping()
            return False

        wait_for(answers, 10, f"redis-server on port {self.port}")

    def stop(self) -> None:
        stop(self.process)
        self.process = None


class Worker:
    """`celery -A repat worker` with the environment given (settings, our Redis, a database)."""

    def __init__(self, env: dict, log: Path, *, name: str = "repat-test", pool: tuple = SOLO):
        self.env, self.log, self.name, self.pool = env, log, name, pool
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        started = self.output().count(" ready.")
        self.process = spawn(
            [*WORKER, *self.pool, "-n", f"{self.name}-{os.getpid()}@%h", *QUIET_WORKER],
            self.log,
            mode="a",  # started again after a fault: one log
            cwd=ROOT,
            env=self.env,
        )

        def ready():
            if self.process.poll() is not None:
                pytest.fail("The Celery worker exited:\n" + self.output()[-4000:])
            return self.output().count(" ready.") > started

        wait_for(ready, 40, "the Celery worker to be ready")

    def pool_processes(self) -> list[int]:
        """The ids of the processes of the worker's pool (prefork), which run the tasks."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def finished(self, task: str) -> int:
        """How many runs of the task ended (succeeded, failed or retried)."""
        ended = rf"Task repat\.reminders\.tasks\.{task}\[[^\]]+\] (?:succeeded|raised|retry)"
        return len(re.findall(ended, self.output()))

    def received(self) -> int:
        return len(re.findall(r"Task repat\.reminders\.tasks\.\w+\[[^\]]+\] received", self.output()))

    def stop(self) -> None:
        stop(self.process)
        self.process = None


class Beat:
    """`celery -A repat beat` as a deployment runs it (the single-beat scheduler, a schedule file in
    its var folder), sending the periodic tasks to our Redis."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        schedule = Path(self.env["REPAT_VAR_DIR"]) / "celerybeat-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        self.process = spawn(
            [*CELERY, "beat", "--loglevel=INFO", "--schedule", str(schedule)], self.log, cwd=ROOT, env=self.env
        )

        def scheduling():
            if self.process.poll() is not None:
                pytest.fail("Celery beat exited:\n" + self.output()[-4000:])
            return "now schedules the periodic tasks" in self.output()

        wait_for(scheduling, 40, "beat to take the schedule's lease")

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self) -> None:
        stop(self.process)
        self.process = None


class Gunicorn:
    """gunicorn serving repat.wsgi, as in production: two preloaded workers on a spare port."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = spawn(
            [*GUNICORN, "--bind", f"127.0.0.1:{self.port}"],
            self.log,
            cwd=ROOT,
            env=self.env,
        )

        def listening():
            if self.process.poll() is not None:
                pytest.fail("gunicorn exited:\n" + self.output()[-4000:])
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
            return False

        wait_for(listening, 40, f"gunicorn on port {self.port}", interval=0.2)

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def errors(self) -> list[str]:
        """What the server logged as an error: tracebacks and 500s (the log level is warning)."""
        errors = re.compile(r"Traceback|Internal Server Error|ERROR")
        return [line for line in self.output().splitlines() if errors.search(line)]

    def browser(self) -> "Browser":
        return Browser(self.port)

    def stop(self) -> None:
        stop(self.process)
        self.process = None


class Stack:
    """Our redis-server and a Celery worker, on the test database, with the development settings or
    the production ones; tasks are published from here as beat would."""

    def __init__(self, folder: Path, *, production: bool = False):
        self.folder, self.production = folder, production
        self.redis = RedisServer(folder / "redis")
        self.mail = folder / "mail"
        self.mail.mkdir(parents=True, exist_ok=True)
        (folder / "var").mkdir(exist_ok=True)
        self.worker = Worker(self.env(), folder / "worker.log")

    def env(self) -> dict:
        """The environment of a process of the deployed app: our Redis, the test database, e-mail
        written to files."""
        if self.production:
            return production_env(self.folder, database=database_url(), redis_url=self.redis.url)
        return app_env(
            "repat.settings.dev",
            DATABASE_URL=database_url(),
            REDIS_URL=self.redis.url,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            DJANGO_EMAIL_FILE_PATH=str(self.mail),
            REPAT_VAR_DIR=str(self.folder / "var"),
        )

    def publish(self, task: str) -> None:
        """Send a task by name, as beat does, through a Celery app of our own (not the current app)."""
        assert f":{SHARED_REDIS_PORT}/" not in self.redis.url
        app = Celery("probe", broker=self.redis.url, set_as_current=False)
        app.conf.broker_connection_timeout = 2
        try:
            app.send_task(f"repat.reminders.tasks.{task}")
        finally:
            app.close()

    def idle(self) -> bool:
        """Nothing waits in the queue and every task the worker took has ended."""
        finished = sum(self.worker.finished(task) for task in ("sweep", "relay", "deliver"))
        return self.redis.client().llen("celery") == 0 and self.worker.received() == finished

    def e_mails(self) -> list:
        return read_e_mails(self.mail)

    def stop(self) -> None:
        try:
            self.worker.stop()
        finally:
            self.redis.stop()


# --- A browser, in so far as these tests need one ----------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send as is
    names: set[str] = field(default_factory=set)  # every control's name


class _Forms(html.parser.HTMLParser):
    """The page's forms with the values a browser would submit untouched: text and hidden inputs,
    ticked boxes, the selected (or first) option, the text of a textarea. No buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: list | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(Form(attrs.get("action") or "", (attrs.get("method") or "get").lower()))
        if not self.forms:
            return
        form, name = self.forms[-1], attrs.get("name")
        if name:
            form.names.add(name)
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    form.fields.append((name, attrs.get("value") or "on"))
            elif kind not in {"submit", "button", "image", "reset", "file"}:
                form.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "selected" in attrs, ""]
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, selected, text = self._option
            self._select[1].append((text.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [value for value, _ in options[:1]]
            self.forms[-1].fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1].fields.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None


class Browser:
    """One person's browser on our gunicorn: keeps its cookies (Secure ones too: the proxy in front
    speaks HTTPS, so requests say X-Forwarded-Proto: https), sends Origin and Referer like a browser
    posting a form of this site, and never follows redirects by itself."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.responses: list[Response] = []

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        referer: str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> Response:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "en",
            "User-Agent": "repat-ops-test",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + (referer or path)
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read(), 0.0)
        finally:
            conn.close()
        response.seconds = time.monotonic() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        self.responses.append(response)
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def on(self, port: int) -> "Browser":
        """The same browser (its cookies, its history) sent to another web node, as a load balancer
        does from one request to the next."""
        other = Browser(port)
        other.cookies, other.responses = self.cookies, self.responses
        return other

    def form(self, page: Response, having: str) -> Form:
        """The page's form that has a control named `having`, or that posts to `having` (a path)."""
        parser = _Forms()
        parser.feed(page.text)
        matching = [form for form in parser.forms if having in form.names or form.action == having]
        assert matching, f"No form with a field {having!r} or posting there on the page."
        return matching[0]

    def submit(self, path: str, having: str, values: dict[str, str | None]) -> Response:
        """Open `path`, fill its form (the one with a field `having`, or posting to `having`) with
        `values` (None unticks or empties a field) and post it, as a person would."""
        page = self.get(path)
        assert page.status == 200, f"GET {path} answered {page.status}"
        form = self.form(page, having)
        data = [(name, value) for name, value in form.fields if name not in values]
        data += [(name, value) for name, value in values.items() if value is not None]
        return self.request("POST", form.action or path, urlencode(data), referer=path)

    def submit_files(self, path: str, having: str, values: dict[str, str], files: dict[str, tuple]) -> Response:
        """Like `submit`, as multipart/form-data with `files` ({field: (file name, bytes, type)})."""
        page = self.get(path)
        assert page.status == 200, f"GET {path} answered {page.status}"
        form = self.form(page, having)
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in [*((n, v) for n, v in form.fields if n not in values), *values.items()]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (file_name, content, kind) in files.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
            parts.append(f"{head}Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST", form.action or path, body, referer=path, content_type=f"multipart/form-data; boundary={boundary}"
        )

    def sign_in(self, username: str, password: str = PASSWORD) -> Response:
        return self.submit("/accounts/login/", "username", {"username": username, "password": password})
