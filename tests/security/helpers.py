"""Readers shared by the attack suite: the state of every domain table (equal before and after a
refused request means nothing was written) and what a page shows of the world."""

import functools
import io

from django.apps import apps
from django.db import connection
from openpyxl import load_workbook

from repat.reports import actions
from repat.reports.models import DashboardSnapshot

# Every table a page can write to, whatever the app; sessions, the audit trail of views, dashboard
# snapshots and one-time form tokens are bookkeeping, not data about people.
DOMAIN_MODELS = (
    "cases.Operation",
    "cases.Returnee",
    "cases.ReturneeAlias",
    "cases.Family",
    "cases.FamilyMember",
    "cases.Case",
    "cases.Note",
    "cases.CaseEvent",
    "cases.Attachment",
    "cases.ReturneePhoto",
    "cases.IdentityDocument",
    "cases.ConsentRecord",
    "cases.KinshipTest",
    "cases.CareArrangement",
    "cases.Assessment",
    "cases.ReintegrationPlan",
    "cases.PlanGoal",
    "cases.GoalProgress",
    "cases.CaseTransfer",
    "cases.FollowUpTask",
    "cases.LegalRecord",
    "cases.EmergencyAccess",
    "cases.DuplicateDecision",
    "cases.ManifestImport",
    "cases.ManifestMapping",
    "services.Provider",
    "services.ProviderStaff",
    "services.Referral",
    "approvals.ApprovalRequest",
    "reminders.Reminder",
    "reports.ProgressReport",
    "reports.ReportExport",
    "accounts.User",
    "api.ApiToken",
)
# Written by signing in (or using a token), not by the request under test.
VOLATILE = {"last_login", "last_used"}


def domain_state() -> dict[str, object]:
    """Every domain table's rows, as the database holds them, one value per table (equal when the
    rows are): this runs around every refused request of the suite and must stay cheap. PostgreSQL
    answers for all tables in one statement (`_state_sql`); elsewhere each table's rows come back
    sorted."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_state_sql(_counts_rows(cursor)))
            return dict(cursor.fetchall())
        state = {}
        for label, table, columns, _pk, _volatile in _tables():
            cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - our own names
            state[label] = sorted(map(repr, cursor.fetchall()))
        return state


def _tables() -> list[tuple[str, str, str, str, bool]]:
    """(label, quoted table, quoted columns but VOLATILE, quoted primary key, whether it has a
    VOLATILE column) of DOMAIN_MODELS."""
    quote = connection.ops.quote_name
    found = []
    for label in DOMAIN_MODELS:
        meta = apps.get_model(label)._meta
        fields = meta.concrete_fields
        columns = ", ".join(quote(f.column) for f in fields if f.attname not in VOLATILE)
        volatile = any(f.attname in VOLATILE for f in fields)
        found.append((label, quote(meta.db_table), columns, quote(meta.pk.column), volatile))
    return found


def _counts_rows(cursor) -> bool:
    """Whether PostgreSQL counts the rows each transaction writes (`track_counts`, on by default)."""
    cursor.execute("SELECT current_setting('track_counts')::boolean")
    return cursor.fetchone()[0]


@functools.cache
def _state_sql(counted: bool) -> str:
    """One SELECT per table, of (label, value). Where PostgreSQL counts what a transaction writes
    (`counted`), the value of a table with no VOLATILE column is how many of its rows this
    transaction has inserted, updated and deleted so far: every attempt counts, rolled back or not,
    so equal counts mean that no row of it was written, and reading them costs nothing, where a
    digest reads every row (about 4 ms around each refused request). The value of any other table is
    the md5 of its rows as text, in primary-key order, VOLATILE columns left out."""
    selects = []
    for label, table, columns, pk, volatile in _tables():
        if counted and not volatile:
            relation = f"'{table}'::regclass"
            value = (
                f"concat_ws(',', pg_stat_get_xact_tuples_inserted({relation}),"
                f" pg_stat_get_xact_tuples_updated({relation}), pg_stat_get_xact_tuples_deleted({relation}))"
            )
            selects.append(f"SELECT '{label}', {value}")
        else:
            value = f"md5(string_agg(ROW({columns})::text, E'\\n' ORDER BY {pk}))"
            selects.append(f"SELECT '{label}', {value} FROM {table}")  # noqa: S608 - our own names
    return " UNION ALL ".join(selects)


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def shown(page: str, markers) -> set[str]:
    """Which of `markers` (case numbers, names) appear in a page."""
    return {marker for marker in markers if marker in page}


def compute_dashboards() -> None:
    """Compute every dashboard snapshot asked for so far, as the background task would."""
    for snapshot in DashboardSnapshot.objects.all():
        actions.dashboard_refresh(key=snapshot.key)


def xlsx_text(body: bytes) -> str:
    """Every cell of a workbook, as one text to look for names in."""
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return "\n".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
