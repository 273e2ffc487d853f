"""The bulk commit (a manifest of REPAT_MANIFEST_BULK_ROWS people or more) writes what registering
each person by `returnee_register` writes: the same rows, events, index and audit trail."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from cases import actions
from cases.actions import manifest as manifest_actions
from cases.models import Case, CaseEvent, DuplicateDecision, Family, ManifestImport, NameKey, Returnee
from repat.audit.models import AuditEvent

from .files import csv_bytes, family, person


class Rollback(Exception):
    pass


def signature(manifest) -> list:
    """Everything the commit wrote for each person, without ids and times."""
    out = []
    for case in Case.objects.filter(pk__in=manifest.result["cases"]).select_related("returnee").order_by("pk"):
        person = case.returnee
        membership = person.membership
        out.append(
            {
                "person": (
                    person.case_number,
                    person.family_name,
                    person.given_name,
                    person.sex,
                    person.date_of_birth,
                    person.date_of_birth_precision,
                    person.arrival_date,
                    person.region_id,
                    person.locality,
                ),
                "case": (case.worker_id, case.risk_level, case.status, case.opened_on, case.next_follow_up),
                "aliases": sorted(person.aliases.values_list("name", "script")),
                "member": (
                    membership.relationship,
                    membership.is_head,
                    membership.notes,
                    membership.family.name,
                    membership.family.region_id,
                    membership.family.members.count(),
                ),
                "events": sorted((e.kind, str(e.changes)) for e in CaseEvent.objects.filter(case=case)),
                "audit": sorted(
                    (a.action, a.detail, str(a.changes)) for a in AuditEvent.objects.filter(case_id=case.pk)
                ),
                "index": sorted(NameKey.objects.filter(returnee=person).values_list("source", "spelling", "keys")),
                "decisions": sorted(
                    DuplicateDecision.objects.filter(returnee=person).values_list("candidate_id", "status", "reason")
                ),
            }
        )
    return out


@pytest.fixture
def registered(coordinator, chuy, operation):
    return actions.returnee_register(
        actor=coordinator,
        data={
            "given_name": "Aisha",
            "family_name": "Abdyrakhmanova",
            "sex": "female",
            "date_of_birth": datetime.date(2016, 1, 1),
            "date_of_birth_precision": "year",
            "operation": operation,
            "arrival_date": datetime.date(2023, 2, 10),
            "region": chuy,
        },
    )


def test_bulk_and_one_by_one_write_the_same(upload, commit, settings, registered, django_capture_on_commit_callbacks):
    rows = [
        *family(),
        person(household="H2", relation="mother", given_name="Zarina", birth_date="1988", notes="Deaf"),
        person(household="H2", given_name="Nur", sex="M", birth_date="2012-07-01"),
        person(household="", given_name="Bermet", birth_date="~2010"),
    ]
    manifest = upload(csv_bytes(rows))
    decisions = {"3": {"choice": "new", "reason": "Another mother"}}
    settings.REPAT_MANIFEST_BULK_ROWS = 10_000
    try:
        with transaction.atomic():
            one_by_one = signature(commit(manifest, decisions))
            raise Rollback
    except Rollback:
        pass
    manifest.refresh_from_db()
    assert manifest.status == ManifestImport.Status.PREVIEWED
    settings.REPAT_MANIFEST_BULK_ROWS = 0
    with mock.patch.object(manifest_actions, "returnee_register", side_effect=AssertionError("not in bulk")):
        bulk = signature(commit(manifest, decisions))
    assert len(bulk) == 6
    assert bulk == one_by_one


def test_bulk_links_a_household_with_a_known_person_one_by_one(upload, commit, settings, registered):
    settings.REPAT_MANIFEST_BULK_ROWS = 0
    rows = [*family(), person(household="H2", given_name="Zarina")]
    manifest = commit(upload(csv_bytes(rows)), {"3": {"choice": "link", "match": registered.pk}})
    assert manifest.status == ManifestImport.Status.COMMITTED
    assert manifest.result["linked"] == [registered.pk]
    assert len(manifest.result["cases"]) == 3
    assert registered.membership.family.members.count() == 3


def test_a_bulk_failure_leaves_nothing_behind(upload, commit, settings):
    settings.REPAT_MANIFEST_BULK_ROWS = 0
    manifest = upload(csv_bytes(family()))
    before = (Returnee.objects.count(), Family.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    with mock.patch.object(manifest_actions, "index_returnees", side_effect=ValidationError("The index refused.")):
        manifest = commit(manifest)
    assert manifest.status == ManifestImport.Status.FAILED
    assert manifest.error == "Nothing was registered. The index refused."
    assert (Returnee.objects.count(), Family.objects.count(), CaseEvent.objects.count()) == before[:3]
    assert AuditEvent.objects.filter(detail__in=["registered", "opened", "family_joined"]).count() == 0
