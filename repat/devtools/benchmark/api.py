"""The API's list endpoints in the benchmark (`manage.py bench`, `--api-only`): each list as each
representative user, through the whole stack (middleware, token authentication, DRF, the visibility
queryset, cursor pagination, JSON), with the server time (median, p95) and the queries per request;
and the programme indicators, before and after their snapshot is computed.

It writes nothing that stays: everything runs in one transaction rolled back at the end, and the
tokens live in a temporary table of this connection only (the benchmark database may predate the
API's migration, and is read by others). A token's use was "just recorded", so no audit row is
written either. The indicators' snapshots are computed in the same transaction and rolled back with
it (their computation is queued on commit: never)."""

import datetime
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from repat.accounts.models import User
from repat.api.actions import new_key
from repat.api.models import ApiToken, key_hash
from repat.devtools.benchmark.measure import _p95, _times

# Issue 19: every list endpoint at N = 1,000,000.
API_TARGETS = {"p95_ms": 100.0, "queries": 6}
LISTS = (
    "returnee-list",
    "family-list",
    "case-list",
    "note-list",
    "document-list",
    "task-list",
    "referral-list",
    "reminder-list",
    "service-type-list",
    "provider-list",
)


# The programme indicators: read from a snapshot computed in the background (repat/reports/actions.py).
# Timed twice per role: before their figures exist (202, the computation queued), and once the
# snapshot is computed, as a worker would, which is timed too.
INDICATORS = "indicators"


@dataclass
class ApiResult:
    endpoint: str
    role: str
    status: int
    median_ms: float
    p95_ms: float
    queries: int
    computed_s: float | None = None  # the indicators' background computation
    first_ms: float | None = None  # the very first request (untimed warm-up of the lists)

    def misses(self) -> list[str]:
        missed = []
        if self.p95_ms > API_TARGETS["p95_ms"]:
            missed.append(f"p95 {self.p95_ms:.0f} ms > {API_TARGETS['p95_ms']:.0f} ms")
        if self.queries > API_TARGETS["queries"]:
            missed.append(f"{self.queries} queries > {API_TARGETS['queries']}")
        return missed


def _token_table() -> None:
    """ApiToken's table as a temporary one (this connection only, gone with it)."""
    with connection.schema_editor() as editor:
        columns = ", ".join(
            f"{editor.quote_name(field.column)} {field.db_type(connection)}"
            for field in ApiToken._meta.local_fields
            if field.db_type(connection)
        )
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns})")
        cursor.execute(f"CREATE UNIQUE INDEX ON {table} (prefix)")


def _key_for(user: User) -> str:
    prefix, key = new_key()
    now = timezone.now()
    ApiToken.objects.create(
        id=user.pk,
        name="benchmark",
        user=user,
        scope=ApiToken.Scope.READ,
        prefix=prefix,
        key_hash=key_hash(key),
        created_by=user,
        created_at=now,
        expires_at=now + datetime.timedelta(days=1),
        last_used=now + datetime.timedelta(days=1),  # "just used": no last_used write, no audit row
    )
    return key


def measure_api(users: dict[str, User], repeats: int) -> list[ApiResult]:
    results = []
    with transaction.atomic(), override_settings(REPAT_API_RATE="1000000/minute"):
        if connection.vendor == "postgresql":
            _token_table()
        for role, user in users.items():
            client = Client(HTTP_AUTHORIZATION=f"Bearer {_key_for(user)}")
            for endpoint in (*LISTS, INDICATORS):
                url = reverse(f"api:{endpoint}")
                started = time.perf_counter()
                status = client.get(url).status_code
                first_ms = (time.perf_counter() - started) * 1000
                if status >= 400:  # a list this role may not read (providers for workers...)
                    results.append(ApiResult(endpoint, role, status, 0.0, 0.0, 0))
                    continue
                results.append(_timed(client, endpoint, role, status, repeats))
                results[-1].first_ms = first_ms
                if status == 202:
                    computed_s = _compute_indicators()
                    results.append(_timed(client, endpoint, role, client.get(url).status_code, repeats))
                    results[-1].computed_s = computed_s
        transaction.set_rollback(True)  # the snapshots too: a beat never sees them
    return results


def _timed(client: Client, endpoint: str, role: str, status: int, repeats: int) -> ApiResult:
    url = reverse(f"api:{endpoint}")
    times = _times(lambda: client.get(url).content, repeats)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return ApiResult(endpoint, role, status, statistics.median(times), _p95(times), len(captured))


def _compute_indicators() -> float:
    """Compute the indicator snapshots the requests asked for, as the worker would; seconds taken."""
    from repat.reports import actions
    from repat.reports.models import DashboardSnapshot

    started = time.perf_counter()
    waiting = DashboardSnapshot.objects.filter(kind=DashboardSnapshot.Kind.INDICATORS, computed_at__isnull=True)
    for key in list(waiting.values_list("key", flat=True)):
        actions.dashboard_refresh(key=key)
    return time.perf_counter() - started


def api_table(results: list[ApiResult]) -> str:
    lines = [
        f"Page size {settings.REPAT_PAGE_SIZE} (the first page of each list, token authentication, JSON).",
        "",
        "| Endpoint | Role | Status | Queries | Median ms | p95 ms | Targets |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    for r in results:
        if r.status >= 400:
            lines.append(
                f"| {reverse(f'api:{r.endpoint}')} | {r.role} | {r.status} | — | — | — | refused, as on the pages |"
            )
            continue
        url = reverse(f"api:{r.endpoint}")
        targets = "; ".join(r.misses()) or "met"
        if r.status == 202:
            targets += f" (being computed: queued once, by the first request, {r.first_ms:.0f} ms)"
        if r.computed_s is not None:
            targets += f" (from the snapshot; computed in the background in {r.computed_s:.1f} s)"
        elif r.endpoint == INDICATORS and r.status == 200:
            targets += " (from the snapshot computed for the same regions above)"
        lines.append(
            f"| {url} | {r.role} | {r.status} | {r.queries} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {targets} |"
        )
    return "\n".join(lines)
