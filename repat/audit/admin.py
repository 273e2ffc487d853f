from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only (the database refuses changes on PostgreSQL)."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id", "case_id", "detail")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
