from django.contrib import admin

from repat.audit.readonly import CaseDataAdmin

from .models import ApprovalRequest


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(CaseDataAdmin):
    """Read-only, reads audited: approvals change only through the workflow, so the history stays true."""

    list_display = ("case", "kind", "status", "region", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("status", "kind", "region")
    list_select_related = ("case__returnee", "region", "requested_by", "decided_by")
    search_fields = ("case__returnee__case_number",)
