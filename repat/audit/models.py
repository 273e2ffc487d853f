import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .keys import audit_key

# The "previous hash" of the first row.
GENESIS = "0" * 64

# The rare actions counted per person over a short time (refusals in a window, emergency openings
# in a day, alerts already sent): their own small index, so counting never reads page views.
WATCHED_ACTIONS = ("refused", "emergency", "alert")


class AuditEvent(models.Model):
    """One look at or change of something that matters, written in the same database transaction
    as the action itself. Rows are never updated or deleted (database triggers refuse it), and each
    row is sealed with the seal of the one before: HMAC-SHA256 with a key from outside the database
    (`key_id` names it), so an altered or removed row breaks the chain and cannot be sealed again
    without the key. Rows from before the keys (`key_id` empty) carry a plain SHA-256 instead."""

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
        # A signed-in user refused an object (404 or 403): the route and the id, nothing else.
        REFUSED = "refused", _("Access refused")
        # Administrators or supervisors were alerted about a person (many refusals, emergency limit).
        ALERT = "alert", _("Alert sent")

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
    # Which of REPAT_AUDIT_KEYS sealed the row; empty for the rows written before there were keys.
    key_id = models.CharField(_("sealing key"), max_length=20, blank=True, default="")
    prev_hash = models.CharField(_("seal of the previous row"), max_length=64)
    hash = models.CharField(_("seal"), max_length=64, unique=True)

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
            models.Index(
                fields=["actor", "action", "at"], name="audit_watch_idx", condition=Q(action__in=WATCHED_ACTIONS)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} {self.object_id or ''}".strip()

    def _canonical(self) -> str:
        """The row's content, its key's id and the previous row's seal, in a canonical form. (Rows from
        before the keys have no key id in it: their hashes stay what they were.)"""
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
            "prev_hash": self.prev_hash,
        }
        if self.key_id:
            content["key_id"] = self.key_id
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)

    def compute_hash(self) -> str:
        """The row's seal: HMAC-SHA256 with the key `key_id` names (keys.UnknownKey if it is not
        configured), or SHA-256 for a row from before the keys."""
        if not self.key_id:
            return hashlib.sha256(self._canonical().encode()).hexdigest()
        return audit_key(self.key_id).seal(self._canonical())


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
