"""The family form in Chromium: a mother and two children registered in Russian on a phone and on a
desktop, rows added and removed by the page's script (no inline script: the CSP blocks none, see
the `page` fixture), nothing scrolling sideways and every control big enough for a finger."""

import pytest

from cases.models import Family, Returnee

from .harness import shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("demo"),
]

# Controls smaller than this are hard to hit on a phone (WCAG 2.5.5's target size).
TARGET = 44


def use_language(page, code):
    """Choose the language with the top bar's selector, as people do (a signed-in person's choice is
    kept with their account, which a cookie does not override)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 900})  # the selector is in the bar, not the folded menu
    page.select_option("#language-select", code)
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=code)
    page.set_viewport_size(size)


def small_controls(page) -> list[str]:
    """Visible buttons, fields and tick boxes (measured with their label) under TARGET px high."""
    return page.evaluate(
        """(target) => {
            const small = [];
            const shown = (el) => el.offsetParent !== null && !el.closest('template');
            const controls = 'main button, main select, main textarea, main a.btn, main input';
            document.querySelectorAll(controls).forEach((el) => {
                if (!shown(el) || el.type === 'hidden') return;
                let box = el.getBoundingClientRect();
                if (el.type === 'checkbox' || el.type === 'radio') {
                    box = (el.closest('.form-check') || el).getBoundingClientRect();
                }
                if (box.height < target) small.push(`${el.name || el.textContent.trim()}: ${Math.round(box.height)}`);
            });
            return small;
        }""",
        TARGET,
    )


def fill_person(page, prefix, family_name, given_name, sex, born):
    page.fill(f"#id_{prefix}-family_name", family_name)
    page.fill(f"#id_{prefix}-given_name", given_name)
    page.select_option(f"#id_{prefix}-sex", sex)
    page.fill(f"#id_{prefix}-date_of_birth", born)


@pytest.mark.parametrize(
    ("width", "names"),
    [
        (360, ("Садыковы", "Садыкова", "Айжан", "Мээрим", "Бакыт")),
        (1280, ("Токтогуловы", "Токтогулова", "Нургуль", "Элиза", "Тимур")),
    ],
)
def test_worker_registers_a_mother_and_two_children_in_russian(width, names, demo, page, login):
    from repat.accounts.models import User

    household, surname, mother, daughter, son = names
    region = User.objects.get(username="worker1").regions.order_by("pk").first()
    page.set_viewport_size({"width": width, "height": 900})
    login("worker1")
    use_language(page, "ru")

    # From the caseload's button to the family form
    page.goto("/")
    page.click("a[href='/families/new/']")
    page.wait_for_url("**/families/new/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator(".family-row").count() == 2  # one row required, one spare

    page.fill("#id_new_family_name", household)
    page.select_option("#id_shared-operation", index=1)
    page.fill("#id_shared-arrival_date", "2023-02-10")
    page.select_option("#id_shared-region", str(region.pk))
    page.fill("#id_shared-locality", "Бишкек, ул. Ленина 5")
    fill_person(page, "carer", surname, mother, "female", "1990-03-01")
    fill_person(page, "child-0", surname, daughter, "female", "2016-04-02")

    # A third row added by the page and removed again; the spare row takes the son
    page.click(".js-add-row")
    assert page.locator("#child-rows .family-row:visible").count() == 3
    page.fill("#id_child-2-given_name", "Лишний")
    page.locator("#child-rows .family-row").nth(2).locator(".js-remove-row").click()
    assert page.locator("#child-rows .family-row:visible").count() == 2
    fill_person(page, "child-1", surname, son, "male", "2019-06-01")
    page.select_option("#id_child-1-date_of_birth_precision", "estimated")

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert small_controls(page) == []
    shoot(page, "family", f"ru-{width}-filled")

    page.locator("main form button[type=submit].btn-primary").click()
    page.wait_for_url("**/families/*/")

    family = Family.objects.get(name=household)
    registered = {r.given_name: r for r in Returnee.objects.filter(membership__family=family)}
    assert set(registered) == {mother, daughter, son}
    assert registered[son].date_of_birth_precision == "estimated"
    assert registered[mother].membership.is_head
    assert {r.case.worker.username for r in registered.values()} == {"worker1"}
    assert not Returnee.objects.filter(given_name="Лишний").exists()
    table = page.locator("main table").inner_text()
    for name in (mother, daughter, son):
        assert name in table
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("language", ["en", "ru", "ky"])
def test_the_family_form_fits_a_phone_in_each_language(language, demo, page, login):
    page.set_viewport_size({"width": 360, "height": 800})
    login("worker1")
    use_language(page, language)
    page.goto("/families/new/")
    assert page.locator("html").get_attribute("lang") == language

    # Submitted empty: the errors (longest in Russian and Kyrgyz) must fit too
    page.locator("main form button[type=submit].btn-primary").click()
    page.wait_for_selector(".invalid-feedback")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert small_controls(page) == []
    shoot(page, "family", f"{language}-360")


def test_without_javascript_rows_are_added_by_the_button_and_left_out_by_their_box(demo, page, live_server):
    from repat.accounts.models import User

    region = User.objects.get(username="worker1").regions.order_by("pk").first()
    context = page.context.browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    plain = context.new_page()
    plain.set_default_timeout(15_000)
    plain.set_viewport_size({"width": 360, "height": 800})
    plain.goto("/accounts/login/")
    plain.fill("#id_username", "worker1")
    plain.fill("#id_password", "repat-demo")
    with plain.expect_navigation():
        plain.click("main form [type=submit]")
    assert "/accounts/login/" not in plain.url

    plain.goto("/families/new/")
    assert plain.locator(".js-remove-row").count() == 0  # no script: the rows keep their boxes
    plain.fill("#id_new_family_name", "Асановы")
    plain.select_option("#id_shared-operation", index=1)
    plain.fill("#id_shared-arrival_date", "2023-02-10")
    plain.select_option("#id_shared-region", str(region.pk))
    fill_person(plain, "carer", "Асанова", "Жылдыз", "female", "1988-05-05")
    fill_person(plain, "child-0", "Асанова", "Айдана", "female", "2015-02-02")
    fill_person(plain, "child-1", "Асанов", "Ошибка", "male", "2017-03-03")

    # "Add another child" posts the form: the page comes back with what was typed and a third row
    plain.click("button[name=add_row]")
    plain.wait_for_selector("#id_child-2-given_name")
    assert plain.input_value("#id_child-0-given_name") == "Айдана"
    assert plain.locator(".invalid-feedback").count() == 0
    fill_person(plain, "child-2", "Асанов", "Эмир", "male", "2019-04-04")
    plain.check("#id_child-1-DELETE")  # the row typed by mistake
    assert plain.evaluate("document.documentElement.scrollWidth") <= 360

    plain.locator("main form button[type=submit].btn-primary").click()
    plain.wait_for_url("**/families/*/")
    family = Family.objects.get(name="Асановы")
    names = sorted(Returnee.objects.filter(membership__family=family).values_list("given_name", flat=True))
    assert names == ["Айдана", "Жылдыз", "Эмир"]
    context.close()
