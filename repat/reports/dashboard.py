"""The dashboard's figures, labelled in the reader's language, each with a link to the list behind
it. Lists apply their own need-to-know, so a link never shows more than its figure counted."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case
from repat.accounts.models import Region
from services.models import Referral, ServiceCategory

from .documents import band_label, indicator_label
from .selectors import AGE_BANDS, SEXES, Scope

STATUS_COLUMNS = ("submitted", "assigned", "accepted", "in_progress", "completed", "declined")
DASHBOARD_INDICATORS = (
    "children",
    "core_documents",
    "guardianship",
    "relatives",
    "institution",
    "school_age",
    "school_enrolled",
    "psychosocial",
    "approved_plan",
    "benefits",
    "kinship_verified",
)

# How many social workers the dashboard lists (the busiest); the caseload filters show the rest.
DASHBOARD_WORKERS = 20


def _link(name: str, scope: Scope, **params) -> str:
    base = {"region": scope.region, "operation": scope.operation}
    query = {key: value for key, value in {**base, **params}.items() if value not in (None, "")}
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def present(figures: dict, scope: Scope, *, caseload_limit: int) -> dict:
    caseload, services = figures["caseload"], figures["services"]
    statuses = [(code, label) for code, label in Case.Status.choices if code != Case.Status.CLOSED]
    risks = Case.Risk.choices
    counts = {(status, risk): n for status, risk, n in caseload["by_status_risk"]}
    status_rows = [
        {
            "label": label,
            "cells": [
                {"n": counts.get((code, risk), 0), "url": _link("cases:caseload", scope, status=code, risk_level=risk)}
                for risk, _label in risks
            ],
            "total": sum(counts.get((code, risk), 0) for risk, _label in risks),
            "url": _link("cases:caseload", scope, status=code),
        }
        for code, label in statuses
    ]
    region_names = {
        r.pk: r.localized_name for r in Region.objects.filter(pk__in=[r for r, _n in caseload["by_region"]])
    }
    categories = {c.pk: c.localized_name for c in ServiceCategory.objects.all()}
    by_category: dict[int, dict[str, int]] = {}
    for category, status, n in services["by_category"]:
        by_category.setdefault(category, {})[status] = n
    status_labels = dict(Referral.Status.choices)
    indicators = figures["indicators"]
    # The busiest first, a screenful of them: a country has two thousand workers.
    busiest = sorted(caseload["by_worker"], key=lambda row: (-row[2], row[1]))[:DASHBOARD_WORKERS]
    return {
        "work_due": [
            (
                _("Overdue follow-ups"),
                figures["work_due"]["overdue_follow_ups"],
                _link("cases:caseload", scope, overdue="on"),
            ),
            (
                _("Overdue referrals"),
                figures["work_due"]["overdue_referrals"],
                _link("services:queue", scope, overdue="on"),
            ),
            (_("Escalations"), figures["work_due"]["escalations"], reverse("reminders:escalations")),
            (
                _("Approvals waiting"),
                figures["work_due"]["pending_approvals"],
                _link("approvals:queue", scope, status="pending"),
            ),
        ],
        "risk_labels": [label for _code, label in risks],
        "status_rows": status_rows,
        "open_total": sum(row["total"] for row in status_rows),
        "unassigned": caseload["unassigned"],
        "unassigned_url": _link("cases:caseload", scope, unassigned="on", hide_closed="on"),
        "regions": [
            (region_names.get(region, "—"), n, _link("cases:caseload", scope, region=region, hide_closed="on"))
            for region, n in sorted(caseload["by_region"], key=lambda row: -row[1])
        ],
        "workers": [
            {
                "name": name,
                "n": n,
                "high": high,
                "over": n > caseload_limit,
                "url": _link("cases:caseload", scope, worker=worker, hide_closed="on"),
            }
            for worker, name, n, high in busiest
        ],
        "more_workers": len(caseload["by_worker"]) - len(busiest),
        "caseload_limit": caseload_limit,
        "status_columns": [(code, status_labels[code]) for code in STATUS_COLUMNS],
        "categories": [
            {
                "label": categories.get(category, "—"),
                "cells": [
                    (
                        per_status.get(code, 0),
                        _link("services:queue", scope, category=category, status=code, **_period(scope)),
                    )
                    for code in STATUS_COLUMNS
                ],
                "total": sum(per_status.values()),
                "rate": _rate(per_status.get("completed", 0), sum(per_status.values())),
                "url": _link("services:queue", scope, category=category, **_period(scope)),
            }
            for category, per_status in sorted(by_category.items(), key=lambda item: categories.get(item[0], ""))
        ],
        "providers": [
            {
                "name": name,
                "total": total,
                "completed": completed,
                "rate": _rate(completed, total),
                "to_accept": to_accept,
                "to_complete": to_complete,
                "url": _link("services:queue", scope, provider=provider, **_period(scope)),
            }
            for provider, name, total, completed, to_accept, to_complete in services["providers"]
        ],
        "indicators": [
            (
                indicator_label(key),
                indicators[key],
                _link("cases:caseload", scope, indicator=key, on=scope.end.isoformat()),
            )
            for key in DASHBOARD_INDICATORS
        ],
        "returnees": indicators["returnees"],
        "median_days": indicators["median_days_to_family"],
        "population": [
            (band_label(band), [figures["population"][sex][band] for sex in SEXES])
            for band in [band for band, *_rest in AGE_BANDS] + ["unknown"]
        ],
        "charts": {
            "caseload": {
                "labels": [label for _code, label in statuses],
                "datasets": [
                    {"label": str(label), "data": [counts.get((code, risk), 0) for code, _l in statuses]}
                    for risk, label in risks
                ],
            },
            "monthly": _monthly(figures["monthly"]),
            "categories": {
                "labels": [categories.get(category, "—") for category in sorted(by_category, key=categories.get)],
                "datasets": [
                    {
                        "label": str(status_labels[code]),
                        "data": [by_category[c].get(code, 0) for c in sorted(by_category, key=categories.get)],
                    }
                    for code in ("submitted", "assigned", "in_progress", "completed")
                ],
            },
        },
    }


def _period(scope: Scope) -> dict:
    """The services figures count referrals made in the period; their lists must too."""
    return {"since": scope.start.isoformat(), "until": scope.end.isoformat()}


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _monthly(monthly: dict) -> dict:
    months = sorted({m for m, _n in monthly["arrivals"]} | {m for m, _n in monthly["services_completed"]})
    arrivals, completed = dict(monthly["arrivals"]), dict(monthly["services_completed"])
    return {
        "labels": months,
        "datasets": [
            {"label": _("Arrivals"), "data": [arrivals.get(m, 0) for m in months]},
            {"label": _("Services completed"), "data": [completed.get(m, 0) for m in months]},
        ],
    }
