from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    """Follow-up reminders and escalation: what is due, who is told, and how (in-app, e-mail)."""

    name = "repat.reminders"
    label = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from repat.accounts.backends import load_with_user
        from repat.core import notifications

        from .actions import notify, notify_many
        from .selectors import unread_count_of_each_user

        notifications.deliver_with(notify, many=notify_many)  # the platform and the apps below notify through this
        load_with_user("unread_reminders", unread_count_of_each_user)  # for the bell on every page
