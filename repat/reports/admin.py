from django.contrib import admin

from .models import ProgressReport, ReportExport, ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "caseload_limit", "suppression_threshold", "dashboard_max_age_minutes")

    def has_add_permission(self, request):
        return not ReportSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    """Read-only: reports are made and produced through the reports pages."""

    list_display = ("__str__", "operation", "region", "language", "status", "created_by", "created_at")
    list_filter = ("status", "language")
    list_select_related = ("operation", "region", "created_by")
    # The files have no URL (cases/storage.py): they are downloaded from the report page, audited.
    exclude = ("document", "pdf_file", "xlsx_file")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportExport)
class ReportExportAdmin(admin.ModelAdmin):
    """Every download of a report, for an administrator's review."""

    list_display = ("report", "format", "user", "at")
    list_filter = ("format",)
    list_select_related = ("report", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
