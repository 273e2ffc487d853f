"""Writes of the reports app: snapshots (the dashboard's figures, the API's published indicators),
progress reports and the record of exports."""

import datetime
import hashlib
import json
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from repat.core import broker
from repat.core.db_router import reading_replica, writes_not_read_back
from repat.core.locks import lease_acquire, lease_release
from repat.core.versions import check_version

from . import documents, exports, permissions, selectors
from .models import DashboardSnapshot, ProgressReport, ReportExport, ReportSettings

log = logging.getLogger(__name__)

# A snapshot viewed within this time is kept fresh by the beat; older ones wait to be viewed again.
KEEP_FRESH = datetime.timedelta(days=1)
# A view is written down at most this often: a partner's system asks for the same figures again and
# again, and the beat needs to know only the day.
VIEW_RECORDED_EVERY = datetime.timedelta(minutes=1)


def snapshot_key(scope: selectors.Scope) -> str:
    return _key(scope.as_dict())


def _key(scope: dict) -> str:
    return hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()


def dashboard_snapshot(*, scope: selectors.Scope, refresh: bool = False) -> DashboardSnapshot:
    """The dashboard's snapshot for a scope, marked as viewed. A missing, stale or explicitly
    refreshed one is queued for computing (once: a refresh already asked for is not asked again)."""
    return _snapshot(kind=DashboardSnapshot.Kind.DASHBOARD, scope=scope.as_dict(), refresh=refresh)


def indicators_snapshot(
    *,
    regions: tuple[int, ...] | None,
    on: datetime.date | None,
    operation: int | None = None,
    region: int | None = None,
    report_settings: ReportSettings | None = None,
) -> DashboardSnapshot:
    """The programme indicators as published (repat.reports.suppression) over `regions` (the
    reader's: permissions.dashboard_regions), on a day, or on the day they were computed when `on`
    is None; marked as viewed, and queued for computing as the dashboard's are. The threshold is part
    of the scope: figures published with another one are never served."""
    report_settings = report_settings or ReportSettings.current()
    scope = {
        "kind": DashboardSnapshot.Kind.INDICATORS.value,
        "regions": list(regions) if regions is not None else None,
        "region": region,
        "operation": operation,
        "on": on.isoformat() if on else None,
        "threshold": report_settings.suppression_threshold,
    }
    return _snapshot(kind=DashboardSnapshot.Kind.INDICATORS, scope=scope, report_settings=report_settings)


def _snapshot(
    *, kind: str, scope: dict, refresh: bool = False, report_settings: ReportSettings | None = None
) -> DashboardSnapshot:
    """Get or create the snapshot of a scope; queue its computation when it has none, is stale or is
    to be refreshed, unless that was asked for within the maximum age. Of two requests at once, only
    the one whose conditional UPDATE (or INSERT) marks it queues it."""
    now = timezone.now()
    max_age = datetime.timedelta(minutes=(report_settings or ReportSettings.current()).dashboard_max_age_minutes)
    snapshot, created = DashboardSnapshot.objects.get_or_create(
        key=_key(scope), defaults={"kind": kind, "scope": scope, "last_viewed_at": now, "refresh_requested_at": now}
    )
    if created:
        transaction.on_commit(lambda: _queue_refresh(snapshot.key))
        return snapshot
    stale = snapshot.computed_at is None or now - snapshot.computed_at > max_age
    queued = snapshot.refresh_requested_at is not None and now - snapshot.refresh_requested_at < max_age
    if (stale or refresh) and not queued:
        not_queued = models.Q(refresh_requested_at__isnull=True) | models.Q(refresh_requested_at__lte=now - max_age)
        if DashboardSnapshot.objects.filter(not_queued, pk=snapshot.pk).update(
            refresh_requested_at=now, last_viewed_at=now
        ):
            snapshot.refresh_requested_at = snapshot.last_viewed_at = now
            transaction.on_commit(lambda: _queue_refresh(snapshot.key))
            return snapshot
    if now - snapshot.last_viewed_at >= VIEW_RECORDED_EVERY:
        DashboardSnapshot.objects.filter(pk=snapshot.pk).update(last_viewed_at=now)
        snapshot.last_viewed_at = now
    return snapshot


def dashboard_first_figures(
    *, scope: selectors.Scope, snapshot: DashboardSnapshot
) -> tuple[DashboardSnapshot, DashboardSnapshot | None]:
    """What a view shows when its snapshot has no figures yet, instead of only "being computed":
    a scope of at most REPAT_DASHBOARD_SYNC_CASES cases is computed now, in the request (its cost
    bounded by that count, checked with a count that stops there); a larger one shows, as well,
    the newest figures computed for the same regions (another period or filter), saying which,
    while its own are computed in the background. Returns (snapshot, those other figures or None)."""
    if snapshot.figures is not None:
        return snapshot, None
    limit = settings.REPAT_DASHBOARD_SYNC_CASES
    if selectors.cases_in(scope).order_by()[: limit + 1].count() <= limit:
        return dashboard_refresh(key=snapshot.key) or snapshot, None
    return snapshot, last_figures(scope=scope)


def last_figures(*, scope: selectors.Scope) -> DashboardSnapshot | None:
    """The newest computed snapshot over the same regions, whatever its filters (among the last
    hundred computed: a bounded look)."""
    regions = scope.as_dict()["regions"]
    recent = (
        DashboardSnapshot.objects.filter(kind=DashboardSnapshot.Kind.DASHBOARD, figures__isnull=False)
        .order_by("-computed_at")
        .only("pk", "scope")
    )
    for candidate in recent[:100]:
        if candidate.scope.get("regions") == regions:
            return DashboardSnapshot.objects.get(pk=candidate.pk)
    return None


def _queue_refresh(key: str) -> None:
    from .tasks import refresh_dashboard

    broker.send(
        lambda: refresh_dashboard.delay(key), "Broker unavailable; the dashboard will be refreshed by the next beat."
    )


def dashboard_refresh(*, key: str) -> DashboardSnapshot | None:
    """Compute one snapshot's figures (a few aggregate queries), the dashboard's or the published
    indicators, and store them."""
    snapshot = DashboardSnapshot.objects.filter(key=key).first()
    if snapshot is None:
        return None
    with reading_replica():  # figures a few seconds old are what a snapshot is anyway
        if snapshot.kind == DashboardSnapshot.Kind.INDICATORS:
            figures = _published_indicators(snapshot.scope)
        else:
            figures = selectors.dashboard(selectors.Scope.from_dict(snapshot.scope), timezone.localdate())
    DashboardSnapshot.objects.filter(pk=snapshot.pk).update(
        figures=figures, computed_at=timezone.now(), refresh_requested_at=None
    )
    snapshot.refresh_from_db()
    return snapshot


def _published_indicators(scope: dict) -> dict:
    """The figures of an indicators snapshot: its day, and each indicator's published value or mark."""
    on = datetime.date.fromisoformat(scope["on"]) if scope["on"] else timezone.localdate()
    regions = tuple(scope["regions"]) if scope["regions"] is not None else None
    figures = documents.published_indicators(
        selectors.Scope(regions=regions, start=on, end=on, operation=scope["operation"], region=scope["region"]),
        on,
        scope["threshold"],
    )
    return {
        "on": on.isoformat(),
        "indicators": {key: {"value": figure.value, "mark": figure.mark} for key, figure in figures.items()},
    }


def dashboards_refresh_recent(*, now: datetime.datetime | None = None) -> int:
    """Beat: recompute the stale snapshots someone looked at recently, so the next view is fresh.
    Holds a lease, like the reminder sweep, so a slow run and the next beat never overlap."""
    holder = lease_acquire("dashboard-refresh", 600)
    if holder is None:
        return 0
    try:
        return _refresh_recent(now or timezone.now())
    finally:
        lease_release("dashboard-refresh", holder)


def _refresh_recent(now: datetime.datetime) -> int:
    max_age = datetime.timedelta(minutes=ReportSettings.current().dashboard_max_age_minutes)
    keys = DashboardSnapshot.objects.filter(last_viewed_at__gte=now - KEEP_FRESH).exclude(
        computed_at__gte=now - max_age
    )
    count = 0
    for key in keys.values_list("key", flat=True).iterator():
        dashboard_refresh(key=key)
        count += 1
    DashboardSnapshot.objects.filter(last_viewed_at__lt=now - KEEP_FRESH * 30).delete()
    return count


REPORT_FIELDS = ("period_start", "period_end", "operation", "region", "language")
NARRATIVE_FIELDS = ("summary", "achievements", "challenges", "next_steps")


@transaction.atomic
def report_create(*, actor, data: dict) -> ProgressReport:
    """Queue a progress report over the actor's regions (or one of them); produced in the background."""
    if not permissions.can_make_reports(actor):
        raise PermissionDenied
    regions = permissions.dashboard_regions(actor)
    region = data.get("region")
    if region is not None and regions is not None and region.pk not in regions:
        raise ValidationError({"region": _("Choose one of your regions.")})
    if data["period_end"] < data["period_start"]:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    if data["period_end"] > timezone.localdate():
        raise ValidationError({"period_end": _("The period cannot end in the future.")})
    report = ProgressReport(
        created_by=actor,
        queued_at=timezone.now(),
        scope_regions=list(regions) if regions is not None else None,
        **{name: data[name] for name in (*REPORT_FIELDS, *NARRATIVE_FIELDS) if name in data},
    )
    report.full_clean()
    report.save()
    transaction.on_commit(lambda: _queue_report(report.pk))
    return report


def _queue_report(report_id: int) -> None:
    from .tasks import generate_report

    broker.send(
        lambda: generate_report.delay(report_id), "Broker unavailable; progress report %s stays queued.", report_id
    )


@transaction.atomic
def report_update_narrative(*, actor, report: ProgressReport, data: dict, version: str | None = None) -> ProgressReport:
    """Change the narrative and produce the report again (the figures are recomputed too)."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.created_by_id != actor.pk:
        raise PermissionDenied
    check_version(report, version)
    if report.status in (ProgressReport.Status.QUEUED, ProgressReport.Status.RUNNING):
        raise ValidationError(_("The report is being produced; wait until it is ready."))
    for name in NARRATIVE_FIELDS:
        setattr(report, name, data.get(name, getattr(report, name)))
    report.status, report.progress = ProgressReport.Status.QUEUED, 0
    report.queued_at, report.attempts = timezone.now(), 0
    report.save(update_fields=[*NARRATIVE_FIELDS, "status", "progress", "queued_at", "attempts", "updated_at"])
    transaction.on_commit(lambda: _queue_report(report.pk))
    return report


def _scope(report: ProgressReport) -> selectors.Scope:
    return selectors.Scope(
        regions=tuple(report.scope_regions) if report.scope_regions is not None else None,
        start=report.period_start,
        end=report.period_end,
        operation=report.operation_id,
        region=report.region_id,
    )


# Producing a report: limits of its own (the Celery task), and beat queues again a report whose
# message was lost (queued for longer than QUEUED_PATIENCE) or whose worker died (running for
# longer than the hard limit allows), at most MAX_ATTEMPTS times.
REPORT_SOFT_TIME_LIMIT = 15 * 60
REPORT_TIME_LIMIT = 16 * 60
QUEUED_PATIENCE = datetime.timedelta(minutes=10)
RUNNING_LIMIT = datetime.timedelta(seconds=REPORT_TIME_LIMIT) + datetime.timedelta(minutes=4)
MAX_ATTEMPTS = 3


def report_generate(*, report_id: int, task_id: str = "") -> ProgressReport | None:
    """Compute the figures, suppress small counts, render PDF and Excel, keep both. Progress is
    saved as it goes (outside a transaction, so the page polling it sees it move).

    A worker takes a queued report by moving it to "running" in one conditional UPDATE, so that the
    same report queued twice (by the page and by `reports_requeue`) is produced once. The task's
    own message delivered again (`task_id`: the worker process running it died, and acks_late gave
    the message back) takes over the report it left "running", instead of leaving it stuck until
    `reports_requeue` gives up on it; a message that kills its worker every time is not taken over
    past MAX_ATTEMPTS."""
    now = timezone.now()
    Status = ProgressReport.Status
    takeable = models.Q(status=Status.QUEUED)
    if task_id:
        takeable |= models.Q(status=Status.RUNNING, task_id=task_id, attempts__lt=MAX_ATTEMPTS)
    taken = ProgressReport.objects.filter(takeable, pk=report_id).update(
        status=Status.RUNNING, progress=5, started_at=now, attempts=models.F("attempts") + 1, task_id=task_id
    )
    report = ProgressReport.objects.select_related("operation", "region", "created_by").filter(pk=report_id).first()
    if report is None or not taken:
        return report

    def progress(percent: int, status: str = ProgressReport.Status.RUNNING) -> None:
        with writes_not_read_back():  # the figures read between two steps do not read the progress
            ProgressReport.objects.filter(pk=report.pk).update(progress=percent, status=status)

    try:
        with translation.override(report.language):
            threshold = ReportSettings.current().suppression_threshold
            with reading_replica():
                document = documents.build(report, _scope(report), threshold=threshold, progress=progress)
            pdf = exports.render_pdf(document)
            progress(85)
            xlsx = exports.render_xlsx(document)
            progress(95)
    except SoftTimeLimitExceeded:
        # Nothing was stored yet: the report is failed, its author can save the text to try again.
        log.error("Progress report %s took longer than its time limit.", report.pk)
        progress(0, ProgressReport.Status.FAILED)
        raise
    except Exception:
        log.exception("Progress report %s failed.", report.pk)
        progress(0, ProgressReport.Status.FAILED)
        raise
    stem = f"repat-report-{report.pk}-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}"
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        # Names, not the FieldFiles: saving the new files renames those in place.
        old = [(f.storage, f.name) for f in (report.pdf_file, report.xlsx_file) if f]
        report.pdf_file.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.xlsx_file.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        report.document = document
        report.status, report.progress, report.generated_at = ProgressReport.Status.READY, 100, timezone.now()
        report.save(update_fields=["pdf_file", "xlsx_file", "document", "status", "progress", "generated_at"])
        for storage, name in old:
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
    return report


def reports_requeue(*, now: datetime.datetime | None = None) -> int:
    """Beat: queue again the reports stuck in "queued" (their message was lost: the broker was down
    when they were asked for, or a worker took and lost it) or in "running" for longer than a
    worker may run (it died); a report that already took MAX_ATTEMPTS workers is marked failed.
    Idempotent: a report queued again now is not stuck for another QUEUED_PATIENCE, and a report
    queued twice is produced once (see `report_generate`). Returns how many were queued."""
    now = now or timezone.now()
    Status = ProgressReport.Status
    died = ProgressReport.objects.filter(status=Status.RUNNING, started_at__lt=now - RUNNING_LIMIT)
    for report_id in died.filter(attempts__gte=MAX_ATTEMPTS).values_list("pk", flat=True):
        log.error("Progress report %s failed: its worker stopped %s times.", report_id, MAX_ATTEMPTS)
    died.filter(attempts__gte=MAX_ATTEMPTS).update(status=Status.FAILED, progress=0)
    died.update(status=Status.QUEUED, progress=0, queued_at=now - QUEUED_PATIENCE - datetime.timedelta(seconds=1))
    lost = ProgressReport.objects.filter(status=Status.QUEUED).filter(
        models.Q(queued_at__lt=now - QUEUED_PATIENCE) | models.Q(queued_at__isnull=True)
    )
    ids = list(lost.values_list("pk", flat=True)[:1000])
    ProgressReport.objects.filter(pk__in=ids, status=Status.QUEUED).update(queued_at=now)
    for report_id in ids:
        log.warning("Progress report %s was stuck; queued again.", report_id)
        transaction.on_commit(lambda report_id=report_id: _queue_report(report_id))
    return len(ids)


@transaction.atomic
def report_export(*, actor, report: ProgressReport, format: str) -> ReportExport:
    """Record a download before the file is handed over: no export goes unrecorded."""
    if not permissions.reports_visible_to(actor).filter(pk=report.pk).exists():
        raise PermissionDenied
    if not report.is_ready:
        raise ValidationError(_("The report is not ready yet."))
    return ReportExport.objects.create(report=report, format=format, user=actor)
