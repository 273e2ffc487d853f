"""Hardening headers on every page, and templates that keep the Content-Security-Policy workable:
no inline scripts, styles or event handlers anywhere under templates/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(response) -> dict[str, str]:
    directives = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    return {name: value for name, _, value in (directive.partition(" ") for directive in directives)}


def test_pages_carry_the_exact_content_security_policy(client, client_for, worker, case):
    # Signed out: the login page and the redirect to it.
    anonymous = [client.get(reverse("accounts:login")), client.get(reverse("cases:caseload"))]
    # Signed in: a case page and a page that is not there.
    signed_in = client_for(worker)
    pages = [signed_in.get(case.get_absolute_url()), signed_in.get("/no-such-page/")]
    responses = anonymous + pages
    assert [response.status_code for response in responses] == [200, 302, 200, 404]
    assert [policy(response) for response in responses] == [POLICY] * 4


def test_pages_carry_the_other_hardening_headers(client_for, worker):
    response = client_for(worker).get(reverse("cases:caseload"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


def test_the_lockout_page_is_not_cached_either(client):
    for _ in range(5):
        response = client.post(reverse("accounts:login"), {"username": "nobody", "password": "wrong"})
    assert response.status_code == 429
    assert "no-store" in response["Cache-Control"]
    assert policy(response) == POLICY


def test_htmx_is_told_not_to_inject_its_indicator_styles(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in page


# What a strict CSP refuses: scripts written in the page, <style> blocks, style="" attributes,
# on*="" handlers, javascript: URLs, and htmx's hx-on (it evaluates code).
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style block": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "hx-on": re.compile(r"\shx-on", re.IGNORECASE),
}


def test_no_template_has_inline_scripts_styles_or_handlers():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 30
    found = [
        f"{path.relative_to(TEMPLATES)}: {kind}"
        for path in templates
        for kind, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_the_scan_would_find_them():
    samples = {
        "inline script": "<script>alert(1)</script>",
        "style block": "<style>p{}</style>",
        "style attribute": '<p style="color: red">',
        "event handler": '<button onclick="go()">',
        "javascript: URL": '<a href="javascript:go()">',
        "hx-on": '<div hx-on:click="go()">',
    }
    assert {kind: bool(INLINE[kind].search(sample)) for kind, sample in samples.items()} == dict.fromkeys(samples, True)
    assert not INLINE["inline script"].search('<script src="/static/js/repat.js"></script>')
