"""Sentry (sentry-sdk), only when SENTRY_DSN is set: errors of the web and the workers, with no
personal data. send_default_pii stays off, local variables and breadcrumbs (log lines, SQL) are not
collected, and `scrub` removes from every event what could still name someone: the request's data,
headers, cookies and query string, the user, exception texts, log arguments and extras."""

import logging

log = logging.getLogger(__name__)

# The parts of a request Sentry may keep: how it was asked for, not what it carried.
REQUEST_KEPT = ("method",)


def scrub(event: dict, hint: dict | None = None) -> dict:
    """before_send (and before_send_transaction): the event without personal data."""
    from .logs import request_id_var, task_id_var

    request = event.get("request") or {}
    url = str(request.get("url") or "").split("?", 1)[0]
    event["request"] = {key: request[key] for key in REQUEST_KEPT if key in request}
    if url:
        event["request"]["url"] = url
    event.pop("user", None)
    event.pop("extra", None)
    event.pop("breadcrumbs", None)
    event.pop("server_name", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = ""  # the text may name someone; the type and the frames remain
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if logentry:
        event["logentry"] = {"message": logentry.get("message", "")}  # the template, not its arguments
        event.pop("message", None)
    tags = event.setdefault("tags", {})
    if request_id_var.get():
        tags["request_id"] = request_id_var.get()
    if task_id_var.get():
        tags["task_id"] = task_id_var.get()
    # Celery's context carries the task's arguments.
    for name in ("celery-job", "celery"):
        (event.get("contexts") or {}).pop(name, None)
    return event


def init_sentry(dsn: str, *, environment: str = "", transport=None) -> bool:
    """Start sentry-sdk for this process (web or worker); False when there is no DSN."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        send_default_pii=False,
        include_local_variables=False,
        include_source_context=True,
        max_breadcrumbs=0,
        traces_sample_rate=0,
        before_send=scrub,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        transport=transport,
    )
    return True
