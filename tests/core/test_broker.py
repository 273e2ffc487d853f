"""Queueing without depending on the broker: one warning per process, and the e-mails' site address
follows `make run`'s address. (Nothing is tried while loading the demo data: tests/devtools/test_demo.py,
with the seeding it checks.)"""

import logging

import pytest

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
