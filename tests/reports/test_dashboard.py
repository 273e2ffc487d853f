"""The dashboard's figures as shown: labelled in the reader's language, each with the link to the
list behind it, keeping the region and operation chosen."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from repat.reports.dashboard import DASHBOARD_INDICATORS, present
from repat.reports.selectors import INDICATOR_KEYS, Scope
from services.models import ServiceCategory
from tests.factories import UserFactory
from tests.services.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def query(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


@pytest.fixture
def category():
    return {c.code: c.pk for c in ServiceCategory.objects.all()}


@pytest.fixture
def figures(chuy, osh, category):
    worker = UserFactory(username="worker-x")
    provider = ProviderFactory(name="Ak-Bata Family Centre")
    return {
        "caseload": {
            "by_status_risk": [["open", "high", 3], ["active", "low", 2], ["monitoring", "medium", 1]],
            "by_region": [[chuy.pk, 4], [osh.pk, 2]],
            "by_worker": [[worker.pk, "Айбек Осмонов", 3, 2], [worker.pk + 1, "Гулзат Асанова", 2, 0]],
            "unassigned": 1,
        },
        "work_due": {"overdue_follow_ups": 4, "overdue_referrals": 3, "escalations": 2, "pending_approvals": 1},
        "services": {
            "by_category": [
                [category["mhpss"], "completed", 3],
                [category["mhpss"], "submitted", 1],
                [category["education"], "assigned", 2],
            ],
            "providers": [
                [provider.pk, "Ak-Bata Family Centre", 4, 3, 2.5, 11.0],
                [provider.pk + 1, "Umut", 2, 0, None, None],
            ],
        },
        "indicators": {key: n for n, key in enumerate(INDICATOR_KEYS)}
        | {"returnees": 40, "median_days_to_family": 21.5},
        "population": {
            "female": {"0-4": 1, "5-11": 2, "12-17": 3, "18+": 4, "unknown": 5},
            "male": {"0-4": 6, "5-11": 7, "12-17": 8, "18+": 9, "unknown": 0},
        },
        "monthly": {"arrivals": [["2025-01", 3], ["2025-03", 1]], "services_completed": [["2025-02", 2]]},
    }


# The services figures count referrals made in the period, so their links carry it.
PERIOD = {"since": "2025-01-01", "until": "2025-06-30"}


@pytest.fixture
def scope(chuy):
    return Scope(regions=(chuy.pk,), start=datetime.date(2025, 1, 1), end=datetime.date(2025, 6, 30))


def test_work_due_links_to_the_lists_of_the_work(figures, scope):
    shown = present(figures, scope, caseload_limit=25)["work_due"]
    assert [(label, n) for label, n, _url in shown] == [
        ("Overdue follow-ups", 4),
        ("Overdue referrals", 3),
        ("Escalations", 2),
        ("Approvals waiting", 1),
    ]
    assert [query(url) for _label, _n, url in shown] == [
        (reverse("cases:caseload"), {"overdue": "on"}),
        (reverse("services:queue"), {"overdue": "on"}),
        (reverse("reminders:escalations"), {}),
        (reverse("approvals:queue"), {"status": "pending"}),
    ]


def test_caseload_by_status_and_risk_with_totals(figures, scope):
    shown = present(figures, scope, caseload_limit=25)
    assert shown["risk_labels"] == ["Low", "Medium", "High"]
    assert [(row["label"], [cell["n"] for cell in row["cells"]], row["total"]) for row in shown["status_rows"]] == [
        ("Open", [0, 0, 3], 3),
        ("Active", [2, 0, 0], 2),
        ("Monitoring", [0, 1, 0], 1),
    ]
    assert (shown["open_total"], shown["unassigned"]) == (6, 1)
    assert query(shown["status_rows"][0]["cells"][2]["url"]) == (
        reverse("cases:caseload"),
        {"status": "open", "risk_level": "high"},
    )
    assert query(shown["status_rows"][1]["url"]) == (reverse("cases:caseload"), {"status": "active"})


def test_regions_and_workers_link_to_their_open_cases(figures, scope, chuy, osh):
    shown = present(figures, scope, caseload_limit=2)
    assert [(name, n) for name, n, _url in shown["regions"]] == [("Chüy Oblast", 4), ("Osh Oblast", 2)]
    assert query(shown["regions"][1][2]) == (reverse("cases:caseload"), {"region": str(osh.pk), "hide_closed": "on"})
    worker_pk = figures["caseload"]["by_worker"][0][0]
    assert [(w["name"], w["n"], w["high"], w["over"]) for w in shown["workers"]] == [
        ("Айбек Осмонов", 3, 2, True),
        ("Гулзат Асанова", 2, 0, False),
    ]
    assert query(shown["workers"][0]["url"]) == (
        reverse("cases:caseload"),
        {"worker": str(worker_pk), "hide_closed": "on"},
    )
    assert shown["caseload_limit"] == 2


def test_services_by_category_and_provider(figures, scope, category):
    shown = present(figures, scope, caseload_limit=25)
    assert [code for code, _label in shown["status_columns"]] == [
        "submitted",
        "assigned",
        "accepted",
        "in_progress",
        "completed",
        "declined",
    ]
    assert [
        (row["label"], [n for n, _url in row["cells"]], row["total"], row["rate"]) for row in shown["categories"]
    ] == [
        ("Education", [0, 2, 0, 0, 0, 0], 2, 0.0),
        ("Mental health and psychosocial support", [1, 0, 0, 0, 3, 0], 4, 75.0),
    ]
    assert query(shown["categories"][1]["cells"][4][1]) == (
        reverse("services:queue"),
        {"category": str(category["mhpss"]), "status": "completed", **PERIOD},
    )
    assert query(shown["categories"][0]["url"]) == (
        reverse("services:queue"),
        {"category": str(category["education"]), **PERIOD},
    )
    provider_pk = figures["services"]["providers"][0][0]
    assert [(p["name"], p["total"], p["rate"], p["to_accept"], p["to_complete"]) for p in shown["providers"]] == [
        ("Ak-Bata Family Centre", 4, 75.0, 2.5, 11.0),
        ("Umut", 2, 0.0, None, None),
    ]
    assert query(shown["providers"][0]["url"]) == (reverse("services:queue"), {"provider": str(provider_pk), **PERIOD})


def test_indicators_population_and_charts(figures, scope):
    shown = present(figures, scope, caseload_limit=25)
    indicators = {label: (n, url) for label, n, url in shown["indicators"]}
    assert len(indicators) == len(DASHBOARD_INDICATORS)
    assert indicators["Children (under 18)"][0] == figures["indicators"]["children"]
    assert query(indicators["Returnees whose kinship was verified"][1]) == (
        reverse("cases:caseload"),
        {"indicator": "kinship_verified", "on": "2025-06-30"},
    )
    assert (shown["returnees"], shown["median_days"]) == (40, 21.5)
    assert shown["population"] == [
        ("0–4 years", [1, 6]),
        ("5–11 years", [2, 7]),
        ("12–17 years", [3, 8]),
        ("18 and over", [4, 9]),
        ("Age not known", [5, 0]),
    ]
    assert shown["charts"]["monthly"] == {
        "labels": ["2025-01", "2025-02", "2025-03"],
        "datasets": [
            {"label": "Arrivals", "data": [3, 0, 1]},
            {"label": "Services completed", "data": [0, 2, 0]},
        ],
    }
    assert shown["charts"]["caseload"]["datasets"][2] == {"label": "High", "data": [3, 0, 0]}


def test_links_keep_the_region_and_operation_chosen(figures, chuy):
    scope = Scope(
        regions=None, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 6, 30), region=chuy.pk, operation=7
    )
    shown = present(figures, scope, caseload_limit=25)
    assert query(shown["indicators"][0][2])[1] == {
        "indicator": "children",
        "on": "2025-06-30",
        "region": str(chuy.pk),
        "operation": "7",
    }
    assert query(shown["work_due"][3][2])[1] == {"status": "pending", "region": str(chuy.pk), "operation": "7"}


def test_labels_follow_the_readers_language(figures, scope):
    with translation.override("ru"):
        shown = present(figures, scope, caseload_limit=25)
        assert str(shown["status_rows"][0]["label"]) == "Открыто"
        assert shown["categories"][1]["label"] == "Психическое здоровье и психосоциальная поддержка"
