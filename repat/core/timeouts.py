"""A time limit on every SQL statement of a web request (PostgreSQL's `statement_timeout`), so that
a runaway query ends in a "try again" page instead of holding a gunicorn worker and a connection
until the proxy gives up. Only web processes set it: `repat/wsgi.py` (gunicorn, runserver) calls
`limit_web_statements()`; Celery workers, beat, migrations and management commands never import
that module, and their long statements (the sweep, a migration, a report) are not cut short.

A database that does not answer at all (a restart, a failover) is a "try again" 503 too: see
`server_error`, Django's handler500."""

import logging
import sys

from django import db
from django.conf import settings
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

# PostgreSQL's SQLSTATE for a statement cancelled (statement_timeout, or pg_cancel_backend).
QUERY_CANCELED = "57014"
log = logging.getLogger(__name__)


def set_statement_timeout(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: the new connection's statements stop after the web limit."""
    milliseconds = int(settings.REPAT_WEB_STATEMENT_TIMEOUT_MS)
    if connection.vendor != "postgresql" or milliseconds <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {milliseconds}")


def limit_web_statements() -> None:
    """Called once by a web process before it serves anything (repat/wsgi.py)."""
    connection_created.connect(set_statement_timeout, dispatch_uid="repat-web-statement-timeout")


def is_query_timeout(error: BaseException) -> bool:
    cause = error.__cause__ or error.__context__
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED


class QueryTimeoutMiddleware:
    """A view whose query ran past the limit answers 503 with a short static page (it names no one,
    and needs no database: the transaction is aborted) and Retry-After; the error is logged as a
    warning with the route only, never the SQL or its parameters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_query_timeout(exception):
            return None
        log.warning(
            "A query ran longer than %s ms; answered 503.",
            settings.REPAT_WEB_STATEMENT_TIMEOUT_MS,
            extra={"route": getattr(request.resolver_match, "route", "")},
        )
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response


def database_unavailable(error: BaseException | None) -> bool:
    """Did the database not answer (stopped, restarting, failing over, the network), or end the
    statement for a reason of its own (a deadlock)? Either way, the same request a moment later can
    succeed."""
    return isinstance(error, db.OperationalError | db.InterfaceError)


def server_error(request):
    """handler500 (repat/urls.py). An error raised because the database did not answer, wherever
    in the request (the session is read by a middleware, before any view), answers 503 with
    Retry-After and a static page that needs no database: a PostgreSQL restart is "try again in a
    moment" for people and for the load balancer, not a crash. Anything else is the plain 500."""
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(render_to_string("503_database.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)
