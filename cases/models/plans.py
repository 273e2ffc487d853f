"""Assessments and the versioned individual reintegration plan they feed."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from repat.core.deadlines import overdue_on

from ..querysets import AssessmentQuerySet, PlanGoalQuerySet
from .case import Case


class PlanDomain(models.TextChoices):
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    EDUCATION = "education", _("Education")
    LEGAL = "legal", _("Legal and documents")
    SOCIAL_PROTECTION = "social_protection", _("Social protection")
    FAMILY = "family", _("Family and community")
    LIVELIHOODS = "livelihoods", _("Livelihoods")


class Assessment(models.Model):
    """A medical, psychosocial, educational or family assessment, planned or done."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("Medical screening")
        PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
        EDUCATIONAL = "educational", _("Educational and grade placement")
        FAMILY = "family", _("Family and home")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        COMPLETED = "completed", _("Completed")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COMPLETED)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    assessed_on = models.DateField(_("date"), null=True, blank=True)
    assessor = models.CharField(_("assessor"), max_length=200, blank=True)
    tool = models.CharField(
        _("tool"), max_length=100, blank=True, help_text=_("For example SDQ or a grade placement test.")
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    recommended_domains = models.JSONField(_("needs recommended for the plan"), default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # the version edit forms carry (repat.core.versions)
    # Set by a supervisor's approval (repat.approvals); a later edit clears it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = [models.F("assessed_on").desc(nulls_first=True), "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [
            models.Index(fields=["case", "kind"], name="assessment_case_kind_idx"),
            models.Index(fields=["status", "due_date"], name="assessment_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="planned") | Q(assessed_on__isnull=False),
                name="assessment_done_has_date",
                violation_error_message=_("Give the date of a completed assessment."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        # The constraint says the same; raised here, a form shows it next to the field.
        if self.status == self.Status.COMPLETED and not self.assessed_on:
            raise ValidationError({"assessed_on": _("Give the date of a completed assessment.")})

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PLANNED and overdue_on(self.due_date)

    def get_recommended_domains_display(self) -> str:
        labels = dict(PlanDomain.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.recommended_domains)


class ReintegrationPlan(models.Model):
    """One version of a case's individual reintegration plan. A case has at most one current and
    one draft version; making a draft current supersedes the old one, which stays as history.

    A draft becomes current only when a supervisor approves it (repat.approvals).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CURRENT = "current", _("Current")
        SUPERSEDED = "superseded", _("Superseded")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(_("made current at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("reintegration plan")
        verbose_name_plural = _("reintegration plans")
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="plan_unique_version"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="current"), name="plan_one_current"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="draft"), name="plan_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("cases:plan_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status != self.Status.SUPERSEDED


class PlanGoal(models.Model):
    """A goal of a plan in one domain, with its actions, who is responsible, and progress."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=20, choices=PlanDomain.choices)
    goal = models.CharField(_("goal"), max_length=300)
    actions = models.TextField(_("actions"), blank=True)
    responsible = models.CharField(_("responsible organisation or person"), max_length=200, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    source_assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("recommended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
    )
    updated_at = models.DateTimeField(auto_now=True)  # the version edit forms carry (repat.core.versions)

    objects = PlanGoalQuerySet.as_manager()

    class Meta:
        ordering = ["domain", "id"]
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        indexes = [models.Index(fields=["status", "target_date"], name="goal_status_target_idx")]

    def __str__(self) -> str:
        return self.goal

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and overdue_on(self.target_date)


class GoalProgress(models.Model):
    """A dated progress note on a plan goal."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="progress_notes")
    written_on = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-written_on", "-id"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self) -> str:
        return self.text[:50]
