"""Large exports ask for the password again unless the user signed in or confirmed it recently."""

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from repat.accounts import sessions
from repat.audit.models import AuditEvent
from tests.reports.factories import ProgressReportFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"


@pytest.fixture
def report(supervisor, chuy):
    report = ProgressReportFactory(
        created_by=supervisor, region=chuy, status="ready", progress=100, generated_at=timezone.now()
    )
    report.pdf_file.save("ready.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    report.save()
    return report


def age(client, minutes: int) -> None:
    """Make the session's sign-in `minutes` old (and its user active since)."""
    session = client.session
    session[sessions.LOGIN_AT] = int(sessions.now()) - minutes * 60
    session.save()


def download_url(report) -> str:
    return reverse("reports:report_download", args=[report.pk, "pdf"])


def test_a_download_right_after_signing_in_needs_no_password(client_for, supervisor, report):
    # Given a supervisor who signed in a minute ago
    client = client_for(supervisor)
    age(client, 1)

    # When they download a report
    response = client.get(download_url(report))

    # Then it comes
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_download_long_after_signing_in_asks_for_the_password_first(client_for, supervisor, report):
    # Given a supervisor who signed in 11 minutes ago
    client = client_for(supervisor)
    age(client, 11)
    url = download_url(report)

    # When they download a report
    response = client.get(url)

    # Then they are asked to confirm their password, and would come back here
    confirm = f"{reverse('accounts:confirm_password')}?next={url}"
    assert response["Location"] == confirm
    page = client.get(confirm)
    assert page.status_code == 200
    assert "Please enter your password again to continue." in page.content.decode()

    # When they type a wrong password
    wrong = client.post(confirm, {"password": "not-it"})

    # Then it says so, and the attempt is on record as a failed sign-in
    assert wrong.context["form"].errors["password"] == ["The password is not correct."]
    assert AuditEvent.objects.filter(action="login_failed", actor_name="supervisor-a").count() == 1
    assert client.get(url)["Location"] == confirm

    # When they type the right one
    right = client.post(confirm, {"password": PASSWORD})

    # Then they go back to the download, which now comes
    assert right["Location"] == url
    assert client.get(url).status_code == 200


def test_the_confirmation_only_goes_back_to_this_site(client_for, supervisor):
    client = client_for(supervisor)
    response = client.post(f"{reverse('accounts:confirm_password')}?next=https://evil.example/", {"password": PASSWORD})
    assert response["Location"] == reverse("today:home")


def test_failing_the_confirmation_five_times_signs_the_user_out(client_for, supervisor):
    # Given a signed-in supervisor (or someone at their unlocked computer)
    client = client_for(supervisor)
    confirm = reverse("accounts:confirm_password")

    # When the password is typed wrong five times
    responses = [client.post(confirm, {"password": "guess"}, REMOTE_ADDR="10.9.9.9") for _ in range(5)]

    # Then the fifth locks the account and signs them out
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert "Too many failed sign-in attempts." in responses[4].content.decode()
    assert f'action="{reverse("accounts:login")}"' in responses[4].content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("login_minutes_ago", "confirmed_minutes_ago", "expected"),
    [(1, None, True), (9, None, True), (11, None, False), (60, 5, True), (60, 11, False), (None, None, False)],
)
def test_recently_authenticated(login_minutes_ago, confirmed_minutes_ago, expected):
    request = RequestFactory().get("/")
    request.session = {}
    now = int(sessions.now())
    if login_minutes_ago is not None:
        request.session[sessions.LOGIN_AT] = now - login_minutes_ago * 60
    if confirmed_minutes_ago is not None:
        request.session[sessions.REAUTHENTICATED_AT] = now - confirmed_minutes_ago * 60
    assert sessions.recently_authenticated(request) is expected
    assert sessions.recently_authenticated(request, minutes=120) is (login_minutes_ago is not None)
