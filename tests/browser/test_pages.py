"""Every main page of every role passes the harness's checks (tests/browser/harness.py): no console
error, no CSP violation, no sideways scrolling, no tick box's squeezed label, no date cut in two, no
serious or critical axe violation, and on a phone 44 px tap targets and no box that scrolls sideways.
Screenshots land in var/screenshots/pages-<role>/.

Each page is seen where its checks can fail, not in every language at every width (that was six
visits a page and a third of the whole browser run):

- on a phone (360 px) in Russian and Kyrgyz, whose texts are the longest: a page that scrolls
  sideways, a control too small to tap, a box of the content that scrolls, a date or a tick box's
  label squeezed, all come with long words in a narrow window. axe judges the Russian one;
- on a desktop (1280 px) in English, with axe. A desktop's columns are five phones wide;
- the top bar (one line, the person's name not cut, the language box showing the page's language)
  on a desktop in each language, on the first page: the Russian and Kyrgyz names are the longest.

axe judges markup, which is the same in every language (only the texts differ): once per page and
width. One sign-in per role; the language is changed with the top bar's selector, as people do."""

import pytest
from django.urls import reverse

from .harness import DESKTOP, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("demo"),
]

LANGUAGES = ("en", "ru", "ky")
ROLES = ("worker1", "coordinator1", "supervisor1", "provider1", "admin")


def main_pages(username: str) -> list[tuple[str, str]]:
    """(step name, URL) of the pages a role works in: its menu, its reminders, and the first case,
    person and referral it may open."""
    from cases.permissions import cases_visible_to
    from repat.accounts.models import User
    from repat.core.navigation import menu_for
    from services.permissions import referrals_visible_to

    user = User.objects.get(username=username)
    menu = menu_for(user)["menu"]
    pages = [(str(link["label"]), link["url"]) for link in menu["main"] + menu["account"]]
    pages.append(("reminders", reverse("reminders:list")))
    case = cases_visible_to(user).select_related("returnee__membership").order_by("id").first()
    if case is not None:
        with_a_photo(case.returnee)
        pages += [("case", case.get_absolute_url()), ("person", case.returnee.get_absolute_url())]
        membership = getattr(case.returnee, "membership", None)
        if membership is not None:
            pages.append(("family", membership.family.get_absolute_url()))  # with its family tree
    referral = referrals_visible_to(user).order_by("id").first()
    if referral is not None:
        pages.append(("referral", referral.get_absolute_url()))
    return pages


def with_a_photo(returnee) -> None:
    """The person page is checked with a photo on it (the demo has none): a portrait-shaped one."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases import actions
    from repat.accounts.models import User
    from tests.factories import image_bytes

    if not hasattr(returnee, "photo"):
        upload = SimpleUploadedFile("photo.png", image_bytes("PNG", (300, 400)))
        actions.returnee_photo_set(actor=User.objects.get(username="admin"), returnee=returnee, uploaded=upload)


def top_bar_problems(page, language: str, width: int) -> list[str]:
    """The top bar holds on one line on a desktop, the person's name is not cut, and the language
    box shows the language the page is in."""
    bar = page.evaluate(
        """() => {
          const toggle = document.querySelector("#nav .dropdown-toggle.text-nowrap");
          const select = document.querySelector("#language-select");
          return {
            height: document.querySelector("nav.navbar").getBoundingClientRect().height,
            nameCut: toggle.scrollWidth > toggle.clientWidth + 1,
            language: select.value,
            selectWidth: select.getBoundingClientRect().width,
          };
        }"""
    )
    where = f"top bar [{language} {width}px]"
    problems = []
    if width == DESKTOP and bar["height"] > 72:
        problems.append(f"{where}: wraps ({bar['height']:.0f}px high)")
    if width == DESKTOP and bar["nameCut"]:
        problems.append(f"{where}: the user's name is cut")
    if bar["language"] != language or (width == DESKTOP and bar["selectWidth"] < 90):
        problems.append(f"{where}: the language box shows {bar['language']!r}, {bar['selectWidth']:.0f}px wide")
    return problems


# (language, width, axe): where each check can fail (the module's docstring says why).
VISITS = (("ru", PHONE, True), ("ky", PHONE, False), ("en", DESKTOP, True))


def choose_language(page, language: str) -> None:
    """With the top bar's selector, on a desktop (on a phone it is folded in the menu)."""
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.select_option("#language-select", language)
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=language)


@pytest.mark.parametrize("username", ROLES)
def test_main_pages_pass_the_checks_where_they_can_fail(username, demo, page, checker, login):
    pages = main_pages(username)
    journey = f"pages-{username}"
    login(username)
    problems = []
    for language, width, axe in VISITS:
        choose_language(page, language)
        if width != DESKTOP:  # the top bar of this language on a desktop, on the first page
            page.goto(pages[0][1])
            problems += top_bar_problems(page, language, DESKTOP)
            problems += checker.check(journey, pages[0][0], axe=False)
        page.set_viewport_size({"width": width, "height": 800 if width == PHONE else 900})
        for index, (step, url) in enumerate(pages):
            page.goto(url)
            if index == 0:
                problems += top_bar_problems(page, language, width)
            problems += checker.check(journey, step, axe=axe)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_on_a_phone_filters_fold_away_and_keyboard_focus_shows(demo, page, checker, login):
    page.set_viewport_size({"width": PHONE, "height": 800})
    page.goto("/accounts/login/")
    assert not checker.check("phone", "sign-in")
    login("worker1")
    page.goto("/")  # the caseload (signing in leads to Today)

    # The list's first row is on the first screen: the filters wait behind a button.
    assert not page.locator("#filters form").is_visible()
    assert page.locator("#case-table tbody tr").first.bounding_box()["y"] < 800
    page.click(".filters-toggle")
    # Unfolded before it is used: Bootstrap marks the panel .show once its animation has ended (while
    # it runs, the form is visible but its button still clipped).
    page.locator("#filters.show").wait_for()
    page.locator("#id_risk_level").select_option("high")
    with page.expect_navigation(url="**risk_level=high**"):
        page.locator("#filters [type=submit]").first.click()
    assert page.locator(".filters-toggle").inner_text().strip() == "Filters (1 active)"
    assert not page.locator("#filters form").is_visible()
    # Each case is a card that keeps its status and risk in view.
    card = page.locator("#case-table tbody tr").first
    risk = card.locator("span.badge[class*='risk-']").bounding_box()
    assert card.locator("span.badge[class*='risk-']").inner_text() == "High"
    assert risk["x"] + risk["width"] <= PHONE and risk["y"] < 800

    # The case page fits the phone, with "Edit case" on it.
    card.locator("a").first.click()
    page.wait_for_url("**/cases/*/")
    edit = page.get_by_role("link", name="Edit case").bounding_box()
    assert edit["x"] >= 0 and edit["x"] + edit["width"] <= PHONE

    # From the top of the page, the keyboard lands first on "Skip to the content", outlined.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
          const el = document.activeElement, style = getComputedStyle(el);
          return {text: el.innerText, outline: parseFloat(style.outlineWidth), style: style.outlineStyle};
        }"""
    )
    assert focused["text"] == "Skip to the content"
    assert focused["outline"] >= 2 and focused["style"] != "none"
    assert not checker.check("phone", "case-page")
