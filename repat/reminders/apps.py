from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    """Follow-up reminders and escalation: what is due, who is told, and how (in-app, e-mail)."""

    name = "repat.reminders"
    label = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from repat.core import notifications

        from .actions import notify

        notifications.deliver_with(notify)  # the platform and the apps below notify through this
