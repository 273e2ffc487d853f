"""Case data in the Django admin: to read, never to change, and every read audited.

A change made in the admin would skip what the app's actions do (ask a supervisor's approval, write
the case's timeline and the audit row, check need-to-know), so the admin offers no add, change or
delete for case data: those happen on the app's pages. Opening a list or a record here is audited
like opening it in the app (`actions.record_view`): one row per page, naming the record and its
case, never what a search or a filter asked for (it may be a name)."""

from django.contrib import admin

from .actions import record
from .models import AuditEvent


class ReadOnlyInline:
    """An inline of case data: shown, never edited (mixed into TabularInline/StackedInline)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseDataAdmin(admin.ModelAdmin):
    """Read-only, audited admin of a model whose writes go through `actions`. `case_id_of(obj)`
    names the case a record belongs to, for "who viewed this case"."""

    def case_id_of(self, obj) -> int | None:
        return getattr(obj, "case_id", None)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            self._record(request, object_type=self.model._meta.model_name, view="changelist")
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Reached for a record's page once its permissions passed (a refused one is a 403 first).
        if request.method == "GET" and obj is not None:
            self._record(request, obj=obj, case_id=self.case_id_of(obj), view="change")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = response.context_data["object"]
            self._record(request, obj=obj, case_id=self.case_id_of(obj), view="history")
        return response

    def _record(self, request, *, view: str, obj=None, object_type: str = "", case_id: int | None = None) -> None:
        opts = self.model._meta
        record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            obj=obj,
            object_type=object_type,
            case_id=case_id,
            detail=f"admin:{opts.app_label}_{opts.model_name}_{view}",
            request=request,
        )
