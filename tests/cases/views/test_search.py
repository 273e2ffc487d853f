"""The people search page and the top bar's box: who may use it, what it lists, what it refuses."""

import datetime
import logging

import pytest
from django.urls import reverse

from cases.models import ReturneeAlias
from tests.core.test_search import NO_LETTERS, TOO_LONG, UNREADABLE
from tests.factories import CaseFactory, FamilyMemberFactory, ReturneeFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("cases:search")


@pytest.fixture
def aigul(worker):
    returnee = ReturneeFactory(
        given_name="Айгүл",
        family_name="Токтосунова",
        case_number="KG-2023-00042",
        date_of_birth=datetime.date(2015, 5, 1),
    )
    CaseFactory(returnee=returnee, worker=worker)
    FamilyMemberFactory(returnee=returnee, family__name="Токтосуновы")
    return returnee


def test_the_box_posts_and_the_name_stays_out_of_the_url(client_for, worker, aigul):
    client = client_for(worker)

    response = client.post(SEARCH, {"q": "Aigul Toktosunova"})

    assert response.status_code == 302 and response.url == SEARCH
    page = client.get(SEARCH)
    html = page.content.decode()
    assert page.context["results"].hits[0].returnee == aigul
    assert f'href="/returnees/{aigul.pk}/"' in html
    for shown in (
        "Токтосунова Айгүл",
        "KG-2023-00042",
        "Chüy",
        "Токтосуновы",
        "Why it matched: The same name in another spelling or script",
    ):
        assert shown in html


def test_a_link_with_the_search_in_the_url_is_answered(client_for, worker, aigul):
    page = client_for(worker).get(SEARCH, {"q": "Токтосунва"})

    assert [hit.returnee for hit in page.context["results"].hits] == [aigul]
    assert "A similar name" in page.content.decode()


def test_other_spellings_say_which_spelling_matched(client_for, worker, aigul):
    ReturneeAlias.objects.create(returnee=aigul, name="Aygul Toqtosunova", script="latin")

    page = client_for(worker).get(SEARCH, {"q": "Aygul Toqtosunova"})

    assert "Other spelling: Aygul Toqtosunova" in page.content.decode()


def test_the_top_bar_has_the_box_for_case_workers_only(client_for, worker, provider_user):
    assert 'id="top-search"' in client_for(worker).get(reverse("cases:caseload")).content.decode()
    assert 'id="top-search"' not in client_for(provider_user).get(reverse("services:queue")).content.decode()


def test_provider_staff_and_strangers_may_not_search(client, client_for, provider_user, aigul):
    assert client_for(provider_user).get(SEARCH, {"q": "Aigul"}).status_code == 403
    client.logout()
    assert client.get(SEARCH, {"q": "Aigul"}).status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    "role, listed",
    [
        ("worker", True),
        ("other_worker", False),
        ("coordinator", True),
        ("osh_coordinator", False),
        ("supervisor", True),
        ("osh_supervisor", False),
        ("administrator", True),
    ],
)
def test_each_role_finds_only_whom_it_may_see(request, client_for, aigul, role, listed):
    user = request.getfixturevalue(role)

    for query in ("Aigul Toktosunova", "KG-2023-00042", "2015-05-01"):
        html = client_for(user).get(SEARCH, {"q": query}).content.decode()
        assert ("Токтосунова Айгүл" in html) is listed, query


@pytest.mark.parametrize("typed, message", [("\x00Aigul", UNREADABLE), ("?!.,", NO_LETTERS), ("a" * 101, TOO_LONG)])
def test_unusable_input_gets_a_message_and_no_list(client_for, worker, aigul, typed, message):
    page = client_for(worker).get(SEARCH, {"q": typed})

    assert page.context["results"] is None
    assert message in page.content.decode()
    assert "Токтосунова" not in page.content.decode()


def test_nobody_found_says_so(client_for, worker, aigul):
    html = client_for(worker).get(SEARCH, {"q": "Зарина Каримова"}).content.decode()

    assert "Nobody you may see matches this search." in html


def test_the_search_is_not_logged(client_for, worker, aigul, caplog):
    with caplog.at_level(logging.DEBUG):
        client_for(worker).get(SEARCH, {"q": "Toktosunova"})

    assert not [record for record in caplog.records if "oktosunova" in record.getMessage()]


def test_the_page_takes_the_same_queries_for_ten_people_as_for_one(client_for, worker, django_assert_max_num_queries):
    for n in range(10):
        returnee = ReturneeFactory(given_name="Айгүл", family_name="Токтосунова", patronymic=f"Кызы{n}")
        CaseFactory(returnee=returnee, worker=worker)
        FamilyMemberFactory(returnee=returnee)
    client = client_for(worker)
    client.get(SEARCH, {"q": "Aigul"})

    with django_assert_max_num_queries(12):
        page = client.get(SEARCH, {"q": "Aigul Toktosunova"})
    assert len(page.context["results"].hits) == 10


def test_the_caseload_search_uses_the_same_engine(client_for, worker, aigul):
    client = client_for(worker)
    other = ReturneeFactory(given_name="Айгүл", family_name="Токтосунова", patronymic="Бакытовна")
    CaseFactory(returnee=other, worker=worker)

    page = client.post(reverse("cases:caseload"), {"q": "AIGUL TOKTOSUNOVA"}, follow=True)

    assert [case.returnee for case in page.context["cases"]] == [aigul, other]  # the exact name first
