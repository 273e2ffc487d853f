"""The family form: a mother and her children registered from one page, rows added and removed,
errors in the right row, one duplicate panel for everyone; and the family picker's labels."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.forms import FamilyCaseForm, RegistrationForm
from cases.models import DuplicateDecision, Family, Returnee
from tests.factories import CaseFactory, FamilyFactory, FamilyMemberFactory, OperationFactory, ReturneeFactory

from .helpers import field_error_html

pytestmark = pytest.mark.django_db

REGISTER = reverse("cases:family_register")


@pytest.fixture(autouse=True)
def overseen(coordinator):
    """Chüy has a coordinator (a region nobody oversees takes no registration)."""


def management(total):
    return {"child-TOTAL_FORMS": str(total), "child-INITIAL_FORMS": "0", "child-MIN_NUM_FORMS": "1"}


def child(index, given, sex="female", born="2016-04-02", **extra):
    prefix = f"child-{index}-"
    fields = {
        "family_name": "Жумабаева",
        "given_name": given,
        "patronymic": "",
        "aliases": "",
        "sex": sex,
        "date_of_birth": born,
        "date_of_birth_precision": "exact",
        "relationship": "child",
        "place_of_birth": "Raqqa",
        **extra,
    }
    return {prefix + name: value for name, value in fields.items()}


def family_data(chuy, children=None, **overrides):
    operation = OperationFactory(name="Мээрим-3")
    data = {
        "new_family_name": "Жумабаевы",
        "risk_level": "medium",
        "risk_reason": "",
        "form_token": str(uuid.uuid4()),
        "shared-operation": operation.pk,
        "shared-departure_place": "al-Roj camp",
        "shared-arrival_date": "2023-02-10",
        "shared-citizenship_status": "pending",
        "shared-languages": ["ky", "ar"],
        "shared-region": chuy.pk,
        "shared-district": chuy.districts.get(name="Sokuluk District").pk,
        "shared-locality": "Sokuluk",
        "carer-family_name": "Жумабаева",
        "carer-given_name": "Гулнара",
        "carer-sex": "female",
        "carer-date_of_birth": "1990-01-01",
        "carer-date_of_birth_precision": "year",
        "carer-relationship": "mother",
        "carer-is_head": "on",
    }
    children = (
        children if children is not None else [child(0, "Асель"), child(1, "Хамза", sex="male", born="2019-06-01")]
    )
    data.update(management(len(children)))
    for row in children:
        data.update(row)
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("role", "status"),
    [("worker", 200), ("coordinator", 200), ("administrator", 200), ("supervisor", 403), ("provider_user", 403)],
)
def test_family_page_per_role(role, status, request, client_for):
    response = client_for(request.getfixturevalue(role)).get(REGISTER)
    assert response.status_code == status


def test_worker_registers_a_mother_and_two_children(worker, chuy, client_for):
    response = client_for(worker).post(REGISTER, family_data(chuy))

    family = Family.objects.get()
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    people = {r.given_name: r for r in Returnee.objects.all()}
    assert set(people) == {"Гулнара", "Асель", "Хамза"}
    for returnee in people.values():
        assert returnee.case.worker == worker
        assert returnee.operation.name == "Мээрим-3"
        assert returnee.locality == "Sokuluk"
        assert returnee.languages == ["ky", "ar"]
    assert people["Хамза"].sex == "male"
    assert people["Гулнара"].membership.is_head
    assert people["Гулнара"].date_of_birth_precision == "year"
    assert sorted(family.members.values_list("relationship", flat=True)) == ["child", "child", "mother"]
    page = client_for(worker).get(response["Location"])
    assert "3 people were registered and their cases opened" in page.content.decode()


def test_children_only_into_the_family_from_its_page(worker, case, chuy, client_for):
    family = FamilyFactory(name="Тестовы")
    FamilyMemberFactory(family=family, returnee=case.returnee, relationship="mother")
    client = client_for(worker)
    assert (
        reverse("cases:family_register_into", args=[family.pk])
        in client.get(family.get_absolute_url()).content.decode()
    )

    url = reverse("cases:family_register_into", args=[family.pk])
    page = client.get(url)
    assert page.context["case_form"]["family"].value() == family.pk
    data = family_data(chuy, family=family.pk, new_family_name="")
    for name in [k for k in data if k.startswith("carer-")]:
        data.pop(name)
    data.update(
        {
            "carer-sex": "female",
            "carer-relationship": "mother",
            "carer-is_head": "on",
            "carer-date_of_birth_precision": "exact",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["carer_form"].errors
    assert sorted(m.display_name for m in family.members.all()) == sorted(
        [case.returnee.full_name, "Жумабаева Асель", "Жумабаева Хамза"]
    )


def test_the_caseload_links_the_family_form(worker, client_for):
    assert f'href="{REGISTER}"' in client_for(worker).get(reverse("cases:caseload")).content.decode()


def test_errors_are_shown_in_the_right_row_translated_and_nothing_is_saved(worker, chuy, client_for):
    rows = [child(0, "Асель"), child(1, "", sex="male", born="2030-01-01")]
    client = client_for(worker)

    response = client.post(REGISTER, family_data(chuy, children=rows))

    assert response.status_code == 200
    first, second = response.context["children"].forms
    assert not first.errors
    assert second.errors["given_name"] == ["This field is required."]
    assert second.errors["date_of_birth"] == ["The date of birth cannot be in the future."]
    assert field_error_html(response, "child-1-date_of_birth", "The date of birth cannot be in the future.")
    html = response.content.decode()
    assert 'value="Асель"' in html and 'value="Гулнара"' in html  # what was typed is kept
    assert not Returnee.objects.exists()
    assert not Family.objects.exists()

    client.cookies.load({"django_language": "ru"})
    russian = client.post(REGISTER, family_data(chuy, children=rows), HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.context["children"].forms[1].errors["given_name"] == ["Обязательное поле."]


def test_a_child_born_after_the_arrival_is_refused_in_its_row(worker, chuy, client_for):
    rows = [child(0, "Асель"), child(1, "Хамза", sex="male", born="2023-05-01")]
    response = client_for(worker).post(REGISTER, family_data(chuy, children=rows))

    assert response.context["children"].forms[1].errors["date_of_birth"] == [
        "Born after the family's date of arrival: check either date."
    ]
    assert not response.context["children"].forms[0].errors
    assert not Returnee.objects.exists()


def test_the_same_child_twice_is_refused_on_the_later_row(worker, chuy, client_for):
    rows = [child(0, "Асель"), child(1, "асель ")]
    response = client_for(worker).post(REGISTER, family_data(chuy, children=rows))
    assert response.context["children"].forms[1].errors["given_name"] == ["This child is in row 1 already."]
    assert not Returnee.objects.exists()


def test_without_javascript_a_row_is_added_by_a_button_and_removed_by_its_box(worker, chuy, client_for):
    client = client_for(worker)
    data = family_data(chuy, children=[child(0, "Асель")], add_row="1")

    more = client.post(REGISTER, data)

    assert more.status_code == 200
    assert len(more.context["children"].forms) == 2
    html = more.content.decode()
    assert 'name="child-1-given_name"' in html
    assert 'name="child-TOTAL_FORMS" value="2"' in html
    assert "This field is required." not in html  # nothing is checked while rows are added
    assert not Returnee.objects.exists()

    # the new row filled in, the first one removed by its box: only the second child is registered
    rows = [child(0, "Асель", DELETE="on"), child(1, "Хамза", sex="male", born="2019-06-01")]
    response = client.post(REGISTER, family_data(chuy, children=rows))
    assert response.status_code == 302
    assert sorted(Returnee.objects.values_list("given_name", flat=True)) == ["Гулнара", "Хамза"]


def test_a_removed_row_with_errors_and_an_empty_row_do_not_stop_the_family(worker, chuy, client_for):
    rows = [
        child(0, "Асель"),
        child(1, "", born="2030-01-01", DELETE="on"),
        {"child-2-relationship": "child", "child-2-date_of_birth_precision": "exact"},  # left as it came
    ]
    response = client_for(worker).post(REGISTER, family_data(chuy, children=rows))
    assert response.status_code == 302
    assert sorted(Returnee.objects.values_list("given_name", flat=True)) == ["Асель", "Гулнара"]


def test_at_least_one_child_and_at_most_fifteen(worker, chuy, client_for):
    client = client_for(worker)
    only_removed = client.post(REGISTER, family_data(chuy, children=[child(0, "Асель", DELETE="on")]))
    assert only_removed.context["children"].non_form_errors() == ["Add at least 1 child."]

    too_many = [child(i, f"Дочь{i}", born=f"20{10 + i}-01-01") for i in range(16)]
    response = client.post(REGISTER, family_data(chuy, children=too_many))
    assert response.status_code == 200
    assert not Returnee.objects.exists()


def recorded(worker, region, given, family="Жумабаева", sex="female", born="2016-04-02"):
    returnee = ReturneeFactory(given_name=given, family_name=family, sex=sex, region=region, date_of_birth=born)
    CaseFactory(returnee=returnee, worker=worker)
    return returnee


def test_one_duplicate_panel_for_the_family_and_one_confirmation_registers_all(worker, chuy, client_for):
    asel = recorded(worker, chuy, "Асель")
    client = client_for(worker)
    data = family_data(chuy)

    shown = client.post(REGISTER, data)

    html = shown.content.decode()
    assert html.count('id="probable-duplicates"') == 1
    assert asel.case_number in html
    assert re.search(r"Resembles: <span dir=\"auto\">Жумабаева Асель</span>", html)
    assert Returnee.objects.count() == 1

    confirm = {
        **data,
        "distinct_person": "on",
        "distinct_reason": "Another girl: her mother is in Osh.",
        "shown": shown.context["distinct_form"]["shown"].value(),
    }
    without_reason = client.post(REGISTER, {**confirm, "distinct_reason": " "})
    assert without_reason.context["distinct_form"].errors["distinct_reason"] == ["Say why this is a different person."]
    assert Returnee.objects.count() == 1

    response = client.post(REGISTER, confirm)

    assert response.status_code == 302
    assert Returnee.objects.count() == 4
    [decision] = DuplicateDecision.objects.all()
    assert (decision.returnee.given_name, decision.candidate, decision.reason) == (
        "Асель",
        asel,
        "Another girl: her mother is in Osh.",
    )


def test_double_submission_registers_the_family_once(worker, chuy, client_for):
    client = client_for(worker)
    data = family_data(chuy)
    first, second = client.post(REGISTER, data), client.post(REGISTER, data)
    assert Returnee.objects.count() == 3
    assert second["Location"] == first["Location"]


# --- security ---


def test_another_regions_family_posted_is_refused_and_nothing_saved(worker, other_case, osh, chuy, client_for):
    hidden = FamilyFactory(name="Ошские", region=osh)
    FamilyMemberFactory(family=hidden, returnee=other_case.returnee, relationship="mother")
    client = client_for(worker)

    response = client.post(REGISTER, family_data(chuy, family=hidden.pk, new_family_name=""))

    assert response.status_code == 200
    assert (
        "Select a valid choice. That choice is not one of the available choices."
        in (response.context["case_form"].errors["family"])
    )
    assert "Ошские" not in response.content.decode()
    assert Returnee.objects.count() == 1
    assert hidden.members.count() == 1
    # nor through the family's own address
    url = reverse("cases:family_register_into", args=[hidden.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, family_data(chuy, family=hidden.pk, new_family_name="")).status_code == 404
    assert Returnee.objects.count() == 1


def test_a_supervisor_cannot_register_a_family(supervisor, chuy, client_for):
    assert client_for(supervisor).post(REGISTER, family_data(chuy)).status_code == 403
    assert not Returnee.objects.exists()


# --- the family picker ---


def family_of(region, name, people, operation=None):
    family = FamilyFactory(name=name, region=region)
    for given in people:
        returnee = ReturneeFactory(
            given_name=given, family_name=name, region=region, **({"operation": operation} if operation else {})
        )
        CaseFactory(returnee=returnee)
        FamilyMemberFactory(family=family, returnee=returnee, relationship="child")
    return family


def test_the_picker_shows_members_operation_and_region(coordinator, chuy):
    operation = OperationFactory(name="Мээрим-3")
    family = family_of(chuy, "Жумабаевы", ["Асель", "Хамза"], operation)
    FamilyMemberFactory(family=family, full_name="Гулнара Жумабаева", relationship="grandparent")

    for form in (FamilyCaseForm(user=coordinator), RegistrationForm(user=coordinator)):
        labels = dict(form.fields["family"].choices)
        assert labels[family.pk] == "Жумабаевы: Асель, Хамза, Гулнара Жумабаева (3 people) · Мээрим-3 · Chüy Oblast"


def test_the_picker_shows_only_families_in_the_users_scope(worker, case, other_case, chuy, osh):
    mine = family_of(chuy, "Мои", [])
    FamilyMemberFactory(family=mine, returnee=case.returnee, relationship="child")
    Returnee.objects.filter(pk=other_case.returnee.pk).update(given_name="Зарина")
    theirs = FamilyFactory(name="Чужие", region=osh)
    FamilyMemberFactory(family=theirs, returnee=other_case.returnee, relationship="child")
    unrelated = family_of(chuy, "Соседи", ["Айгерим"])  # in her region, but no case of hers

    labels = [label for _pk, label in FamilyCaseForm(user=worker).fields["family"].choices]

    assert any(label.startswith("Мои: ") for label in labels)
    assert not any("Чужие" in label or "Зарина" in label for label in labels)
    assert not any("Соседи" in label for label in labels)
    assert unrelated.pk not in [pk for pk, _label in FamilyCaseForm(user=worker).fields["family"].choices]


def test_the_pickers_query_count_does_not_grow_with_families(coordinator, chuy):
    def queries():
        form = FamilyCaseForm(user=coordinator)
        with CaptureQueriesContext(connection) as captured:
            rendered = str(form["family"])
        return len(captured), rendered

    family_of(chuy, "Первые", ["Асель", "Хамза"])
    few, html = queries()
    assert "Первые: Асель, Хамза (2 people)" in html
    for n in range(10):
        family_of(chuy, f"Семья{n}", ["Айгерим", "Бекзат", "Нурлан"], OperationFactory())
    many, html = queries()
    assert "Семья9: Айгерим, Бекзат, Нурлан (3 people)" in html
    assert many == few <= 3


def test_the_family_form_renders_in_russian_and_kyrgyz(worker, client_for):
    """Labels the family form shares with the single registration are translated already; its own
    sentences are in /work/i18n/familyform.json until the catalogues are compiled."""
    client = client_for(worker)
    for language, words in (("ru", "Другие варианты написания имени"), ("ky", "Аты-жөнүнүн башка жазылыштары")):
        client.cookies["django_language"] = language
        response = client.get(REGISTER)
        assert response.status_code == 200
        assert words in response.content.decode()


def test_a_family_opened_in_an_emergency_takes_nobody_in(worker, other_case, osh, osh_supervisor, chuy, client_for):
    """Emergency access opens a case (and its family) for reading: the family is not offered in the
    picker, and registering into it is refused as if it did not exist."""
    from cases import actions

    hidden = FamilyFactory(name="Ошские", region=osh)
    FamilyMemberFactory(family=hidden, returnee=other_case.returnee, relationship="mother")
    actions.emergency_access_open(
        actor=worker,
        case_number=other_case.returnee.case_number,
        reason="The child was found alone at the bus station tonight.",
    )
    client = client_for(worker)
    assert client.get(hidden.get_absolute_url()).status_code == 200  # the glass is broken

    assert hidden.pk not in [pk for pk, _label in FamilyCaseForm(user=worker).fields["family"].choices]
    url = reverse("cases:family_register_into", args=[hidden.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, family_data(chuy, family=hidden.pk, new_family_name="")).status_code == 404
    refused = client.post(REGISTER, family_data(chuy, family=hidden.pk, new_family_name=""))
    assert "family" in refused.context["case_form"].errors
    assert hidden.members.count() == 1


def test_a_worker_cannot_give_the_family_to_someone_else_or_choose_case_numbers(worker, other_worker, chuy, client_for):
    data = family_data(chuy, worker=other_worker.pk, **{"child-0-case_number": "KG-1999-99999", "carer-region": 1})
    response = client_for(worker).post(REGISTER, data)

    assert response.status_code == 302
    assert {r.case.worker for r in Returnee.objects.all()} == {worker}
    assert not Returnee.objects.filter(case_number="KG-1999-99999").exists()
    assert set(Returnee.objects.values_list("region", flat=True)) == {chuy.pk}


def test_a_coordinator_gives_the_family_to_a_worker_of_the_region_only(
    coordinator, worker, other_worker, chuy, client_for
):
    client = client_for(coordinator)
    refused = client.post(REGISTER, family_data(chuy, worker=other_worker.pk))
    assert "worker" in refused.context["case_form"].errors
    assert not Returnee.objects.exists()

    assert client.post(REGISTER, family_data(chuy, worker=worker.pk)).status_code == 302
    assert {r.case.worker for r in Returnee.objects.all()} == {worker}


def test_a_match_in_another_caseload_is_one_sentence_and_goes_to_a_coordinator(
    worker, other_worker, osh_coordinator, chuy, osh, client_for
):
    hidden = recorded(other_worker, osh, "Хамза", family="Жумабаев", sex="male", born="2019-06-01")
    client = client_for(worker)
    data = family_data(chuy)

    shown = client.post(REGISTER, data)

    html = shown.content.decode()
    assert "A probable match exists in another caseload." in html
    assert hidden.case_number not in html
    assert "Resembles" not in html  # nor which of the family it resembles
    assert Returnee.objects.count() == 1

    confirm = {
        **data,
        "distinct_person": "on",
        "distinct_reason": "Another boy: born in Raqqa.",
        "shown": shown.context["distinct_form"]["shown"].value(),
    }
    assert client.post(REGISTER, confirm).status_code == 302
    [decision] = DuplicateDecision.objects.all()
    assert (decision.returnee.given_name, decision.candidate, decision.status) == ("Хамза", hidden, "pending")


def test_the_family_pages_query_count_does_not_grow_with_families(
    coordinator, chuy, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    family_of(chuy, "Первые", ["Асель"])
    client.get(REGISTER)  # reference lists cached
    with CaptureQueriesContext(connection) as few:
        client.get(REGISTER)
    for n in range(15):
        family_of(chuy, f"Семья{n}", ["Айгерим", "Бекзат"], OperationFactory())
    with django_assert_max_num_queries(len(few)):
        response = client.get(REGISTER)
    assert "Семья14: Айгерим, Бекзат (2 people)" in response.content.decode()
