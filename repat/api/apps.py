from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/: the pages' rules (visibility, actions, audit) over HTTP and JSON,
    for partners and a field app. Personal and service tokens live here too."""

    name = "repat.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from repat.core import navigation

        from . import permissions, schema  # noqa: F401 - the schema's authentication schemes register on import

        navigation.register(
            "api_tokens",
            "api:tokens",
            _("API tokens"),
            visible=permissions.can_hold_tokens,
            place=navigation.ACCOUNT,
            order=60,
        )
