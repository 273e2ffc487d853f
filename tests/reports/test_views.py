"""The dashboard and the progress report pages: figures computed in the background and read from a
snapshot, figures that lead to the list behind them, and downloads on record. Who may open and post
each page, per role, is in test_view_roles.py."""

import datetime
import html
import io
import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pypdf
import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Case
from repat.accounts.models import User
from repat.reports import actions
from repat.reports.models import ProgressReport, ReportExport, ReportSettings
from tests.factories import CaseFactory, OperationFactory, ReturneeFactory, UserFactory
from tests.services.factories import ProviderFactory, ProviderStaffFactory

from .factories import ON, ProgressReportFactory, born_aged, care, core_documents, kinship, person, referral

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%fake report\n"
XLSX = b"PK\x03\x04 fake workbook"


def today() -> datetime.date:
    return timezone.localdate()


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def rows_behind(client, url: str) -> int:
    """How many rows the list at `url` has (over all its pages)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page_obj"].paginator.count


@pytest.fixture
def provider_user(db):
    return ProviderStaffFactory(user__username="provider-a").user


def ready_report(supervisor, chuy):
    """A ready report of Chüy by `supervisor`, with its files."""
    report = ProgressReportFactory(
        created_by=supervisor, region=chuy, status="ready", progress=100, generated_at=timezone.now()
    )
    report.pdf_file.save("ready.pdf", ContentFile(PDF), save=False)
    report.xlsx_file.save("ready.xlsx", ContentFile(XLSX), save=False)
    report.save()
    return report


@pytest.fixture
def ready(supervisor, chuy):
    return ready_report(supervisor, chuy)


@pytest.fixture
def dashboard_with_figures(django_capture_on_commit_callbacks):
    """GET the dashboard once so its snapshot is computed (on commit, by the eager task), then again."""

    def get(client, params=None, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            client.get(reverse("reports:dashboard"), params or {})
        return client.get(reverse("reports:dashboard"), params or {}, headers=headers)

    return get


def test_inactive_supervisor_is_sent_away(supervisor, client_for):
    client = client_for(supervisor)
    supervisor.is_active = False
    supervisor.save()
    assert client.get(reverse("reports:dashboard")).status_code == 302


# --- Dashboard -----------------------------------------------------------------------------------------


def test_dashboard_shows_that_figures_are_computed_then_shows_them(
    supervisor, case, client_for, django_capture_on_commit_callbacks, settings
):
    # given: more cases than a request computes, and no figures of the regions yet
    settings.REPAT_DASHBOARD_SYNC_CASES = 0
    client = client_for(supervisor)

    # when: the first view
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.get(reverse("reports:dashboard"))

    # then: a message, and the fragment polls for the figures
    page = first.content.decode()
    assert "The figures are being computed. This page updates itself when they are ready." in page
    assert 'hx-trigger="every 2s"' in page
    assert first.context["figures"] is None
    assert len(callbacks) == 1

    # when: the refresh runs and the page polls
    callbacks[0]()
    polled = client.get(reverse("reports:dashboard"), headers={"HX-Request": "true"})

    # then: the fragment alone, with the figures and no more polling
    fragment = polled.content.decode()
    assert polled.templates[0].name == "reports/_dashboard_figures.html"
    assert "<html" not in fragment
    assert "hx-trigger" not in fragment
    assert "Figures as of" in fragment
    assert polled.context["figures"]["open_total"] == 1


def test_a_first_view_of_a_small_scope_computes_the_figures_at_once(
    supervisor, case, client_for, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # given: a scope of a few cases (fewer than REPAT_DASHBOARD_SYNC_CASES), never viewed
    client = client_for(supervisor)

    # when: the first view, the background task not run
    with django_capture_on_commit_callbacks(), django_assert_max_num_queries(60):
        first = client.get(reverse("reports:dashboard"))

    # then: the figures, not "being computed"
    page = first.content.decode()
    assert "being computed" not in page
    assert "Figures as of" in page
    assert first.context["figures"]["open_total"] == 1
    assert "hx-trigger" not in page


def test_a_first_view_of_a_large_scope_shows_the_latest_figures_of_the_regions_meanwhile(
    supervisor, case, chuy, client_for, django_capture_on_commit_callbacks, settings
):
    # given: the default twelve months computed earlier, then a large scope asked for
    client = client_for(supervisor)
    with django_capture_on_commit_callbacks():
        client.get(reverse("reports:dashboard"))  # small enough: computed in the request
    settings.REPAT_DASHBOARD_SYNC_CASES = 0
    other_period = {"start": "2024-01-01", "end": "2024-12-31"}

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.get(reverse("reports:dashboard"), other_period)

    # then: those figures, with their own period, saying the others are being computed, polling
    page = first.content.decode()
    assert "The figures you asked for are being computed." in page
    assert 'hx-trigger="every 5s"' in page
    shown = first.context["shown_scope"]
    assert (shown.start, shown.end) != (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
    assert f"Period {shown.start:%d.%m.%Y} – {shown.end:%d.%m.%Y}." in page
    assert first.context["figures"]["open_total"] == 1

    # when: its own figures are ready
    callbacks[0]()
    polled = client.get(reverse("reports:dashboard"), other_period, headers={"HX-Request": "true"})

    # then: they replace the others and the polling stops
    assert "hx-trigger" not in polled.content.decode()
    assert "Period 01.01.2024 – 31.12.2024." in polled.content.decode()


def test_one_case_more_than_the_bound_is_not_computed_in_the_request(
    supervisor, case, client_for, django_capture_on_commit_callbacks, settings
):
    settings.REPAT_DASHBOARD_SYNC_CASES = 0  # one case in scope: one more than the bound
    with django_capture_on_commit_callbacks():
        response = client_for(supervisor).get(reverse("reports:dashboard"))
    assert response.context["figures"] is None


def test_the_dashboard_links_unassigned_cases_to_the_caseload_filter(
    supervisor, chuy, client_for, dashboard_with_figures
):
    person(chuy, worker=None)
    response = dashboard_with_figures(client_for(supervisor))
    url = response.context["figures"]["unassigned_url"]
    assert "unassigned=on" in url and "hide_closed=on" in url
    assert escape(url) in response.content.decode()


def test_dashboard_page_includes_the_figures_fragment(supervisor, case, client_for, dashboard_with_figures):
    response = dashboard_with_figures(client_for(supervisor))
    names = [t.name for t in response.templates]
    assert names[0] == "reports/dashboard.html"
    assert "reports/_dashboard_figures.html" in names
    assert 'id="caseload-table"' in response.content.decode()


def test_refresh_now_goes_back_to_the_same_filters_and_says_so(supervisor, chuy, client_for):
    url = f"{reverse('reports:dashboard')}?region={chuy.pk}"
    response = client_for(supervisor).post(url)
    assert response.status_code == 302
    assert response.url == url
    assert flashed(response) == ["The figures are being recomputed."]


def test_refresh_now_through_the_page_shows_the_new_figures(
    supervisor, case, client_for, chuy, worker, django_capture_on_commit_callbacks, dashboard_with_figures
):
    client = client_for(supervisor)
    dashboard_with_figures(client)
    person(chuy, worker=worker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:dashboard"))
    assert client.get(reverse("reports:dashboard")).context["figures"]["open_total"] == 2


def test_dashboard_filter_errors_show_next_to_the_field(supervisor, client_for):
    tomorrow = today() + datetime.timedelta(days=1)
    response = client_for(supervisor).get(reverse("reports:dashboard"), {"end": tomorrow.strftime("%d.%m.%Y")})
    assert response.status_code == 200
    assert response.context["form"].errors == {"end": ["The period cannot end in the future."]}
    assert response.context["scope"] is None


def test_supervisor_dashboard_never_counts_cases_outside_their_regions(
    supervisor, worker, other_worker, chuy, osh, client_for, dashboard_with_figures
):
    # given: two Chüy cases, and three in Osh (one held by a Chüy worker, one a Chüy-like child)
    for _n in range(2):
        person(chuy, worker=worker, born=born_aged(8))
    person(osh, worker=worker, born=born_aged(8))
    for _n in range(2):
        person(osh, worker=other_worker, born=born_aged(8))

    # when
    figures = dashboard_with_figures(client_for(supervisor)).context["figures"]

    # then
    assert figures["open_total"] == 2
    assert [(name, n) for name, n, _url in figures["regions"]] == [("Chüy Oblast", 2)]
    assert [(w["name"], w["n"]) for w in figures["workers"]] == [(f"Test {worker.last_name}", 2)]
    assert figures["returnees"] == 2
    assert {label: n for label, n, _url in figures["indicators"]}["Children (under 18)"] == 2


def test_supervisor_may_not_look_at_another_region_through_the_filter(
    supervisor, osh, other_worker, client_for, dashboard_with_figures
):
    person(osh, worker=other_worker)
    response = dashboard_with_figures(client_for(supervisor), {"region": osh.pk})
    assert response.context["form"].errors == {
        "region": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert response.context["figures"] is None


def test_administrator_dashboard_counts_every_region(
    administrator, case, other_case, client_for, dashboard_with_figures
):
    figures = dashboard_with_figures(client_for(administrator)).context["figures"]
    assert figures["open_total"] == 2
    assert sorted(n for _name, n, _url in figures["regions"]) == [1, 1]


def test_workers_over_the_caseload_limit_are_highlighted(supervisor, worker, chuy, client_for, dashboard_with_figures):
    # given: a limit of 2, and a worker with 3 open cases next to one with 2
    ReportSettings.objects.update_or_create(pk=1, defaults={"caseload_limit": 2})
    second = UserFactory(username="worker-c", first_name="Гулзат", last_name="Асанова", regions=[chuy])
    for holder, n in ((worker, 3), (second, 2)):
        for _n in range(n):
            person(chuy, worker=holder)

    # when
    response = dashboard_with_figures(client_for(supervisor))

    # then
    assert [(w["name"], w["n"], w["over"]) for w in response.context["figures"]["workers"]] == [
        (f"Test {worker.last_name}", 3, True),
        ("Гулзат Асанова", 2, False),
    ]
    page = response.content.decode()
    assert page.count('class="table-warning over-limit"') == 1
    assert "Highlighted: more than 2 open cases." in page
    assert "over the limit" in page


def test_dashboard_query_count_does_not_grow_with_data(
    supervisor,
    worker,
    chuy,
    client_for,
    dashboard_with_figures,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    # given
    client = client_for(supervisor)
    person(chuy, worker=worker)
    dashboard_with_figures(client)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("reports:dashboard"))
    limit = len(small.captured_queries)  # read now: the next request clears the query log

    # when: many more cases, workers, documents and placements, and the snapshot recomputed
    for n in range(12):
        holder = UserFactory(username=f"worker-{n}", regions=[chuy])
        child = person(chuy, worker=holder, born=born_aged(n + 1), sex="male" if n % 2 else "female")
        care(child, "relatives")
        core_documents(child)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:dashboard"))
    client.get(reverse("reports:dashboard"))  # shows (and clears) the "recomputed" message held in the session

    # then
    with django_assert_max_num_queries(limit):
        response = client.get(reverse("reports:dashboard"))
    assert response.context["figures"]["open_total"] == 13


# --- Figures lead to the lists behind them ----------------------------------------------------------------


@pytest.fixture
def chuy_cases(worker, other_worker, chuy, osh, supervisor):
    """Chüy: open and active cases at every risk, a closed one, an unassigned one; children with
    and without documents and relatives; and Osh cases the supervisor may not see."""
    second = UserFactory(username="worker-c", regions=[chuy])
    cases = []
    for holder, status, risk, born in [
        (worker, "open", "high", born_aged(7, on=today())),
        (worker, "open", "high", born_aged(15, on=today())),
        (worker, "active", "medium", born_aged(30, on=today())),
        (worker, "monitoring", "low", None),
        (second, "open", "high", born_aged(3, on=today())),
        (None, "open", "low", born_aged(12, on=today())),
    ]:
        returnee = person(chuy, worker=holder, born=born)
        Case.objects.filter(returnee=returnee).update(status=status, risk_level=risk)
        cases.append(returnee)
    closed = person(chuy, worker=worker, born=born_aged(10, on=today()))
    Case.objects.filter(returnee=closed).update(
        status="closed", closed_on=today(), closure_reason="moved", risk_level="high"
    )
    core_documents(cases[0])
    core_documents(closed)
    care(cases[1], "relatives")
    care(cases[4], "grandparents")
    for _n in range(2):
        person(osh, worker=other_worker, born=born_aged(7, on=today()))
    return cases


def test_status_and_risk_figures_link_to_caseloads_of_that_many_cases(
    supervisor, chuy_cases, client_for, dashboard_with_figures
):
    # given
    client = client_for(supervisor)
    response = dashboard_with_figures(client)
    figures = response.context["figures"]

    # then: every cell and every row total
    assert [row["total"] for row in figures["status_rows"]] == [4, 1, 1]
    for row in figures["status_rows"]:
        for cell in row["cells"]:
            assert rows_behind(client, cell["url"]) == cell["n"], cell["url"]
        assert rows_behind(client, row["url"]) == row["total"], row["url"]
    high_open = figures["status_rows"][0]["cells"][2]
    assert high_open["n"] == 3
    assert parse_qs(urlsplit(high_open["url"]).query) == {"status": ["open"], "risk_level": ["high"]}
    assert f'<a href="{escape(high_open["url"])}">3</a>' in response.content.decode()


def test_indicator_figures_link_to_caseloads_of_that_many_cases(
    supervisor, chuy_cases, client_for, dashboard_with_figures
):
    # given
    client = client_for(supervisor)
    figures = dashboard_with_figures(client).context["figures"]
    indicators = {label: (n, url) for label, n, url in figures["indicators"]}

    # then
    assert indicators["Children (under 18)"][0] == 5  # four open children and the closed one
    assert indicators["Children with all core documents restored"][0] == 2
    assert indicators["Children placed with relatives"][0] == 2
    for label, (n, url) in indicators.items():
        assert rows_behind(client, url) == n, label


def test_worker_and_region_figures_link_to_caseloads_of_that_many_cases(
    supervisor, worker, chuy_cases, client_for, dashboard_with_figures
):
    # given: the worker also has a closed case, which the dashboard does not count
    client = client_for(supervisor)
    figures = dashboard_with_figures(client).context["figures"]

    # then
    assert [w["n"] for w in figures["workers"]] == [4, 1]
    assert parse_qs(urlsplit(figures["workers"][0]["url"]).query) == {"worker": [str(worker.pk)], "hide_closed": ["on"]}
    for row in figures["workers"]:
        assert rows_behind(client, row["url"]) == row["n"], row["url"]
    for name, n, url in figures["regions"]:
        assert rows_behind(client, url) == n, name


def test_service_figures_link_to_referral_queues_of_that_many_referrals(
    supervisor, chuy_cases, other_case, client_for, dashboard_with_figures
):
    # given: referrals made today in every status, and Osh ones the supervisor may not see
    provider = ProviderFactory(name="Ak-Bata Family Centre")
    overdue = today() - datetime.timedelta(days=1)
    for returnee, code, status, extra in [
        (chuy_cases[0], "individual-counselling", "submitted", {}),
        (chuy_cases[0], "individual-counselling", "assigned", {"accept_due": overdue}),
        (chuy_cases[1], "trauma-care", "accepted", {"accepted": today(), "complete_due": overdue}),
        (chuy_cases[1], "school-enrolment", "completed", {"accepted": today(), "completed": today()}),
        (chuy_cases[2], "school-enrolment", "in_progress", {"accepted": today()}),
        (other_case.returnee, "individual-counselling", "assigned", {"accept_due": overdue}),
        (other_case.returnee, "school-enrolment", "completed", {"completed": today()}),
    ]:
        referral(returnee, code, status, provider=provider, **extra)
    client = client_for(supervisor)

    # when
    figures = dashboard_with_figures(client).context["figures"]

    # then: every category cell, category and provider
    assert [row["total"] for row in figures["categories"]] == [2, 3]
    for row in figures["categories"]:
        for n, url in row["cells"]:
            assert rows_behind(client, url) == n, url
        assert rows_behind(client, row["url"]) == row["total"], row["url"]
    for row in figures["providers"]:
        assert rows_behind(client, row["url"]) == row["total"], row["url"]
    label, n, url = figures["work_due"][1]
    assert (label, n) == ("Overdue referrals", 2)
    assert rows_behind(client, url) == 2


def test_caseload_hide_closed_filter(worker, case, client_for):
    closed = CaseFactory(worker=worker, status="closed", closed_on=today(), closure_reason="moved")
    client = client_for(worker)
    assert set(client.get(reverse("cases:caseload")).context["cases"]) == {case, closed}
    assert list(client.get(reverse("cases:caseload"), {"hide_closed": "on"}).context["cases"]) == [case]
    assert "Hide closed cases" in client.get(reverse("cases:caseload")).content.decode()


def test_the_work_due_figure_for_follow_ups_links_to_that_many_cases(
    supervisor, chuy_cases, client_for, dashboard_with_figures
):
    # given: two follow-ups overdue, one of them on the closed case
    Case.objects.filter(returnee__in=chuy_cases[:1]).update(next_follow_up=today() - datetime.timedelta(days=2))
    Case.objects.filter(status="closed").update(next_follow_up=today() - datetime.timedelta(days=2))
    client = client_for(supervisor)

    # when
    label, n, url = dashboard_with_figures(client).context["figures"]["work_due"][0]

    # then
    assert (label, n) == ("Overdue follow-ups", 1)
    assert rows_behind(client, url) == 1


def test_figure_links_keep_the_region_and_operation_chosen(
    administrator, case, chuy, client_for, dashboard_with_figures
):
    figures = dashboard_with_figures(client_for(administrator), {"region": chuy.pk}).context["figures"]
    _label, _n, url = figures["indicators"][0]
    assert parse_qs(urlsplit(url).query) == {
        "indicator": ["children"],
        "on": [today().isoformat()],
        "region": [str(chuy.pk)],
    }


# --- The caseload's filters from the dashboard ------------------------------------------------------------


def test_caseload_indicator_filter(supervisor, chuy, worker, client_for):
    # given
    child = person(chuy, worker=worker, born=born_aged(9, on=today()))
    adult = person(chuy, worker=worker, born=born_aged(18, on=today()))
    care(child, "grandparents")
    client = client_for(supervisor)

    # when / then
    def cases(indicator):
        return list(client.get(reverse("cases:caseload"), {"indicator": indicator}).context["cases"])

    assert cases("children") == [child.case]
    assert cases("relatives") == [child.case]
    assert cases("institution") == []
    assert set(cases("")) == {child.case, adult.case}


def test_caseload_indicator_counts_on_the_day_given(supervisor, chuy, worker, client_for):
    # given a child placed with relatives a year ago, and one who arrived yesterday
    placed = person(chuy, worker=worker, born=born_aged(9, on=today()))
    care(placed, "grandparents", placed=today() - datetime.timedelta(days=365))
    newcomer = person(chuy, worker=worker, born=born_aged(9, on=today()), arrived=today() - datetime.timedelta(days=1))
    on = (today() - datetime.timedelta(days=30)).isoformat()

    # when the list behind a figure counted 30 days ago is opened
    response = client_for(supervisor).get(reverse("cases:caseload"), {"indicator": "children", "on": on})

    # then it holds those the figure counted on that day, not the newcomer
    assert list(response.context["cases"]) == [placed.case]
    assert newcomer.case not in response.context["cases"]


def test_caseload_indicator_filter_ignores_a_key_it_does_not_know(worker, case, client_for):
    response = client_for(worker).get(reverse("cases:caseload"), {"indicator": "returnees_in_paris"})
    assert response.status_code == 200
    assert "indicator" in response.context["filter"].form.errors


def test_caseload_indicator_filter_counts_from_today(worker, chuy, client_for):
    # given: a child who turns 18 today is no longer counted
    person(chuy, worker=worker, born=born_aged(18, on=today()))
    younger = person(chuy, worker=worker, born=born_aged(18, plus_days=1, on=today()))
    response = client_for(worker).get(reverse("cases:caseload"), {"indicator": "children"})
    assert list(response.context["cases"]) == [younger.case]


def test_caseload_worker_filter(supervisor, worker, chuy, client_for):
    # given
    second = UserFactory(username="worker-c", regions=[chuy])
    mine = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
    CaseFactory(worker=second, returnee=ReturneeFactory(region=chuy))

    # when
    response = client_for(supervisor).get(reverse("cases:caseload"), {"worker": worker.pk})

    # then
    assert list(response.context["cases"]) == [mine]
    assert set(response.context["filter"].form.fields["worker"].queryset) == {worker, second}


def test_caseload_worker_filter_offers_only_workers_of_ones_regions(coordinator, other_worker, other_case, client_for):
    response = client_for(coordinator).get(reverse("cases:caseload"), {"worker": other_worker.pk})
    assert other_worker not in response.context["filter"].form.fields["worker"].queryset
    assert list(response.context["cases"]) == []


# --- Progress reports -----------------------------------------------------------------------------------


def test_report_is_made_through_the_pages(supervisor, chuy, client_for, django_capture_on_commit_callbacks):
    # given
    client = client_for(supervisor)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:report_create"),
            {
                "period_start": "01.01.2025",
                "period_end": "30.06.2025",
                "region": chuy.pk,
                "language": "en",
                "summary": "Most children are in school.",
            },
        )

    # then
    report = ProgressReport.objects.get()
    assert response.status_code == 302
    assert response.url == report.get_absolute_url()
    assert flashed(response) == ["The report is being produced."]
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'id="download-pdf"' in page
    assert "Progress report: All operations, Chüy Oblast" in page
    assert "Most children are in school." in page


def test_administrator_makes_a_report_through_the_pages(administrator, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(administrator).post(
            reverse("reports:report_create"),
            {"period_start": "01.01.2025", "period_end": "30.06.2025", "language": "ru"},
        )
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert (report.status, report.scope_regions, report.language) == ("ready", None, "ru")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"period_start": "01.07.2025", "period_end": "30.06.2025"},
            {"period_end": ["The period cannot end before it starts."]},
        ),
        (
            {"period_start": "01.07.2025", "period_end": "tomorrow"},
            {"period_end": ["The period cannot end in the future."]},
        ),
        (
            {"period_start": "01.01.2025", "period_end": "30.06.2025", "region": "osh"},
            {"region": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
        ({"period_start": "", "period_end": "30.06.2025"}, {"period_start": ["This field is required."]}),
    ],
    ids=["end-before-start", "end-in-future", "region-not-theirs", "no-start"],
)
def test_report_form_shows_the_reason_next_to_the_field(data, errors, supervisor, client_for, request):
    # given
    if data.get("region") == "osh":
        data = {**data, "region": request.getfixturevalue("osh").pk}
    if data["period_end"] == "tomorrow":
        data = {**data, "period_end": (today() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")}

    # when
    response = client_for(supervisor).post(reverse("reports:report_create"), {"language": "en", **data})

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not ProgressReport.objects.exists()


def test_report_form_offers_only_ones_regions(supervisor, chuy, client_for):
    form = client_for(supervisor).get(reverse("reports:report_create")).context["form"]
    assert list(form.fields["region"].queryset) == [chuy]


def test_report_page_shows_the_progress_bar_while_queued(supervisor, chuy, client_for):
    # given
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="running", progress=55)
    client = client_for(supervisor)

    # when
    page = client.get(report.get_absolute_url()).content.decode()
    fragment = client.get(report.get_absolute_url(), headers={"HX-Request": "true"})

    # then
    assert '<progress class="w-100" max="100" value="55"' in page
    assert "Being produced…" in page
    assert f'hx-get="{report.get_absolute_url()}" hx-trigger="every 2s"' in page
    assert 'id="download-pdf"' not in page
    assert [t.name for t in fragment.templates] == ["reports/_report_progress.html"]
    assert 'value="55"' in fragment.content.decode()


def test_queued_report_says_it_waits(supervisor, chuy, client_for):
    report = ProgressReportFactory(created_by=supervisor, region=chuy)
    page = client_for(supervisor).get(report.get_absolute_url()).content.decode()
    assert "Waiting to be produced…" in page
    assert 'value="0"' in page


def test_ready_report_shows_downloads_and_stops_polling(ready, supervisor, client_for):
    page = client_for(supervisor).get(ready.get_absolute_url()).content.decode()
    assert f'href="{reverse("reports:report_download", args=[ready.pk, "pdf"])}" id="download-pdf"' in page
    assert f'href="{reverse("reports:report_download", args=[ready.pk, "xlsx"])}" id="download-xlsx"' in page
    assert "hx-trigger" not in page
    assert "<progress" not in page
    assert "Not downloaded yet." in page


def test_failed_report_says_so(supervisor, chuy, client_for):
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="failed")
    page = client_for(supervisor).get(report.get_absolute_url()).content.decode()
    assert "The report could not be produced. Save the text again to retry, or tell an administrator." in page


def test_narrative_form_is_for_the_author_only(ready, supervisor, administrator, client_for):
    assert client_for(supervisor).get(ready.get_absolute_url()).context["can_edit"] is True
    page = client_for(administrator).get(ready.get_absolute_url())
    assert page.context["can_edit"] is False
    assert "Save and produce again" not in page.content.decode()


def test_author_saves_the_narrative_and_the_report_is_produced_again(
    ready, supervisor, client_for, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supervisor).post(ready.get_absolute_url(), {"summary": "Revised.", "next_steps": "More."})

    # then
    assert response.status_code == 302
    assert flashed(response) == ["The report is being produced again with the new text."]
    ready.refresh_from_db()
    assert (ready.status, ready.summary, ready.next_steps) == ("ready", "Revised.", "More.")
    assert ready.pdf_file.read().startswith(b"%PDF")


def test_narrative_saved_while_the_report_is_produced_is_refused_on_the_form(supervisor, chuy, client_for):
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="running")
    response = client_for(supervisor).post(report.get_absolute_url(), {"summary": "Too early."})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The report is being produced; wait until it is ready."]


def test_report_list_shows_what_each_may_see(supervisor, osh_supervisor, administrator, chuy, osh, client_for):
    # given: a Chüy report by a colleague, a report of one's own over all one's regions, and Osh's
    colleague = UserFactory(username="supervisor-c", role=User.Role.SUPERVISOR, regions=[chuy])
    of_region = ProgressReportFactory(created_by=colleague, region=chuy)
    colleague_all = ProgressReportFactory(created_by=colleague, region=None, scope_regions=[chuy.pk])
    own = ProgressReportFactory(created_by=supervisor, region=None, scope_regions=[chuy.pk])
    of_osh = ProgressReportFactory(created_by=osh_supervisor, region=osh)

    # when / then
    def listed(user):
        return set(client_for(user).get(reverse("reports:report_list")).context["reports"])

    assert listed(supervisor) == {of_region, own}
    assert listed(osh_supervisor) == {of_osh}
    assert listed(administrator) == {of_region, colleague_all, own, of_osh}
    assert client_for(supervisor).get(colleague_all.get_absolute_url()).status_code == 404


def test_report_list_query_count_does_not_grow_with_rows(supervisor, chuy, client_for, django_assert_max_num_queries):
    client = client_for(supervisor)
    ProgressReportFactory.create_batch(2, created_by=supervisor, region=chuy)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("reports:report_list"))
    ProgressReportFactory.create_batch(
        15, created_by=supervisor, region=chuy, operation=OperationFactory(name="Second operation")
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("reports:report_list"))


# --- Downloads ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("format", "content", "mime"), [("pdf", PDF, "application/pdf"), ("xlsx", XLSX, None)])
def test_download_returns_the_file_and_records_it(format, content, mime, ready, supervisor, client_for):
    # when
    response = client_for(supervisor).get(reverse("reports:report_download", args=[ready.pk, format]))

    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    name = f"repat-report-{ready.pk}-20250101-20250630.{format}"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    if mime:
        assert response["Content-Type"] == mime
    export = ReportExport.objects.get()
    assert (export.report, export.user, export.format) == (ready, supervisor, format)


def test_downloads_are_listed_on_the_report_page(ready, supervisor, administrator, client_for):
    client_for(administrator).get(reverse("reports:report_download", args=[ready.pk, "xlsx"]))
    page = client_for(supervisor).get(ready.get_absolute_url()).content.decode()
    assert f"{administrator} · Excel" in page


def test_download_of_a_report_not_ready_goes_back_to_its_page(supervisor, chuy, client_for):
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="running")
    response = client_for(supervisor).get(reverse("reports:report_download", args=[report.pk, "pdf"]))
    assert response.status_code == 302
    assert response.url == report.get_absolute_url()
    assert flashed(response) == ["The report is not ready yet."]
    assert not ReportExport.objects.exists()


def test_download_in_an_unknown_format_records_nothing(ready, supervisor, client_for):
    assert client_for(supervisor).get(reverse("reports:report_download", args=[ready.pk, "csv"])).status_code == 404
    assert not ReportExport.objects.exists()


def test_a_real_report_downloads_as_a_pdf(supervisor, chuy, client_for, django_capture_on_commit_callbacks):
    # given
    person(chuy, born=born_aged(8, on=ON))
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.report_create(
            actor=supervisor,
            data={"period_start": datetime.date(2025, 1, 1), "period_end": ON, "region": chuy, "language": "en"},
        )

    # when
    response = client_for(supervisor).get(reverse("reports:report_download", args=[report.pk, "pdf"]))

    # then
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- What a withheld cell says ------------------------------------------------------------------------------


def page_row(page: str, table: str, label: str) -> list[str]:
    """The cells of a row of a report table on the page, as text."""
    body = re.search(rf'<table[^>]*id="table-{table}">(.*?)</table>', page, re.S).group(1)
    row = re.search(rf'<th scope="row"[^>]*>{re.escape(label)}</th>(.*?)</tr>', body, re.S).group(1)
    return [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def pdf_lines(pdf: bytes) -> list[str]:
    return [line for page in pypdf.PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()]


def sheet_row(xlsx: bytes, sheet: str, label: str) -> list:
    rows = openpyxl.load_workbook(io.BytesIO(xlsx))[sheet].iter_rows(values_only=True)
    return list(next(row for row in rows if row[0] == label)[1:])


def produced(supervisor, region, client, capture) -> tuple[str, bytes, bytes]:
    """A report of `region` made through the action, as its page, its PDF and its workbook."""
    with capture(execute=True):
        report = actions.report_create(
            actor=supervisor,
            data={"period_start": datetime.date(2025, 1, 1), "period_end": ON, "region": region, "language": "en"},
        )
    page = client.get(report.get_absolute_url()).content.decode()
    pdf, xlsx = (
        b"".join(client.get(reverse("reports:report_download", args=[report.pk, format])).streaming_content)
        for format in ("pdf", "xlsx")
    )
    return page, pdf, xlsx


def test_below_five_only_for_a_count_below_five_and_hidden_for_what_is_withheld_otherwise(
    supervisor, chuy, client_for, django_capture_on_commit_callbacks
):
    # given: 3 women and 10 men aged 18 or over, the women with their kinship verified before the
    # period. Before issue 13, the 10 was hidden beside the 3 and read "<5".
    for sex, n in (("female", 3), ("male", 10)):
        for _n in range(n):
            returnee = person(chuy, born=born_aged(30), sex=sex)
            if sex == "female":
                kinship(returnee)

    # when
    page, pdf, xlsx = produced(supervisor, chuy, client_for(supervisor), django_capture_on_commit_callbacks)

    # then: on the page, in the PDF and in the workbook, the 3 reads "<5", the 10 reads 10, and their
    # total is 10 plus what the 3 rounded to; the change next to a "<5" reads "hidden"
    adults = page_row(page, "population", "18 and over")
    assert adults[:2] == ["<5", "10"]
    assert adults[2] in ("10", "15")
    kinship_row = ["<5", "<5", "hidden"]
    assert page_row(page, "indicators", "Returnees whose kinship was verified") == kinship_row
    lines = pdf_lines(pdf)
    assert f"18 and over <5 10 {adults[2]}" in lines
    assert "Returnees whose kinship was verified <5 <5 hidden" in lines
    assert sheet_row(xlsx, "Returnees by sex and age", "18 and over") == ["<5", 10, int(adults[2])]
    assert sheet_row(xlsx, "Programme indicators", "Returnees whose kinship was verified") == kinship_row
    # and the legends say what each means, and how the other figures are rounded
    legend = [
        "0 means none; <5 means from 1 to 4 (in a total, such a count adds 0 or 5).",
        "Every other count is rounded to a multiple of 5, up or down at random but always the same way for the "
        "same people, so that it is within 4 of the true count.",
        "“hidden”: withheld because it would give a small count away (a change next to a count below 5, a "
        "median of fewer than 5 children, or a total made only of counts below 5 that all added 0). It may be "
        "of any size.",
    ]
    pdf_text = " ".join(lines)
    summary = [row[0] for row in openpyxl.load_workbook(io.BytesIO(xlsx))["Summary"].iter_rows(values_only=True)]
    for line in legend:
        assert line in html.unescape(page)
        assert line in pdf_text
        assert line in summary


def test_a_report_stored_before_marks_reads_hidden_where_it_withheld_a_figure(supervisor, chuy, client_for):
    # given a report produced by the old method, which printed "<5" for every withheld cell, even a 10
    old_cell = {"value": None, "suppressed": True, "kind": "count"}
    document = {
        "title": "Progress report",
        "footnote": "Aggregates only.",
        "suppressed_label": "<5",
        "narrative": [],
        "tables": [
            {
                "key": "population",
                "title": "Returnees by sex and age",
                "row_header": "Age",
                "columns": ["Female", "Male", "Total"],
                "note": "",
                "rows": [{"label": "18 and over", "total": False, "cells": [old_cell, old_cell, old_cell]}],
            }
        ],
    }
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="ready", document=document)

    # when
    page = client_for(supervisor).get(report.get_absolute_url()).content.decode()

    # then: the page cannot tell which were small, so it claims no range for any
    assert page_row(page, "population", "18 and over") == ["hidden", "hidden", "hidden"]
