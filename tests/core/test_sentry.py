"""Sentry (repat/core/sentry.py): started only with SENTRY_DSN, and no personal data in what it
would send. Events are captured by a transport of our own: nothing leaves the machine."""

import json
import os
from contextlib import contextmanager

import pytest
from django.urls import reverse

from cases.views import CaseDetailView
from repat.core import sentry

try:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.transport import Transport
except ImportError:  # pinned in requirements.txt; a venv made before it was added lacks it
    if os.environ.get("CI"):
        raise
    pytest.skip("sentry-sdk is not installed (pip install -r requirements.txt)", allow_module_level=True)

pytestmark = pytest.mark.django_db


class Captured(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [item.payload.json for envelope in self.envelopes for item in envelope.items if item.type == "event"]


@contextmanager
def sentry_started():
    """Sentry started as the web starts it, then stopped as if it had never been. Its integrations
    wrap Django for the rest of the process (every middleware, query, signal and template) and act
    while a client holds them: `sentry_sdk.init()` without a DSN holds every default one, which
    made each later test in the process about 14% slower. A scope without a client leaves the
    wrappers calling straight through."""
    transport = Captured()
    assert sentry.init_sentry("https://public@sentry.invalid/1", transport=transport)
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def captured():
    with sentry_started() as transport:
        yield transport


def test_after_the_sentry_tests_no_integration_acts():
    with sentry_started():
        assert sentry_sdk.get_client().get_integration(DjangoIntegration) is not None

    assert not sentry_sdk.get_client().is_active()
    assert sentry_sdk.get_client().get_integration(DjangoIntegration) is None


def test_without_a_dsn_sentry_is_not_started():
    assert sentry.init_sentry("") is False


def test_a_page_error_reaches_sentry_without_personal_data(captured, client_for, worker, case, monkeypatch):
    # given: a page that fails with the returnee's name in its local variables, its exception, its
    # query string and its form data
    returnee = case.returnee
    name = f"{returnee.given_name} {returnee.family_name}"

    def failing(self, *args, **kwargs):
        held = name  # noqa: F841 - a local variable holding a name
        raise ValueError(f"Cannot place {name}")

    monkeypatch.setattr(CaseDetailView, "post", failing)
    client = client_for(worker)
    client.raise_request_exception = False

    # when
    response = client.post(
        reverse("cases:case_detail", args=[case.pk]) + f"?q={returnee.family_name}",
        {"text": f"Visit to {name}"},
        HTTP_X_REQUEST_ID="edge-0a0b0c0d",
    )
    sentry_sdk.flush()

    # then: one event, with the type and where, and nothing that names her
    assert response.status_code == 500
    events = captured.events()
    assert len(events) == 1
    event = events[0]
    payload = json.dumps(event, ensure_ascii=False)
    for secret in (returnee.given_name, returnee.family_name, returnee.case_number, "sessionid", worker.username):
        assert secret not in payload, secret
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert set(event.get("request", {})) <= {"method", "url"}  # no data, cookies, headers or query
    assert "?" not in event.get("request", {}).get("url", "")
    assert "user" not in event
    assert event["tags"]["request_id"] == "edge-0a0b0c0d"
    assert all("vars" not in frame for frame in event["exception"]["values"][-1]["stacktrace"]["frames"])


def test_a_logged_error_keeps_its_message_template_only(captured):
    import logging

    logging.getLogger("repat.test").error("Could not place %s in %s.", "Aisha Karimova", "Osh")
    sentry_sdk.flush()

    (event,) = captured.events()
    assert event["logentry"] == {"message": "Could not place %s in %s."}
    assert "Aisha" not in json.dumps(event, ensure_ascii=False)


def test_scrub_keeps_how_not_what():
    event = {
        "request": {
            "method": "POST",
            "url": "https://repat.example/cases/7/?q=Karimova",
            "query_string": "q=Karimova",
            "data": {"text": "Aisha"},
            "cookies": {"sessionid": "abc"},
            "headers": {"Cookie": "sessionid=abc"},
            "env": {"REMOTE_ADDR": "10.0.0.1"},
        },
        "user": {"id": 3, "username": "worker1", "ip_address": "10.0.0.1"},
        "extra": {"sys.argv": ["Aisha"]},
        "breadcrumbs": {"values": [{"message": "SELECT ... 'Aisha'"}]},
        "server_name": "web-1",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "Aisha",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"n": 1}}]},
                }
            ]
        },
        "contexts": {"celery-job": {"args": ["Aisha"]}, "runtime": {"name": "CPython"}},
    }

    scrubbed = sentry.scrub(event)

    assert scrubbed["request"] == {"method": "POST", "url": "https://repat.example/cases/7/"}
    assert "Aisha" not in json.dumps(scrubbed) and "worker1" not in json.dumps(scrubbed)
    assert scrubbed["exception"]["values"][0] == {
        "type": "ValueError",
        "value": "",
        "stacktrace": {"frames": [{"function": "f"}]},
    }
    assert scrubbed["contexts"] == {"runtime": {"name": "CPython"}}
