"""The client's address behind N trusted proxies (repat/core/clients.py)."""

import pytest

from repat.core.clients import client_ip


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client"),
    [
        (0, "192.0.2.7", "", "192.0.2.7"),
        (0, "192.0.2.7", "198.51.100.1", "192.0.2.7"),  # no proxy: the header is the client's own word
        (1, "10.0.0.2", "192.0.2.7", "192.0.2.7"),
        (1, "10.0.0.2", "203.0.113.9, 192.0.2.7", "192.0.2.7"),  # the forged part on the left is ignored
        (2, "10.0.0.3", "203.0.113.9, 192.0.2.7, 10.0.0.2", "192.0.2.7"),
        (1, "10.0.0.2", "", None),  # the proxy did not say: not the proxy's own address
        (1, "10.0.0.2", "not-an-address", None),
        (0, "", "", None),
    ],
)
def test_the_client_is_counted_from_the_right(rf, settings, proxies, remote, forwarded, client):
    settings.REPAT_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == client


def test_no_request_no_address():
    assert client_ip(None) is None
