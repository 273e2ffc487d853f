"""The shared layout: the top bar's icons, short labels and "More" menu, the language box, the
folded filters with their count, and the favicon. (How it looks in a browser, in three languages and
at two widths, is tests/browser/test_pages.py.)"""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from repat.core.templatetags.repat_ui import active_filters

pytestmark = pytest.mark.django_db


def top_bar(client) -> str:
    return client.get(reverse("reminders:list")).content.decode().split("</nav>", 1)[0]


def test_the_bar_shows_three_entries_and_puts_the_rest_under_more(client_for, administrator):
    nav = top_bar(client_for(administrator))

    more = nav.split('data-bs-toggle="dropdown"', 1)[1].split("</ul>", 1)[0]
    # Past the first three, each entry is listed only in the collapsed menu (d-xl-none) and under "More".
    assert "More" in more
    assert f'href="{reverse("services:providers")}"' in more
    assert f'href="{reverse("cases:caseload")}"' not in more
    hidden_on_desktop = re.findall(r'<li class="nav-item d-xl-none">\s*<a class="nav-link" href="([^"]+)"', nav)
    assert reverse("services:providers") in hidden_on_desktop
    assert reverse("cases:caseload") not in hidden_on_desktop


def test_entries_carry_an_icon_and_a_short_label_with_the_full_one_as_title(client_for, worker):
    nav = top_bar(client_for(worker))

    assert '<i class="bi bi-folder2-open" aria-hidden="true"></i>' in nav
    register = nav.split(f'href="{reverse("cases:returnee_register")}"', 1)[1].split("</a>", 1)[0]
    assert 'title="Register a returnee"' in register
    assert '<span class="d-none d-xl-inline">Register</span>' in register
    assert '<span class="d-xl-none">Register a returnee</span>' in register
    assert '<i class="bi bi-bell" aria-hidden="true"></i>' in nav
    assert "bootstrap-icons.min.css" in client_for(worker).get(reverse("cases:caseload")).content.decode()


def test_the_current_page_is_marked_and_the_language_box_shows_the_current_language(client_for, worker):
    client = client_for(worker)
    client.post(reverse("accounts:set_language"), {"language": "ky", "next": "/"})
    nav = client.get(reverse("cases:transfers")).content.decode().split("</nav>", 1)[0]

    assert f'href="{reverse("cases:transfers")}" aria-current="page"' in nav
    assert re.search(r'<option value="ky" lang="ky" selected>Кыргызча</option>', nav)


def test_active_filters_counts_the_filters_set_and_not_the_page_number():
    from django import forms

    class Filters(forms.Form):
        q = forms.CharField(required=False)
        status = forms.MultipleChoiceField(required=False, choices=[("a", "A"), ("b", "B")])
        region = forms.CharField(required=False)
        page = forms.IntegerField(required=False)

    request = RequestFactory().get("/", {"q": "Asanov", "status": ["a", "b"], "region": "", "page": "3"})

    assert active_filters(Filters(request.GET)) == 2
    assert active_filters(Filters()) == 0


def test_a_list_folds_its_filters_on_a_phone_and_says_how_many_are_set(client_for, worker):
    page = client_for(worker).get(reverse("cases:caseload"), {"risk_level": "high"}).content.decode()

    assert 'data-bs-target="#filters"' in page
    assert "Filters (1 active)" in page
    assert '<div class="collapse d-md-block" id="filters">' in page


def test_the_favicon_is_served_from_static(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_our_stylesheets_close_every_block():
    """A block left open (a merge once dropped the `}` of `@media print`) puts every rule after it
    inside that block: on screen the top bar, the cards and the 44 px targets silently disappeared."""
    from django.conf import settings

    for sheet in (settings.BASE_DIR / "static" / "css").glob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(), flags=re.S)  # braces in comments do not count
        depth = 0
        for char in text:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, f"{sheet.name}: a `}}` closes nothing"
        assert depth == 0, f"{sheet.name}: {depth} block(s) left open"
