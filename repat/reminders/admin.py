from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from repat.audit.readonly import CaseDataAdmin

from . import actions
from .models import DigestLog, Reminder, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    """Cadences, reminder and escalation thresholds, digest and quiet hours: one row."""

    def has_add_permission(self, request):
        return not ReminderSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(CaseDataAdmin):
    """Failed e-mails are listed here (filter by e-mail status) for administrators to follow up.
    Read-only, reads audited: a reminder names a case, and the sweep and the relay own its state."""

    list_display = (
        "item_type",
        "item_id",
        "stage",
        "recipient",
        "due_date",
        "email_status",
        "email_attempts",
        "created_at",
    )
    list_filter = ("email_status", "stage", "item_type")
    list_select_related = ("recipient",)
    actions = ["resend_failed_emails"]

    def has_resend_permission(self, request) -> bool:
        return request.user.is_administrator

    @admin.action(description=_("Send the failed e-mails again"), permissions=["resend"])
    def resend_failed_emails(self, request, queryset):
        # Through the action: only failed ones, a fresh retry budget, an audit row, a relay at once.
        count = actions.emails_resend(actor=request.user, reminder_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)s e-mail will be sent again.", "%(count)s e-mails will be sent again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    """Read-only: a row says today's digest went, and removing it would send a second one."""

    list_display = ("recipient", "day", "sent_at")
    list_select_related = ("recipient",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
