from django.contrib import admin

from .models import DigestLog, Reminder, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    """Cadences, reminder and escalation thresholds, digest and quiet hours: one row."""

    def has_add_permission(self, request):
        return not ReminderSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Failed e-mails are listed here (filter by e-mail status) for administrators to follow up."""

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
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ("recipient", "day", "sent_at")
    list_select_related = ("recipient",)
