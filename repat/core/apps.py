from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Cross-cutting pieces with no domain of their own: middleware, form helpers, sequences."""

    name = "repat.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import admin, choices

        choices.connect()
        # After django.contrib.admin's ready() (listed first) has loaded every admin module.
        admin.check_every_search()
