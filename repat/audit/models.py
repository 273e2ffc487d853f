import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HASH_SLOT = "@@previous-hash@@"
# The "previous hash" of the first row.
GENESIS = "0" * 64


class AuditEvent(models.Model):
    """One look at or change of something that matters, written in the same database transaction
    as the action itself. Rows are never updated or deleted (a database trigger refuses it), and
    each row carries the hash of the one before, so an altered or removed row breaks the chain."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CHANGE = "change", _("Changed")
        DOWNLOAD = "download", _("Downloaded")
        EXPORT = "export", _("Exported")
        LOGIN = "login", _("Signed in")
        LOGOUT = "logout", _("Signed out")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        PERMISSION = "permission", _("Access rights changed")
        EMERGENCY = "emergency", _("Emergency access")
        RETENTION = "retention", _("Anonymised after the retention period")

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # The name at the time: the trail stays readable if the account is renamed.
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=40, blank=True)
    object_id = models.BigIntegerField(_("record"), null=True, blank=True)
    # The case a row concerns, as a plain number: "who viewed this case" without a join, and no
    # foreign key that could block or cascade from the audited tables.
    case_id = models.BigIntegerField(_("case"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=100, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["case_id", "-id"], name="audit_case_idx", condition=Q(case_id__isnull=False)),
            models.Index(fields=["actor", "-id"], name="audit_actor_idx"),
            models.Index(fields=["actor_name", "-id"], name="audit_actor_name_idx"),
            models.Index(fields=["action", "-id"], name="audit_action_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} {self.object_id or ''}".strip()

    def _canonical(self, prev_hash: str) -> str:
        """The row's content and the previous row's hash, in a canonical form ("prev_hash" sorts last)."""
        content = {
            "at": self.at.astimezone(datetime.UTC).isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "case_id": self.case_id,
            "detail": self.detail,
            "changes": self.changes,
            "ip": self.ip,
            "prev_hash": prev_hash,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)

    def compute_hash(self) -> str:
        return hashlib.sha256(self._canonical(self.prev_hash).encode()).hexdigest()

    def compute_hash_parts(self) -> tuple[str, str]:
        """The canonical form before and after the previous hash, for the database to hash once it
        has locked the chain's head (see actions.APPEND_SQL)."""
        before, after = self._canonical(HASH_SLOT).rsplit(HASH_SLOT, 1)
        return before, after


class AuditHead(models.Model):
    """The end of the chain: how many rows it holds, the newest row and its hash. Writers lock this
    one row, so rows join the chain one at a time and in commit order. A database trigger lets it
    only move forward by one row at a time, and refuses to delete it, so that emptying the trail
    or cutting its end shows against the head (and against the heads published outside the
    database, which the owner of the database cannot rewrite)."""

    hash = models.CharField(max_length=64)
    rows = models.PositiveBigIntegerField(default=0)
    last_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="audit_head_single_row")]

    def __str__(self) -> str:
        return self.hash[:12]
