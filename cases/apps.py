from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from repat.accounts.backends import load_with_user

        from .permissions import holds_emergency_access

        load_with_user("has_emergency_access", holds_emergency_access)  # spares most users a query
