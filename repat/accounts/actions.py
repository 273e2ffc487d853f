"""Changes to how a user signs in. Each writes an audit row in the same transaction."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from repat.audit.actions import record
from repat.audit.models import AuditEvent

from .permissions import two_factor_required


@transaction.atomic
def authenticator_pending(*, user) -> TOTPDevice:
    """The not yet confirmed authenticator app the setup page shows, the same one on every reload
    (so that a scanned code stays valid), created on first visit."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice(user=user, name="Authenticator app", confirmed=False)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def two_factor_enable(*, device: TOTPDevice, request=None) -> list[str]:
    """Confirm an authenticator app whose code the user has just entered. Any earlier app of the
    user stops working, and the recovery codes are replaced; returns the new codes (shown once)."""
    if device.pk is None:
        raise ValidationError(_("This authenticator is not known."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    codes = _new_recovery_codes(device.user)
    record(
        actor=device.user, action=AuditEvent.Action.PERMISSION, obj=device.user, detail="two-factor on", request=request
    )
    return codes


@transaction.atomic
def recovery_codes_renew(*, user, request=None) -> list[str]:
    """New recovery codes for a user with an authenticator app; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Set up two-factor sign-in first."))
    codes = _new_recovery_codes(user)
    record(actor=user, action=AuditEvent.Action.PERMISSION, obj=user, detail="recovery codes renewed", request=request)
    return codes


@transaction.atomic
def two_factor_disable(*, user, request=None) -> None:
    """Remove a user's authenticator app and recovery codes. Not for roles that require them
    (an administrator resets a lost phone by deleting the device in the admin site)."""
    if two_factor_required(user):
        raise ValidationError(_("Your role requires two-factor sign-in; it cannot be turned off."))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(actor=user, action=AuditEvent.Action.PERMISSION, obj=user, detail="two-factor off", request=request)


def second_factor_failed(*, user, request=None) -> None:
    """A wrong second-factor code after a correct password: audited like a failed sign-in."""
    record(actor=user, action=AuditEvent.Action.LOGIN_FAILED, obj=user, detail="second factor", request=request)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes: set[str] = set()
    while len(codes) < settings.REPAT_RECOVERY_CODES:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in sorted(codes))
    return sorted(codes)
