"""Probable duplicates found when a person was registered, and what became of each
(cases/search.py finds them, cases/actions/duplicates.py records them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from repat.core.models import CheckedModel

from .registration import Returnee


class DuplicateDecision(CheckedModel):
    """One recorded person who was probably the one being registered (`candidate`), and the
    answer: the registering worker saw them and said "a different person" (`confirmed`), or could
    not see them, so a coordinator or supervisor who sees both records decides (`pending`, then
    `different` or `same`). The worker's reason is kept either way."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("A different person, confirmed at registration")
        PENDING = "pending", _("Waiting for a decision")
        DIFFERENT = "different", _("Different people")
        SAME = "same", _("The same person")

    # Both sides go with their record: a question about a pair is moot once either is gone (merged).
    returnee = models.ForeignKey(
        Returnee, verbose_name=_("registered person"), on_delete=models.CASCADE, related_name="duplicate_decisions"
    )
    candidate = models.ForeignKey(
        Returnee, verbose_name=_("probable match"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("name similarity"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("why this is a different person"))
    status = models.CharField(_("decision"), max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("probable duplicate")
        verbose_name_plural = _("probable duplicates")
        constraints = [
            models.UniqueConstraint(fields=["returnee", "candidate"], name="duplicate_once_per_pair"),
            models.CheckConstraint(condition=~Q(returnee=models.F("candidate")), name="duplicate_not_self"),
            models.CheckConstraint(condition=~Q(reason=""), name="duplicate_reason_given"),
            # Decided means by whom and when; "different people" also says why.
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="duplicate_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(status="different") | ~Q(decision_reason=""), name="duplicate_different_says_why"
            ),
        ]
        indexes = [
            models.Index(fields=["status"], condition=Q(status="pending"), name="duplicate_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.returnee_id} / {self.candidate_id}: {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
