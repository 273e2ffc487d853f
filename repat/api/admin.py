"""Administrators issue tokens to named accounts (a person, or a service account for a partner's
system) here; the key is shown once, on the page that follows, and never again."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import actions, permissions
from .models import ApiToken


class ApiTokenAdminForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "user", "scope", "expires_at"]

    def clean(self):
        data = super().clean()
        user = data.get("user")
        if user is not None and not permissions.can_be_issued_by_administrator(user):
            self.add_error(
                "user",
                _("This account must set up its second factor (authenticator app) before it may hold a token."),
            )
        if data.get("expires_at"):
            try:
                actions.check_expiry(data["expires_at"])
            except ValidationError as error:
                self.add_error("expires_at", error.message_dict["expires_at"])
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenAdminForm
    list_display = ["name", "prefix", "user", "scope", "expires_at", "last_used", "revoked_at", "created_by"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user", "created_by"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "user", "scope", "expires_at", "prefix", "created_by", "created_at", "last_used", "revoked_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, never deleted: the audit trail names them

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = actions.token_issue(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.cleaned_data["expires_at"],
            second_factor_passed=True,  # the admin site is reached only after the second factor
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("The key of token “%(name)s”, shown only now: %(key)s") % {"name": token.name, "key": key},
        )

    def save_related(self, request, form, formsets, change):
        pass

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            actions.token_revoke(actor=request.user, token=token)
            revoked += 1
        self.message_user(request, _("Tokens revoked: %(count)s") % {"count": revoked})
