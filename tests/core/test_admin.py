"""The admin's search boxes follow the site's search rule: a search that cannot be used lists nothing
and says why (the admin left a NUL byte out of the query and listed every returnee)."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape

from repat.core.admin import SearchCheckedAdmin

from .test_filters import HOSTILE, HOSTILE_IDS

pytestmark = pytest.mark.django_db

# Case data is searched by case number only (the search text lands in the URL); families have no search.
SEARCHED = ["cases_returnee", "cases_case", "audit_auditevent", "accounts_user"]


def test_every_admin_search_box_follows_the_rule():
    searchable = [model_admin for model_admin in admin.site._registry.values() if model_admin.search_fields]

    assert searchable
    assert [type(a).__name__ for a in searchable if not isinstance(a, SearchCheckedAdmin)] == []


@pytest.mark.parametrize(("raw", "message"), HOSTILE, ids=HOSTILE_IDS)
def test_an_admin_search_that_cannot_be_used_says_why_and_lists_nothing(raw, message, administrator, case, client_for):
    client = client_for(administrator)
    client.get(reverse("cases:case_detail", args=[case.pk]))  # an audit row

    for name in SEARCHED:
        url = reverse(f"admin:{name}_changelist")
        assert client.get(url).context["cl"].result_count >= 1, name

        response = client.get(f"{url}?q={raw}")

        assert response.status_code == 200, name
        assert response.context["cl"].result_count == 0, name
        assert escape(message) in response.content.decode(), name


def test_an_admin_search_that_can_be_used_finds(administrator, case, client_for):
    url = reverse("admin:cases_returnee_changelist")

    response = client_for(administrator).get(url, {"q": f"  {case.returnee.case_number}\u200f "})

    assert list(response.context["cl"].result_list) == [case.returnee]
