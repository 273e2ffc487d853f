"""Headless Chromium (Debian's package) driven by Playwright, against pytest-django's live server.

Playwright's sync API runs an event loop in this thread, so Django's async-safety check must be
relaxed for the test's own database calls. The demo data is made once per process (tests/conftest.py's
`demo`).
The checks every page must pass, and its screenshots, are in harness.py (the `checker` fixture).
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("REPAT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def chromium(monkeypatch):
    """Chromium, started for each test. Per test, not per session: with Playwright (and its event
    loop) left running between tests, on PostgreSQL the test's teardown no longer brought the
    serialized rows back (the next test found no regions). A start costs about a second; the page
    tests therefore visit many pages per test rather than one page per test."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing.")
        pytest.skip(f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Chromium reports what the Content-Security-Policy blocked on the console: none may be.
    blocked = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    assert not blocked, blocked


@pytest.fixture
def checker(page):
    """The page's checks (tests/browser/harness.py): console errors, CSP, sideways scrolling, axe,
    tap targets on a phone, and a screenshot of each step."""
    from .harness import Checker

    return Checker(page)


@pytest.fixture
def login(page):
    """Sign in through the login page. A user whose role requires two-factor sign-in (supervisor1,
    admin) is given an authenticator app here, and the helper types its current code."""

    def sign_in(username: str, password: str = "repat-demo"):
        from django_otp.oath import TOTP

        from repat.accounts.models import User
        from repat.accounts.permissions import two_factor_required
        from tests.accounts.helpers import authenticator, totp_code

        user = User.objects.get(username=username)
        device = authenticator(user) if two_factor_required(user) else None
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit], button[type=submit]")
        if device is not None:
            page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
            device.refresh_from_db()
            # A code is spent once: after an earlier sign-in in this time step, use the next one.
            current = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
            page.fill("#id_code", totp_code(device, steps_ahead=max(0, device.last_t + 1 - current)))
            page.click("main [type=submit]")
        page.wait_for_url("**/")

    return sign_in
