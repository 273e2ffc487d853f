"""Second-factor helpers for tests: a user's authenticator app and the codes it would show."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator app (made if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code the app shows now (or `steps_ahead` time steps later: still accepted, as the device
    tolerates one step of clock difference)."""
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead).token()
    return f"{token:0{device.digits}d}"


def pass_second_factor(client, user) -> None:
    """Mark the test client's session as having passed the second factor, as the code page does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
