from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TodayConfig(AppConfig):
    """Each person's home page: what needs them today, from the other apps' querysets and rules."""

    name = "repat.today"
    label = "today"
    verbose_name = _("Today")

    def ready(self) -> None:
        from cases.permissions import can_use_caseload
        from repat.core import navigation

        # First of the home entries: the brand and the sign-in lead here (provider staff, who work
        # from their referrals, are not offered it and land on those).
        navigation.register("today", "today:home", _("Today"), visible=can_use_caseload, order=5, home=True)
