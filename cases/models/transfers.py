"""Handing a case to another social worker or region."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .case import Case


class CaseTransfer(models.Model):
    """A request to hand a case to another social worker or region. The case moves only when the
    receiving side (the worker, or a coordinator of the new region) accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the receiving side")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="transfers")
    from_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to social worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_transfers",
        limit_choices_to={"role": "social_worker", "is_active": True},
    )
    from_region = models.ForeignKey(
        "accounts.Region", verbose_name=_("from region"), on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("to region"),
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        limit_choices_to={"parent__isnull": True},
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        indexes = [
            models.Index(fields=["status", "to_region"], name="transfer_status_region_idx"),
            models.Index(fields=["status", "to_worker"], name="transfer_status_worker_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="transfer_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_worker or self.to_region}"
