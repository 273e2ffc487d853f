"""Who may open and post each approval page, role by role, what a denied decision changes (nothing),
and where a visitor who has not signed in is sent. Every test asks for a page about one pending
request (a few post, in their own savepoint), so the people, the case, what approvals are asked about
and the request are built once for the module (tests/worlds.py)."""

import pytest
from django.urls import reverse

from repat.approvals import actions
from tests.factories import CaseFactory, ReturneeFactory, person, region
from tests.services.factories import ProviderFactory, ProviderStaffFactory, service
from tests.worlds import clients_of_world, module_world, reread, role_matrix, sessions_of

from .factories import CLOSURE_REASON, KINDS, effects, subjects_of
from .test_views import ask_url, subject_pk

pytestmark = pytest.mark.django_db

ROLES = ("worker", "other_worker", "coordinator", "supervisor", "osh_supervisor", "administrator", "provider_user")


def build_world():
    """The people of tests/conftest.py, `case` in Chüy held by the worker with what approvals are
    asked about (tests/approvals/conftest.py), and the worker's request for approval of the assessment."""
    people = {name: person(name) for name in ROLES[:-1]}
    chuy = region("Chüy Oblast")
    provider = ProviderFactory(
        name="Ak-Bata Family Centre", regions=[chuy], service_types=[service("individual-counselling")]
    )
    people["provider_user"] = ProviderStaffFactory(provider=provider, user__username="provider-a").user
    worker = people["worker"]
    case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
    subjects = subjects_of(case, worker)
    pending = actions.approval_request(actor=worker, kind="assessment", case=case, subject=subjects["assessment"])
    return {
        "people": people,
        "sessions": sessions_of(people.values()),
        "case": case,
        "subjects": subjects,
        "pending": pending,
    }


world = module_world(build_world)


client_for = clients_of_world()


@pytest.fixture
def user(world):
    """One of the world's people by role, read afresh: `user("supervisor")`."""
    return lambda role: reread(world["people"][role])


@pytest.fixture
def case(world):
    return reread(world["case"])


@pytest.fixture
def pending(world):
    """The worker's request for approval of the assessment."""
    return reread(world["pending"])


# --- Role matrix ------------------------------------------------------------------------------------

# Expected status per role, in the order of ROLES, for a request by `worker` on `case` (Chüy): 200 or
# 302 allowed, 403 visible but not allowed, 404 not visible (the same answer as a request that does not
# exist). Provider staff have no approvals at all.
MATRIX = {
    ("get", "queue"): (200, 200, 200, 200, 200, 200, 403),
    ("get", "detail"): (200, 404, 200, 200, 404, 200, 404),
    ("post", "approve"): (403, 404, 403, 302, 404, 302, 404),
    ("post", "return"): (403, 404, 403, 302, 404, 302, 404),
    ("post", "withdraw"): (302, 404, 302, 403, 404, 302, 404),
    ("get", "request_assessment"): (200, 404, 200, 403, 404, 200, 404),
    ("get", "request_plan"): (200, 404, 200, 403, 404, 200, 404),
    ("get", "request_closure"): (200, 404, 200, 403, 404, 200, 404),
    ("get", "request_consent_override"): (200, 404, 200, 403, 404, 200, 404),
    ("post", "request_closure"): (302, 404, 302, 403, 404, 302, 404),
    ("get", "request_unknown"): (404, 404, 404, 404, 404, 404, 404),
}

POST_DATA = {
    "approve": {"decision": "approve", "comment": ""},
    "return": {"decision": "return", "comment": "Add the score."},
    "withdraw": {},
    "request_closure": {"closure_reason": CLOSURE_REASON, "comment": ""},
}


@pytest.fixture
def urls(world, case, pending):
    subjects = world["subjects"]
    detail = reverse("approvals:detail", args=[pending.pk])
    return {
        "queue": reverse("approvals:queue"),
        "detail": detail,
        "approve": detail,
        "return": detail,
        "withdraw": reverse("approvals:withdraw", args=[pending.pk]),
        **{f"request_{kind}": ask_url(kind, subject_pk(kind, case, subjects)) for kind in KINDS},
        "request_unknown": ask_url("unknown", case.pk),
    }


def test_the_matrix_covers_every_page(urls):
    assert {name for _, name in MATRIX} == set(urls)


@role_matrix(MATRIX, ROLES)
def test_role_matrix(method, name, role, expected, urls, user, client_for):
    client = client_for(user(role))
    response = client.get(urls[name]) if method == "get" else client.post(urls[name], POST_DATA[name])
    assert response.status_code == expected


@pytest.mark.parametrize("name", ["queue", "detail", "withdraw", "request_plan", "request_closure"])
def test_anonymous_users_are_sent_to_the_login_page(name, urls, pending, client):
    for response in (client.get(urls[name]), client.post(urls[name], POST_DATA.get(name, {}))):
        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:login')}?next={urls[name]}"
    pending.refresh_from_db()
    assert pending.status == "pending"


@pytest.mark.parametrize("role", ["worker", "coordinator", "other_worker", "osh_supervisor", "provider_user"])
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_denied_decisions_change_nothing(role, decision, urls, pending, case, user, client_for):
    before = effects(case)

    client_for(user(role)).post(urls["detail"], POST_DATA[decision])

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("pending", None)
    assert effects(case) == before
    assert not case.events.exclude(kind="approval_requested").exists()


@pytest.mark.parametrize(
    ("role", "decides", "withdraws"),
    [
        ("worker", False, True),
        ("coordinator", False, True),
        ("supervisor", True, False),
        ("administrator", True, True),
    ],
)
def test_the_request_page_offers_what_each_role_may_do(role, decides, withdraws, urls, user, client_for):
    page = client_for(user(role)).get(urls["detail"]).content.decode()

    assert ("Your decision" in page) is decides
    assert ('value="approve"' in page) is decides
    assert (urls["withdraw"] in page) is withdraws
