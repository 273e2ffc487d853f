"""`family_register`: a mother and her children registered together, all or nothing, with one
duplicate check for all of them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import actions
from cases.models import Case, CaseEvent, DuplicateDecision, Family, FamilyMember, Returnee
from tests.factories import CaseFactory, FamilyFactory, FamilyMemberFactory, OperationFactory, ReturneeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(chuy, coordinator):
    """What the family shares (Chüy has a coordinator: a region nobody oversees takes nobody)."""
    return {
        "operation": OperationFactory(name="Мээрим-3"),
        "departure_place": "al-Roj camp",
        "arrival_date": datetime.date(2023, 2, 10),
        "citizenship_status": "pending",
        "languages": ["ky", "ar"],
        "region": chuy,
        "district": chuy.districts.get(name="Sokuluk District"),
        "locality": "Sokuluk, Lenin st. 5",
    }


def person(given, *, sex="female", born=datetime.date(2016, 4, 2), relationship="child", **fields):
    data = {"family_name": "Жумабаева", "given_name": given, "sex": sex, "date_of_birth": born, **fields}
    return actions.FamilyPerson(data=data, relationship=relationship, aliases=fields.pop("aliases", ()))


def mother_and_two():
    return [
        person("Гулнара", born=datetime.date(1990, 1, 1), relationship="mother"),
        person("Асель", aliases=["Asel Zhumabaeva"]),
        person("Хамза", sex="male", born=datetime.date(2019, 6, 1)),
    ]


def test_a_mother_and_two_children_get_a_family_and_a_case_each(worker, shared):
    people = mother_and_two()
    people[0] = actions.FamilyPerson(data=people[0].data, relationship="mother", is_head=True)

    registered = actions.family_register(actor=worker, shared=shared, people=people, new_family_name="Жумабаевы")

    assert [r.given_name for r in registered] == ["Гулнара", "Асель", "Хамза"]
    family = Family.objects.get()
    assert (family.name, family.region, family.locality) == ("Жумабаевы", shared["region"], "Sokuluk, Lenin st. 5")
    members = family.members.order_by("pk")
    assert [(m.returnee.given_name, m.relationship, m.is_head) for m in members] == [
        ("Гулнара", "mother", True),
        ("Асель", "child", False),
        ("Хамза", "child", False),
    ]
    for returnee in registered:
        returnee.refresh_from_db()
        assert returnee.operation.name == "Мээрим-3"
        assert returnee.arrival_date == datetime.date(2023, 2, 10)
        assert returnee.languages == ["ky", "ar"]
        assert returnee.district.name == "Sokuluk District"
        assert returnee.case.worker == worker
        assert list(returnee.case.events.order_by("id").values_list("kind", flat=True)) == [
            "registered",
            "opened",
            "family_joined",
        ]
    assert list(registered[1].aliases.values_list("name", flat=True)) == ["Asel Zhumabaeva"]
    assert len({r.case_number for r in registered}) == 3


def test_children_join_an_existing_family_in_scope(worker, shared, case):
    family = FamilyFactory(name="Тестовы")
    FamilyMemberFactory(family=family, returnee=case.returnee, relationship="mother")

    registered = actions.family_register(actor=worker, shared=shared, people=mother_and_two()[1:], family=family)

    assert {m.returnee for m in family.members.filter(relationship="child")} == set(registered)
    assert Family.objects.count() == 1


def test_a_bad_person_leaves_nothing_half_saved_and_says_who(worker, shared):
    people = mother_and_two()
    people[2] = person("Хамза", sex="male", born=datetime.date(2030, 1, 1))  # in the future

    with pytest.raises(actions.PersonInvalid) as refused:
        actions.family_register(actor=worker, shared=shared, people=people, new_family_name="Жумабаевы")

    assert refused.value.index == 2
    assert refused.value.message_dict["date_of_birth"] == ["The date of birth cannot be in the future."]
    assert not Returnee.objects.exists()
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not Family.objects.exists()


def test_nobody_and_no_family_are_refused(worker, shared):
    with pytest.raises(ValidationError) as empty:
        actions.family_register(actor=worker, shared=shared, people=[], new_family_name="Жумабаевы")
    assert empty.value.messages == ["Add at least one person to register."]
    with pytest.raises(ValidationError) as nameless:
        actions.family_register(actor=worker, shared=shared, people=mother_and_two(), new_family_name="  ")
    assert nameless.value.message_dict == {"family": ["Choose a family or give the name of a new one."]}
    assert not Returnee.objects.exists()


def test_supervisors_and_providers_cannot_register_a_family(supervisor, provider_user, shared):
    for user in (supervisor, provider_user):
        with pytest.raises(PermissionDenied):
            actions.family_register(actor=user, shared=shared, people=mother_and_two(), new_family_name="Ж")
    assert not Returnee.objects.exists()


def test_a_family_outside_the_workers_scope_is_refused(worker, other_case, shared):
    hidden = FamilyFactory(name="Ошские", region=other_case.returnee.region)
    FamilyMemberFactory(family=hidden, returnee=other_case.returnee, relationship="mother")

    with pytest.raises(PermissionDenied):
        actions.family_register(actor=worker, shared=shared, people=mother_and_two()[1:], family=hidden)
    assert hidden.members.count() == 1
    assert Returnee.objects.count() == 1


def recorded_asel(worker, region):
    """Асель, registered already (the same name, birth and operation as the family's girl)."""
    asel = ReturneeFactory(
        given_name="Асель", family_name="Жумабаева", region=region, date_of_birth=datetime.date(2016, 4, 2)
    )
    CaseFactory(returnee=asel, worker=worker)
    return asel


def recorded_hamza(worker, region):
    hamza = ReturneeFactory(
        given_name="Хамза", family_name="Жумабаев", sex="male", region=region, date_of_birth=datetime.date(2019, 6, 1)
    )
    CaseFactory(returnee=hamza, worker=worker)
    return hamza


def test_one_duplicate_check_for_the_family_and_one_confirmation_registers_all(worker, shared):
    asel, hamza = recorded_asel(worker, shared["region"]), recorded_hamza(worker, shared["region"])

    with pytest.raises(actions.ProbableDuplicates) as found:
        actions.family_register(actor=worker, shared=shared, people=mother_and_two(), new_family_name="Жумабаевы")

    # both children's matches in one answer, each said to resemble its own child; nothing saved
    assert {m.returnee_id for m in found.value.matches} == {asel.pk, hamza.pk}
    assert found.value.people_of == {asel.pk: [1], hamza.pk: [2]}
    assert Returnee.objects.count() == 2

    registered = actions.family_register(
        actor=worker,
        shared=shared,
        people=mother_and_two(),
        new_family_name="Жумабаевы",
        distinct=found.value.confirm("Another family: the mother is from Naryn."),
    )

    assert len(registered) == 3
    decisions = DuplicateDecision.objects.order_by("returnee_id")
    assert [(d.returnee.given_name, d.candidate, d.reason) for d in decisions] == [
        ("Асель", asel, "Another family: the mother is from Naryn."),
        ("Хамза", hamza, "Another family: the mother is from Naryn."),
    ]
    assert not registered[0].case.events.filter(kind="duplicate_confirmed").exists()  # the mother matched nobody


def test_a_confirmation_of_other_matches_does_not_pass(worker, shared):
    recorded_asel(worker, shared["region"])
    with pytest.raises(actions.ProbableDuplicates) as first:
        actions.family_register(actor=worker, shared=shared, people=mother_and_two(), new_family_name="Ж")
    recorded_hamza(worker, shared["region"])  # another match appears before the confirmation

    with pytest.raises(actions.ProbableDuplicates) as again:
        actions.family_register(
            actor=worker,
            shared=shared,
            people=mother_and_two(),
            new_family_name="Ж",
            distinct=first.value.confirm("Another family."),
        )
    assert len(again.value.matches) == 2
    assert Returnee.objects.count() == 2


def test_a_confirmation_without_a_reason_is_refused(worker, shared):
    recorded_asel(worker, shared["region"])
    with pytest.raises(actions.ProbableDuplicates) as first:
        actions.family_register(actor=worker, shared=shared, people=mother_and_two(), new_family_name="Ж")
    with pytest.raises(actions.ProbableDuplicates) as refused:
        actions.family_register(
            actor=worker, shared=shared, people=mother_and_two(), new_family_name="Ж", distinct=first.value.confirm(" ")
        )
    assert refused.value.message_dict == {"distinct_reason": ["Say why this is a different person."]}
    assert Returnee.objects.count() == 1


def test_the_mother_registered_with_them_counts_in_the_childrens_check(worker, shared):
    """A recorded girl of the same name and birth whose mother has the new mother's name: "the same
    mother's name" speaks for the match although the new mother is not saved yet."""
    asel = recorded_asel(worker, shared["region"])
    family = FamilyFactory(name="Жумабаевы")
    FamilyMemberFactory(family=family, returnee=asel, relationship="child")
    FamilyMemberFactory(family=family, full_name="Жумабаева Гулнара", relationship="mother")

    with pytest.raises(actions.ProbableDuplicates) as found:
        actions.family_register(actor=worker, shared=shared, people=mother_and_two(), new_family_name="Ж")

    [match] = found.value.matches
    assert match.same_mother


def test_the_people_registered_together_are_not_each_others_duplicates(worker, shared):
    """Twins of one name spelled two ways would match each other if each were checked after the
    other was saved: the one check is made before anything is saved."""
    people = [person("Асель"), person("Асел", aliases=["Asel"])]

    registered = actions.family_register(actor=worker, shared=shared, people=people, new_family_name="Ж")

    assert len(registered) == 2
    assert not DuplicateDecision.objects.exists()
    # checked on its own now, the second twin is taken for a duplicate of the first
    with pytest.raises(actions.ProbableDuplicates) as alone:
        actions.returnee_register(actor=worker, data={**shared, **people[1].data}, aliases=people[1].aliases)
    assert registered[0].pk in {m.returnee_id for m in alone.value.matches}


def test_a_coordinator_assigns_the_whole_family_to_a_worker(coordinator, worker, shared):
    registered = actions.family_register(
        actor=coordinator, shared=shared, people=mother_and_two(), new_family_name="Ж", worker=worker
    )
    assert {r.case.worker for r in registered} == {worker}
    assert FamilyMember.objects.count() == 3
