"""Which pages to time, as whom: the representative user of each role, each page they open most,
and the rows each page displays (for the raw SQL and lean-floor comparisons)."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.urls import reverse

from cases import permissions as case_permissions
from cases import selectors as case_selectors
from cases.filters import SORTS
from cases.models import Case, FamilyMember, Returnee
from cases.search import ranked_returnee_ids
from cases.views import SEARCH_KEY
from repat.accounts.models import User
from repat.approvals import permissions as approval_permissions
from repat.devtools import name_variants
from repat.devtools.scale.naming import latin
from repat.reminders import selectors as reminder_selectors
from services import permissions as service_permissions
from services.models import ProviderStaff, Referral

LIST, DETAIL, DASHBOARD = "list", "detail", "dashboard"


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


def people_searches(returnee: Returnee | None) -> list[tuple[str, str]]:
    """What people type into the top bar's box, for a person the user may see: the name in another
    script (passport Latin, given name first), the family name with a letter slipped and the given
    name, and the case number."""
    if returnee is None:
        return [("a name", "Aisha Alieva")]
    slipped = name_variants.typo(returnee.family_name or returnee.given_name, random.Random(returnee.pk))  # noqa: S311
    return [
        ("Latin for Cyrillic", latin(f"{returnee.given_name} {returnee.family_name}").upper()),
        ("a typo", f"{slipped} {returnee.given_name}"),
        ("a case number", returnee.case_number),
    ]


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
            for label, text in people_searches(case.returnee if case else None):
                result.append(
                    Page(
                        f"People search: {label}",
                        LIST,
                        role,
                        user,
                        reverse("cases:search") + "?" + urlencode({"q": text}),
                    )
                )
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
        cases = cases.filter(returnee_id__in=ranked_returnee_ids(user, word))
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
