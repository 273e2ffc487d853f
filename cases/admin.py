"""Case data is read-only here (repat.audit.readonly): cases, returnees, families, notes and events
change only through the app's pages, where each change asks for what it needs (a supervisor's
approval to close, a coordinator to reassign), lands on the timeline and in the audit trail.
Settings and operations stay editable: they are configuration, not anyone's file."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from repat.audit.readonly import CaseDataAdmin, ReadOnlyInline

from .models import (
    Case,
    CaseEvent,
    CaseSettings,
    Family,
    FamilyMember,
    Note,
    Operation,
    Returnee,
    ReturneeAlias,
    ReturneeMerge,
)


@admin.register(CaseSettings)
class CaseSettingsAdmin(admin.ModelAdmin):
    """One row of settings: it can be changed, not added twice or deleted."""

    def has_add_permission(self, request):
        return not CaseSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = ("name", "country_of_departure", "arrival_date")
    search_fields = ("name",)


class ReturneeAliasInline(ReadOnlyInline, admin.TabularInline):
    model = ReturneeAlias
    extra = 0


# Searched by case number only: the admin's search travels in the URL, where a name must never be.
@admin.register(Returnee)
class ReturneeAdmin(CaseDataAdmin):
    list_display = ("case_number", "family_name", "given_name", "sex", "date_of_birth", "operation", "region")
    list_filter = ("operation", "region", "sex", "citizenship_status")
    list_select_related = ("operation", "region", "case")
    search_fields = ("case_number",)
    inlines = [ReturneeAliasInline]

    def case_id_of(self, obj):
        return obj.case.pk

    def get_queryset(self, request):
        # A record merged into another is in no list (ReturneeMerge below lists the merges).
        return super().get_queryset(request).unmerged()


class FamilyMemberInline(ReadOnlyInline, admin.TabularInline):
    model = FamilyMember
    extra = 0


@admin.register(Family)
class FamilyAdmin(CaseDataAdmin):
    list_display = ("name", "region", "locality")
    list_filter = ("region",)
    list_select_related = ("region",)
    inlines = [FamilyMemberInline]


@admin.register(Case)
class CaseAdmin(CaseDataAdmin):
    list_display = ("returnee", "worker", "status", "risk_level", "opened_on", "next_follow_up")
    list_filter = ("status", "risk_level", "returnee__operation", "returnee__region")
    list_select_related = ("returnee", "worker")
    search_fields = ("returnee__case_number",)

    def case_id_of(self, obj):
        return obj.pk

    def get_queryset(self, request):
        return super().get_queryset(request).unmerged()


@admin.register(ReturneeMerge)
class ReturneeMergeAdmin(CaseDataAdmin):
    """The merges of records, for administrators; undoing one is on its own page (the undo link)."""

    list_display = ("merged_case_number", "survivor_case_number", "merged_by", "merged_at", "undone_at", "undo_link")
    list_select_related = ("merged_by",)
    search_fields = ("merged_case_number", "survivor_case_number")
    exclude = ("moved", "created", "changed")

    def case_id_of(self, obj):
        return obj.survivor.case.pk

    @admin.display(description=_("Undo the merge"))
    def undo_link(self, obj):
        if not obj.can_still_be_undone():
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("cases:merge_undo", args=[obj.pk]), _("Undo the merge"))


@admin.register(Note)
class NoteAdmin(CaseDataAdmin):
    list_display = ("case", "contact_date", "kind", "author")
    list_filter = ("kind",)
    list_select_related = ("case__returnee", "author")


@admin.register(CaseEvent)
class CaseEventAdmin(CaseDataAdmin):
    """Events are history."""

    list_display = ("case", "kind", "actor", "created_at")
    list_filter = ("kind",)
    list_select_related = ("case__returnee", "actor")
