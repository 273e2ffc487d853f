"""What a session remembers about its sign-in, and the checks built on it: idle and absolute
limits (SessionTimeoutMiddleware) and "confirm your password" before large exports.

Times are Unix timestamps (the session is JSON)."""

import time

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

LOGIN_AT = "repat_login_at"
LAST_SEEN = "repat_last_seen"
REAUTHENTICATED_AT = "reauthenticated_at"
# Written at most this often, so that ordinary page views do not rewrite the session row.
LAST_SEEN_RESOLUTION = 60


def now() -> float:
    return time.time()


def session_started(request) -> None:
    """A password sign-in (django.contrib.auth.login, which has already given the session a new
    key). The second factor, if any, is still to come."""
    session = request.session
    session[LOGIN_AT] = session[LAST_SEEN] = int(now())
    session.pop(REAUTHENTICATED_AT, None)
    session.pop(DEVICE_ID_SESSION_KEY, None)


def ended(request) -> str | None:
    """Why this signed-in session is over ("idle", "lifetime") or None while it is still valid."""
    session = request.session
    at = now()
    login_at = session.get(LOGIN_AT)
    last_seen = session.get(LAST_SEEN, login_at)
    if login_at is None:
        # Signed in before these limits existed, or by other means: the clock starts now.
        return None
    if at - login_at > settings.REPAT_SESSION_MAX_HOURS * 3600:
        return "lifetime"
    if last_seen is not None and at - last_seen > settings.REPAT_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


def touch(request) -> None:
    session = request.session
    at = int(now())
    session.setdefault(LOGIN_AT, at)
    if at - session.get(LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN] = at


def recently_authenticated(request, minutes: int | None = None) -> bool:
    """Did the user sign in or confirm their password in the last `minutes` (REPAT_REAUTH_MINUTES)?"""
    if minutes is None:
        minutes = settings.REPAT_REAUTH_MINUTES
    session = request.session
    last = max(session.get(LOGIN_AT) or 0, session.get(REAUTHENTICATED_AT) or 0)
    return now() - last <= minutes * 60


def mark_reauthenticated(request) -> None:
    request.session[REAUTHENTICATED_AT] = int(now())


class RecentAuthRequiredMixin:
    """For views that hand out a lot at once (exports): unless the user signed in or confirmed their
    password recently, send them to confirm it first, then back here."""

    reauth_minutes: int | None = None

    def get_reauth_next_url(self) -> str:
        return self.request.get_full_path()

    def dispatch(self, request, *args, **kwargs):
        if not recently_authenticated(request, self.reauth_minutes):
            return redirect_to_login(self.get_reauth_next_url(), reverse("accounts:confirm_password"))
        return super().dispatch(request, *args, **kwargs)
