from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Organisation, Region, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "is_active", "regions")
    list_select_related = ("organisation",)
    filter_horizontal = ("regions", "groups", "user_permissions")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Repat"), {"fields": ("role", "organisation", "regions", "language")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Repat"), {"fields": ("role", "organisation", "regions")}))


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "name_ru", "name_ky", "kind", "parent")
    list_filter = ("kind",)
    list_select_related = ("parent",)
    search_fields = ("name", "name_ru", "name_ky")
