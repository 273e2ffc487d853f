"""The client's address, behind a reverse proxy or not: one rule for sign-in lockout (django-axes)
and the audit trail.

Behind N proxies that each append to X-Forwarded-For (REPAT_TRUSTED_PROXY_COUNT = N), the client is
the Nth address from the right: anything further left was written by the client and proves nothing.
With no proxy (N = 0, the default) X-Forwarded-For is ignored and the socket's address is the
client. Set it wrong and either every sign-in shares the proxy's address (one person's failures
lock everyone out) or a client can name any address it likes."""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    if request is None:
        return None
    proxies = settings.REPAT_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return _valid(forwarded[-proxies])
        return None  # the proxy did not say: never fall back to the proxy's own address
    return _valid(request.META.get("REMOTE_ADDR", ""))
