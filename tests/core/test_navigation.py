"""The menu offers each role what its permissions allow, and nothing else."""

import pytest
from django.urls import reverse

from repat.accounts.models import User
from tests.factories import UserFactory
from tests.services.factories import ProviderStaffFactory

pytestmark = pytest.mark.django_db

LINKS = {
    "caseload": reverse("cases:caseload"),
    "register": reverse("cases:returnee_register"),
    "transfers": reverse("cases:transfers"),
    "providers": reverse("services:providers"),
    "consent_overrides": reverse("services:consent_overrides"),
}
EXPECTED = {
    "worker": {"caseload", "register", "transfers"},
    "coordinator": {"caseload", "register", "transfers", "providers"},
    "supervisor": {"caseload", "providers", "consent_overrides"},
    "administrator": {"caseload", "register", "transfers", "providers", "consent_overrides"},
}


def menu_links(client) -> set[str]:
    page = client.get(reverse("reminders:list")).content.decode()
    nav = page.split("</nav>", 1)[0]
    return {name for name, url in LINKS.items() if f'href="{url}"' in nav}


@pytest.mark.parametrize("role", EXPECTED)
def test_menu_per_role(role, request, client_for):
    assert menu_links(client_for(request.getfixturevalue(role))) == EXPECTED[role]


def test_provider_staff_see_only_their_referrals_in_the_menu(client_for):
    user = ProviderStaffFactory(user=UserFactory(role=User.Role.PROVIDER)).user
    client = client_for(user)
    assert menu_links(client) == set()
    assert "Incoming referrals" in client.get(reverse("reminders:list")).content.decode()


def test_provider_staff_land_on_their_referrals(client_for):
    user = ProviderStaffFactory(user=UserFactory(role=User.Role.PROVIDER)).user
    response = client_for(user).get(reverse("cases:caseload"))
    assert response.status_code == 302
    assert response["Location"] == reverse("services:queue")
