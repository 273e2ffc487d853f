"""Every URL pattern of the site, and how the attack suite reaches it: the object it targets in a
world's region (`Side`), the arguments of its URL and a valid POST body. A pattern the site has and
this inventory lacks fails tests/security/test_url_inventory.py: a new view forces a decision here.

`kind` says what a pattern is about:
  "object": one object of a region (its pk is in the URL): need-to-know applies region by region;
  "page":   no object in the URL (lists, forms, queues): what it shows is checked against the world;
  "self":   the signed-in user's own account (two-factor, password, language);
  "public": reachable without signing in;
  "api":    an API endpoint about one object of a region (tests/security/test_api.py tries it with
            every role's token): need-to-know applies region by region, as for "object";
  "api_reference": an API endpoint about one object of the reference data (services, providers),
            the same for every region;
  "api_page": an API endpoint without an object (lists, indicators, the schema).
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from services.models import ServiceType
from tests.factories import image_bytes

# Not part of the product's pages: Django's admin site (its own staff checks) and static files
# (served by WhiteNoise, no URL pattern).
EXCLUDED_NAMESPACES = ("admin",)
# Reachable without signing in: the login page, choosing the language on it, and the site's icon
# (a redirect to a static file).
PUBLIC = ("accounts:login", "accounts:set_language", "favicon")


def walk(resolver=None, namespace: str = "") -> list[tuple[str, str]]:
    """(namespace:name, route) of every pattern, nested namespaces included."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            found += [(name, f"{pattern.pattern}{route}") for name, route in walk(pattern, inner)]
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            found.append((name, str(pattern.pattern)))
    return found


def site_patterns() -> dict[str, str]:
    """The patterns the suite must cover: everything but the excluded namespaces."""
    return {
        name: route
        for name, route in walk()
        if name.split(":", 1)[0] not in EXCLUDED_NAMESPACES and name != "set_language"  # django.conf.urls.i18n
    }


def today() -> str:
    return timezone.localdate().isoformat()


def in_days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def token() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Route:
    name: str
    kind: str = "object"
    # Attribute of `Side` the URL is about (None: no object).
    target: str | None = None
    # The URL's arguments from the target object (default: its pk).
    args: Callable | None = None
    # A valid POST body: f(side, user, world) -> dict. A role allowed to POST gets its write done.
    post: Callable | None = None
    # Variant label when one pattern is reached in several ways (a referral step, an approval kind).
    variant: str = ""
    # The write method of an API route (POST, or PATCH with If-Match for an update).
    method: str = "post"

    @property
    def label(self) -> str:
        return f"{self.name}/{self.variant}" if self.variant else self.name

    def url(self, side=None) -> str:
        if self.target is None:
            return reverse(self.name)
        obj = getattr(side, self.target)
        return reverse(self.name, args=self.args(obj) if self.args else [obj.pk])

    def data(self, side, user, world) -> dict:
        return self.post(side, user, world) if self.post else {}


def counselling() -> int:
    return ServiceType.objects.get(code="individual-counselling").pk


def returnee_form(side, **extra) -> dict:
    return {
        "family_name": "Nurlanova",
        "given_name": "Asel",
        "sex": "female",
        "date_of_birth": "2016-04-02",
        "date_of_birth_precision": "month",
        "operation": side.returnee.operation_id,
        "arrival_date": "2023-02-10",
        "citizenship_status": "pending",
        "region": side.region.pk,
        **extra,
    }


def family_form(side, **extra) -> dict:
    """A mother and one child registered together (the family form's prefixes)."""
    return {
        "shared-operation": side.returnee.operation_id,
        "shared-arrival_date": "2023-02-10",
        "shared-citizenship_status": "pending",
        "shared-region": side.region.pk,
        "carer-family_name": "Nurlanova",
        "carer-given_name": "Gulnara",
        "carer-sex": "female",
        "carer-date_of_birth": "1990-01-01",
        "carer-date_of_birth_precision": "year",
        "carer-relationship": "mother",
        "carer-is_head": "on",
        "child-TOTAL_FORMS": "1",
        "child-INITIAL_FORMS": "0",
        "child-0-family_name": "Nurlanov",
        "child-0-given_name": "Timur",
        "child-0-sex": "male",
        "child-0-date_of_birth": "2019-06-01",
        "child-0-date_of_birth_precision": "exact",
        "child-0-relationship": "child",
        "risk_level": "medium",
        "worker": side.worker.pk,
        "form_token": token(),
        **extra,
    }


def step(action: str, target: str, expected: str, **body) -> Route:
    return Route(
        "services:referral_step",
        target=target,
        args=lambda referral: [referral.pk, action],
        post=lambda side, user, world: {"expected_status": expected, **body},
        variant=action,
    )


def approval_request(kind: str, target: str, **body) -> Route:
    return Route(
        "approvals:request",
        target=target,
        args=lambda obj: [kind, obj.pk],
        post=lambda side, user, world: {"comment": "Please approve.", **body},
        variant=kind,
    )


def api_step(action: str, target: str, expected: str, **body) -> Route:
    return Route(
        "api:referral-step",
        kind="api",
        target=target,
        args=lambda referral: [referral.pk, action],
        post=lambda side, user, world: {"expected_status": expected, **body},
        variant=action,
    )


API_ROUTES: tuple[Route, ...] = (
    Route("api:returnee-list", kind="api_page"),
    Route("api:returnee-detail", kind="api", target="returnee"),
    Route(
        "api:returnee-detail",
        kind="api",
        target="returnee",
        post=lambda s, u, w: {"locality": "Tokmok, Lenin street"},
        method="patch",
        variant="patch",
    ),
    Route(
        "api:returnee-documents",
        kind="api",
        target="returnee",
        post=lambda s, u, w: {"kind": "national_id", "status": "missing"},
    ),
    Route("api:family-list", kind="api_page"),
    Route("api:family-detail", kind="api", target="family"),
    Route("api:case-list", kind="api_page"),
    Route("api:case-detail", kind="api", target="case"),
    Route(
        "api:case-detail",
        kind="api",
        target="case",
        post=lambda s, u, w: {"risk_reason": "Settled with the grandmother."},
        method="patch",
        variant="patch",
    ),
    Route(
        "api:case-notes",
        kind="api",
        target="case",
        post=lambda s, u, w: {"contact_date": today(), "kind": "home_visit", "summary": "Visit."},
    ),
    Route(
        "api:case-tasks",
        kind="api",
        target="case",
        post=lambda s, u, w: {"description": "Visit the school.", "due_date": in_days(2), "assigned_to": u.pk},
    ),
    Route(
        "api:case-referrals",
        kind="api",
        target="case",
        post=lambda s, u, w: {"service_type": counselling(), "reason": "Needs help.", "shares_data": False},
    ),
    Route("api:note-list", kind="api_page"),
    Route("api:note-detail", kind="api", target="note"),
    Route("api:document-list", kind="api_page"),
    Route("api:document-detail", kind="api", target="document"),
    Route(
        "api:document-detail",
        kind="api",
        target="document",
        post=lambda s, u, w: {"notes": "Asked again."},
        method="patch",
        variant="patch",
    ),
    Route("api:document-transition", kind="api", target="document", post=lambda s, u, w: {"status": "requested"}),
    Route("api:task-list", kind="api_page"),
    Route("api:task-detail", kind="api", target="task"),
    Route("api:task-done", kind="api", target="task"),
    Route("api:referral-list", kind="api_page"),
    Route("api:referral-detail", kind="api", target="referral"),
    api_step("accept", "referral", "assigned", comment="First session on Monday."),
    api_step("cancel", "referral", "assigned", reason="No longer needed."),
    api_step("revoke", "referral", "assigned", reason="Data must not go there."),
    Route(
        "api:referral-step",
        kind="api",
        target="submitted",
        args=lambda referral: [referral.pk, "assign"],
        post=lambda s, u, w: {"expected_status": "submitted", "provider": s.provider.pk},
        variant="assign",
    ),
    api_step("override", "submitted", "submitted", reason="The mother cannot be reached."),
    Route("api:reminder-list", kind="api_page"),
    Route("api:reminder-detail", kind="api", target="reminder"),
    Route("api:service-type-list", kind="api_page"),
    Route(
        "api:service-type-detail",
        kind="api_reference",
        target="provider",
        args=lambda provider: [provider.service_types.first().pk],
    ),
    Route("api:provider-list", kind="api_page"),
    Route("api:provider-detail", kind="api_reference", target="provider"),
    Route("api:indicators", kind="api_page"),
    Route("api:schema", kind="api_page"),
)

ROUTES: tuple[Route, ...] = (
    # --- cases
    Route("cases:caseload", kind="page"),
    Route("cases:search", kind="page"),
    Route("cases:caseload_export", kind="page"),
    Route("cases:search_export", kind="page"),
    Route("cases:family_export", target="family"),
    Route(
        "cases:case_detail",
        target="case",
        post=lambda s, u, w: {
            "contact_date": today(),
            "kind": "home_visit",
            "summary": "Visit.",
            "form_token": token(),
        },
    ),
    Route("cases:case_summary", target="case"),
    Route("cases:case_summary_pdf", target="case"),
    Route(
        "cases:case_update",
        target="case",
        post=lambda s, u, w: {
            "status": "active",
            "risk_level": "low",
            "risk_reason": "Settled.",
            "next_follow_up": in_days(7),
            "worker": s.worker.pk,
            "version": "",
        },
    ),
    Route(
        "cases:returnee_register",
        kind="page",
        post=lambda s, u, w: returnee_form(
            s,
            new_family_name="Nurlanovs",
            relationship="child",
            risk_level="medium",
            worker=s.worker.pk,
            form_token=token(),
        ),
    ),
    Route("cases:family_register", kind="page", post=lambda s, u, w: family_form(s, new_family_name="Nurlanovs")),
    Route("cases:family_register_into", target="family", post=lambda s, u, w: family_form(s, family=s.family.pk)),
    Route("cases:returnee_detail", target="returnee"),
    Route(
        "cases:returnee_update",
        target="returnee",
        post=lambda s, u, w: returnee_form(s, family_name="Renamed", version=""),
    ),
    Route(
        "cases:family_detail",
        target="family",
        post=lambda s, u, w: {
            "full_name": "Grandmother",
            "relationship": "grandparent",
            "whereabouts": "household",
            "form_token": token(),
        },
    ),
    Route(
        "cases:document_create",
        target="returnee",
        post=lambda s, u, w: {"kind": "national_id", "status": "missing", "form_token": token()},
    ),
    Route(
        "cases:document_update",
        target="document",
        post=lambda s, u, w: {"kind": "birth_certificate", "notes": "Asked again.", "form_token": token()},
    ),
    Route("cases:document_transition", target="document", post=lambda s, u, w: {"status": "requested", "on": today()}),
    Route(
        "cases:consent_create",
        target="returnee",
        post=lambda s, u, w: {
            "purpose": "services",
            "giver": f"member:{s.relative.pk}",
            "given_on": today(),
            "form_token": token(),
        },
    ),
    Route("cases:consent_withdraw", target="consent", post=lambda s, u, w: {"on": today(), "reason": "Changed mind."}),
    Route(
        "cases:kinship_create",
        target="returnee",
        post=lambda s, u, w: {
            "relative": s.relative.pk,
            "claimed_relationship": "mother",
            "laboratory": "Lab",
            "sample_date": today(),
            "form_token": token(),
        },
    ),
    Route("cases:kinship_result", target="kinship", post=lambda s, u, w: {"result": "match", "reported_on": today()}),
    Route(
        "cases:care_create",
        target="returnee",
        post=lambda s, u, w: {
            "kind": "grandparents",
            "caregiver_name": "Grandfather",
            "placement_date": today(),
            "form_token": token(),
        },
    ),
    Route(
        "cases:assessment_create",
        target="case",
        post=lambda s, u, w: {
            "kind": "educational",
            "status": "completed",
            "assessed_on": today(),
            "form_token": token(),
        },
    ),
    Route(
        "cases:assessment_update",
        target="assessment",
        post=lambda s, u, w: {
            "kind": "psychosocial",
            "status": "completed",
            "assessed_on": today(),
            "findings": "Sleeps better.",
            "form_token": token(),
        },
    ),
    Route("cases:plan", target="case"),
    Route("cases:plan_start", target="case"),
    Route("cases:plan_detail", target="plan"),
    Route(
        "cases:goal_create",
        target="plan",
        post=lambda s, u, w: {
            "domain": "health",
            "goal": "See a dentist",
            "status": "not_started",
            "form_token": token(),
        },
    ),
    Route(
        "cases:goal_update",
        target="goal",
        post=lambda s, u, w: {"domain": "education", "goal": "Grade 4", "status": "in_progress", "form_token": token()},
    ),
    Route(
        "cases:goal_progress",
        target="goal",
        post=lambda s, u, w: {"written_on": today(), "text": "Reads well.", "form_token": token()},
    ),
    Route(
        "cases:transfer_create",
        target="case",
        post=lambda s, u, w: {
            "to_region": s.region.pk,
            "to_worker": s.colleague.pk,
            "reason": "Caseload balance.",
            "form_token": token(),
        },
    ),
    Route("cases:transfers", kind="page"),
    Route(
        "cases:task_create",
        target="case",
        post=lambda s, u, w: {
            "description": "Visit the school.",
            "due_date": in_days(2),
            "assigned_to": u.pk,
            "form_token": token(),
        },
    ),
    Route("cases:task_done", target="task"),
    Route("cases:transfer_decide", target="transfer", post=lambda s, u, w: {"decision": "decline", "comment": "No."}),
    Route("cases:transfer_cancel", target="transfer"),
    Route("cases:attachment_download", target="attachment"),
    Route("cases:returnee_photo", target="returnee"),
    Route(
        "cases:returnee_photo_edit",
        target="returnee",
        post=lambda s, u, w: {"photo": SimpleUploadedFile("photo.png", image_bytes("PNG", (12, 9)))},
    ),
    Route("cases:returnee_photo_remove", target="returnee"),
    Route(
        "cases:duplicate_decide",
        target="duplicate",
        post=lambda s, u, w: {"decision": "different", "reason": "Different mothers."},
    ),
    Route(
        "cases:restricted_section",
        target="returnee",
        post=lambda s, u, w: {"charges": "Changed.", "security_notes": "Changed too."},
    ),
    # The supervisor merges the returnee into the other case of the side (`moving`), kept.
    Route(
        "cases:returnee_merge",
        target="returnee",
        post=lambda s, u, w: {"other": s.moving.returnee.pk, "keep": "other", "reason": "Registered twice."},
    ),
    Route("cases:merge_undo", target="merge", post=lambda s, u, w: {"reason": "Two people after all."}),
    Route(
        "cases:emergency_access",
        kind="page",
        post=lambda s, u, w: {
            "case_number": w.other(s).returnee.case_number,
            "reason": "The child was found alone at the bus station tonight.",
        },
    ),
    # --- services
    Route("services:queue", kind="page"),
    Route("services:queue_export", kind="page"),
    Route(
        "services:bulk_assign",
        kind="page",
        post=lambda s, u, w: {"referrals": [s.submitted.pk], "provider": s.provider.pk},
    ),
    Route("services:referral_detail", target="referral"),
    step("accept", "referral", "assigned", comment="First session on Monday."),
    step("cancel", "referral", "assigned", reason="No longer needed."),
    step("revoke", "referral", "assigned", reason="Data must not go there."),
    Route(
        "services:referral_step",
        target="submitted",
        args=lambda referral: [referral.pk, "assign"],
        post=lambda s, u, w: {"expected_status": "submitted", "provider": s.provider.pk},
        variant="assign",
    ),
    step("override", "submitted", "submitted", reason="The mother cannot be reached."),
    Route(
        "services:referral_create",
        target="case",
        post=lambda s, u, w: {
            "service_type": counselling(),
            "reason": "Needs help.",
            "urgency": "routine",
            "submit_now": "on",
            "form_token": token(),
        },
    ),
    Route("services:providers", kind="page"),
    Route("services:consent_overrides", kind="page"),
    # --- reminders
    Route("reminders:list", kind="page"),
    Route("reminders:list_export", kind="page"),
    Route("reminders:escalations", kind="page"),
    Route("reminders:open", target="reminder"),
    Route("reminders:mark_all_read", kind="page"),
    Route("reminders:snooze", target="reminder", post=lambda s, u, w: {"until": in_days(1)}),
    Route("reminders:done", target="reminder"),
    # --- approvals
    Route("approvals:queue", kind="page"),
    Route("approvals:queue_export", kind="page"),
    Route("approvals:approve_selected", kind="page", post=lambda s, u, w: {"approval": [s.approval.pk]}),
    Route("approvals:detail", target="approval", post=lambda s, u, w: {"decision": "approve", "comment": "Fine."}),
    Route("approvals:withdraw", target="approval"),
    approval_request("assessment", "assessment"),
    approval_request("plan", "plan"),
    approval_request("closure", "case", closure_reason="reintegrated"),
    approval_request("consent_override", "submitted", comment="The mother cannot be reached."),
    # --- today
    Route("today:home", kind="page"),
    # --- reports
    Route("reports:dashboard", kind="page"),
    Route("reports:report_list", kind="page"),
    Route(
        "reports:report_create",
        kind="page",
        post=lambda s, u, w: {
            "period_start": in_days(-90),
            "period_end": today(),
            "language": "en",
            "region": s.region.pk,
            "summary": "Quarter.",
        },
    ),
    Route("reports:report_detail", target="report", post=lambda s, u, w: {"summary": "New text."}),
    Route("reports:report_download", target="report", args=lambda report: [report.pk, "pdf"], variant="pdf"),
    Route("reports:report_download", target="report", args=lambda report: [report.pk, "xlsx"], variant="xlsx"),
    # --- cases: manifest import (issue 16)
    Route(
        "cases:manifest_list",
        kind="page",
        post=lambda s, u, w: {
            "file": SimpleUploadedFile("list.csv", b"given_name,sex\nKanykei,F\n"),
            "region": s.region.pk,
        },
    ),
    Route("cases:manifest_template", kind="page"),
    Route("cases:manifest_detail", target="manifest"),
    Route(
        "cases:manifest_map",
        target="manifest",
        post=lambda s, u, w: {
            "given_name": "given_name",
            "family_name": "family_name",
            "sex": "sex",
            "birth_date": "birth_date",
            "operation": "operation",
            "region": "region",
        },
    ),
    Route("cases:manifest_commit", target="manifest", post=lambda s, u, w: {}),
    Route("cases:manifest_file", target="manifest"),
    # --- audit
    Route("audit:search", kind="page"),
    Route("audit:verify", kind="page"),
    # --- accounts: the user's own account
    Route("accounts:login", kind="public"),
    Route("favicon", kind="public"),
    Route("accounts:set_language", kind="public", post=lambda s, u, w: {"language": "ru"}),
    Route("accounts:logout", kind="self"),
    Route("accounts:two_factor", kind="self"),
    Route("accounts:two_factor_verify", kind="self"),
    Route("accounts:two_factor_setup", kind="self"),
    Route("accounts:recovery_codes", kind="self"),
    Route("accounts:recovery_codes_renew", kind="self"),
    Route("accounts:two_factor_disable", kind="self"),
    Route("accounts:confirm_password", kind="self"),
    Route("accounts:password_change", kind="self"),
    Route("accounts:password_changed", kind="self"),
    # The account's own API tokens (the key shown once), and the API's interactive documentation
    Route("api:tokens", kind="self"),
    Route("api:token_revoke", kind="self"),
    Route("api:docs", kind="page"),
    Route("api:redoc", kind="page"),
    # --- the API (tests/security/test_api.py): JSON bodies, a token per role
    *API_ROUTES,
)

BY_LABEL = {route.label: route for route in ROUTES}


def routes(*kinds: str) -> list[Route]:
    return [route for route in ROUTES if not kinds or route.kind in kinds]
