"""Preview and commit of a manifest (issue 16): problems per row in words, probable matches and
their answers, an all-or-nothing commit that writes what registration by hand writes."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import actions
from cases.actions import manifest as manifest_actions
from cases.manifest.rows import problem_text
from cases.models import (
    Case,
    CaseEvent,
    DuplicateDecision,
    Family,
    FamilyMember,
    ManifestImport,
    ManifestMapping,
    Returnee,
)
from repat.audit.models import AuditEvent
from tests.factories import FamilyFactory, FamilyMemberFactory, register_returnee

from .files import csv_bytes, family, person, xlsx_bytes


def problems(manifest) -> dict[int, list[str]]:
    return {row["line"]: [problem_text(c, p) for c, p in row["errors"]] for row in manifest.rows if row["errors"]}


def test_a_clean_family_previews_without_problems_or_matches(upload):
    manifest = upload(csv_bytes(family()))
    assert manifest.status == ManifestImport.Status.PREVIEWED
    assert problems(manifest) == {}
    _mother, aisha, hamza = manifest.rows
    assert (aisha["date_of_birth"], aisha["precision"]) == ("2016-01-01", "year")
    assert (hamza["date_of_birth"], hamza["precision"]) == ("2019-03-01", "estimated")
    assert aisha["aliases"] == ["Айша", "عائشة"]
    assert all(row["matches"] == [] for row in manifest.rows)
    assert AuditEvent.objects.filter(detail="manifest_preview", object_id=manifest.pk).count() == 1
    assert manifest.file.read() == csv_bytes(family())  # the original, kept privately


def test_each_rows_problems_are_said_in_words(upload, osh):
    rows = [
        person(relation="mother", given_name="Gulnara", birth_date="2015-01-01"),
        person(given_name="Aisha", birth_date="2012"),  # older than her mother
        person(household="H2", given_name="", birth_date="soon"),
        person(household="H3", given_name="Zarina", region="Atlantis", operation="Unknown flight"),
        person(household="H4", given_name="Nur", region="Osh Oblast", sex="X"),
        person(household="H5", given_name="Ai\u200bdai"),
        person(household="H6", given_name="Bad\x01name"),
    ]
    manifest = upload(csv_bytes(rows))
    assert problems(manifest) == {
        3: ["The child is not younger than the mother in row 2."],
        4: [
            "The given name is missing.",
            "Date of birth: “soon” is not a date. Write YYYY, YYYY-MM or YYYY-MM-DD, with ~ in front for an estimate.",
        ],
        5: ["Unknown operation “Unknown flight”.", "Unknown region “Atlantis”."],
        6: ["“X” is not a sex: write F or M.", "Osh Oblast is not one of your regions."],
        8: [
            "Given name holds control characters, which cannot be part of a name or a text.",
            "The given name is missing.",
        ],
    }
    row = next(r for r in manifest.rows if r["line"] == 7)
    assert row["given_name"] == "Aidai"
    assert [problem_text(c, p) for c, p in row["warnings"]] == ["Invisible characters were removed from Given name."]


def test_a_file_with_problems_cannot_be_committed(upload, commit):
    manifest = upload(csv_bytes([person(given_name="")]))
    with pytest.raises(ValidationError) as error:
        commit(manifest)
    assert error.value.messages == ["Some rows have problems: correct the file and upload it again."]
    assert not Returnee.objects.exists()


def test_a_hostile_file_fails_the_import_with_its_reason(upload):
    manifest = upload(xlsx_bytes(family(), merged="A2:A3"), name="list.xlsx")
    assert manifest.status == ManifestImport.Status.FAILED
    assert manifest.error == (
        "The sheet has merged cells. Unmerge them and repeat the value in each row (one person per row)."
    )


def test_commit_registers_families_and_cases_in_the_coordinators_queue(upload, commit, coordinator, chuy):
    manifest = commit(upload(csv_bytes(family())))
    assert manifest.status == ManifestImport.Status.COMMITTED
    assert len(manifest.result["cases"]) == 3
    family_ = Family.objects.get(pk__in=manifest.result["families"])
    members = {m.returnee.given_name: m for m in family_.members.select_related("returnee")}
    assert set(members) == {"Gulnara", "Aisha", "Hamza"}
    assert members["Gulnara"].is_head and members["Gulnara"].relationship == "mother"
    assert members["Gulnara"].notes == "Needs a doctor"
    assert members["Hamza"].relationship == "child"
    hamza = members["Hamza"].returnee
    assert (hamza.date_of_birth, hamza.date_of_birth_precision) == (datetime.date(2019, 3, 1), "estimated")
    assert list(members["Aisha"].returnee.aliases.values_list("name", flat=True)) == ["Айша", "عائشة"]
    cases = Case.objects.filter(pk__in=manifest.result["cases"])
    assert {c.worker for c in cases} == {None}  # the region's queue, for the coordinator to assign
    assert {c.returnee.region for c in cases} == {chuy}
    for case in cases:
        kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
        assert {"registered", "opened", "family_joined"} <= kinds
    assert AuditEvent.objects.filter(detail="manifest_commit", object_id=manifest.pk).count() == 1


def test_rows_without_household_are_families_of_their_own(upload, commit):
    manifest = commit(
        upload(csv_bytes([person(household="", given_name="Aisha"), person(household="", given_name="Nur")]))
    )
    assert len(manifest.result["families"]) == 2


@pytest.fixture
def registered(coordinator, chuy, operation):
    """Aisha Abdyrakhmanova, born 2016, registered before in Chüy (the coordinator's region)."""
    return register_returnee(
        coordinator,
        chuy,
        given_name="Aisha",
        family_name="Abdyrakhmanova",
        sex="female",
        date_of_birth=datetime.date(2016, 1, 1),
    )


def register_returnee(actor, region, **data):  # noqa: F811 - the factory's, with the names given
    base = {
        "sex": "female",
        "date_of_birth_precision": "year",
        "operation": __import__("tests.factories", fromlist=["OperationFactory"]).OperationFactory(),
        "arrival_date": datetime.date(2023, 2, 10),
        "region": region,
    }
    return actions.returnee_register(actor=actor, data={**base, **data})


def test_a_probable_match_must_be_answered(upload, commit, registered):
    manifest = upload(csv_bytes(family()))
    aisha = next(row for row in manifest.rows if row["given_name"] == "Aisha")
    assert [m["id"] for m in aisha["matches"]] == [registered.pk]
    assert aisha["matches"][0]["visible"] is True
    with pytest.raises(ValidationError) as error:
        commit(manifest)
    assert error.value.messages == ["Row 3: say whether this is a person already registered."]
    with pytest.raises(ValidationError) as error:
        commit(manifest, {"3": {"choice": "new", "reason": " "}})
    assert error.value.messages == ["Row 3: say why this is a different person."]
    assert Returnee.objects.count() == 1


def test_an_estimated_birth_meets_a_record_two_years_from_it(upload, registered):
    # "~2018" stands for 2017 to 2019, a year from the record's 2016 (730 days between the stored
    # days, which the lookup left out before); "~2020" stands for 2019 to 2021: another child.
    near = upload(csv_bytes([person(birth_date="~2018")]))
    far = upload(csv_bytes([person(birth_date="~2020")]))

    assert [m["id"] for m in near.rows[0]["matches"]] == [registered.pk]
    assert far.rows[0]["matches"] == []


def test_a_child_of_another_mother_is_another_child(upload, registered):
    household = FamilyFactory()
    FamilyMemberFactory(family=household, full_name="Айгүл Токтосунова", relationship="mother")
    FamilyMemberFactory(family=household, returnee=registered, relationship="child")

    manifest = upload(csv_bytes(family()))  # Aisha's mother is Gulnara in the manifest
    mother = person(relation="mother", given_name="Aigul", family_name="Toktosunova", birth_date="1990-05-04")
    same_mother = upload(csv_bytes([mother, person(given_name="Aisha")]))

    assert {row["given_name"]: row["matches"] for row in manifest.rows}["Aisha"] == []
    assert [m["id"] for m in same_mother.rows[1]["matches"]] == [registered.pk]


def test_different_person_is_registered_with_the_reason_kept(upload, commit, registered):
    manifest = commit(upload(csv_bytes(family())), {"3": {"choice": "new", "reason": "Another mother, another camp"}})
    assert manifest.status == ManifestImport.Status.COMMITTED
    decision = DuplicateDecision.objects.get(candidate=registered)
    assert decision.reason == "Another mother, another camp"
    assert decision.status == DuplicateDecision.Status.CONFIRMED


def test_same_person_links_the_record_to_the_household(upload, commit, registered):
    manifest = commit(upload(csv_bytes(family())), {"3": {"choice": "link", "match": registered.pk}})
    assert manifest.result["linked"] == [registered.pk]
    assert len(manifest.result["cases"]) == 2
    assert Returnee.objects.filter(given_name="Aisha").count() == 1
    membership = FamilyMember.objects.get(returnee=registered)
    assert membership.family.members.count() == 3


def test_skip_leaves_the_row_out(upload, commit, registered):
    manifest = commit(upload(csv_bytes(family())), {"3": {"choice": "skip"}})
    assert manifest.result["skipped"] == [3]
    assert Returnee.objects.filter(given_name="Aisha").count() == 1


def test_a_match_in_another_caseload_is_not_named_and_cannot_be_linked(upload, commit, osh_coordinator, osh, operation):
    other = register_returnee(
        osh_coordinator, osh, given_name="Aisha", family_name="Abdyrakhmanova", date_of_birth=datetime.date(2016, 1, 1)
    )
    manifest = upload(csv_bytes(family()))
    aisha = next(row for row in manifest.rows if row["given_name"] == "Aisha")
    assert aisha["matches"][0]["visible"] is False
    with pytest.raises(ValidationError) as error:
        commit(manifest, {"3": {"choice": "link", "match": other.pk}})
    assert error.value.messages == ["Row 3: choose which registered person it is."]
    manifest = commit(manifest, {"3": {"choice": "new", "reason": "Registered from the flight list"}})
    decision = DuplicateDecision.objects.get(candidate=other)
    assert decision.status == DuplicateDecision.Status.PENDING  # for a coordinator who sees both


def test_a_match_appearing_after_the_preview_sends_the_import_back(upload, commit, coordinator, chuy):
    manifest = upload(csv_bytes(family()))
    registered = register_returnee(
        coordinator, chuy, given_name="Aisha", family_name="Abdyrakhmanova", date_of_birth=datetime.date(2016, 1, 1)
    )
    manifest = commit(manifest)
    assert manifest.status == ManifestImport.Status.PREVIEWED
    assert manifest.error.startswith("People were registered since the preview")
    assert [m["id"] for m in manifest.rows[1]["matches"]] == [registered.pk]
    assert Returnee.objects.count() == 1


def test_a_failure_mid_way_leaves_nothing_behind(upload, commit):
    manifest = upload(csv_bytes(family()))
    before = (Returnee.objects.count(), Family.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    real = manifest_actions.returnee_register
    calls = []

    def third_fails(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise ValidationError({"given_name": "The database refused this row."})
        return real(**kwargs)

    with mock.patch.object(manifest_actions, "returnee_register", third_fails):
        manifest = commit(manifest)
    assert manifest.status == ManifestImport.Status.FAILED
    assert manifest.error == "Nothing was registered. Row 4: The database refused this row."
    assert (Returnee.objects.count(), Family.objects.count(), CaseEvent.objects.count()) == before[:3]
    assert AuditEvent.objects.filter(detail__in=["registered", "opened"]).count() == 0


def test_a_coordinator_imports_only_into_her_regions(upload, osh, osh_coordinator, coordinator):
    with pytest.raises(ValidationError):
        upload(csv_bytes(family()), region=osh)
    manifest = upload(csv_bytes([person(region="")]), actor=coordinator, region=None)
    assert problems(manifest) == {2: ["The region is missing: fill the column or choose one for the whole file."]}


@pytest.mark.parametrize("role", ["worker", "supervisor", "provider_user"])
def test_other_roles_may_not_import(request, upload, role):
    with pytest.raises(PermissionDenied):
        upload(csv_bytes(family()), actor=request.getfixturevalue(role))


def test_another_shape_is_mapped_and_the_mapping_saved(upload, django_capture_on_commit_callbacks, coordinator):
    header = ["Фамилия", "Имя", "Пол", "Год рождения", "Операция", "Регион"]
    rows = [["Abdyrakhmanova", "Aisha", "Ж", "2016", "Test operation", "Chüy Oblast"]]
    manifest = upload(csv_bytes(rows, header=header))
    assert manifest.status == ManifestImport.Status.PREVIEWED
    assert manifest.rows  # given name and sex recognised; the year of birth is not
    assert "birth_date" not in manifest.mapping
    mapping = {**manifest.mapping, "birth_date": "Год рождения"}
    with django_capture_on_commit_callbacks(execute=True):
        actions.manifest_map(actor=coordinator, manifest=manifest, mapping=mapping, save_for="Embassy Baghdad")
    manifest.refresh_from_db()
    assert manifest.rows[0]["date_of_birth"] == "2016-01-01"
    assert ManifestMapping.objects.get(source="Embassy Baghdad").mapping == mapping
    again = upload(csv_bytes(rows, header=header), source="Embassy Baghdad")
    assert again.rows[0]["date_of_birth"] == "2016-01-01"


def test_a_file_missing_required_columns_asks_for_a_mapping(upload):
    manifest = upload(csv_bytes([["x", "y"]], header=["Col A", "Col B"]))
    assert manifest.status == ManifestImport.Status.PREVIEWED
    assert manifest.rows == []
    assert manifest.header == ["Col A", "Col B"]


def test_a_large_file_is_read_and_committed_by_the_celery_tasks(upload, commit, settings):
    settings.REPAT_MANIFEST_SYNC_BYTES = 10
    settings.REPAT_MANIFEST_SYNC_ROWS = 1
    with mock.patch(
        "cases.tasks.preview_manifest.delay", wraps=__import__("cases.tasks").tasks.preview_manifest.delay
    ) as queued:
        manifest = upload(csv_bytes(family()))
    assert queued.call_count == 1
    assert manifest.status == ManifestImport.Status.PREVIEWED
    manifest = commit(manifest)
    assert manifest.status == ManifestImport.Status.COMMITTED
    assert actions.manifest_commit(manifest_id=manifest.pk).status == ManifestImport.Status.COMMITTED  # twice: once
    assert Returnee.objects.count() == 3


def test_the_preview_takes_the_same_queries_for_thirty_rows_as_for_three(
    upload, django_assert_max_num_queries, registered
):
    many = [
        person(household=f"H{n}", given_name=name, birth_date=str(2000 + n))
        for n, name in enumerate(["Aisha", "Nur", "Zarina", "Aidai", "Bermet", "Dinara"] * 5)
    ]
    with django_assert_max_num_queries(40) as small:
        upload(csv_bytes(family()))
    with django_assert_max_num_queries(len(small.captured_queries)):
        manifest = upload(csv_bytes(many))
    assert len(manifest.rows) == 30
