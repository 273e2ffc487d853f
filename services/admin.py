"""The service catalogue and the providers (with their contacts and staff) are configuration that
administrators keep here. Referrals are case data: read-only here, reads audited; they move through
their workflow on the site, where every step is recorded and the consent gate applies."""

from django.contrib import admin

from repat.audit.readonly import CaseDataAdmin

from .models import Provider, ProviderContact, ProviderStaff, Referral, ServiceCategory, ServiceType


class ServiceTypeInline(admin.TabularInline):
    model = ServiceType
    extra = 0
    fields = ("code", "name", "name_ru", "name_ky", "days_to_accept", "days_to_complete", "is_active")


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_ru", "name_ky", "position")
    inlines = [ServiceTypeInline]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "days_to_accept", "days_to_complete", "is_active")
    list_filter = ("category", "is_active")
    list_select_related = ("category",)
    search_fields = ("code", "name", "name_ru", "name_ky")


class ProviderContactInline(admin.TabularInline):
    model = ProviderContact
    extra = 0


class ProviderStaffInline(admin.TabularInline):
    model = ProviderStaff
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "name_ru", "name_ky", "kind", "capacity", "accepting_referrals")
    list_filter = ("kind", "accepting_referrals", "regions")
    search_fields = ("name", "name_ru", "name_ky")
    filter_horizontal = ("regions", "service_types")
    inlines = [ProviderContactInline, ProviderStaffInline]


@admin.register(Referral)
class ReferralAdmin(CaseDataAdmin):
    list_display = ("service_type", "case", "status", "provider", "region", "created_at")
    list_filter = ("status", "service_type__category", "region", "provider")
    list_select_related = ("service_type", "case__returnee", "provider", "region")
