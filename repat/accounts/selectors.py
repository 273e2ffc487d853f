"""A user's second-factor devices (django-otp): one authenticator app, one set of recovery codes."""

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator_for(user) -> TOTPDevice | None:
    """The confirmed authenticator app, if the user has set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_for(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user) -> int:
    device = recovery_codes_for(user)
    return device.token_set.count() if device is not None else 0


def region_ids(user):
    """The regions a user works in, for filters: a list when it came with the signed-in user
    (PostgreSQL, see backends.py), so that the planner sees constants and reads the fitting index
    in order; otherwise a subquery."""
    known = getattr(user, "region_ids", None)
    return known if known is not None else user.regions.values("pk")
