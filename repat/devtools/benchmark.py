"""The page benchmark behind `manage.py bench` (`make bench N=…`), written to docs/benchmarks.md.

For each page people open most, as a representative user of each role, it measures in one run:
- the server time (median and p95 over repeated requests, in process: middleware, view, template)
  and the number of SQL queries;
- the same rows fetched by raw SQL (PostgreSQL's own time, plus the driver: the limit);
- the "lean Django floor": the displayed columns fetched with one `.values()` query and rendered by
  a bare template loop;
- the Django admin changelist on the same filter, where one applies (what a team would build instead).

Everything here reads; the only writes are the ones the pages themselves make (audit rows, the
dashboard snapshot's "last viewed"). Run it on a database of its own, filled by `seed_scale`.
"""

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.template import Context, Engine
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import permissions as case_permissions
from cases import selectors as case_selectors
from cases.filters import SORTS
from cases.models import Case, FamilyMember, Returnee
from cases.views import SEARCH_KEY
from repat.accounts.models import User
from repat.approvals import permissions as approval_permissions
from repat.reminders import selectors as reminder_selectors
from services import permissions as service_permissions
from services.models import ProviderStaff, Referral

LIST, DETAIL, DASHBOARD = "list", "detail", "dashboard"
# The targets of issue #8 at N = 1,000,000; detail pages were 12 queries before sessions moved from
# Redis to the database (one read by primary key per page; README, Redis) and are 13 since.
TARGETS = {"list_queries": 8, "detail_queries": 13, "floor_ratio": 3.0, "admin_ratio": 50.0, "dashboard_ms": 50.0}
BARE_TEMPLATE = Engine().from_string(
    "<table>{% for row in rows %}<tr>{% for value in row.values %}<td>{{ value }}</td>{% endfor %}</tr>"
    "{% endfor %}</table>"
)


@dataclass
class Page:
    """One page as one user: what to request, and the comparisons that apply to it."""

    name: str
    kind: str
    role: str
    user: User
    url: str
    # The rows the page displays, as a `.values()` queryset of the displayed columns.
    rows: Callable[[], object] | None = None
    admin_url: str | None = None
    session: dict = field(default_factory=dict)


@dataclass
class Result:
    page: Page
    median_ms: float
    p95_ms: float
    queries: int
    raw_ms: float | None = None
    floor_ms: float | None = None
    admin_ms: float | None = None
    admin_queries: int | None = None

    def misses(self) -> list[str]:
        """The targets this page misses (empty when it meets them all)."""
        missed = []
        limit = TARGETS["list_queries"] if self.page.kind == LIST else TARGETS["detail_queries"]
        if self.page.kind != DASHBOARD and self.queries > limit:
            missed.append(f"{self.queries} queries > {limit}")
        if self.page.kind == LIST and self.floor_ms and self.median_ms > TARGETS["floor_ratio"] * self.floor_ms:
            missed.append(f"{self.median_ms / self.floor_ms:.1f}× floor > {TARGETS['floor_ratio']:.0f}×")
        if self.page.kind == LIST and self.admin_ms and self.admin_ms < TARGETS["admin_ratio"] * self.median_ms:
            missed.append(f"{self.admin_ms / self.median_ms:.0f}× faster than admin < {TARGETS['admin_ratio']:.0f}×")
        if self.page.kind == DASHBOARD and self.median_ms > TARGETS["dashboard_ms"]:
            missed.append(f"{self.median_ms:.0f} ms > {TARGETS['dashboard_ms']:.0f} ms")
        return missed


def signed_in_client(user: User) -> Client:
    """A client signed in as the user, past the second factor where the role requires one (as a
    person who typed their code would be)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from repat.accounts.permissions import two_factor_required

    client = Client()
    client.force_login(user)
    if two_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Benchmark", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def representative_users() -> dict[str, User]:
    """A social worker with the median caseload, the coordinator and supervisor of the busiest
    region, an administrator (who sees everything) and the staff of the busiest provider."""
    active = User.objects.filter(is_active=True)
    loads = list(
        Case.objects.filter(worker__isnull=False).values("worker").annotate(n=Count("id")).order_by("n", "worker")
    )
    users = {}
    if loads:
        users["social worker"] = active.get(pk=loads[len(loads) // 2]["worker"])
    busiest = (
        Returnee.objects.values("region")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("region", flat=True)
        .first()
    )
    for role, label in ((User.Role.COORDINATOR, "coordinator"), (User.Role.SUPERVISOR, "supervisor")):
        candidate = active.filter(role=role, regions=busiest).order_by("pk").first()
        if candidate:
            users[label] = candidate
    admin = active.filter(role=User.Role.ADMINISTRATOR).order_by("pk").first()
    if admin:
        users["administrator"] = admin
    provider = (
        Referral.objects.filter(provider__isnull=False)
        .values("provider")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("provider", flat=True)
        .first()
    )
    staff = ProviderStaff.objects.filter(provider=provider, user__is_active=True).select_related("user").first()
    if staff:
        users["provider staff"] = staff.user
    return users


def _search_word(user: User) -> str:
    """A family name from the user's own caseload, as a person would type it."""
    case = case_selectors.caseload(user=user, params={}).qs.first()
    return case.returnee.family_name if case else "Алиева"


def pages(users: dict[str, User]) -> list[Page]:
    page_size = settings.REPAT_PAGE_SIZE
    result = []
    for role, user in users.items():
        if role != "provider staff":
            region = user.regions.values_list("pk", flat=True).first()
            admin_filter = {
                "social worker": f"?worker={user.pk}",
                "coordinator": f"?returnee__region__id__exact={region}",
                "supervisor": f"?returnee__region__id__exact={region}",
                "administrator": "",
            }[role]
            result.append(
                Page(
                    "Caseload",
                    LIST,
                    role,
                    user,
                    reverse("cases:caseload"),
                    rows=lambda user=user: _caseload_rows(user, "", page_size),
                    admin_url=reverse("admin:cases_case_changelist") + admin_filter,
                )
            )
            word = _search_word(user)
            result.append(
                Page(
                    "Search",
                    LIST,
                    role,
                    user,
                    reverse("cases:caseload"),
                    rows=lambda user=user, word=word: _caseload_rows(user, word, page_size),
                    admin_url=reverse("admin:cases_returnee_changelist") + "?q=" + word,
                    session={SEARCH_KEY: word},
                )
            )
            case = case_selectors.caseload(user=user, params={}).qs.first()
            if case is not None:
                returnee = case.returnee
                result.append(
                    Page(
                        "Case page", DETAIL, role, user, case.get_absolute_url(), rows=lambda pk=case.pk: _case_rows(pk)
                    )
                )
                result.append(
                    Page(
                        "Returnee page",
                        DETAIL,
                        role,
                        user,
                        reverse("cases:returnee_detail", args=[returnee.pk]),
                        rows=lambda pk=returnee.pk: Returnee.objects.filter(pk=pk).values(
                            "case_number", "given_name", "family_name", "date_of_birth", "region__name"
                        ),
                    )
                )
                membership = FamilyMember.objects.filter(returnee=returnee).first()
                if membership is not None:
                    result.append(
                        Page(
                            "Family page",
                            DETAIL,
                            role,
                            user,
                            reverse("cases:family_detail", args=[membership.family_id]),
                            rows=lambda pk=membership.family_id: FamilyMember.objects.filter(family_id=pk).values(
                                "full_name", "relationship", "returnee__given_name", "returnee__family_name"
                            ),
                        )
                    )
        referral_admin = (
            f"?region__id__exact={user.regions.values_list('pk', flat=True).first()}"
            if role in ("coordinator", "supervisor")
            else ("" if role == "administrator" else None)
        )
        result.append(
            Page(
                "Referral queue",
                LIST,
                role,
                user,
                reverse("services:queue"),
                rows=lambda user=user: (
                    service_permissions.referrals_visible_to(user)
                    .order_by("-created_at", "-id")
                    .values("id", "case__returnee__given_name", "service_type__code", "provider__name", "status")[
                        :page_size
                    ]
                ),
                admin_url=None
                if referral_admin is None
                else reverse("admin:services_referral_changelist") + referral_admin,
            )
        )
        if role != "provider staff":
            approvals_admin = {"supervisor": "?status__exact=pending", "administrator": "?status__exact=pending"}
            result.append(
                Page(
                    "Approvals queue",
                    LIST,
                    role,
                    user,
                    reverse("approvals:queue"),
                    rows=lambda user=user: _approval_rows(user, page_size),
                    admin_url=(
                        reverse("admin:approvals_approvalrequest_changelist") + approvals_admin[role]
                        if role in approvals_admin
                        else None
                    ),
                )
            )
        result.append(
            Page(
                "Notifications",
                LIST,
                role,
                user,
                reverse("reminders:list"),
                rows=lambda user=user: reminder_selectors.reminders_for(user=user).values(
                    "id", "item_type", "stage", "due_date", "created_at", "case__returnee__case_number"
                )[:page_size],
            )
        )
        if role in ("coordinator", "supervisor", "administrator"):
            result.append(
                Page(
                    "Dashboard",
                    DASHBOARD,
                    role,
                    user,
                    reverse("reports:dashboard"),
                    rows=lambda: _snapshot_rows(),
                )
            )
    return result


CASELOAD_COLUMNS = (
    "id",
    "returnee__case_number",
    "returnee__given_name",
    "returnee__family_name",
    "returnee__date_of_birth",
    "returnee__operation__name",
    "returnee__region__name",
    "worker__username",
    "status",
    "risk_level",
    "next_follow_up",
)


def _caseload_rows(user, word, limit):
    """The caseload's rows the plain way: the visibility queryset, the default order, `.values()`."""
    cases = case_permissions.cases_visible_to(user)
    if word:
        cases = cases.search(word, few=user.role == User.Role.SOCIAL_WORKER)
    return cases.order_by(*SORTS["next_follow_up"]).values(*CASELOAD_COLUMNS)[:limit]


def _approval_rows(user, limit):
    approvals = approval_permissions.approvals_visible_to(user)
    if approval_permissions.is_approver(user):
        approvals = approvals.filter(status="pending").order_by("requested_at", "id")
    else:
        approvals = approvals.order_by("-requested_at", "-id")
    return approvals.values("id", "kind", "status", "case__returnee__case_number", "requested_at")[:limit]


def _case_rows(pk):
    return Case.objects.filter(pk=pk).values(
        "id", "status", "risk_level", "returnee__given_name", "returnee__family_name", "next_follow_up"
    )


def _snapshot_rows():
    from repat.reports.models import DashboardSnapshot

    return DashboardSnapshot.objects.order_by("-last_viewed_at").values("figures")[:1]


def _times(call: Callable[[], object], repeats: int) -> list[float]:
    call()  # warm: the first call pays for templates, translations and the connection
    result = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        result.append((time.perf_counter() - started) * 1000)
    return result


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    # Streaming or lazy content is rendered in full, as it would be sent.
    response.content  # noqa: B018


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    return len(captured)


def measure(page: Page, repeats: int, admin_client: Client | None) -> Result:
    client = signed_in_client(page.user)
    if page.session:
        session = client.session
        session.update(page.session)
        session.save()
    if page.kind == DASHBOARD:
        _prepare_dashboard(client, page.url)
    times = _times(lambda: _get(client, page.url), repeats)
    result = Result(page, statistics.median(times), _p95(times), _queries(client, page.url))
    if page.rows is not None:
        sql, params = page.rows().query.sql_with_params()

        def raw():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        result.raw_ms = statistics.median(_times(raw, repeats))
        result.floor_ms = statistics.median(
            _times(lambda: BARE_TEMPLATE.render(Context({"rows": list(page.rows())})), repeats)
        )
    if page.admin_url and admin_client is not None:
        admin_times = _times(lambda: _get(admin_client, page.admin_url), max(3, repeats // 4))
        result.admin_ms = statistics.median(admin_times)
        result.admin_queries = _queries(admin_client, page.admin_url)
    return result


def _prepare_dashboard(client: Client, url: str) -> None:
    """The dashboard reads a snapshot computed in the background: compute it once, as the beat
    would, before timing the page people see."""
    from repat.reports import actions
    from repat.reports.models import DashboardSnapshot

    _get(client, url)
    for key in DashboardSnapshot.objects.filter(computed_at__isnull=True).values_list("key", flat=True):
        actions.dashboard_refresh(key=key)


def admin_superuser() -> User:
    user, _ = User.objects.get_or_create(
        username="bench-admin-site",
        defaults={"is_staff": True, "is_superuser": True, "role": User.Role.ADMINISTRATOR},
    )
    return user


def sweep() -> dict[str, float]:
    """The reminder sweep over the whole database, twice, from a state where nothing was reminded
    yet (the sweep's reminders are deleted first: the benchmark database is its own): the first
    finds and queues everything due, the second finds the same items and queues nothing new."""
    from repat.core.models import Lease
    from repat.reminders import actions
    from repat.reminders.models import Reminder

    Reminder.objects.exclude(stage=Reminder.Stage.EVENT).delete()
    Lease.objects.filter(name="reminder-sweep").delete()
    today = timezone.localdate()
    timings = {}
    for label in ("first", "second"):
        started = time.perf_counter()
        outcome = actions.sweep(today=today)
        timings[f"{label}_s"] = time.perf_counter() - started
        timings[f"{label}_items"] = outcome.items
        timings[f"{label}_created"] = outcome.created
    return timings


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            kb = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        database = cursor.fetchone()[0].split(" on ")[0]
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {database}; Python {platform.python_version()}; "
        f"Django {__import__('django').get_version()}"
    )


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - a developer tool
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(results: list[Result]) -> str:
    lines = [
        "| Page | Role | Queries | Median ms | p95 ms | Raw SQL ms | Lean floor ms | × floor "
        "| Admin ms (queries) | Admin ÷ page | Targets |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        floor_ratio = f"{r.median_ms / r.floor_ms:.1f}" if r.floor_ms else "—"
        admin = f"{r.admin_ms:.0f} ({r.admin_queries})" if r.admin_ms is not None else "—"
        admin_ratio = f"{r.admin_ms / r.median_ms:.0f}×" if r.admin_ms is not None else "—"
        missed = r.misses()
        lines.append(
            f"| {r.page.name} | {r.page.role} | {r.queries} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {_ms(r.raw_ms)} "
            f"| {_ms(r.floor_ms)} | {floor_ratio} | {admin} | {admin_ratio} | {'; '.join(missed) or 'met'} |"
        )
    return "\n".join(lines)


def write_section(path, name: str, text: str) -> None:
    """Replace one section of docs/benchmarks.md (between its markers), keeping the others: the
    page benchmark and the load test are run separately."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    try:
        with open(path, encoding="utf-8") as existing:
            content = existing.read()
    except FileNotFoundError:
        content = "# Benchmarks\n\nHow to rerun them: see the end of README.md.\n"
    if start in content and end in content:
        before, rest = content.split(start, 1)
        content = before + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip() + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as out:
        out.write(content)


def load_people(count: int) -> list[dict]:
    """People for the load test, of every role in the proportions a programme has (mostly social
    workers), each with their signed-in session and the pages they open: what locustfile.py reads."""
    shares = {
        User.Role.SOCIAL_WORKER: 0.5,
        User.Role.COORDINATOR: 0.15,
        User.Role.SUPERVISOR: 0.15,
        User.Role.ADMINISTRATOR: 0.05,
        User.Role.PROVIDER: 0.15,
    }
    labels = {
        User.Role.SOCIAL_WORKER: "social worker",
        User.Role.COORDINATOR: "coordinator",
        User.Role.SUPERVISOR: "supervisor",
        User.Role.ADMINISTRATOR: "administrator",
        User.Role.PROVIDER: "provider staff",
    }
    chosen = []
    for role, share in shares.items():
        wanted = max(1, round(count * share))
        candidates = User.objects.filter(role=role, is_active=True)
        if role == User.Role.SOCIAL_WORKER:
            candidates = candidates.filter(pk__in=Case.objects.values("worker"))
        elif role == User.Role.PROVIDER:
            candidates = candidates.filter(pk__in=ProviderStaff.objects.values("user"))
        chosen += [(labels[role], user) for user in candidates.order_by("?")[:wanted]]
    people = []
    for label, user in chosen:
        own = signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
        entries = []
        for page in pages({label: user}):
            session = own
            if page.kind == DASHBOARD:
                _prepare_dashboard(signed_in_client(user), page.url)
            if page.session:  # a search is kept in a session: give it one of its own
                client = signed_in_client(user)
                stored = client.session
                stored.update(page.session)
                stored.save()
                session = client.cookies[settings.SESSION_COOKIE_NAME].value
            entries.append((page.name, page.url, session))
        people.append({"role": label, "cookie": settings.SESSION_COOKIE_NAME, "pages": entries})
    return people
