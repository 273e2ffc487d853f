"""The family page's tree: the mother (or caregiver) with her children, the guardians, the relatives
abroad and the others, as nested lists; each returnee's name links to their page for a reader who may
see their case, and is not shown to anyone else; a fixed number of queries however large the family."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors
from tests.factories import CaseFactory, FamilyFactory, FamilyMemberFactory, ReturneeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(worker, other_worker, chuy, osh):
    """A mother (the worker's case) with two children: one the worker holds, one another worker of
    another region holds (the family lives in Chüy); a guardian, an uncle abroad, a grandmother."""
    family = FamilyFactory(name="Тестовы", region=chuy)
    mother = CaseFactory(worker=worker, returnee=ReturneeFactory(given_name="Гулнара", family_name="Мамаева"))
    own_child = CaseFactory(worker=worker, returnee=ReturneeFactory(given_name="Айша", family_name="Мамаева"))
    far_child = CaseFactory(
        worker=other_worker, returnee=ReturneeFactory(given_name="Юсуф", family_name="Скрытов", region=osh)
    )
    FamilyMemberFactory(family=family, returnee=mother.returnee, relationship="mother", is_head=True)
    FamilyMemberFactory(family=family, returnee=own_child.returnee, relationship="child")
    FamilyMemberFactory(family=family, returnee=far_child.returnee, relationship="child", whereabouts="elsewhere")
    FamilyMemberFactory(family=family, full_name="Бакыт Опекунов", relationship="guardian")
    FamilyMemberFactory(family=family, full_name="Марат Далеков", relationship="aunt_uncle", whereabouts="abroad")
    FamilyMemberFactory(family=family, full_name="Калыйпа Апа", relationship="grandparent")
    family.cases = {"mother": mother, "own_child": own_child, "far_child": far_child}
    return family


def tree_html(client, family) -> str:
    page = client.get(family.get_absolute_url()).content.decode()
    return page[page.index('<section id="family-tree"') : page.index("</section>", page.index('id="family-tree"'))]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_worker_sees_the_mother_with_her_children_then_the_other_groups(worker, family, client_for):
    tree = tree_html(client_for(worker), family)

    assert text(tree) == (
        "Family tree Мамаева Гулнара Mother · Head of household "
        "Мамаева Айша Child "
        "Returnee, case held by another worker Child · Lives elsewhere in the country "
        "Guardians Бакыт Опекунов Guardian "
        "Relatives abroad Марат Далеков Aunt or uncle · Abroad "
        "Other relatives Калыйпа Апа Grandparent"
    )
    # the children are a list inside the mother's item
    assert re.search(r"Гулнара</a>.*?<ul role=\"list\">\s*<li>.*?Айша", tree, re.S)


def test_names_link_to_the_returnee_pages_the_reader_may_open_and_no_others(worker, family, client_for):
    tree = tree_html(client_for(worker), family)
    mother, own_child, far_child = (family.cases[k].returnee for k in ("mother", "own_child", "far_child"))

    assert f'<a href="{mother.get_absolute_url()}" class="tree-link">{mother.full_name}</a>' in tree
    assert f'<a href="{own_child.get_absolute_url()}" class="tree-link">{own_child.full_name}</a>' in tree
    assert far_child.get_absolute_url() not in tree
    assert "Юсуф" not in tree and "Скрытов" not in tree


def test_a_coordinator_of_the_region_sees_every_name_the_region_holds(coordinator, family, client_for):
    tree = tree_html(client_for(coordinator), family)
    own_child = family.cases["own_child"].returnee

    assert f'<a href="{own_child.get_absolute_url()}" class="tree-link">' in tree
    assert "Юсуф" not in tree  # held in Osh: not the coordinator's region


def test_an_administrator_sees_every_name(administrator, family, client_for):
    tree = tree_html(client_for(administrator), family)

    assert "Юсуф" in tree
    assert "Returnee, case held by another worker" not in tree


def test_provider_staff_get_no_family_page(provider_user, family, client_for):
    assert client_for(provider_user).get(family.get_absolute_url()).status_code == 404


def test_a_family_outside_the_caseload_is_not_there(worker, other_case, osh, client_for):
    elsewhere = FamilyFactory(region=osh)
    FamilyMemberFactory(family=elsewhere, returnee=other_case.returnee, relationship="mother")

    assert client_for(worker).get(elsewhere.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("role", ["other_worker", "osh_supervisor"])
def test_osh_sees_only_the_child_osh_holds(request, role, family, client_for):
    tree = tree_html(client_for(request.getfixturevalue(role)), family)

    assert "Юсуф" in tree
    assert "Гулнара" not in tree and "Айша" not in tree
    assert text(tree).count("Returnee, case held by another worker") == 2


def test_relation_labels_are_in_the_readers_language(worker, family, client_for):
    worker.language = "ky"
    worker.save(update_fields=["language"])

    tree = text(tree_html(client_for(worker), family))

    assert "Mother" not in tree and "Child" not in tree


def test_without_a_mother_the_guardian_at_the_head_is_the_carer(chuy):
    family = FamilyFactory(region=chuy)
    guardian = FamilyMemberFactory(family=family, full_name="Бакыт", relationship="guardian", is_head=True)
    child = FamilyMemberFactory(family=family, full_name="Айша", relationship="child")

    tree = selectors.family_tree(members=list(family.members.all()), visible_cases=set())

    assert tree.carer.member == guardian
    assert [p.member for p in tree.carer.below] == [child]
    assert tree.groups == []


def test_without_a_carer_the_children_are_a_group_of_their_own(chuy):
    family = FamilyFactory(region=chuy)
    child = FamilyMemberFactory(family=family, full_name="Айша", relationship="child", is_head=True)

    tree = selectors.family_tree(members=list(family.members.all()), visible_cases=set())

    assert tree.carer is None
    assert [(str(heading), [p.member for p in people]) for heading, people in tree.groups] == [("Children", [child])]


def test_the_family_page_asks_the_same_queries_however_large_the_family(worker, family, client_for, chuy):
    client = client_for(worker)
    client.get(family.get_absolute_url())
    with CaptureQueriesContext(connection) as small:
        client.get(family.get_absolute_url())
    for n in range(8):
        case = CaseFactory(worker=worker, returnee=ReturneeFactory(given_name=f"Ребенок{n}"))
        FamilyMemberFactory(family=family, returnee=case.returnee, relationship="child")
        FamilyMemberFactory(family=family, full_name=f"Родственник {n}", relationship="sibling", whereabouts="abroad")

    with CaptureQueriesContext(connection) as large:
        page = client.get(family.get_absolute_url()).content.decode()

    assert "Ребенок7" in page
    assert len(large.captured_queries) == len(small.captured_queries)
