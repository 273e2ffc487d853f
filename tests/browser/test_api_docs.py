"""The API's self-service and documentation pages in a real browser, under the site's CSP (the
`page` fixture fails on anything the policy blocked): a worker creates a token and sees its key
once, then reads the interactive documentation (Swagger UI, from static files)."""

import re

import pytest
from playwright.sync_api import expect

from repat.api.models import ApiToken, key_hash

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("demo"),
]


def test_a_worker_creates_a_token_and_reads_the_api_documentation(demo, page, login):
    login("worker1")

    page.goto("/api/tokens/")
    page.fill("#id_name", "Field app")
    page.select_option("#id_scope", "read")
    page.click("main button[type=submit]:has-text('Create')")
    key = page.locator("#new-token-key").inner_text().strip()
    assert re.fullmatch(r"rpt_[0-9a-f]{10}\.[A-Za-z0-9_-]+", key)
    assert ApiToken.objects.get(name="Field app").key_hash == key_hash(key)
    page.reload()
    expect(page.locator("#new-token-key")).to_have_count(0)

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Repat API", timeout=20_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    # (Redoc is not opened here: its bundle always asks cdn.redoc.ly for its logo, which the CSP
    # blocks, as it should; tests/api/test_tokens.py checks that its page loads it from static.)
