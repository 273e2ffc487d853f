from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "repat.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from repat.core import navigation

        from . import signals  # noqa: F401 - connects the sign-in receivers

        def staff(user) -> bool:
            return user.is_staff

        navigation.register("admin", "admin:index", _("Administration"), visible=staff, order=100, icon="gear")
        account = {"place": navigation.ACCOUNT}
        navigation.register(
            "password", "accounts:password_change", _("Change password"), order=10, icon="key", **account
        )
        navigation.register(
            "two_factor", "accounts:two_factor", _("Two-factor sign-in"), order=40, icon="phone", **account
        )
