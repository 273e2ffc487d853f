from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from repat.core.models import CheckedModel
from repat.core.notifications import Item


class ReminderSettings(CheckedModel):
    """Cadences and thresholds, changed by administrators in the admin without code. One row."""

    high_risk_cadence_days = models.PositiveSmallIntegerField(_("follow-up every N days, high risk"), default=14)
    medium_risk_cadence_days = models.PositiveSmallIntegerField(_("follow-up every N days, medium risk"), default=30)
    low_risk_cadence_days = models.PositiveSmallIntegerField(_("follow-up every N days, low risk"), default=90)
    due_soon_days = models.PositiveSmallIntegerField(_("remind N days before the due date"), default=3)
    escalate_to_coordinator_days = models.PositiveSmallIntegerField(
        _("tell the coordinator after N days overdue"), default=7
    )
    escalate_to_supervisor_days = models.PositiveSmallIntegerField(
        _("tell the supervisor after N days overdue"), default=14
    )
    daily_digest = models.BooleanField(_("send one daily digest e-mail instead of single e-mails"), default=True)
    digest_hour = models.PositiveSmallIntegerField(_("hour of the daily digest (local time)"), default=8)
    quiet_hours_start = models.PositiveSmallIntegerField(_("no e-mails from this hour"), default=21)
    quiet_hours_end = models.PositiveSmallIntegerField(_("until this hour"), default=8)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="reminder_settings_single_row"),
            models.CheckConstraint(
                condition=Q(escalate_to_supervisor_days__gte=models.F("escalate_to_coordinator_days")),
                name="reminder_supervisor_after_coordinator",
                violation_error_message=_("The supervisor is told after the coordinator, not before."),
            ),
            models.CheckConstraint(
                condition=Q(digest_hour__lt=24, quiet_hours_start__lt=24, quiet_hours_end__lt=24),
                name="reminder_hours_in_day",
                violation_error_message=_("Hours go from 0 to 23."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Reminder settings"))

    @classmethod
    def current(cls) -> "ReminderSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def cadence_days(self, risk_level: str) -> int:
        return {
            "high": self.high_risk_cadence_days,
            "medium": self.medium_risk_cadence_days,
            "low": self.low_risk_cadence_days,
        }.get(risk_level, self.medium_risk_cadence_days)


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NOT_SENT = "not_sent", _("Not sent (no e-mail address)")
    # An overdue item escalated to a coordinator or supervisor: their region's daily summary is sent.
    SUMMARISED = "summarised", _("In the region's daily summary")


class DigestLog(models.Model):
    """One daily digest e-mail per person per day: the unique key refuses a second one."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day}"


class Reminder(models.Model):
    """One thing one person is told about: an item due soon, due today, overdue, escalated, or an
    event (a referral assigned to them). It is also the in-app notification.

    The unique key makes "tell this person about this item's due date at this stage" happen once,
    however often the sweep runs.
    """

    # The kinds are the platform's (repat/core/notifications.py), so apps below can notify.
    Item = Item

    # Told at once: not kept for the daily digest, not held back by quiet hours.
    URGENT = (Item.EMERGENCY_LIMIT, Item.REFUSALS)
    # About a person: the reminder names them (the alert's audit row), not a case.
    ABOUT_A_PERSON = (Item.EMERGENCY_LIMIT, Item.REFUSALS)

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        DUE_TODAY = "due_today", _("Due today")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED_COORDINATOR = "escalated_coordinator", _("Escalated to the coordinator")
        ESCALATED_SUPERVISOR = "escalated_supervisor", _("Escalated to the supervisor")
        EVENT = "event", _("New")

    ESCALATED = (Stage.ESCALATED_COORDINATOR, Stage.ESCALATED_SUPERVISOR)

    item_type = models.CharField(_("about"), max_length=30, choices=Item.choices)
    item_id = models.PositiveBigIntegerField(_("item number"))
    due_date = models.DateField(_("due date"))
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Put aside by its recipient: out of the bell and the list until this day, or for good once done.
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    done_at = models.DateTimeField(_("marked done at"), null=True, blank=True)
    # The e-mail that carries it: claimed before sending and marked after, so it is never sent
    # twice; a claim left by a worker that died is marked failed for an administrator, not resent.
    email_status = models.CharField(
        _("e-mail"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_claimed_at = models.DateTimeField(_("e-mail taken for sending at"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    email_error = models.TextField(_("last e-mail error"), blank=True)
    # An e-mail that could not be sent is tried again with a growing pause (`email_retry_at`) for a
    # time budget counted from its first failure (REPAT_EMAIL_RETRY_HOURS), and only then marked
    # failed: an outage of minutes or hours delays reminders, it does not lose them.
    email_failing_since = models.DateTimeField(_("e-mail failing since"), null=True, blank=True)
    email_retry_at = models.DateTimeField(_("next e-mail attempt"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["item_type", "item_id", "due_date", "stage", "recipient"], name="reminder_once"
            ),
        ]
        # (The unique key also serves lookups by item: no index of its own, one less to write
        # for each of the millions of rows a sweep may add.)
        indexes = [
            # The list's order, to the row: a sweep makes thousands of reminders at one instant.
            models.Index(fields=["recipient", "-created_at", "-id"], name="reminder_recipient_order_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="reminder_unread_idx"),
            models.Index(fields=["recipient"], condition=Q(email_status="pending"), name="reminder_email_pending_idx"),
            models.Index(
                fields=["email_claimed_at"], condition=Q(email_status="sending"), name="reminder_email_sending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_type_display()} · {self.get_stage_display()}"

    @classmethod
    def shown_q(cls, today) -> Q:
        """What the bell and the list show: not done, not snoozed past `today`, and not one overdue
        item escalated to a coordinator or supervisor (the region's daily summary stands for those,
        and the escalations page lists them)."""
        return (
            Q(done_at__isnull=True)
            & (Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))
            & ~(Q(stage__in=cls.ESCALATED) & ~Q(item_type=cls.Item.ESCALATIONS))
        )
