"""Logs (repat/core/logs.py): JSON lines with the request id, the id carried into the tasks a
request queues, and error e-mails to ADMINS without personal data."""

import io
import json
import logging
import re

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from cases.views import CaseDetailView
from repat.core import logs

pytestmark = pytest.mark.django_db

HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def json_lines():
    """What the console handler of the settings (request id filter, JSON formatter) writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_log_record_is_one_json_line_with_the_request_and_task_ids(json_lines):
    # given
    token = logs.request_id_var.set("proxy-1234-abcd")

    # when
    try:
        logging.getLogger("repat.test").warning("Sweep took %s s.", 12, extra={"status_code": 503})
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            logging.getLogger("repat.test").exception("It broke.")
    finally:
        logs.request_id_var.reset(token)

    # then
    first, second = json_lines()
    assert first["message"] == "Sweep took 12 s."
    assert (first["level"], first["logger"], first["request_id"], first["task_id"]) == (
        "WARNING",
        "repat.test",
        "proxy-1234-abcd",
        "",
    )
    assert first["status_code"] == 503
    assert first["time"].endswith("+00:00")
    assert second["exc_type"] == "ZeroDivisionError"
    assert "Traceback" in second["exc"]


def test_the_settings_write_json_in_production_and_carry_the_ids(settings):
    from repat.settings import base

    assert base.LOGGING["formatters"]["json"] == {"()": "repat.core.logs.JsonFormatter"}
    assert base.LOGGING["handlers"]["console"]["filters"] == ["request_id"]
    assert base.REPAT_LOG_FORMAT == "json"  # the default; dev.py writes plain lines on a terminal
    assert settings.MIDDLEWARE[0] == "repat.core.logs.RequestIdMiddleware"


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("3f2c9a1e-5b7d-4c1a-9e3f-0a1b2c3d4e5f", True),
        ("req.20261204.000123", True),
        ("short", False),
        ("has spaces in it", False),
        ("Aisha Karimova", False),
        ("x" * 200, False),
        (None, False),
    ],
)
def test_the_proxy_request_id_is_kept_only_when_well_formed(client_for, worker, offered, kept):
    headers = {"HTTP_X_REQUEST_ID": offered} if offered else {}
    response = client_for(worker).get(reverse("cases:caseload"), **headers)
    if kept:
        assert response["X-Request-ID"] == offered
    else:
        assert HEX32.match(response["X-Request-ID"])


def test_a_view_logs_under_its_request_id(client_for, worker, case, monkeypatch, json_lines):
    # given
    get_context_data = CaseDetailView.get_context_data

    def logging_view(self, **kwargs):
        logging.getLogger("repat.test").info("Case page built.")
        return get_context_data(self, **kwargs)

    monkeypatch.setattr(CaseDetailView, "get_context_data", logging_view)

    # when
    response = client_for(worker).get(reverse("cases:case_detail", args=[case.pk]), HTTP_X_REQUEST_ID="edge-7f3a91c2")

    # then
    assert response.status_code == 200
    built = [line for line in json_lines() if line["message"] == "Case page built."]
    assert [line["request_id"] for line in built] == ["edge-7f3a91c2"]
    assert logs.request_id_var.get() == ""  # nothing leaks into the next request


def test_a_task_queued_during_a_request_carries_its_id_in_the_headers():
    # given: the middleware around a view that publishes a task (as delay_on_commit does)
    published = []

    def view(request):
        headers = {}
        logs.on_task_publish(headers=headers)
        published.append(headers)
        from django.http import HttpResponse

        return HttpResponse("queued")

    middleware = logs.RequestIdMiddleware(view)

    # when
    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="edge-0000beef"))

    # then
    assert published == [{"request_id": "edge-0000beef"}]
    assert response["X-Request-ID"] == "edge-0000beef"


def test_the_worker_runs_a_task_under_the_request_id_of_its_headers_and_forgets_it_after(json_lines):
    # given: a task whose message carried a request id (Celery puts custom headers on task.request)
    class Request:
        request_id = "edge-1234abcd"

    class Task:
        request = Request()

    # when
    logs.on_task_prerun(task_id="task-1", task=Task())
    logging.getLogger("repat.test").warning("Inside the task.")
    headers = {}
    logs.on_task_publish(headers=headers)  # a task it queues in turn
    logs.on_task_postrun(task_id="task-1")
    logging.getLogger("repat.test").warning("After the task.")

    # then
    inside, after = json_lines()
    assert (inside["request_id"], inside["task_id"]) == ("edge-1234abcd", "task-1")
    assert headers == {"request_id": "edge-1234abcd"}
    assert (after["request_id"], after["task_id"]) == ("", "")


def test_the_celery_signals_are_connected():
    from celery import signals

    assert any("repat-request-id-publish" in str(key) for key, _ in signals.before_task_publish.receivers)
    assert any("repat-request-id-prerun" in str(key) for key, _ in signals.task_prerun.receivers)


# --- Errors e-mailed to ADMINS -----------------------------------------------------------------------


def test_an_error_is_e_mailed_to_admins_without_personal_data(settings, client_for, worker, case, monkeypatch):
    # given: a page that fails with the returnee's name in its local variables and its exception
    settings.ADMINS = [("Operations", "ops@example.org")]
    returnee = case.returnee
    get_context_data = CaseDetailView.get_context_data

    def failing(self, **kwargs):
        get_context_data(self, **kwargs)
        name = f"{returnee.given_name} {returnee.family_name}"  # noqa: F841 - a local variable holding a name
        raise ValueError(f"Cannot place {returnee.given_name} {returnee.family_name}")

    monkeypatch.setattr(CaseDetailView, "get_context_data", failing)
    client = client_for(worker)
    client.raise_request_exception = False

    # when
    response = client.get(
        reverse("cases:case_detail", args=[case.pk]) + f"?q={returnee.family_name}",
        HTTP_X_REQUEST_ID="edge-55aa66bb",
    )

    # then
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@example.org"]
    assert message.subject == "[Repat] ERROR: django.request: ValueError"
    assert not message.alternatives  # no HTML report
    text = message.subject + message.body
    for secret in (returnee.given_name, returnee.family_name, returnee.case_number, "sessionid", "csrftoken"):
        assert secret not in text
    assert "Request id: edge-55aa66bb" in message.body
    assert "Route: GET cases/<int:pk>/" in message.body
    assert "Exception: ValueError (its text is left out: it may hold personal data)" in message.body
    assert "in failing" in message.body


def test_a_failed_task_report_keeps_the_message_template_not_its_arguments():
    # given: Celery's log line for a task that raised, with the task's arguments and the exception text
    try:
        raise RuntimeError("Aisha Karimova has no document")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "celery.app.trace",
            logging.ERROR,
            __file__,
            1,
            "Task %(name)s[%(id)s] %(description)s: %(exc)s",
            ({"name": "x", "id": "1", "description": "raised unexpected", "exc": "Aisha Karimova"},),
            sys.exc_info(),
        )

    # when
    subject, body = logs.error_summary(record)

    # then
    assert "Aisha" not in subject + body
    assert subject == "ERROR: celery.app.trace: RuntimeError"
    assert "Message (without its values): Task %(name)s[%(id)s] %(description)s: %(exc)s" in body


def test_the_same_error_is_e_mailed_once_per_interval_with_the_count_held_back(settings, monkeypatch):
    # given: ADMINS, ten minutes between two e-mails of one error, and a clock we move
    settings.ADMINS = [("Operations", "ops@example.org")]
    settings.REPAT_ERROR_MAIL_INTERVAL_SECONDS = 600
    clock = [5000.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: clock[-1])
    handler = logs.PrivateAdminEmailHandler()

    def fail(exception):
        try:
            raise exception
        except (ConnectionError, KeyError):
            import sys

            return logging.LogRecord(
                "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), sys.exc_info()
            )

    # when: the database is down and every request fails the same way, and something else fails once
    for _ in range(50):
        handler.emit(fail(ConnectionError("down")))
    handler.emit(fail(KeyError("other")))

    # then: one e-mail per error
    assert [m.subject for m in mail.outbox] == [
        "[Repat] ERROR: django.request: ConnectionError",
        "[Repat] ERROR: django.request: KeyError",
    ]

    # when: ten minutes later it fails again: e-mailed, with how many were held back
    clock.append(5000.0 + 601)
    handler.emit(fail(ConnectionError("down")))
    assert len(mail.outbox) == 3
    assert (
        "49 more like this since the last e-mail were not sent (one e-mail per error every 600 s)."
        in mail.outbox[2].body
    )
