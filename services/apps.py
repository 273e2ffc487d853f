from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    """Service catalogue, providers and referrals (built in the referrals issue)."""

    name = "services"
    verbose_name = _("Services")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from repat.core import navigation

        from . import (
            indicators,  # noqa: F401 - the indicators on referrals join the caseload's filter
            permissions,
        )

        def provider_staff(user) -> bool:
            return permissions.provider_of(user) is not None

        def referrals(user) -> str:
            return gettext("Incoming referrals") if provider_staff(user) else gettext("Referrals")

        def providers(user) -> bool:
            return permissions.can_coordinate(user) or permissions.can_override_consent(user)

        navigation.register("referrals", "services:queue", referrals, order=30, home=True, icon="send")
        navigation.register(
            "providers", "services:providers", _("Providers"), visible=providers, order=50, icon="building"
        )
        navigation.register(
            "consent_overrides",
            "services:consent_overrides",
            _("Consent overrides"),
            visible=permissions.can_override_consent,
            order=90,
            icon="shield-exclamation",
        )
        navigation.register_flag("provider_staff", provider_staff)  # the referral list's heading
