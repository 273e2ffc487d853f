"""A coordinator imports a flight's manifest in Chromium: upload, answer a probable match, register."""

import pytest

from cases.models import ManifestImport, Operation, Returnee
from cases.search import recorded_mothers
from repat.accounts.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("demo"),
]


def test_coordinator_uploads_a_manifest_links_a_match_and_registers(demo, page, login, tmp_path):
    coordinator = User.objects.get(username="coordinator1")
    region = coordinator.regions.filter(parent__isnull=True).order_by("pk").first()
    # Someone recorded without a household's mother: the file gives the child another mother, and a
    # child of another mother is another child (`cases.search.judge_duplicate`).
    recorded = Returnee.objects.filter(region=region, date_of_birth__isnull=False).exclude(family_name="")
    recorded = [*recorded.filter(membership__isnull=True).order_by("pk")[:50], *recorded.order_by("pk")[:50]]
    with_mother = recorded_mothers([person.pk for person in recorded])
    known = next(person for person in recorded if person.pk not in with_mother)
    operation = Operation.objects.order_by("pk").first()
    sex = "F" if known.sex == "female" else "M"
    lines = [
        "household,relation,family_name,given_name,sex,birth_date,operation,region",
        f"Z1,mother,Тестовая,Мээрим,F,{known.date_of_birth.year - 24}-04-02,{operation.name},{region.name}",
        f"Z1,child,{known.family_name},{known.given_name},{sex},{known.date_of_birth.isoformat()},{operation.name},{region.name}",
        f"Z1,child,Тестовая,Айзат,F,~2018,{operation.name},{region.name}",
    ]
    path = tmp_path / "flight.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = Returnee.objects.count()

    login("coordinator1")
    page.goto("/manifests/")
    page.set_input_files("#id_file", str(path))
    page.click("#manifest-upload button[type=submit]")
    page.wait_for_selector("#manifest-summary")
    assert "3 people in the file." in page.locator("#manifest-summary").inner_text()
    card = page.locator("#match-row-3")
    assert known.case_number in card.inner_text()

    page.click("#manifest-commit")  # unanswered: the page says so, nothing is registered
    page.wait_for_selector("#commit-errors")
    assert "Row 3: say whether this is a person already registered." in page.locator("#commit-errors").inner_text()
    assert Returnee.objects.count() == before

    page.check(f"#link-3-{known.pk}")
    page.click("#manifest-commit")
    page.wait_for_selector("#manifest-result")
    manifest = ManifestImport.objects.get()
    assert manifest.status == "committed"
    assert Returnee.objects.count() == before + 2
    cases = page.locator("#result-cases a")
    assert cases.count() == 2
    assert page.locator("#result-linked").inner_text().strip() == known.full_name
    cases.first.click()
    page.wait_for_url("**/cases/*/")
