from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    """Service catalogue, providers and referrals (built in the referrals issue)."""

    name = "services"
    verbose_name = _("Services")
