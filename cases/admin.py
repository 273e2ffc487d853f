from django.contrib import admin

from .models import Case, CaseEvent, CaseSettings, Family, FamilyMember, Note, Operation, Returnee, ReturneeAlias


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


class ReturneeAliasInline(admin.TabularInline):
    model = ReturneeAlias
    extra = 0


@admin.register(Returnee)
class ReturneeAdmin(admin.ModelAdmin):
    list_display = ("case_number", "family_name", "given_name", "sex", "date_of_birth", "operation", "region")
    list_filter = ("operation", "region", "sex", "citizenship_status")
    list_select_related = ("operation", "region")
    search_fields = ("case_number", "family_name", "given_name", "aliases__name")
    raw_id_fields = ("district",)
    inlines = [ReturneeAliasInline]


class FamilyMemberInline(admin.TabularInline):
    model = FamilyMember
    extra = 0
    raw_id_fields = ("returnee",)


@admin.register(Family)
class FamilyAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "locality")
    list_filter = ("region",)
    list_select_related = ("region",)
    search_fields = ("name",)
    inlines = [FamilyMemberInline]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("returnee", "worker", "status", "risk_level", "opened_on", "next_follow_up")
    list_filter = ("status", "risk_level", "returnee__operation", "returnee__region")
    list_select_related = ("returnee", "worker")
    search_fields = ("returnee__case_number", "returnee__family_name")
    raw_id_fields = ("returnee",)


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("case", "contact_date", "kind", "author")
    list_filter = ("kind",)
    list_select_related = ("case__returnee", "author")
    raw_id_fields = ("case",)


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    """Read-only: events are history."""

    list_display = ("case", "kind", "actor", "created_at")
    list_filter = ("kind",)
    list_select_related = ("case__returnee", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
