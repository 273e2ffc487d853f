from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.storage import private_storage
from repat.core.models import CheckedModel


class ReportSettings(CheckedModel):
    """Thresholds administrators change in the admin. One row."""

    caseload_limit = models.PositiveSmallIntegerField(
        _("caseload limit per social worker"),
        default=25,
        help_text=_("Workers with more open cases are highlighted on the dashboard."),
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        _("hide counts below"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Published reports show smaller counts as “<N” and round the others to a multiple of 5 (of N if N "
            "is larger), so that no one can be identified, even by comparing reports. 3 or more keeps every "
            "small count uncertain."
        ),
    )
    dashboard_max_age_minutes = models.PositiveSmallIntegerField(
        _("refresh dashboard figures older than N minutes"), default=15, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="report_settings_single_row"),
            models.CheckConstraint(condition=Q(suppression_threshold__gte=1), name="report_threshold_positive"),
        ]

    def __str__(self) -> str:
        return str(_("Report settings"))

    @classmethod
    def current(cls) -> "ReportSettings":
        return cls.objects.get_or_create(pk=1)[0]


class DashboardSnapshot(models.Model):
    """Figures for one scope (regions seen) and one set of filters, computed in the background so
    that a page view or an API request reads one row instead of scanning the case tables: the
    dashboard's (exact counts, shown to people who may see the cases), or the programme indicators
    as the API publishes them (suppressed and rounded: nothing else is kept)."""

    class Kind(models.TextChoices):
        DASHBOARD = "dashboard", _("Dashboard")
        INDICATORS = "indicators", _("Published indicators")

    key = models.CharField(max_length=64, unique=True)
    # A default in the database as well: code that predates the column still inserts dashboards.
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DASHBOARD, db_default=Kind.DASHBOARD)
    scope = models.JSONField(default=dict)
    figures = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return self.key[:12]


class ProgressReport(CheckedModel):
    """A periodic report for government and donors: indicators for a period, operation and region,
    with the supervisor's narrative. Figures and files are produced in the background and kept."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being produced")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    period_start = models.DateField(pgettext_lazy("period", "from"))
    period_end = models.DateField(pgettext_lazy("period", "to"))
    operation = models.ForeignKey(
        "cases.Operation",
        verbose_name=_("operation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Leave empty for all operations."),
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"parent__isnull": True},
        help_text=_("Leave empty for all your regions."),
    )
    # The regions whose figures the report may contain: the author's at creation (need-to-know);
    # None for an administrator's report, which may contain every region.
    scope_regions = models.JSONField(_("regions covered"), default=list, null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    summary = models.TextField(_("summary"), blank=True)
    achievements = models.TextField(_("achievements"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    document = models.JSONField(null=True, blank=True)
    pdf_file = models.FileField(storage=private_storage, upload_to="reports/%Y/%m", blank=True)
    xlsx_file = models.FileField(storage=private_storage, upload_to="reports/%Y/%m", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    generated_at = models.DateTimeField(_("produced at"), null=True, blank=True)
    # When it was (last) queued and started, and how many times a worker took it: a report queued
    # while the broker was down, or whose worker died, is queued again by beat (`reports_requeue`).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The Celery task (its message) producing it: the same message delivered again, after the worker
    # process running it died, takes the report over (repat/reports/actions.py, report_generate).
    task_id = models.CharField(_("worker task id"), max_length=64, blank=True, default="")
    # Changed with the narrative only: the version its form carries (repat.core.versions).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="report_author_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="report_period_order"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report_detail", args=[self.pk])

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class ReportExport(models.Model):
    """Who downloaded which report in which format, when: every export is on record."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"

    report = models.ForeignKey(ProgressReport, on_delete=models.PROTECT, related_name="exports")
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")

    def __str__(self) -> str:
        return f"{self.report} {self.format}"
