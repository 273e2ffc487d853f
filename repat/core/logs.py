"""Logging: JSON lines carrying the request id (and, in a worker, the task's), and what goes out of
the building (the error e-mails to ADMINS, Sentry) stripped of personal data.

A request's id comes from the proxy's X-Request-ID when it is well formed, or is made here
(RequestIdMiddleware); it travels in the headers of every Celery task the request queues, and the
worker logs the task's lines under it, so one id finds a request and all the work it caused."""

import contextvars
import datetime
import json
import logging
import re
import time
import traceback
import uuid

from django.conf import settings
from django.utils.log import AdminEmailHandler

request_id_var = contextvars.ContextVar("request_id", default="")
task_id_var = contextvars.ContextVar("task_id", default="")
HEADER = "X-Request-ID"
# What a proxy may hand us as an id: letters, digits and a few separators, 8 to 128 of them. Anything
# else (too long, spaces, a name typed into a header) is replaced by an id of our own.
WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")


class WarningsOnly(logging.Filter):
    """Let through warnings and errors only, whatever level a logger is later set to (a DEBUG
    run of the whole site must still not write page contexts, which hold names, to the logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


class RequestIdFilter(logging.Filter):
    """Put the current request id and task id on every record (on the handlers, so that records of
    every logger have them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        if not getattr(record, "task_id", ""):
            record.task_id = task_id_var.get()
        return True


# Extra attributes a log line may carry besides the message; others (a `request` object, a form's
# data) are never written.
EXTRAS = ("status_code", "route")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, task_id, and the
    exception's type and traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
            "task_id": getattr(record, "task_id", "") or task_id_var.get(),
        }
        for name in EXTRAS:
            value = getattr(record, name, None)
            if isinstance(value, str | int):
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def new_request_id(offered: str | None) -> str:
    return offered if offered and WELL_FORMED.match(offered) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First of all middleware: the request's id for its log lines, its tasks and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = new_request_id(request.headers.get(HEADER))
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request.request_id
        return response


# --- Celery: the id travels in the task's headers ---------------------------------------------------

_tokens: dict[str, tuple] = {}


def on_task_publish(headers=None, **kwargs) -> None:
    """before_task_publish: a task queued during a request (or by a task) carries its request id."""
    current = request_id_var.get()
    if current and headers is not None:
        headers.setdefault("request_id", current)


def on_task_prerun(task_id: str = "", task=None, **kwargs) -> None:
    """task_prerun: the worker logs the task's lines under the request id it was queued with."""
    request = getattr(task, "request", None)
    carried = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
    _tokens[task_id] = (request_id_var.set(carried or request_id_var.get()), task_id_var.set(task_id))


def on_task_postrun(task_id: str = "", **kwargs) -> None:
    tokens = _tokens.pop(task_id, None)
    if tokens:
        task_id_var.reset(tokens[1])
        request_id_var.reset(tokens[0])


# --- Errors that leave the building ---------------------------------------------------------------


def error_summary(record: logging.LogRecord) -> tuple[str, str]:
    """Subject and body of an error report with no personal data: the log call's message template
    (never its arguments: a path, a task's arguments or an exception's text may name someone), the
    request and task ids, the exception's type and where it was raised, without any value."""
    exc_type = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
    template = str(record.msg)
    subject = f"{record.levelname}: {record.name}: {exc_type or template}"[:150]
    when = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    body = [
        f"{record.levelname} in {record.name} at {when:%Y-%m-%d %H:%M:%S} UTC",
        f"Message (without its values): {template}",
        f"Request id: {getattr(record, 'request_id', '') or request_id_var.get() or '-'}",
        f"Task id: {getattr(record, 'task_id', '') or task_id_var.get() or '-'}",
    ]
    request = getattr(record, "request", None)
    match = getattr(request, "resolver_match", None)
    if request is not None:
        body.append(f"Route: {getattr(request, 'method', '')} {match.route if match else '(unresolved)'}")
    if exc_type:
        body.append(f"Exception: {exc_type} (its text is left out: it may hold personal data)")
        body.append("Raised at (most recent call last):")
        frames = traceback.extract_tb(record.exc_info[2])
        body += [f"  {frame.filename}:{frame.lineno} in {frame.name}" for frame in frames]
    body.append("Find the full record in the logs by the request or task id.")
    return subject.replace("\n", " "), "\n".join(body)


def error_key(record: logging.LogRecord, subject: str) -> str:
    """What makes two errors "the same" for the e-mail's rate limit: the subject and where it was raised."""
    if record.exc_info and record.exc_info[2]:
        frame = traceback.extract_tb(record.exc_info[2])[-1]
        return f"{subject} {frame.filename}:{frame.lineno}"
    return f"{subject} {record.pathname}:{record.lineno}"


class PrivateAdminEmailHandler(AdminEmailHandler):
    """Django's error e-mail to ADMINS, without what Django puts in it: no request (GET, POST,
    cookies, headers), no local variables, no settings, no exception text (error_summary).

    The same error (`error_key`) is e-mailed at most once every REPAT_ERROR_MAIL_INTERVAL_SECONDS per
    process, the next e-mail saying how many were held back: an outage that fails every request
    must not bury the administrators (and the mail server) under thousands of identical e-mails."""

    KEYS_KEPT = 500

    def __init__(self, *args, **kwargs):
        kwargs["include_html"] = False
        super().__init__(*args, **kwargs)
        self.sent: dict[str, list] = {}  # key -> [when last sent (monotonic), how many held back since]

    def emit(self, record: logging.LogRecord) -> None:
        subject, body = error_summary(record)
        key, now = error_key(record, subject), time.monotonic()
        last = self.sent.get(key)
        if last is not None and now - last[0] < settings.REPAT_ERROR_MAIL_INTERVAL_SECONDS:
            last[1] += 1
            return
        if last is not None and last[1]:
            interval = settings.REPAT_ERROR_MAIL_INTERVAL_SECONDS
            body += (
                f"\n{last[1]} more like this since the last e-mail were not sent"
                f" (one e-mail per error every {interval:g} s)."
            )
        if len(self.sent) >= self.KEYS_KEPT:
            self.sent.pop(next(iter(self.sent)))
        self.sent.pop(key, None)
        self.sent[key] = [now, 0]
        self.send_mail(subject, body, fail_silently=True)
