from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import presentation
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only (the database refuses changes on PostgreSQL). Rows are
    shown in words, as on the audit page (presentation.py), in the page's one query."""

    list_display = ("at", "actor_name", "action", "record", "case", "page")
    list_filter = ("action",)
    fields = ("at", "actor_name", "action", "record", "case", "page", "changes", "ip", "key_id", "prev_hash", "hash")
    readonly_fields = ("record", "case", "page")
    search_fields = ("actor_name",)
    show_full_result_count = False

    def get_queryset(self, request):
        return presentation.with_names(super().get_queryset(request))

    @admin.display(description=_("record"))
    def record(self, event):
        return presentation.describe([event])[0].record

    @admin.display(description=_("case"))
    def case(self, event):
        return event.case_number or ""

    @admin.display(description=_("detail"))
    def page(self, event):
        return presentation.describe([event])[0].detail

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
