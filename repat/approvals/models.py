from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class ApprovalRequest(models.Model):
    """A social worker asks a supervisor to approve an assessment, a plan version, a case closure or
    a consent override. Nothing takes effect until a supervisor approves; a returned request keeps
    the supervisor's comment, and a new request is a new row, so the rows are the review history."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("Assessment")
        PLAN = "plan", _("Reintegration plan")
        CLOSURE = "closure", _("Case closure")
        CONSENT_OVERRIDE = "consent_override", _("Consent override")
        # Opening a case outside one's scope once the day's emergency openings are used up (the
        # request's comment is the reason given; approving grants the emergency access).
        EMERGENCY_ACCESS = "emergency_access", _("Emergency access")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("approval of"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="approval_requests")
    # The case's region (moved with the case on a transfer): the queue's region filter. Who sees a
    # request is decided by its case (permissions.py), not by this column.
    region = models.ForeignKey("accounts.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        "cases.Assessment",
        verbose_name=_("assessment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_requests",
    )
    plan = models.ForeignKey(
        "cases.ReintegrationPlan",
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_requests",
    )
    referral = models.ForeignKey(
        "services.Referral",
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_requests",
    )
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=Case.ClosureReason.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("supervisor's comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [
            models.Index(fields=["status", "region", "requested_at"], name="approval_queue_idx"),
            models.Index(fields=["case", "-requested_at"], name="approval_case_idx"),
            models.Index(fields=["requested_by", "status"], name="approval_requester_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="assessment", assessment__isnull=False, plan__isnull=True, referral__isnull=True)
                    | Q(kind="plan", plan__isnull=False, assessment__isnull=True, referral__isnull=True)
                    | Q(kind="closure", assessment__isnull=True, plan__isnull=True, referral__isnull=True)
                    & ~Q(closure_reason="")
                    | Q(kind="consent_override", referral__isnull=False, assessment__isnull=True, plan__isnull=True)
                    | Q(kind="emergency_access", assessment__isnull=True, plan__isnull=True, referral__isnull=True)
                    & Q(closure_reason="")
                ),
                name="approval_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["approved", "returned"], decided_by__isnull=False, decided_at__isnull=False)
                | Q(status__in=["pending", "withdrawn"], decided_by__isnull=True),
                name="approval_decision_recorded",
            ),
            # One open request per thing: a second click or a colleague's request is refused.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending", kind="closure"), name="approval_one_pending_closure"
            ),
            models.UniqueConstraint(fields=["plan"], condition=Q(status="pending"), name="approval_one_pending_plan"),
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(status="pending"), name="approval_one_pending_assessment"
            ),
            models.UniqueConstraint(
                fields=["referral"], condition=Q(status="pending"), name="approval_one_pending_referral"
            ),
            models.UniqueConstraint(
                fields=["case", "requested_by"],
                condition=Q(status="pending", kind="emergency_access"),
                name="approval_one_pending_emergency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.case}"

    def get_absolute_url(self) -> str:
        return reverse("approvals:detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def subject(self):
        return self.assessment or self.plan or self.referral or self.case

    def subject_url(self) -> str:
        if self.kind == self.Kind.ASSESSMENT:
            return self.case.get_absolute_url() + "#assessments"
        return self.subject.get_absolute_url()
