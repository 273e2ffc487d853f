"""Who may open and post each referral page, and the case-transfer pages (their own tests are in
tests/cases), role by role; and where a visitor who has not signed in is sent. Every test only asks
for a page (a few post, in their own savepoint), so the people, the case, its two referrals and its
transfer are built once for the module (tests/worlds.py)."""

import pytest
from django.urls import reverse

from cases import actions as case_actions
from tests.factories import CaseFactory, ReturneeFactory, person, region
from tests.worlds import clients_of_world, module_world, reread, role_matrix, sessions_of

from .factories import ProviderFactory, ProviderStaffFactory, service
from .test_views import assigned_referral, waiting_referral

pytestmark = pytest.mark.django_db

ROLES = (
    "worker",
    "other_worker",
    "coordinator",
    "supervisor",
    "osh_supervisor",
    "administrator",
    "provider_user",
    "other_provider_user",
)


def build_world():
    """The people and providers of tests/conftest.py, a case in Chüy held by the worker with an
    assigned and a waiting referral, and its pending transfer to the other worker in Osh."""
    people = {name: person(name) for name in ROLES if name not in ("provider_user", "other_provider_user")}
    people["osh_coordinator"] = person("osh_coordinator")  # who decides on transfers to Osh
    chuy, osh = region("Chüy Oblast"), region("Osh Oblast")
    counselling = service("individual-counselling")
    for username, name, key in (
        ("provider-a", "Ak-Bata Family Centre", "provider_user"),
        ("provider-b", "Umut Psychosocial Service", "other_provider_user"),
    ):
        provider = ProviderFactory(name=name, regions=[chuy], service_types=[counselling])
        people[key] = ProviderStaffFactory(provider=provider, user__username=username).user
    worker = people["worker"]
    case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
    return {
        "people": people,
        "sessions": sessions_of(people.values()),
        "case": case,
        "assigned": assigned_referral(case, worker, people["provider_user"].provider_staff.provider),
        "waiting": waiting_referral(case, worker),
        "transfer": case_actions.transfer_request(
            actor=worker, case=case, to_region=osh, to_worker=people["other_worker"], reason="The family moved to Osh."
        ),
    }


world = module_world(build_world)


client_for = clients_of_world()


# --- Role matrix ------------------------------------------------------------------------------------

# Expected status per role, in the order of ROLES.
MATRIX = {
    ("get", "queue"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("get", "referral_detail"): (200, 404, 200, 200, 404, 200, 200, 404),
    ("get", "step_accept"): (403, 404, 200, 403, 404, 200, 200, 404),
    ("get", "step_decline"): (403, 404, 200, 403, 404, 200, 200, 404),
    ("get", "step_start"): (403, 404, 403, 403, 404, 403, 403, 404),  # not accepted yet: nobody
    ("get", "step_cancel"): (200, 404, 200, 403, 404, 200, 403, 404),
    ("get", "step_revoke"): (403, 404, 200, 200, 404, 200, 403, 404),
    ("get", "step_unknown"): (404, 404, 404, 404, 404, 404, 404, 404),
    ("get", "waiting_assign"): (403, 404, 200, 403, 404, 200, 404, 404),
    ("get", "waiting_override"): (403, 404, 403, 200, 404, 200, 404, 404),
    ("get", "waiting_submit"): (403, 404, 403, 403, 404, 403, 404, 404),
    ("get", "referral_create"): (200, 404, 200, 403, 404, 200, 404, 404),
    ("get", "providers"): (403, 403, 200, 200, 200, 200, 403, 403),
    ("get", "consent_overrides"): (403, 403, 403, 200, 200, 200, 403, 403),
    ("get", "bulk_assign"): (405, 405, 405, 405, 405, 405, 405, 405),
    ("post", "bulk_assign"): (403, 403, 302, 403, 403, 302, 403, 403),
    ("get", "transfers"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("get", "transfer_create"): (200, 404, 200, 403, 404, 200, 404, 404),
    ("post", "transfer_decide"): (404, 302, 404, 404, 404, 302, 404, 404),
    ("post", "transfer_cancel"): (302, 404, 302, 403, 404, 302, 404, 404),
}


@pytest.fixture
def urls(world):
    case, assigned, waiting, transfer = (world[name] for name in ("case", "assigned", "waiting", "transfer"))

    def step(referral, action):
        return reverse("services:referral_step", args=[referral.pk, action])

    return {
        "queue": reverse("services:queue"),
        "referral_detail": reverse("services:referral_detail", args=[assigned.pk]),
        "step_accept": step(assigned, "accept"),
        "step_decline": step(assigned, "decline"),
        "step_start": step(assigned, "start"),
        "step_cancel": step(assigned, "cancel"),
        "step_revoke": step(assigned, "revoke"),
        "step_unknown": step(assigned, "approve"),
        "waiting_assign": step(waiting, "assign"),
        "waiting_override": step(waiting, "override"),
        "waiting_submit": step(waiting, "submit"),
        "referral_create": reverse("services:referral_create", args=[case.pk]),
        "providers": reverse("services:providers"),
        "consent_overrides": reverse("services:consent_overrides"),
        "bulk_assign": reverse("services:bulk_assign"),
        "transfers": reverse("cases:transfers"),
        "transfer_create": reverse("cases:transfer_create", args=[case.pk]),
        "transfer_decide": reverse("cases:transfer_decide", args=[transfer.pk]),
        "transfer_cancel": reverse("cases:transfer_cancel", args=[transfer.pk]),
    }


POST_DATA = {
    "bulk_assign": {},
    "transfer_decide": {"decision": "decline", "comment": "My caseload is full."},
    "transfer_cancel": {},
}


@role_matrix(MATRIX, ROLES)
def test_role_matrix(method, name, role, expected, urls, world, client_for):
    client = client_for(reread(world["people"][role]))
    response = client.get(urls[name]) if method == "get" else client.post(urls[name], POST_DATA[name])
    assert response.status_code == expected


@pytest.mark.parametrize("path", ["queue", "referral_detail", "step_accept", "referral_create", "providers"])
def test_anonymous_users_are_sent_to_the_login_page(path, urls, client):
    response = client.get(urls[path])
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={urls[path]}"


@pytest.mark.parametrize(
    "path", ["consent_overrides", "transfers", "transfer_create", "bulk_assign", "transfer_decide", "transfer_cancel"]
)
def test_anonymous_users_are_sent_to_the_login_page_everywhere(path, urls, client):
    for response in (client.get(urls[path]), client.post(urls[path], {})):
        assert response.status_code == 302
        assert response.url.startswith(f"{reverse('accounts:login')}?next=")
