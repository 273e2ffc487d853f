"""Queueing without depending on the broker: one warning per process, nothing tried while loading
demo data, and the e-mails' site address follows `make run`'s address."""

import logging

import pytest
from django.core.management import call_command

from repat.core import broker
from repat.settings.base import _local_site_url


def test_inside_offline_nothing_is_queued():
    called = []

    with broker.offline():
        broker.send(lambda: called.append(1), "never said")
    broker.send(lambda: called.append(2), "never said")

    assert called == [2]


def test_a_broker_that_is_down_warns_once_then_at_debug_level(caplog):
    def down():
        raise ConnectionRefusedError(111, "Connection refused")

    with caplog.at_level(logging.DEBUG, logger="repat.core.broker"):
        for _n in range(5):
            broker.send(down, "Broker unavailable; %s waits.", "work")

    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "Broker unavailable; work waits."),
        *[(logging.DEBUG, "Broker unavailable; work waits.")] * 4,
    ]


# The demo commits: what it queues runs on that commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_loading_the_demo_never_tries_the_broker(settings, monkeypatch, caplog):
    settings.REPAT_ALLOW_DEMO_DATA = True
    tried = []
    original = broker.send

    def observed(queue, message, *args):
        tried.append(broker._offline.get())
        return original(queue, message, *args)

    monkeypatch.setattr(broker, "send", observed)

    with caplog.at_level(logging.WARNING):
        call_command("seed_demo", verbosity=0)

    assert tried and all(tried)  # every queueing happened inside broker.offline()
    assert not [m for m in caplog.messages if "Broker unavailable" in m]


@pytest.mark.parametrize(
    ("address", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("8042", "http://127.0.0.1:8042"),
        ("0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("repat.local:8001", "http://repat.local:8001"),
    ],
)
def test_the_site_address_follows_repat_address(address, url):
    assert _local_site_url(address) == url
