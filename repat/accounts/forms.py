from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.models import VerifyNotAllowed


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("login", _("Sign in"), css_class="w-100"))


class TokenForm(forms.Form):
    """A code from the authenticator app, or one recovery code, checked against the user's devices.

    Wrong codes in a row make the device wait before the next try (django-otp's throttling); a
    code that worked is spent (TOTP: the time step is remembered; recovery code: deleted)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    error_messages = {
        "invalid": _("This code is not valid or was already used. Check your phone's clock and try again."),
        "throttled": _("Too many wrong codes. Wait until %(time)s and try again."),
    }

    def __init__(self, *args, user, devices, submit_label=None, **kwargs):
        """`devices`: the devices a code may be for, in order (TOTP first, then recovery codes)."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.devices = [device for device in devices if device is not None]
        self.device = None
        self.helper = FormHelper()
        self.helper.add_input(Submit("verify", submit_label or _("Verify"), css_class="w-100"))

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).lower()
        device = self._device_for(code)
        if device is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        allowed, details = device.verify_is_allowed()
        if not allowed:
            if details and details.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
                until = formats.time_format(timezone.localtime(details["locked_until"]), "TIME_FORMAT")
                raise forms.ValidationError(self.error_messages["throttled"], code="throttled", params={"time": until})
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # verify_token locks the device row, so two requests cannot spend the same code.
        self.device = verify_token(self.user, device.persistent_id, code)
        if self.device is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return code

    def _device_for(self, code: str):
        # Authenticator codes are digits; recovery codes are letters and digits.
        wanted = "totp" if code.isdigit() else "static"
        for device in self.devices:
            if device._meta.model_name.startswith(wanted):
                return device
        return None


class ConfirmPasswordForm(forms.Form):
    """The signed-in user's own password, checked like a sign-in (so failures count to the lockout
    and are audited)."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.helper = FormHelper()
        self.helper.add_input(Submit("confirm", _("Confirm"), css_class="w-100"))

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        authenticated = authenticate(self.request, username=user.get_username(), password=password)
        if authenticated is None or authenticated.pk != user.pk:
            raise forms.ValidationError(_("The password is not correct."), code="invalid")
        return password
