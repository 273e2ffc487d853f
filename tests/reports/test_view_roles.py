"""Who may open and post the dashboard and the progress report pages, role by role, and where a
visitor who has not signed in is sent. Every test asks for a page about the same ready report (a few
post, in their own savepoint, producing nothing), so the people and the report, with its files, are
made once for the module (tests/worlds.py)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import person, region
from tests.services.factories import ProviderStaffFactory
from tests.worlds import clients_of_world, module_world, reread, role_matrix, sessions_of

from .test_views import ready_report

pytestmark = pytest.mark.django_db

ROLES = ("worker", "other_worker", "coordinator", "supervisor", "osh_supervisor", "administrator", "provider_user")


def build_world():
    """The people of tests/conftest.py (provider staff of any provider), and a ready report of Chüy by
    the supervisor."""
    people = {name: person(name) for name in ROLES[:-1]}
    people["provider_user"] = ProviderStaffFactory(user__username="provider-a").user
    return {
        "people": people,
        "sessions": sessions_of(people.values()),
        "ready": ready_report(people["supervisor"], region("Chüy Oblast")),
    }


world = module_world(build_world)


client_for = clients_of_world()


@pytest.fixture(autouse=True)
def private_media(world):
    """Replaces tests/conftest.py's per-test folder: the report's files are in the world's."""
    return settings.REPAT_PRIVATE_MEDIA_ROOT


# --- Role matrix -------------------------------------------------------------------------------------------

# Expected status per role, in the order of ROLES.
MATRIX = {
    ("get", "dashboard"): (403, 403, 200, 200, 200, 200, 403),
    ("post", "dashboard"): (403, 403, 302, 302, 302, 302, 403),
    ("get", "report_list"): (403, 403, 403, 200, 200, 200, 403),
    ("get", "report_create"): (403, 403, 403, 200, 200, 200, 403),
    ("post", "report_create"): (403, 403, 403, 302, 302, 302, 403),
    ("get", "report_detail"): (404, 404, 404, 200, 404, 200, 404),
    ("post", "report_detail"): (404, 404, 404, 302, 404, 403, 404),  # only its author changes the text
    ("get", "download_pdf"): (404, 404, 404, 200, 404, 200, 404),
    ("get", "download_xlsx"): (404, 404, 404, 200, 404, 200, 404),
    ("get", "download_other"): (404, 404, 404, 404, 404, 404, 404),
}


@pytest.fixture
def urls(world):
    ready = world["ready"]
    return {
        "dashboard": reverse("reports:dashboard"),
        "report_list": reverse("reports:report_list"),
        "report_create": reverse("reports:report_create"),
        "report_detail": reverse("reports:report_detail", args=[ready.pk]),
        "download_pdf": reverse("reports:report_download", args=[ready.pk, "pdf"]),
        "download_xlsx": reverse("reports:report_download", args=[ready.pk, "xlsx"]),
        "download_other": reverse("reports:report_download", args=[ready.pk, "docx"]),
    }


POST_DATA = {
    "dashboard": {},
    "report_create": {"period_start": "01.01.2025", "period_end": "30.06.2025", "language": "en"},
    "report_detail": {"summary": "New text."},
}


@role_matrix(MATRIX, ROLES)
def test_role_matrix(method, name, role, expected, urls, world, client_for, django_capture_on_commit_callbacks):
    client = client_for(reread(world["people"][role]))
    with django_capture_on_commit_callbacks():  # nothing is produced: only who may ask is tested here
        response = client.get(urls[name]) if method == "get" else client.post(urls[name], POST_DATA[name])
    assert response.status_code == expected


@pytest.mark.parametrize("name", sorted({name for _method, name in MATRIX}))
def test_anonymous_users_are_sent_to_the_login_page(name, urls, client):
    for response in (client.get(urls[name]), client.post(urls[name], {})):
        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:login')}?next={urls[name]}"
