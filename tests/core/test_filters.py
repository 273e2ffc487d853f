"""Every list's filters, through HTTP, with input that cannot be used: the page answers 200, says what
is wrong next to the field, and lists nothing. Never a 500, never the whole list (django-filter on its
own leaves an invalid filter out of the query, which listed everything)."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from repat.approvals import actions as approvals
from tests.cases.test_timeline import CYRILLIC
from tests.factories import CaseFactory, ReturneeFactory, person, region
from tests.services.factories import ReferralFactory
from tests.worlds import clients_of_world, from_world, module_world, sessions_of, signing_in

from .test_search import NO_LETTERS, TOO_LONG, UNREADABLE

pytestmark = pytest.mark.django_db

# As they arrive in the query string (percent-encoded), with what the search box says about them.
HOSTILE = [
    ("%00", UNREADABLE),
    ("%00abc", UNREADABLE),
    ("abc%00", UNREADABLE),
    ("abc%01def", UNREADABLE),
    ("%1b%5b31m", UNREADABLE),
    ("%7f", UNREADABLE),
    ("%c2%85", UNREADABLE),
    ("%ff", UNREADABLE),  # not UTF-8
    ("%c3%28", UNREADABLE),  # a broken two-byte sequence
    ("%ed%a0%80", UNREADABLE),  # a lone surrogate, encoded
    ("a" * 10_000, TOO_LONG),
    ("%21%40%23%24%25%5e%26*()-_%3d%2b", NO_LETTERS),
    ("%20%20%20", NO_LETTERS),
    ("%e2%80%8f", NO_LETTERS),  # an invisible right-to-left mark, nothing else
]
HOSTILE_IDS = [raw[:12] for raw, _message in HOSTILE]
INVALID_CHOICE = "Choose one of the options in the list."
INVALID_MODEL_CHOICE = "Select a valid choice. That choice is not one of the available choices."
NULL_CHARACTERS = "Null characters are not allowed."  # Django's own check of a choice among rows


def build_world():
    """The people of tests/conftest.py who read the four lists, and a case in Chüy with a row in
    each list: a referral, an approval and an audit row. Built once for the module (tests/worlds.py):
    every test here only reads."""
    readers = ("worker", "coordinator", "supervisor", "administrator")
    people = SimpleNamespace(**{name: person(name) for name in readers})
    worker = people.worker
    people.case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=region("Chüy Oblast")))
    ReferralFactory(case=people.case, requested_by=worker)
    approvals.approval_request(actor=worker, kind="closure", case=people.case, closure_reason="moved")
    people.sessions = sessions_of(getattr(people, name) for name in readers)
    reader = Client()
    signing_in(reader, people.sessions)(worker).get(reverse("cases:case_detail", args=[people.case.pk]))  # an audit row
    return people


world = module_world(build_world)


client_for = clients_of_world()


worker = from_world("worker")


coordinator = from_world("coordinator")


supervisor = from_world("supervisor")


administrator = from_world("administrator")


case = from_world("case")


@pytest.fixture
def lists(worker, coordinator, supervisor, administrator):
    """Each list with one row its reader sees when nothing is filtered: (reader, url, rows in the
    context, its text boxes, its other filters with the message an unusable value gets)."""
    return {
        "caseload": (
            worker,
            reverse("cases:caseload"),
            "cases",
            ["q"],
            {"status": INVALID_CHOICE, "region": INVALID_CHOICE, "worker": INVALID_MODEL_CHOICE},
        ),
        "referrals": (
            coordinator,
            reverse("services:queue"),
            "referrals",
            [],
            {"status": INVALID_CHOICE, "region": INVALID_CHOICE, "since": "Enter a valid date."},
        ),
        "approvals": (
            supervisor,
            reverse("approvals:queue"),
            "approvals",
            [],
            {"status": INVALID_CHOICE, "kind": INVALID_CHOICE, "region": INVALID_MODEL_CHOICE},
        ),
        "audit": (
            administrator,
            reverse("audit:search"),
            "events",
            ["user", "object_type", "case"],
            {"action": INVALID_CHOICE},
        ),
    }


LISTS = ["caseload", "referrals", "approvals", "audit"]


def get(client, url, raw_query=""):
    """GET with the query string exactly as given; the caseload moves a search into the session
    and shows the page at its address without it (followed here)."""
    response = client.get(f"{url}?{raw_query}" if raw_query else url, follow=True)
    assert response.status_code == 200
    return response


def rows(response, name) -> int:
    return len(response.context[name])


@pytest.mark.parametrize("name", LISTS)
def test_each_list_shows_its_row_when_nothing_is_filtered(name, lists, client_for):
    reader, url, context_name, _text, _others = lists[name]

    assert rows(get(client_for(reader), url, "status=" if name == "approvals" else ""), context_name) >= 1


@pytest.mark.parametrize(("raw", "message"), HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize("name", ["caseload", "audit"])
def test_a_search_that_cannot_be_used_says_why_and_lists_nothing(name, raw, message, lists, client_for):
    reader, url, context_name, text_boxes, _others = lists[name]
    client = client_for(reader)

    for box in text_boxes:
        expected = message
        if box == "user" and message == TOO_LONG:
            expected = "A search can be at most 150 characters long."  # as long as a user name may be
        if box == "case" and message == TOO_LONG:
            expected = "A search can be at most 30 characters long."  # as long as a case number may be
        response = get(client, url, f"{box}={raw}")

        assert rows(response, context_name) == 0, box
        assert response.context["filter"].form.errors == {box: [expected]}
        assert escape(expected) in response.content.decode()


@pytest.mark.parametrize(("raw", "_message"), HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize("name", LISTS)
def test_any_other_filter_that_cannot_be_used_says_why_and_lists_nothing(name, raw, _message, lists, client_for):
    reader, url, context_name, _text, others = lists[name]
    client = client_for(reader)

    for field, message in others.items():
        expected = NULL_CHARACTERS if message == INVALID_MODEL_CHOICE and "%00" in raw else message
        response = get(client, url, f"{field}={raw}")

        assert rows(response, context_name) == 0, field
        assert response.context["filter"].form.errors[field] == [expected]
        assert escape(expected) in response.content.decode(), field


def test_a_search_posted_from_the_caseload_form_is_checked_too(worker, case, client_for):
    client = client_for(worker)

    response = client.post(reverse("cases:caseload"), {"q": "\x00"}, follow=True)

    assert response.status_code == 200
    assert list(response.context["cases"]) == []
    assert response.context["filter"].form.errors == {"q": [UNREADABLE]}


def test_a_name_pasted_with_an_invisible_mark_is_still_found(worker, case, client_for):
    name = case.returnee.family_name

    response = get(client_for(worker), reverse("cases:caseload"), f"q={name}%e2%80%8f")

    assert list(response.context["cases"]) == [case]
    assert response.context["filter"].form.errors == {}


def test_a_new_search_replaces_the_one_that_could_not_be_used(worker, case, client_for):
    client = client_for(worker)
    get(client, reverse("cases:caseload"), "q=%00")

    response = client.post(reverse("cases:caseload"), {"q": case.returnee.family_name}, follow=True)

    assert list(response.context["cases"]) == [case]


def test_the_search_box_tells_the_browser_its_limit(worker, case, client_for):
    page = get(client_for(worker), reverse("cases:caseload")).content.decode()

    assert 'name="q" maxlength="100"' in page


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_the_message_is_in_the_readers_language(language, worker, case, client_for):
    client = client_for(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = get(client, reverse("cases:caseload"), "q=%00")

    [message] = response.context["filter"].form.errors["q"]
    assert message != UNREADABLE and CYRILLIC.search(message)
    assert escape(message) in response.content.decode()


# Orders no list offers: field paths, SQL, the other lists' keys, and every unusable input above.
HOSTILE_SORTS = [
    "id",
    "-pk",
    "returnee__date_of_birth",
    "created_at%3B%20DROP%20TABLE%20cases_case%3B--",
    "%27%20OR%201%3D1--",
    "name%2C(select%201)",
    *[raw for raw, _message in HOSTILE],
]


@pytest.mark.parametrize("raw", HOSTILE_SORTS, ids=[raw[:12] for raw in HOSTILE_SORTS])
@pytest.mark.parametrize("name", LISTS)
def test_a_sort_the_list_does_not_offer_lists_the_rows_in_its_default_order(name, raw, lists, client_for):
    reader, url, context_name, _text, _others = lists[name]
    client = client_for(reader)
    status = "status=&" if name == "approvals" else ""

    default = get(client, url, status)
    response = get(client, url, f"{status}sort={raw}")

    assert rows(response, context_name) >= 1
    assert list(response.context[context_name]) == list(default.context[context_name])
    assert not response.context["filter"].form.errors
    assert 'aria-sort="ascending"' in response.content.decode() or 'aria-sort="descending"' in response.content.decode()
