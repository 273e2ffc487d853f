"""Writes of the reports app: dashboard snapshots (computed once, kept fresh), progress reports
(who may ask for one, produced in the background, failure on record) and the record of downloads."""

import datetime
import io
import logging

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from repat.reports import actions, documents, exports, selectors, tasks
from repat.reports.models import DashboardSnapshot, ProgressReport, ReportExport, ReportSettings
from repat.reports.selectors import Scope
from tests.factories import OperationFactory

from .factories import ON, ProgressReportFactory, born_aged, person

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def scope(chuy) -> Scope:
    return Scope(regions=(chuy.pk,), start=datetime.date(2025, 1, 1), end=today())


def snapshot_of(scope: Scope) -> DashboardSnapshot:
    return DashboardSnapshot.objects.get(key=actions.snapshot_key(scope))


def age(snapshot_scope: Scope, *, computed_minutes_ago: int | None, requested_minutes_ago: int | None = None):
    now = timezone.now()
    DashboardSnapshot.objects.filter(key=actions.snapshot_key(snapshot_scope)).update(
        computed_at=None if computed_minutes_ago is None else now - datetime.timedelta(minutes=computed_minutes_ago),
        refresh_requested_at=None
        if requested_minutes_ago is None
        else now - datetime.timedelta(minutes=requested_minutes_ago),
    )


# --- Dashboard snapshots -------------------------------------------------------------------------------


def test_first_view_creates_the_snapshot_and_queues_one_refresh(scope, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        snapshot = actions.dashboard_snapshot(scope=scope)

    # then
    assert len(callbacks) == 1
    assert (snapshot.figures, snapshot.computed_at) == (None, None)
    assert snapshot.refresh_requested_at is not None
    assert snapshot.scope == scope.as_dict()
    stored = snapshot_of(scope)
    assert (stored.refresh_requested_at, stored.last_viewed_at) == (
        snapshot.refresh_requested_at,
        snapshot.last_viewed_at,
    )


def test_views_while_a_refresh_is_queued_queue_nothing_more(scope, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        actions.dashboard_snapshot(scope=scope)
    with django_capture_on_commit_callbacks() as callbacks:
        actions.dashboard_snapshot(scope=scope)
        actions.dashboard_snapshot(scope=scope, refresh=True)
    assert callbacks == []
    assert DashboardSnapshot.objects.count() == 1


def test_queued_refresh_computes_the_figures(scope, case, django_capture_on_commit_callbacks):
    # given
    before = timezone.now()

    # when: the refresh runs (Celery is eager in tests) once the view's transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        actions.dashboard_snapshot(scope=scope)

    # then
    snapshot = snapshot_of(scope)
    assert snapshot.figures == selectors.dashboard(scope, today())
    assert snapshot.figures["caseload"]["by_status_risk"] == [["open", "medium", 1]]
    assert before <= snapshot.computed_at <= timezone.now()
    assert snapshot.refresh_requested_at is None


def test_a_fresh_snapshot_is_read_as_it_is(scope, case, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        actions.dashboard_snapshot(scope=scope)
    computed_at = snapshot_of(scope).computed_at

    # when: a new case, viewed within the maximum age
    age(scope, computed_minutes_ago=14)
    with django_capture_on_commit_callbacks() as callbacks:
        snapshot = actions.dashboard_snapshot(scope=scope)

    # then
    assert callbacks == []
    assert snapshot.computed_at < computed_at
    assert snapshot.figures["caseload"]["by_status_risk"] == [["open", "medium", 1]]


def test_a_stale_snapshot_is_refreshed(scope, case, worker, chuy, django_capture_on_commit_callbacks):
    # given: figures computed before a second case was opened, older than the maximum age (15 minutes)
    with django_capture_on_commit_callbacks(execute=True):
        actions.dashboard_snapshot(scope=scope)
    person(chuy, worker=worker)
    age(scope, computed_minutes_ago=16)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stale = actions.dashboard_snapshot(scope=scope)

    # then: the page shows the old figures while the new ones are computed
    assert len(callbacks) == 1
    assert stale.figures["caseload"]["by_status_risk"] == [["open", "medium", 1]]
    assert snapshot_of(scope).figures["caseload"]["by_status_risk"] == [["open", "medium", 2]]


def test_maximum_age_comes_from_the_settings(scope, django_capture_on_commit_callbacks):
    ReportSettings.objects.update_or_create(pk=1, defaults={"dashboard_max_age_minutes": 60})
    with django_capture_on_commit_callbacks(execute=True):
        actions.dashboard_snapshot(scope=scope)
    age(scope, computed_minutes_ago=59)
    with django_capture_on_commit_callbacks() as callbacks:
        actions.dashboard_snapshot(scope=scope)
    assert callbacks == []


def test_refresh_now_queues_a_fresh_snapshot(scope, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.dashboard_snapshot(scope=scope)
    with django_capture_on_commit_callbacks() as callbacks:
        snapshot = actions.dashboard_snapshot(scope=scope, refresh=True)
    assert len(callbacks) == 1
    assert snapshot.refresh_requested_at is not None


def test_a_refresh_lost_on_the_way_is_asked_again_after_the_maximum_age(scope, django_capture_on_commit_callbacks):
    # given: asked 20 minutes ago and never computed (the worker was down)
    with django_capture_on_commit_callbacks():
        actions.dashboard_snapshot(scope=scope)
    age(scope, computed_minutes_ago=None, requested_minutes_ago=20)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        actions.dashboard_snapshot(scope=scope)

    # then
    assert len(callbacks) == 1


def test_each_scope_has_its_own_snapshot(scope, osh, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        actions.dashboard_snapshot(scope=scope)
        actions.dashboard_snapshot(scope=Scope(regions=scope.regions, start=scope.start, end=scope.end, region=osh.pk))
        actions.dashboard_snapshot(scope=scope)
    assert DashboardSnapshot.objects.count() == 2
    assert actions.snapshot_key(scope) == actions.snapshot_key(Scope.from_dict(scope.as_dict()))


def test_broker_down_leaves_the_snapshot_to_the_beat(scope, monkeypatch, caplog, django_capture_on_commit_callbacks):
    # given
    def refuse(*args):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.refresh_dashboard, "delay", refuse)

    # when
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        actions.dashboard_snapshot(scope=scope)

    # then
    assert caplog.messages == ["Broker unavailable; the dashboard will be refreshed by the next beat."]
    assert snapshot_of(scope).figures is None


def test_refreshing_a_snapshot_that_is_gone_does_nothing():
    assert actions.dashboard_refresh(key="0" * 64) is None
    assert tasks.refresh_dashboard("0" * 64) is False


def test_beat_refreshes_the_stale_snapshots_viewed_recently(chuy):
    # given
    now = timezone.now()

    def snapshot(name, *, viewed_hours_ago, computed_minutes_ago):
        scope = Scope(regions=(chuy.pk,), start=datetime.date(2025, 1, 1), end=today(), operation=len(name))
        return DashboardSnapshot.objects.create(
            key=name,
            scope=scope.as_dict(),
            last_viewed_at=now - datetime.timedelta(hours=viewed_hours_ago),
            computed_at=None
            if computed_minutes_ago is None
            else now - datetime.timedelta(minutes=computed_minutes_ago),
        )

    snapshot("stale", viewed_hours_ago=1, computed_minutes_ago=20)
    snapshot("never", viewed_hours_ago=23, computed_minutes_ago=None)
    fresh = snapshot("fresh", viewed_hours_ago=1, computed_minutes_ago=5)
    forgotten = snapshot("forgotten", viewed_hours_ago=25, computed_minutes_ago=60 * 25)
    snapshot("abandoned", viewed_hours_ago=24 * 31, computed_minutes_ago=60 * 24 * 31)

    # when
    refreshed = actions.dashboards_refresh_recent(now=now)

    # then: the two stale ones viewed within a day; the fresh and the forgotten wait; the abandoned
    # (not viewed for a month) is deleted
    assert refreshed == 2
    computed = dict(DashboardSnapshot.objects.values_list("key", "computed_at"))
    assert computed["stale"] >= now
    assert computed["never"] >= now
    assert (computed["fresh"], computed["forgotten"]) == (fresh.computed_at, forgotten.computed_at)
    assert set(computed) == {"stale", "never", "fresh", "forgotten"}
    assert DashboardSnapshot.objects.get(key="stale").figures["indicators"]["returnees"] == 0


def test_beat_task_refreshes_through_the_action(chuy):
    DashboardSnapshot.objects.create(
        key="stale",
        scope=Scope(regions=(chuy.pk,), start=datetime.date(2025, 1, 1), end=today()).as_dict(),
        last_viewed_at=timezone.now(),
    )
    assert tasks.refresh_dashboards.delay().get() == 1
    assert DashboardSnapshot.objects.get().figures is not None


def test_two_views_that_read_the_same_stale_snapshot_queue_it_once(
    scope, monkeypatch, django_capture_on_commit_callbacks
):
    # given: a stale snapshot, read by two requests at the same moment (both see it not queued)
    with django_capture_on_commit_callbacks():
        actions.dashboard_snapshot(scope=scope)
    age(scope, computed_minutes_ago=20)
    read_at_once = snapshot_of(scope)
    monkeypatch.setattr(DashboardSnapshot.objects, "get_or_create", lambda **kwargs: (read_at_once, False))

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        actions.dashboard_snapshot(scope=scope)
        read_at_once.refresh_requested_at = None  # the second read its row before the first marked it
        actions.dashboard_snapshot(scope=scope)

    # then: the first one's UPDATE marked it; the second's found it marked and queued nothing
    assert len(callbacks) == 1
    assert snapshot_of(scope).refresh_requested_at is not None


# --- Published indicators (the API's) --------------------------------------------------------------


def test_published_indicators_are_computed_and_kept_fresh_like_the_dashboards(
    chuy, osh, django_capture_on_commit_callbacks
):
    # given: 3 school-age children in Chüy (a small count), 12 in Osh
    for _n in range(3):
        person(chuy, born=born_aged(10, on=today()))
    for _n in range(12):
        person(osh, born=born_aged(10, on=today()))

    # when: asked for Chüy on the day they are computed, then computed by the queued task
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        snapshot = actions.indicators_snapshot(regions=(chuy.pk,), on=None)

    # then: one computation; only the published figures are kept (no exact count, no id)
    assert len(callbacks) == 1
    assert snapshot.kind == DashboardSnapshot.Kind.INDICATORS
    figures = DashboardSnapshot.objects.get(pk=snapshot.pk).figures
    assert figures["on"] == today().isoformat()
    assert figures["indicators"]["school_age"] == {"value": None, "mark": "small"}
    assert set(figures["indicators"]) == {key for key, _kind in documents.INDICATOR_ROWS}

    # when: twenty minutes later, the beat
    DashboardSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=timezone.now() - datetime.timedelta(minutes=20))
    assert actions.dashboards_refresh_recent() == 1

    # then: computed again, through the indicators' computation
    assert DashboardSnapshot.objects.get(pk=snapshot.pk).computed_at >= timezone.now() - datetime.timedelta(minutes=1)
    assert DashboardSnapshot.objects.get(pk=snapshot.pk).figures["indicators"] == figures["indicators"]


def test_the_scope_of_published_indicators_includes_the_day_and_the_threshold(
    chuy, osh, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        keys = {
            actions.indicators_snapshot(regions=(chuy.pk,), on=None).key,
            actions.indicators_snapshot(regions=(chuy.pk,), on=None).key,
            actions.indicators_snapshot(regions=(chuy.pk,), on=ON).key,
            actions.indicators_snapshot(regions=(chuy.pk, osh.pk), on=None).key,
            actions.indicators_snapshot(regions=None, on=None).key,
            actions.indicators_snapshot(regions=(chuy.pk, osh.pk), on=None, region=chuy.pk).key,
        }
        ReportSettings.objects.filter(pk=1).update(suppression_threshold=10)
        keys.add(actions.indicators_snapshot(regions=(chuy.pk,), on=None).key)
    assert len(keys) == 6


def test_the_dashboard_never_shows_published_indicators_as_its_figures(scope, chuy, django_capture_on_commit_callbacks):
    # given: the indicators of the dashboard's regions computed, the dashboard's own not
    with django_capture_on_commit_callbacks(execute=True):
        actions.indicators_snapshot(regions=scope.regions, on=None)

    # then: nothing to show meanwhile
    assert actions.last_figures(scope=scope) is None


# --- Creating a report ---------------------------------------------------------------------------------


def report_data(**changes) -> dict:
    return {
        "period_start": datetime.date(2025, 1, 1),
        "period_end": ON,
        "operation": None,
        "region": None,
        "language": "en",
        "summary": "Most children are in school.",
        **changes,
    }


def test_supervisor_queues_a_report_over_their_regions(supervisor, chuy, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        report = actions.report_create(actor=supervisor, data=report_data())

    # then
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.status, report.progress, report.created_by) == ("queued", 0, supervisor)
    assert report.scope_regions == [chuy.pk]
    assert (report.region, report.summary) == (None, "Most children are in school.")


def test_supervisor_may_choose_one_of_their_regions(supervisor, chuy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        report = actions.report_create(actor=supervisor, data=report_data(region=chuy))
    assert report.region == chuy


def test_administrator_queues_a_report_over_every_region(administrator, osh, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        report = actions.report_create(actor=administrator, data=report_data(region=osh))

    # then: no region limit is kept (None), and the region chosen is any
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.scope_regions, report.region) == (None, osh)
    assert actions._scope(report).regions is None


@pytest.mark.parametrize("role", ["worker", "coordinator", "other_worker"])
def test_other_roles_may_not_make_reports(role, request):
    with pytest.raises(PermissionDenied):
        actions.report_create(actor=request.getfixturevalue(role), data=report_data())
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"region": "osh"}, {"region": ["Choose one of your regions."]}),
        (
            {"period_start": datetime.date(2025, 7, 1), "period_end": ON},
            {"period_end": ["The period cannot end before it starts."]},
        ),
        ({"period_end": "tomorrow"}, {"period_end": ["The period cannot end in the future."]}),
    ],
    ids=["region-not-theirs", "end-before-start", "end-in-future"],
)
def test_report_create_refuses_with_the_reason_next_to_the_field(changes, errors, supervisor, request):
    # given
    if changes.get("region") == "osh":
        changes = {**changes, "region": request.getfixturevalue("osh")}
    if changes.get("period_end") == "tomorrow":
        changes = {**changes, "period_end": today() + datetime.timedelta(days=1)}

    # when
    with pytest.raises(ValidationError) as refused:
        actions.report_create(actor=supervisor, data=report_data(**changes))

    # then
    assert refused.value.message_dict == errors
    assert not ProgressReport.objects.exists()


def test_a_period_may_end_today_and_last_one_day(supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        report = actions.report_create(actor=supervisor, data=report_data(period_start=today(), period_end=today()))
    assert (report.period_start, report.period_end) == (today(), today())


# --- Producing a report --------------------------------------------------------------------------------


@pytest.fixture
def queued(supervisor, chuy, django_capture_on_commit_callbacks):
    """A report queued by `supervisor` over Chüy, over a few returnees, not produced yet."""
    for born, sex in [(born_aged(7), "female"), (born_aged(9), "male"), (None, "female")]:
        person(chuy, born=born, sex=sex)
    with django_capture_on_commit_callbacks():
        return actions.report_create(actor=supervisor, data=report_data(region=chuy))


def test_report_is_produced_as_pdf_and_excel(queued):
    # when
    report = actions.report_generate(report_id=queued.pk)

    # then
    report.refresh_from_db()
    assert (report.status, report.progress) == ("ready", 100)
    assert report.generated_at is not None
    with report.pdf_file.open("rb") as pdf:
        assert pdf.read().startswith(b"%PDF")
    with report.xlsx_file.open("rb") as xlsx:
        workbook = openpyxl.load_workbook(io.BytesIO(xlsx.read()))
    assert workbook.sheetnames
    stem = f"repat-report-{report.pk}-20250101-20250630"
    assert report.pdf_file.name.rsplit("/", 1)[-1].startswith(stem)
    assert report.xlsx_file.name.endswith(".xlsx")
    assert report.document["title"] == "Progress report: All operations, Chüy Oblast"
    assert [table["key"] for table in report.document["tables"]] == ["population", "indicators", "services"]


def test_report_is_produced_on_commit_through_the_task(supervisor, chuy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.report_create(actor=supervisor, data=report_data())
    report.refresh_from_db()
    assert (report.status, report.progress) == ("ready", 100)


def test_progress_is_saved_as_it_goes(queued, monkeypatch):
    # given: a look at the stored report whenever the PDF and the workbook are made
    seen = []
    render_pdf, render_xlsx = exports.render_pdf, exports.render_xlsx

    def look(render):
        def wrapped(document):
            seen.append(ProgressReport.objects.values_list("status", "progress").get(pk=queued.pk))
            return render(document)

        return wrapped

    monkeypatch.setattr(exports, "render_pdf", look(render_pdf))
    monkeypatch.setattr(exports, "render_xlsx", look(render_xlsx))

    # when
    actions.report_generate(report_id=queued.pk)

    # then
    assert seen == [("running", 70), ("running", 85)]


def test_report_is_produced_in_its_language(queued, monkeypatch):
    # given
    languages = []
    render_pdf = exports.render_pdf

    def spy(document):
        languages.append(translation.get_language())
        return render_pdf(document)

    monkeypatch.setattr(exports, "render_pdf", spy)
    ProgressReport.objects.filter(pk=queued.pk).update(language="ky")

    # when
    actions.report_generate(report_id=queued.pk)

    # then
    assert languages == ["ky"]
    assert translation.get_language() == "en"


def test_failure_is_marked_on_the_report(queued, monkeypatch, caplog):
    # given
    def crash(document):
        raise RuntimeError("WeasyPrint crashed")

    monkeypatch.setattr(exports, "render_pdf", crash)

    # when
    with pytest.raises(RuntimeError, match="WeasyPrint crashed"):
        actions.report_generate(report_id=queued.pk)

    # then
    queued.refresh_from_db()
    assert (queued.status, queued.progress) == ("failed", 0)
    assert (queued.pdf_file.name, queued.xlsx_file.name, queued.document) == ("", "", None)
    assert f"Progress report {queued.pk} failed." in caplog.messages


def test_failure_in_the_task_leaves_the_report_failed(supervisor, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "render_xlsx", lambda document: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.report_create(actor=supervisor, data=report_data())
    report.refresh_from_db()
    assert (report.status, report.progress) == ("failed", 0)


def test_a_ready_report_is_not_produced_again(queued, monkeypatch):
    # given
    actions.report_generate(report_id=queued.pk)
    monkeypatch.setattr(exports, "render_pdf", lambda document: 1 / 0)

    # when
    report = actions.report_generate(report_id=queued.pk)

    # then
    assert report.status == "ready"


def died_running(report, task_id: str, attempts: int = 1) -> None:
    """The report as a worker process left it when it was killed while producing it."""
    ProgressReport.objects.filter(pk=report.pk).update(
        status="running", progress=5, task_id=task_id, attempts=attempts, started_at=timezone.now()
    )


def test_the_same_message_delivered_again_after_its_worker_died_makes_the_report(queued):
    # given: the worker process producing the report was killed (the OOM killer); acks_late hands
    # its message, same task id, to another worker
    died_running(queued, "message-1")

    # when
    tasks.generate_report.apply(args=(queued.pk,), task_id="message-1")

    # then: made now, not left "running" for the requeue to find twenty minutes later
    queued.refresh_from_db()
    assert (queued.status, queued.progress, queued.attempts) == ("ready", 100, 2)
    with queued.pdf_file.open("rb") as pdf:
        assert pdf.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("task_id", "attempts"),
    [("another-message", 1), ("", 1), ("message-1", actions.MAX_ATTEMPTS)],
    ids=["another message (queued twice)", "no task", "a message that killed its worker every time"],
)
def test_a_running_report_is_not_taken_over_by_another_message_nor_past_its_attempts(queued, task_id, attempts):
    # given: a worker producing the report
    died_running(queued, "message-1", attempts=attempts)

    # when
    actions.report_generate(report_id=queued.pk, task_id=task_id)

    # then: left to that worker (or to the requeue, which fails it past MAX_ATTEMPTS)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("running", attempts)


def test_producing_a_report_that_is_gone_does_nothing():
    assert actions.report_generate(report_id=404) is None
    assert tasks.generate_report(404) is False


def test_report_counts_only_its_operation(supervisor, chuy, django_capture_on_commit_callbacks):
    # given: one returnee of another operation among three
    other = OperationFactory(name="Second operation")
    person(chuy, born=born_aged(10), operation=other)
    person(chuy, born=born_aged(10))
    person(chuy, born=born_aged(10))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.report_create(actor=supervisor, data=report_data(operation=other))

    # then
    report.refresh_from_db()
    population = report.document["tables"][0]
    assert [cell["value"] for cell in population["rows"][-1]["cells"]] == [None, 0, None]  # 1 girl: hidden
    assert report.document["title"] == "Progress report: Second operation, All regions in scope"


# --- Narrative -------------------------------------------------------------------------------------------


def test_author_changes_the_narrative_and_the_report_is_produced_again(
    queued, supervisor, django_capture_on_commit_callbacks
):
    # given
    actions.report_generate(report_id=queued.pk)
    queued.refresh_from_db()
    old_pdf = queued.pdf_file.name
    storage = queued.pdf_file.storage

    # when
    with django_capture_on_commit_callbacks(execute=True):
        actions.report_update_narrative(
            actor=supervisor, report=queued, data={"summary": "Revised.", "challenges": "Winter roads."}
        )

    # then
    queued.refresh_from_db()
    assert (queued.status, queued.summary, queued.challenges) == ("ready", "Revised.", "Winter roads.")
    assert queued.document["narrative"] == [
        {"heading": "Summary", "text": "Revised."},
        {"heading": "Challenges", "text": "Winter roads."},
    ]
    assert queued.pdf_file.name != old_pdf
    assert not storage.exists(old_pdf)
    assert storage.exists(queued.pdf_file.name)


def test_only_the_author_changes_the_narrative(queued, administrator):
    actions.report_generate(report_id=queued.pk)
    with pytest.raises(PermissionDenied):
        actions.report_update_narrative(actor=administrator, report=queued, data={"summary": "Mine now."})
    queued.refresh_from_db()
    assert queued.summary == "Most children are in school."


def test_narrative_waits_while_the_report_is_produced(queued, supervisor):
    with pytest.raises(ValidationError) as refused:
        actions.report_update_narrative(actor=supervisor, report=queued, data={"summary": "Too early."})
    assert refused.value.messages == ["The report is being produced; wait until it is ready."]


# --- Exports -------------------------------------------------------------------------------------------


def test_export_is_recorded_with_who_when_and_format(queued, supervisor):
    # given
    actions.report_generate(report_id=queued.pk)
    queued.refresh_from_db()
    before = timezone.now()

    # when
    export = actions.report_export(actor=supervisor, report=queued, format="xlsx")

    # then
    export.refresh_from_db()
    assert (export.report, export.user, export.format) == (queued, supervisor, "xlsx")
    assert before <= export.at <= timezone.now()


def test_export_of_a_report_not_ready_is_refused(queued, supervisor):
    with pytest.raises(ValidationError) as refused:
        actions.report_export(actor=supervisor, report=queued, format="pdf")
    assert refused.value.messages == ["The report is not ready yet."]
    assert not ReportExport.objects.exists()


@pytest.mark.parametrize("role", ["osh_supervisor", "coordinator", "worker"])
def test_export_by_someone_who_may_not_see_the_report_is_refused(role, supervisor, chuy, request):
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="ready")
    with pytest.raises(PermissionDenied):
        actions.report_export(actor=request.getfixturevalue(role), report=report, format="pdf")
    assert not ReportExport.objects.exists()


def test_administrator_exports_any_report(supervisor, administrator, chuy):
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="ready")
    assert actions.report_export(actor=administrator, report=report, format="pdf").user == administrator


def test_a_refresh_while_another_runs_does_nothing(scope):
    # given a stale snapshot someone viewed, and a refresh already running (it holds the lease)
    from repat.core.locks import lease_acquire

    now = timezone.now()
    DashboardSnapshot.objects.create(key="stale", scope=scope.as_dict(), last_viewed_at=now, computed_at=None)
    assert lease_acquire("dashboard-refresh", 600) is not None

    # when the next beat comes
    refreshed = actions.dashboards_refresh_recent(now=now)

    # then it leaves the work to the running one
    assert refreshed == 0
    assert DashboardSnapshot.objects.get(key="stale").computed_at is None


# --- Reports that got stuck ----------------------------------------------------------------------------


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


def stuck(report, *, status: str, queued_minutes_ago: float = 0, started_minutes_ago: float = 0, attempts: int = 0):
    now = timezone.now()
    ProgressReport.objects.filter(pk=report.pk).update(
        status=status,
        queued_at=now - minutes(queued_minutes_ago),
        started_at=now - minutes(started_minutes_ago) if status == "running" else None,
        attempts=attempts,
        progress=40 if status == "running" else 0,
    )


def test_a_report_queued_while_the_broker_was_down_is_produced_by_the_next_requeue(
    supervisor, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    # given: the broker refuses when the report is asked for
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.generate_report, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.WARNING):
        report = actions.report_create(actor=supervisor, data=report_data())
    assert f"Broker unavailable; progress report {report.pk} stays queued." in caplog.messages
    monkeypatch.undo()

    # when: beat's requeue runs 5 minutes later (too early), then 11 minutes later
    with django_capture_on_commit_callbacks(execute=True):
        early = actions.reports_requeue(now=timezone.now() + minutes(5))
    with django_capture_on_commit_callbacks(execute=True):
        late = actions.reports_requeue(now=timezone.now() + minutes(11))

    # then
    assert (early, late) == (0, 1)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("ready", 1)


def test_requeue_is_idempotent(queued, django_capture_on_commit_callbacks):
    # given
    stuck(queued, status="queued", queued_minutes_ago=30)

    # when: two runs one after the other
    with django_capture_on_commit_callbacks() as first:
        assert actions.reports_requeue() == 1
    with django_capture_on_commit_callbacks() as second:
        assert actions.reports_requeue() == 0

    # then: queued once
    assert (len(first), len(second)) == (1, 0)


def test_a_report_queued_twice_is_produced_once(queued, monkeypatch):
    # given: two messages for the same report (the page's and the requeue's)
    actions.report_generate(report_id=queued.pk)
    calls = []
    monkeypatch.setattr(exports, "render_pdf", lambda document: calls.append(document) or b"%PDF")

    # when
    actions.report_generate(report_id=queued.pk)

    # then
    assert calls == []
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("ready", 1)


def test_a_report_whose_worker_died_is_queued_again_then_failed_after_three_workers(
    queued, django_capture_on_commit_callbacks, caplog
):
    # given: "running" for 25 minutes (the hard limit is 16) after a first worker
    stuck(queued, status="running", started_minutes_ago=25, attempts=1)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.reports_requeue() == 1

    # then: produced by the next worker
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("ready", 2)

    # given: a report that killed three workers
    stuck(queued, status="running", started_minutes_ago=25, attempts=3)

    # when
    with django_capture_on_commit_callbacks() as queued_tasks, caplog.at_level(logging.ERROR):
        assert actions.reports_requeue() == 0

    # then
    queued.refresh_from_db()
    assert (queued.status, queued.progress, len(queued_tasks)) == ("failed", 0, 0)
    assert f"Progress report {queued.pk} failed: its worker stopped 3 times." in caplog.messages


def test_a_report_running_within_its_time_limit_is_left_alone(queued, django_capture_on_commit_callbacks):
    stuck(queued, status="running", started_minutes_ago=12, attempts=1)
    with django_capture_on_commit_callbacks() as queued_tasks:
        assert actions.reports_requeue() == 0
    queued.refresh_from_db()
    assert (queued.status, len(queued_tasks)) == ("running", 0)


def test_a_report_past_its_soft_time_limit_is_failed_and_stores_nothing(queued, monkeypatch, caplog):
    # given
    from celery.exceptions import SoftTimeLimitExceeded

    def too_long(document):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(exports, "render_xlsx", too_long)

    # when
    with pytest.raises(SoftTimeLimitExceeded), caplog.at_level(logging.ERROR):
        actions.report_generate(report_id=queued.pk)

    # then
    queued.refresh_from_db()
    assert (queued.status, queued.progress, queued.pdf_file.name, queued.document) == ("failed", 0, "", None)
    assert f"Progress report {queued.pk} took longer than its time limit." in caplog.messages


def test_report_tasks_have_their_own_time_limits_and_the_requeue_is_on_the_beat(settings):
    assert (tasks.generate_report.soft_time_limit, tasks.generate_report.time_limit) == (900, 960)
    entry = settings.CELERY_BEAT_SCHEDULE["report-requeue"]
    assert (entry["task"], entry["schedule"]) == ("repat.reports.tasks.requeue_reports", 300.0)
    assert datetime.timedelta(seconds=tasks.generate_report.time_limit) < actions.RUNNING_LIMIT
