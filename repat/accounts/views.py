from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import RedirectURLMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView, View
from django.views.i18n import set_language as django_set_language

from . import actions, selectors, sessions
from .forms import ConfirmPasswordForm, LoginForm, TokenForm
from .middleware import second_step_url, two_factor_exempt
from .permissions import two_factor_required

# Recovery codes just made, kept in the session only until the page that shows them once.
NEW_RECOVERY_CODES = "repat_new_recovery_codes"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # Straight to the second step when there is one (the middleware would send them anyway).
        url = second_step_url(self.request.user, self.get_success_url())
        return HttpResponseRedirect(url) if url else response


def locked_out(request, response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the login page saying why, the same
    for a username that exists and one that does not. A signed-in user who fails their password
    confirmation this often is signed out."""
    if request.user.is_authenticated:
        logout(request)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed sign-in attempts. Signing in is blocked for %(minutes)d minute; "
        "try again later or ask an administrator to unblock it.",
        "Too many failed sign-in attempts. Signing in is blocked for %(minutes)d minutes; "
        "try again later or ask an administrator to unblock it.",
        minutes,
    ) % {"minutes": minutes}
    form = LoginForm(request)
    if request.path != reverse(settings.LOGIN_URL):
        # Locked out elsewhere (password confirmation): the form signs in from the login page.
        form.helper.form_action = reverse(settings.LOGIN_URL)
    context = {"form": form, "lockout_message": message}
    return render(request, "accounts/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


@method_decorator(two_factor_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """Sign out (POST only), also before the second factor."""


class TwoFactorVerifyView(RedirectURLMixin, FormView):
    """The second step of signing in: a code from the authenticator app or a recovery code."""

    template_name = "accounts/two_factor_verify.html"
    form_class = TokenForm
    next_page = settings.LOGIN_REDIRECT_URL

    @method_decorator(two_factor_exempt)
    @method_decorator(sensitive_post_parameters("code"))
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_verified():
            return HttpResponseRedirect(self.get_success_url())
        self.authenticator = selectors.authenticator_for(request.user)
        if self.authenticator is None:
            # Nothing to verify with: set one up (required roles) or carry on.
            url = second_step_url(request.user, self.get_redirect_url())
            return HttpResponseRedirect(url or self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        devices = [self.authenticator, selectors.recovery_codes_for(self.request.user)]
        return {**super().get_form_kwargs(), "user": self.request.user, "devices": devices}

    def form_valid(self, form):
        django_otp.login(self.request, form.device)
        # A more trusted session gets a new key, as a sign-in does.
        self.request.session.cycle_key()
        if form.device.persistent_id != self.authenticator.persistent_id:
            left = selectors.recovery_codes_left(self.request.user)
            messages.warning(
                self.request,
                ngettext(
                    "You used a recovery code; %(count)d is left. Make new ones on the Two-factor sign-in page.",
                    "You used a recovery code; %(count)d are left. Make new ones on the Two-factor sign-in page.",
                    left,
                )
                % {"count": left},
            )
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        if form.has_error("code", "invalid"):
            actions.second_factor_failed(user=self.request.user, request=self.request)
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(two_factor_pending=True, next=self.get_redirect_url(), **kwargs)


class TwoFactorSetupView(RedirectURLMixin, FormView):
    """Set up an authenticator app: scan the QR code (or type the key), then enter a code to confirm.
    Also replaces the app of a user who has one, once their session has passed it."""

    template_name = "accounts/two_factor_setup.html"
    form_class = TokenForm
    next_page = settings.LOGIN_REDIRECT_URL

    @method_decorator(two_factor_exempt)
    @method_decorator(sensitive_post_parameters("code"))
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_verified() and selectors.has_authenticator(request.user):
            # The password alone must not be enough to replace the second factor.
            return redirect("accounts:two_factor_verify")
        self.device = actions.authenticator_pending(user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "devices": [self.device],
            "submit_label": _("Turn on two-factor sign-in"),
        }

    def form_valid(self, form):
        try:
            codes = actions.two_factor_enable(device=self.device, request=self.request)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        django_otp.login(self.request, self.device)
        self.request.session.cycle_key()
        self.request.session[NEW_RECOVERY_CODES] = codes
        return HttpResponseRedirect(recovery_codes_url(self.get_redirect_url()))

    def get_context_data(self, **kwargs):
        secret = b32encode(self.device.bin_key).decode()
        return super().get_context_data(
            qr_code=qr_svg(self.device.config_url),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            two_factor_pending=not self.request.user.is_verified() and two_factor_required(self.request.user),
            next=self.get_redirect_url(),
            **kwargs,
        )


def qr_svg(data: str) -> str:
    """A QR code as inline SVG, drawn here: no script, no image request, nothing leaves the server."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    # The SVG holds only path data computed from `data`; no text of it is copied into markup.
    return mark_safe(svg.replace("<svg ", '<svg class="qr-code" role="img" ', 1))


def recovery_codes_url(next_url: str) -> str:
    url = reverse("accounts:recovery_codes")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class RecoveryCodesView(RedirectURLMixin, TemplateView):
    """Shows the recovery codes just made, once."""

    template_name = "accounts/recovery_codes.html"
    next_page = settings.LOGIN_REDIRECT_URL

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            codes=self.request.session.pop(NEW_RECOVERY_CODES, None),
            left=selectors.recovery_codes_left(self.request.user),
            continue_url=self.get_success_url(),
            **kwargs,
        )


class TwoFactorView(TemplateView):
    """The user's own "Two-factor sign-in" page: whether it is on, recovery codes left, and the
    buttons to set it up, renew the codes, change phone or (where the role allows) turn it off."""

    template_name = "accounts/two_factor.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            authenticator=selectors.authenticator_for(user),
            recovery_codes_left=selectors.recovery_codes_left(user),
            required=two_factor_required(user),
            **kwargs,
        )


class RecoveryCodesRenewView(sessions.RecentAuthRequiredMixin, View):
    http_method_names = ["post"]

    def get_reauth_next_url(self):
        return reverse("accounts:two_factor")

    def post(self, request):
        try:
            codes = actions.recovery_codes_renew(user=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:two_factor")
        request.session[NEW_RECOVERY_CODES] = codes
        return HttpResponseRedirect(recovery_codes_url(reverse("accounts:two_factor")))


class TwoFactorDisableView(sessions.RecentAuthRequiredMixin, View):
    http_method_names = ["post"]

    def get_reauth_next_url(self):
        return reverse("accounts:two_factor")

    def post(self, request):
        try:
            actions.two_factor_disable(user=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Two-factor sign-in is off."))
        return redirect("accounts:two_factor")


class ConfirmPasswordView(RedirectURLMixin, FormView):
    """Enter the password again before something large (an export): sets the session's
    `reauthenticated_at`, then goes back to ?next=."""

    template_name = "accounts/confirm_password.html"
    form_class = ConfirmPasswordForm
    next_page = settings.LOGIN_REDIRECT_URL

    @method_decorator(sensitive_post_parameters("password"))
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        sessions.mark_reauthenticated(self.request)
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.get_redirect_url(), **kwargs)


@login_not_required
@require_POST
def set_language(request):
    """Django's set_language (cookie), and for a signed-in user also their saved preference, so
    the choice follows them to another device and to e-mails."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response
