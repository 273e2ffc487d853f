"""Two-factor sign-in (django-otp): required for supervisors, administrators and admin-site users,
optional for everyone else; codes that work once; recovery codes; throttled wrong codes."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from repat.accounts import sessions
from repat.accounts.models import User
from repat.accounts.permissions import two_factor_required
from repat.audit.models import AuditEvent
from tests.factories import UserFactory

from .helpers import authenticator, pass_second_factor, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"
INVALID = "This code is not valid or was already used. Check your phone's clock and try again."


def sign_in(client, user, next_url=""):
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.username, "password": PASSWORD})


def enter(client, code, url=None):
    return client.post(url or reverse("accounts:two_factor_verify"), {"code": code})


def code_errors(response) -> list[str]:
    return response.context["form"].errors.get("code", [])


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Who must ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "required"),
    [
        ({"role": User.Role.SOCIAL_WORKER}, False),
        ({"role": User.Role.COORDINATOR}, False),
        ({"role": User.Role.PROVIDER}, False),
        ({"role": User.Role.SUPERVISOR}, True),
        ({"role": User.Role.ADMINISTRATOR}, True),
        ({"role": User.Role.SOCIAL_WORKER, "is_superuser": True}, True),
        ({"role": User.Role.COORDINATOR, "is_staff": True}, True),
    ],
)
def test_who_must_use_two_factor_sign_in(fields, required):
    assert two_factor_required(UserFactory(**fields)) is required


# --- Setting it up -----------------------------------------------------------------------------------


def test_a_supervisor_without_an_app_is_sent_to_set_one_up_and_can_go_nowhere_else(client, supervisor, case):
    # Given a supervisor with no authenticator app
    # When they sign in with their password, asking for a case page
    response = sign_in(client, supervisor, next_url=case.get_absolute_url())

    # Then they are sent to the setup page, which remembers where they were going
    setup = reverse("accounts:two_factor_setup")
    assert response.status_code == 302
    assert response["Location"] == f"{setup}?next={case.get_absolute_url().replace('/', '%2F')}"

    # And every other page, the admin site included, sends them back there
    for url in (
        reverse("cases:caseload"),
        case.get_absolute_url(),
        reverse("admin:index"),
        reverse("reports:report_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(setup), url


def test_the_setup_page_shows_a_qr_code_drawn_on_the_server_and_the_key(client, supervisor):
    # Given a supervisor signed in with their password
    sign_in(client, supervisor)

    # When they open the setup page
    response = client.get(reverse("accounts:two_factor_setup"))

    # Then it shows the QR code as inline SVG (no script, no image request) and the key in text
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=supervisor)
    assert not device.confirmed
    assert '<svg class="qr-code" role="img" ' in page
    assert "<script>" not in page
    secret = response.context["secret"]
    assert secret.replace(" ", "") in device.config_url
    assert f'<p class="font-monospace fs-5" id="totp-secret">{secret}</p>' in page
    assert "otpauth://totp/Repat%3Asupervisor-a?" in device.config_url

    # And reloading the page keeps the same key (a code already scanned stays valid)
    client.get(reverse("accounts:two_factor_setup"))
    assert TOTPDevice.objects.get(user=supervisor).pk == device.pk


def test_setting_up_confirms_the_app_shows_ten_recovery_codes_once_and_opens_the_site(client, supervisor, case):
    # Given a supervisor on the setup page, coming from a case page
    sign_in(client, supervisor, next_url=case.get_absolute_url())
    setup = f"{reverse('accounts:two_factor_setup')}?next={case.get_absolute_url()}"
    client.get(setup)
    device = TOTPDevice.objects.get(user=supervisor)

    # When they enter a wrong code
    wrong = enter(client, "000000" if totp_code(device) != "000000" else "111111", url=setup)

    # Then nothing is confirmed
    assert code_errors(wrong) == [INVALID]
    device.refresh_from_db()
    assert not device.confirmed

    # When they enter the code their app shows (after the wrong one's one-second wait)
    device.throttle_reset()
    response = enter(client, totp_code(device), url=setup)

    # Then the app is confirmed and the session has passed the second factor
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    # And ten recovery codes are shown, once
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    codes = codes_page.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=supervisor).values_list("token", flat=True)) == codes
    assert all(code in codes_page.content.decode() for code in codes)
    assert codes_page.context["continue_url"] == case.get_absolute_url()
    again = client.get(reverse("accounts:recovery_codes"))
    assert again.context["codes"] is None
    assert not any(code in again.content.decode() for code in codes)
    # And the site is open
    assert client.get(case.get_absolute_url()).status_code == 200
    # And the trail says so
    assert AuditEvent.objects.filter(action="permission", actor=supervisor, detail="two-factor on").count() == 1


def test_a_worker_may_sign_in_without_two_factor_and_may_turn_it_on(client, worker):
    # Given a worker without an authenticator app
    # When they sign in
    response = sign_in(client, worker)

    # Then they are in, no second step
    assert response["Location"] == reverse("today:home")
    assert client.get(reverse("cases:caseload")).status_code == 200
    # And their Two-factor sign-in page offers to set it up
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Two-factor sign-in is off." in page
    assert reverse("accounts:two_factor_setup") in page

    # When they set it up
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=worker)
    enter(client, totp_code(device), url=reverse("accounts:two_factor_setup"))

    # Then their next sign-in asks for a code
    client.post(reverse("accounts:logout"))
    response = sign_in(client, worker)
    assert response["Location"] == f"{reverse('accounts:two_factor_verify')}?next=%2Ftoday%2F"
    assert client.get(reverse("cases:caseload"))["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_the_password_alone_cannot_replace_an_app(client, worker):
    # Given a worker with an authenticator app, signed in with the password only
    authenticator(worker)
    sign_in(client, worker)

    # When they (or someone with their password) open the setup page to register another app
    response = client.get(reverse("accounts:two_factor_setup"))

    # Then they are asked for a code from the app they have, and no new app is started
    assert response["Location"] == reverse("accounts:two_factor_verify")
    assert TOTPDevice.objects.filter(user=worker).count() == 1


def test_moving_to_a_new_phone_replaces_the_old_app(client, supervisor, client_for):
    # Given a supervisor whose session passed their app
    client = client_for(supervisor)
    old = authenticator(supervisor)

    # When they set up a new phone
    client.get(reverse("accounts:two_factor_setup"))
    new = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    enter(client, totp_code(new), url=reverse("accounts:two_factor_setup"))

    # Then only the new one works
    assert list(TOTPDevice.objects.filter(user=supervisor).values_list("pk", flat=True)) == [new.pk]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


# --- Signing in with it ------------------------------------------------------------------------------


def test_a_supervisor_with_an_app_is_asked_for_a_code_before_anything_else(client, supervisor, case):
    # Given a supervisor with an authenticator app
    device = authenticator(supervisor)

    # When they sign in with their password
    response = sign_in(client, supervisor, next_url=case.get_absolute_url())

    # Then they must enter a code first, for any page and the admin site
    verify = reverse("accounts:two_factor_verify")
    assert response["Location"].startswith(verify)
    for url in (case.get_absolute_url(), reverse("admin:index"), reverse("accounts:two_factor")):
        assert client.get(url)["Location"].startswith(verify), url
    # And the code page shows no menu
    page = client.get(verify).content.decode()
    assert '<li class="nav-item"><a class="nav-link"' not in page
    assert reverse("reminders:list") not in page

    # When they enter the code from the app
    key_before = client.session.session_key
    response = enter(client, totp_code(device), url=response["Location"])

    # Then they go where they were going, in a session with a new key
    assert response["Location"] == case.get_absolute_url()
    assert client.get(case.get_absolute_url()).status_code == 200
    assert client.session.session_key != key_before


def test_the_admin_site_needs_the_second_factor_too(client, administrator, client_for):
    # Given an administrator signed in with the password only
    client.force_login(administrator)
    authenticator(administrator)

    # Then the admin site sends them to the code page
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:two_factor_verify"))

    # And once the session has passed it, the admin site opens
    assert client_for(administrator).get(reverse("admin:index")).status_code == 200


def test_a_code_works_only_once(client, supervisor):
    # Given a supervisor who signed in with the code their app shows now
    device = authenticator(supervisor)
    code = totp_code(device)
    sign_in(client, supervisor)
    assert enter(client, code).status_code == 302

    # When someone who saw that code signs in on another computer with it
    other = Client()
    sign_in(other, supervisor)
    response = enter(other, code)

    # Then it is refused
    assert response.status_code == 200
    assert code_errors(response) == [INVALID]
    assert DEVICE_ID_SESSION_KEY not in other.session


def test_a_recovery_code_works_once(client, supervisor):
    # Given a supervisor with an app and recovery codes, who lost their phone
    authenticator(supervisor)
    recovery = StaticDevice.objects.create(user=supervisor, name="Recovery codes")
    recovery.token_set.create(token="abcd2345")
    recovery.token_set.create(token="efgh6789")

    # When they sign in with a recovery code
    sign_in(client, supervisor)
    response = enter(client, "abcd 2345")

    # Then they are in, told how many codes are left
    assert response["Location"] == reverse("today:home")
    assert flashed(response) == ["You used a recovery code; 1 is left. Make new ones on the Two-factor sign-in page."]
    assert client.session[DEVICE_ID_SESSION_KEY] == recovery.persistent_id
    assert client.get(reverse("cases:caseload")).status_code == 200

    # When the same code is used again
    other = Client()
    sign_in(other, supervisor)
    again = enter(other, "abcd2345")

    # Then it is refused
    assert code_errors(again) == [INVALID]
    assert list(recovery.token_set.values_list("token", flat=True)) == ["efgh6789"]


def test_wrong_codes_make_the_next_try_wait(client, supervisor):
    # Given a supervisor at the code page
    device = authenticator(supervisor)
    sign_in(client, supervisor)
    right = totp_code(device)
    wrong = "123456" if right != "123456" else "654321"

    # When they enter a wrong code
    first = enter(client, wrong)

    # Then it is refused and recorded as a failed sign-in
    assert code_errors(first) == [INVALID]
    assert AuditEvent.objects.filter(action="login_failed", actor=supervisor, detail="second factor").count() == 1

    # When they try again at once, even with the right code
    hurried = enter(client, right)

    # Then they are told to wait
    [message] = code_errors(hurried)
    assert message.startswith("Too many wrong codes. Wait until ")
    assert message.endswith(" and try again.")
    assert DEVICE_ID_SESSION_KEY not in client.session

    # And each further failure doubles the wait
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=2)
    device.save()
    enter(client, wrong)
    device.refresh_from_db()
    assert device.throttling_failure_count == 2

    # When the wait is over
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=3)
    device.save()
    response = enter(client, right)

    # Then the right code works
    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_signing_out_works_before_the_second_factor(client, supervisor):
    # Given a supervisor waiting at the code page
    authenticator(supervisor)
    sign_in(client, supervisor)

    # When they sign out
    response = client.post(reverse("accounts:logout"))

    # Then they are out
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_before_the_second_factor_loads_the_code_page_whole(client, supervisor):
    # Given a supervisor signed in with the password only
    authenticator(supervisor)
    sign_in(client, supervisor)

    # When an htmx fragment is asked for
    response = client.get(reverse("cases:caseload"), headers={"HX-Request": "true"})

    # Then htmx is told to load the code page instead of swapping it into the fragment
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:two_factor_verify")


# --- Managing it -------------------------------------------------------------------------------------


def verified_client(user) -> Client:
    """A client of its own, signed in as `user` with an app the session has passed."""
    client = Client()
    client.force_login(user)
    pass_second_factor(client, user)
    return client


def test_a_worker_can_turn_two_factor_off_but_a_supervisor_cannot(worker, supervisor):
    # Given a worker and a supervisor, each with an app
    worker_client = verified_client(worker)

    # When the worker turns it off
    response = worker_client.post(reverse("accounts:two_factor_disable"))

    # Then it is off
    assert flashed(response) == ["Two-factor sign-in is off."]
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert AuditEvent.objects.filter(action="permission", actor=worker, detail="two-factor off").count() == 1

    # When the supervisor tries
    supervisor_client = verified_client(supervisor)
    page = supervisor_client.get(reverse("accounts:two_factor")).content.decode()
    response = supervisor_client.post(reverse("accounts:two_factor_disable"))

    # Then the page does not offer it and it is refused
    assert reverse("accounts:two_factor_disable") not in page
    assert flashed(response) == ["Your role requires two-factor sign-in; it cannot be turned off."]
    assert TOTPDevice.objects.filter(user=supervisor).exists()


def test_new_recovery_codes_replace_the_old_ones(client_for, supervisor):
    # Given a supervisor with recovery codes
    client = client_for(supervisor)
    old = StaticDevice.objects.create(user=supervisor, name="Recovery codes")
    old.token_set.create(token="oldcode1")

    # When they ask for new ones
    response = client.post(reverse("accounts:recovery_codes_renew"))

    # Then ten new codes are shown once and the old one no longer works
    codes = client.get(response["Location"]).context["codes"]
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token="oldcode1").exists()
    assert sorted(StaticToken.objects.filter(device__user=supervisor).values_list("token", flat=True)) == codes
    assert client.get(reverse("accounts:two_factor")).context["recovery_codes_left"] == 10


def test_turning_off_or_renewing_codes_needs_a_recent_password(worker, supervisor):
    # Given users whose sign-in was more than ten minutes ago
    for user, url in ((worker, "accounts:two_factor_disable"), (supervisor, "accounts:recovery_codes_renew")):
        client = verified_client(user)
        session = client.session
        session[sessions.LOGIN_AT] -= 11 * 60
        session.save()

        # When they ask
        response = client.post(reverse(url))

        # Then they are asked for their password first, and come back to the Two-factor page
        assert response["Location"] == f"{reverse('accounts:confirm_password')}?next=/accounts/two-factor/"
        assert TOTPDevice.objects.filter(user=user).exists()
