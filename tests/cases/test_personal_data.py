"""No personal data in logs, in the URLs the app redirects to, or on error pages: a returnee with a
marker name is registered, searched for, opened and edited, and pages fail with a 404 and a 500,
while every logger records at DEBUG."""

import logging
import uuid

import pytest
from django.urls import reverse

from cases import selectors
from cases.models import Returnee
from tests.factories import OperationFactory

pytestmark = pytest.mark.django_db

NAME = "ZZMARKERNAME"


@pytest.fixture
def logs(caplog):
    """Every record of every logger, whatever level the settings give it."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


# Django's template engine logs, at DEBUG, every variable a template asks for and the context does
# not have, with a repr of the whole context: query strings, and returnees by name. Those records are
# checked on their own (test_template_debug_records_repeat_the_context_with_names, below).
TEMPLATE_LOGGER = "django.template"


def logged_text(caplog, *, template_records: bool = False) -> str:
    """What a log file would hold: messages, arguments and formatted tracebacks."""
    formatter = logging.Formatter()
    parts = []
    for record in caplog.records:
        if (record.name == TEMPLATE_LOGGER) is not template_records:
            continue
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


def registration(chuy) -> dict:
    return {
        "family_name": f"{NAME}OVA",
        "given_name": NAME,
        "patronymic": f"{NAME}OVNA",
        "aliases": f"{NAME} Latin",
        "sex": "female",
        "date_of_birth": "2016-04-02",
        "date_of_birth_precision": "month",
        "place_of_birth": "Raqqa",
        "operation": OperationFactory().pk,
        "arrival_date": "2023-02-10",
        "citizenship_status": "pending",
        "languages": ["ky"],
        "region": chuy.pk,
        "new_family_name": f"{NAME}OVS",
        "relationship": "child",
        "risk_level": "medium",
        "form_token": str(uuid.uuid4()),
    }


@pytest.fixture
def registered(worker, chuy, client_for, logs, coordinator):
    """The worker registers the marked returnee through the page; returns (client, returnee, redirects)."""
    client = client_for(worker)
    response = client.post(reverse("cases:returnee_register"), registration(chuy))
    assert response.status_code == 302
    client.get(response["Location"])  # shows (and so clears) the "was registered" message
    return client, Returnee.objects.get(given_name=NAME), [response["Location"]]


def test_working_on_a_case_logs_no_name_and_redirects_to_no_name(registered, logs):
    # given
    client, returnee, redirects = registered
    case = returnee.case

    # when: the worker searches for her, opens her pages and edits her details
    searched = client.post(reverse("cases:caseload"), {"q": NAME})
    search = client.get(searched["Location"])
    fragment = client.get(reverse("cases:caseload"), headers={"HX-Request": "true"})
    redirects.append(searched["Location"])
    pages = [client.get(url) for url in (case.get_absolute_url(), returnee.get_absolute_url())]
    edit_url = reverse("cases:returnee_update", args=[returnee.pk])
    form = client.get(edit_url).context["form"]
    data = {field.name: field.value() for field in form if field.value() not in (None, False, "")}
    edited = client.post(edit_url, {**data, "given_name": f"{NAME}A"})
    visit = client.post(
        case.get_absolute_url(),
        {"contact_date": "2024-01-05", "kind": "home_visit", "summary": f"Met {NAME}.", "form_token": uuid.uuid4()},
    )
    redirects += [edited["Location"], visit["Location"]]

    # then: the pages show her (the search works), nothing else carries her name
    assert list(search.context["cases"]) == [case]
    assert NAME in fragment.content.decode()
    assert [page.status_code for page in pages] == [200, 200]
    assert (edited.status_code, visit.status_code) == (302, 302)
    assert not [url for url in redirects if NAME in url]
    assert NAME not in logged_text(logs)


def test_a_404_logs_no_name_and_shows_none(registered, other_worker, client_for, logs):
    # given
    _client, returnee, _redirects = registered

    # when: someone who may not see her opens her pages
    client = client_for(other_worker)
    responses = [client.get(returnee.case.get_absolute_url()), client.get(returnee.get_absolute_url())]
    search = client.get(reverse("cases:caseload"), {"q": NAME}, follow=True)

    # then
    assert NAME not in search.redirect_chain[0][0]  # an old-style search link leaves the URL at once
    assert [response.status_code for response in responses] == [404, 404]
    assert not [response for response in responses if NAME in response.content.decode()]
    assert list(search.context["cases"]) == []
    assert NAME not in logged_text(logs)
    assert "Not Found: " in logged_text(logs)  # the 404s were logged, by path


def test_a_500_logs_no_name_and_shows_none(registered, monkeypatch, settings, logs):
    # given: the case page's selector fails, in production mode
    client, returnee, _redirects = registered
    settings.DEBUG = False

    def fail(**kwargs):
        raise RuntimeError("the overview could not be computed")

    monkeypatch.setattr(selectors, "case_overview", fail)
    client.raise_request_exception = False

    # when
    response = client.get(returnee.case.get_absolute_url())

    # then
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert NAME not in page
    text = logged_text(logs)
    assert "Internal Server Error: " in text
    assert "RuntimeError: the overview could not be computed" in text
    assert NAME not in text


def test_template_debug_records_never_reach_the_logs(registered, logs):
    """The template engine's debug records repeat the page context (names included): filtered out."""
    client, returnee, _redirects = registered

    client.get(reverse("cases:caseload"), {"q": NAME}, follow=True)
    client.get(returnee.case.get_absolute_url())

    assert NAME not in logged_text(logs, template_records=True)
