from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import sessions
from .permissions import two_factor_required
from .selectors import has_authenticator


class UserLanguageMiddleware:
    """Use the language a signed-in user chose last, on any device. Runs after LocaleMiddleware and
    authentication; a language cookie for this request (just switched) still wins."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""

        if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def _navigate(request, response):
    """htmx swaps a redirect's page into the fragment it asked for; make it load the whole page."""
    if request.headers.get("HX-Request"):
        navigate = HttpResponse(status=204)
        navigate["HX-Redirect"] = response["Location"]
        return navigate
    return response


class SessionTimeoutMiddleware:
    """A signed-in session ends after REPAT_SESSION_IDLE_MINUTES without a request, and in any case
    REPAT_SESSION_MAX_HOURS after sign-in: the server session is flushed (logout) and the login page
    says why. Runs after MessageMiddleware (for that message)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = sessions.ended(request)
            if reason is not None:
                return self._end(request, reason)
            sessions.touch(request)
        return self.get_response(request)

    def _end(self, request, reason: str):
        logout(request)
        if reason == "idle":
            message = _("You were signed out after %(minutes)d minutes without activity. Please sign in again.") % {
                "minutes": settings.REPAT_SESSION_IDLE_MINUTES
            }
        else:
            message = _("You were signed out because you signed in %(hours)d hours ago. Please sign in again.") % {
                "hours": settings.REPAT_SESSION_MAX_HOURS
            }
        messages.warning(request, message)
        next_url = request.get_full_path() if request.method == "GET" and not request.headers.get("HX-Request") else ""
        return _navigate(request, redirect_to_login(next_url or "/", reverse(settings.LOGIN_URL)))


def two_factor_exempt(view):
    """Mark a view a signed-in user may use before passing the second factor (verify, set up,
    sign out). Public views (@login_not_required) are exempt already."""
    view.two_factor_exempt = True
    return view


def second_step_url(user, next_url: str = "") -> str | None:
    """Where a signed-in but unverified user must go first: the code page if they have an
    authenticator app, the setup page if their role requires one, otherwise nowhere (None)."""
    known = getattr(user, "has_confirmed_authenticator", None)  # loaded with the user (backends.py)
    if known if known is not None else has_authenticator(user):
        name = "accounts:two_factor_verify"
    elif two_factor_required(user):
        name = "accounts:two_factor_setup"
    else:
        return None
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class TwoFactorMiddleware:
    """Until the session has passed the second factor, a user who has an authenticator app, or whose
    role requires one, reaches only the pages to verify or set it up (and sign out). The admin site
    is covered too: it is reached after the same sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if not getattr(view_func, "login_required", True) or getattr(view_func, "two_factor_exempt", False):
            return None
        next_url = request.get_full_path() if request.method == "GET" and not request.headers.get("HX-Request") else ""
        url = second_step_url(user, next_url)
        if url is None:
            return None
        return _navigate(request, redirect(url))
