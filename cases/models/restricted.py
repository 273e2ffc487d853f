"""The restricted section (encrypted legal and security information) and emergency access."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.crypto import EncryptedTextField

from .case import Case
from .registration import Returnee

# --- Restricted section and emergency access --------------------------------------------------------


class LegalRecord(models.Model):
    """Legal and prosecution information about a woman, and security-related notes: the restricted
    section. Every field is encrypted in the database; only users granted the "see the restricted
    section" permission read it, and it never appears in lists, search, exports or the timeline of
    anyone else."""

    returnee = models.OneToOneField(
        Returnee, verbose_name=_("returnee"), on_delete=models.PROTECT, related_name="legal_record"
    )
    charges = EncryptedTextField(_("charges"), blank=True)
    court = EncryptedTextField(_("court and case number"), blank=True)
    sentence = EncryptedTextField(_("sentence"), blank=True)
    release = EncryptedTextField(_("release (date and conditions)"), blank=True)
    lawyer = EncryptedTextField(_("lawyer"), blank=True)
    security_notes = EncryptedTextField(_("security-related notes"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    FIELDS = ("charges", "court", "sentence", "release", "lawyer", "security_notes")

    class Meta:
        verbose_name = _("restricted section")
        verbose_name_plural = _("restricted sections")
        permissions = [("see_restricted", _("Can see and edit the restricted section"))]

    def __str__(self) -> str:
        return str(_("Restricted section"))


class EmergencyAccess(models.Model):
    """ "Break the glass": a user opens a case outside their scope in an emergency, after giving a
    reason. Access lasts a limited time, is audited, and the region's supervisors are told."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    # Beyond the day's limit (CaseSettings), an opening waits for a supervisor, who is named here.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        indexes = [models.Index(fields=["user", "expires_at"], name="emergency_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")), name="emergency_expires_later")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.case}"
