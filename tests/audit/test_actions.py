"""The audit trail through the actions: one row per change, written and rolled back with it; the hash
chain that shows an altered or removed row; the database refusing changes (PostgreSQL); and the
`audit_verify` command."""

import importlib
import itertools
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import actions as case_actions
from cases.models import CaseEvent, Returnee
from repat.accounts.models import User
from repat.approvals import actions as approval_actions
from repat.audit import actions as audit
from repat.audit.models import GENESIS, AuditEvent, AuditHead
from services import actions as service_actions
from tests.factories import register_returnee
from tests.services.factories import service

from .helpers import ALTERED, audit_ids, new_rows, raw_delete, raw_empty, raw_set_changes

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TRUNCATE")


def granted(user) -> User:
    """The user with the permission to see the restricted section (fetched again: Django caches
    permissions on the instance)."""
    user.user_permissions.add(Permission.objects.get(codename="see_restricted", content_type__app_label="cases"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def people(worker, supervisor, case):
    return SimpleNamespace(worker=worker, supervisor=supervisor, case=case)


def draft_referral(p):
    return service_actions.referral_create(
        actor=p.worker, case=p.case, service_type=service("individual-counselling"), reason="Nightmares.", submit=False
    )


def closure_request(p):
    return approval_actions.approval_request(actor=p.worker, kind="closure", case=p.case, closure_reason="moved")


# Each prepares what its write needs (before the trail is read) and returns the write itself.


def note_log(p):
    return lambda: case_actions.note_log(
        actor=p.worker, case=p.case, contact_date=timezone.localdate(), kind="home_visit", summary="Visited."
    )


def case_update(p):
    return lambda: case_actions.case_update(actor=p.worker, case=p.case, data={"risk_level": "low"})


def document_add(p):
    return lambda: case_actions.document_add(
        actor=p.worker, returnee=p.case.returnee, data={"kind": "birth_certificate", "status": "missing"}
    )


def referral_create(p):
    return lambda: draft_referral(p)


def referral_transition(p):
    referral = draft_referral(p)
    return lambda: service_actions.referral_transition(
        actor=p.worker, referral=referral, action="submit", expected_status="draft"
    )


def approval_request(p):
    return lambda: closure_request(p)


def approval_decide(p):
    approval = closure_request(p)
    return lambda: approval_actions.approval_decide(
        actor=p.supervisor, approval=approval, approve=False, comment="Not yet: the school place is open."
    )


def restricted_section_save(p):
    actor = granted(p.worker)
    return lambda: case_actions.restricted_section_save(
        actor=actor, returnee=p.case.returnee, data={"charges": "Article 1"}
    )


WRITES = {
    write.__name__: (write, kind)
    for write, kind in [
        (note_log, "note_logged"),
        (case_update, "risk_changed"),
        (document_add, "document_added"),
        (referral_create, "referral_created"),
        (referral_transition, "referral_status"),
        (approval_request, "approval_requested"),
        (approval_decide, "approval_returned"),
        (restricted_section_save, "restricted_updated"),
    ]
}


@pytest.mark.parametrize("name", WRITES)
def test_each_case_change_writes_one_audit_row_matching_its_timeline_event(name, people):
    # given
    prepare, kind = WRITES[name]
    write = prepare(people)
    events_before = set(CaseEvent.objects.values_list("pk", flat=True))
    before = audit_ids()

    # when
    write()

    # then: one event, one audit row saying the same thing, by the same person, about the same record
    event = CaseEvent.objects.exclude(pk__in=events_before).get()
    assert event.kind == kind
    assert new_rows(before, "action", "detail", "case_id", "actor_id", "object_type", "object_id") == [
        (
            "change",
            event.kind,
            people.case.pk,
            event.actor_id,
            event.subject or "case",
            event.subject_id or people.case.pk,
        )
    ]


def test_an_approval_that_closes_the_case_writes_a_row_per_event(people):
    approval = closure_request(people)
    before = audit_ids()

    approval_actions.approval_decide(actor=people.supervisor, approval=approval, approve=True)

    assert new_rows(before, "action", "detail", "actor_name", "object_type") == [
        ("change", "closed", "supervisor-a", "case"),
        ("change", "approval_given", "supervisor-a", "approvalrequest"),
    ]


def test_the_audit_row_carries_the_changes_and_the_actor_name(worker, case):
    before = audit_ids()

    case_actions.case_update(actor=worker, case=case, data={"risk_level": "high", "risk_reason": "Threats."})

    row = AuditEvent.objects.exclude(pk__in=before).get()
    assert (row.actor, row.actor_name, row.object_type, row.object_id) == (worker, "worker-a", "case", case.pk)
    assert row.changes["risk_level"] == ["medium", "high"]
    assert row.changes["risk_reason"] == ["", "Threats."]


def test_a_rolled_back_transaction_takes_its_audit_row_with_it(worker, case):
    # given
    before, head = audit_ids(), AuditHead.objects.get().hash

    # when: the note is logged, then something later in the same transaction fails
    with pytest.raises(RuntimeError), transaction.atomic():
        case_actions.note_log(
            actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary="Visited."
        )
        raise RuntimeError("the request failed after the note")

    # then
    assert new_rows(before) == []
    assert AuditHead.objects.get().hash == head
    assert not case.events.exists()
    assert audit.verify().intact


def test_an_action_refused_after_writing_its_events_leaves_no_audit_row(worker, chuy, coordinator):
    # given: a registration whose new household name is too long, which is found only after the
    # returnee, the case and their two events were written
    before = audit_ids()

    # when
    with pytest.raises(ValidationError) as error:
        register_returnee(worker, chuy, new_family_name="Ф" * 201)

    # then
    assert error.value.message_dict == {"name": ["Ensure this value has at most 200 characters (it has 201)."]}
    assert not Returnee.objects.exists()
    assert new_rows(before) == []
    assert audit.verify().intact


# --- The hash chain


@pytest.fixture
def trail(worker, case):
    """Five change rows on `case` after whatever the fixtures wrote; returns their ids."""
    before = audit_ids()
    for n in range(5):
        case_actions.note_log(
            actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary=f"Visit {n}."
        )
    return [pk for (pk,) in new_rows(before, "pk")]


def test_the_chain_is_intact_and_ends_at_the_head(trail):
    result = audit.verify()

    assert (result.intact, result.broken_at, result.reason) == (True, None, "")
    assert result.checked == AuditEvent.objects.count()
    assert AuditHead.objects.get().hash == AuditEvent.objects.get(pk=trail[-1]).hash


def test_each_row_chains_to_the_one_before(trail):
    rows = list(AuditEvent.objects.order_by("id"))
    assert rows[0].prev_hash == audit.GENESIS
    assert all(row.prev_hash == previous.hash for previous, row in itertools.pairwise(rows))
    assert all(row.hash == row.compute_hash() for row in rows)


def batch(actor, case, count: int = 4) -> list[AuditEvent]:
    return audit.record_many(
        actor=actor,
        entries=[
            {"action": AuditEvent.Action.CHANGE, "obj": case, "case_id": case.pk, "detail": f"batch {n}"}
            for n in range(count)
        ],
    )


def test_a_batch_appended_chain_verifies(trail, worker, case):
    # when: rows one by one, a batch, and one by one again
    rows = batch(worker, case)
    after = audit.record(actor=worker, action=AuditEvent.Action.VIEW, obj=case, case_id=case.pk)

    # then: the batch's rows follow each other in the chain, between the others
    chain = list(AuditEvent.objects.order_by("id"))
    assert [row.pk for row in chain[-6:]] == [trail[-1], *[row.pk for row in rows], after.pk]
    assert [row.detail for row in chain[-5:-1]] == ["batch 0", "batch 1", "batch 2", "batch 3"]
    assert all(row.prev_hash == previous.hash for previous, row in itertools.pairwise(chain))
    head = AuditHead.objects.get()
    assert (head.rows, head.last_id, head.hash) == (len(chain), after.pk, after.hash)
    result = audit.verify()
    assert (result.intact, result.checked) == (True, len(chain))


def test_a_batch_is_one_insert_under_one_lock(trail, worker, case):
    with CaptureQueriesContext(connection) as queries:
        batch(worker, case, count=50)

    statements = [q["sql"].split()[0].upper() for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert statements.count("INSERT") == 1
    assert statements.count("UPDATE") == 1
    assert audit.verify().intact


def test_a_tampered_batch_row_is_found(trail, worker, case):
    rows = batch(worker, case)

    raw_set_changes(rows[2].pk, '{"detail": ["a", "b"]}')

    result = audit.verify()
    assert (result.intact, result.broken_at, result.reason) == (False, rows[2].pk, ALTERED)


def test_a_batch_rolls_back_with_its_transaction(trail, worker, case):
    head = AuditHead.objects.get()

    with pytest.raises(RuntimeError), transaction.atomic():
        batch(worker, case)
        raise RuntimeError

    assert AuditHead.objects.get().hash == head.hash
    assert AuditEvent.objects.count() == head.rows
    audit.record(actor=worker, action=AuditEvent.Action.VIEW, obj=case, case_id=case.pk)
    assert audit.verify().intact


def test_verify_in_small_batches_gives_the_same_answer(trail):
    assert audit.verify(batch=2) == audit.verify()


def test_an_altered_row_is_found(trail):
    # when: someone with database access rewrites what a row says changed
    raw_set_changes(trail[2], '{"next_follow_up": ["2030-01-01", "2030-01-02"]}')

    # then
    result = audit.verify()
    assert (result.intact, result.broken_at, result.reason) == (False, trail[2], ALTERED)
    assert result.checked == AuditEvent.objects.filter(pk__lt=trail[2]).count()


def test_a_removed_row_is_found_at_the_row_after_it(trail):
    raw_delete(trail[2])

    result = audit.verify()
    assert (result.broken_at, result.reason) == (trail[3], "a row before this one was removed or altered")


def test_removed_newest_rows_are_found(trail):
    raw_delete(trail[-1])

    result = audit.verify()
    assert (result.broken_at, result.reason) == (
        -1,
        f"the chain ends after {len(audit_ids())} rows, but its head in the database records "
        f"{len(audit_ids()) + 1} rows up to row {trail[-1]}: rows were removed",
    )
    assert result.checked == AuditEvent.objects.count()


def test_the_key_never_reaches_the_database(worker, case, settings):
    secret = settings.REPAT_AUDIT_KEYS[0].partition(":")[2]
    with CaptureQueriesContext(connection) as queries:
        audit.record(actor=worker, action=AuditEvent.Action.VIEW, obj=case, case_id=case.pk)
        audit.record(actor=worker, action=AuditEvent.Action.VIEW, obj=case, case_id=case.pk)

    assert queries.captured_queries
    assert not [query for query in queries.captured_queries if secret in query["sql"]]
    assert audit.verify().intact


def test_the_first_row_ever_joins_the_head_the_migrations_made_in_one_statement(monkeypatch):
    # given: an empty trail, as migrated (this thread saw no head yet)
    assert AuditHead.objects.values_list("rows", "last_id", "hash").get() == (0, None, GENESIS)
    monkeypatch.setattr(audit._last_seen, "head", GENESIS, raising=False)

    # when
    with CaptureQueriesContext(connection) as queries:
        event = audit.record(actor=None, actor_name="worker-a", action="view", object_type="case", object_id=1)

    # then: on PostgreSQL one statement sealed it (before migration 0008 the head was made here: nine)
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    assert AuditHead.objects.values_list("rows", "last_id", "hash").get() == (1, event.pk, event.hash)
    assert event.prev_hash == GENESIS
    assert audit.verify().intact


def test_the_head_migration_keeps_the_head_of_a_trail_that_has_rows(trail):
    # given: a deployment whose trail has rows (and so a head) when it upgrades
    head = AuditHead.objects.values_list("rows", "last_id", "hash").get()
    migration = importlib.import_module("repat.audit.migrations.0008_head_from_the_start").Migration

    # when: migration 0008's statement runs
    with connection.cursor() as cursor:
        cursor.execute(migration.operations[0].sql)

    # then
    assert AuditHead.objects.values_list("rows", "last_id", "hash").get() == head
    assert audit.verify().intact


@postgresql_only
def test_a_row_sealed_over_a_head_another_writer_moved_takes_two_statements(worker, case, monkeypatch):
    # given: this thread last saw a head that another writer has moved on from
    audit.record(actor=worker, action=AuditEvent.Action.VIEW, obj=case, case_id=case.pk)
    monkeypatch.setattr(audit._last_seen, "head", "e" * 64)

    # when
    with CaptureQueriesContext(connection) as queries:
        event = audit.record(actor=worker, action=AuditEvent.Action.VIEW, obj=case, case_id=case.pk)

    # then: the first try found the head moved, the second sealed the row over it
    assert len(queries) == 2
    assert event.prev_hash == AuditEvent.objects.filter(pk__lt=event.pk).order_by("-pk").first().hash
    assert AuditHead.objects.get().hash == event.hash
    assert audit.verify().intact


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the seeded regions come back
@pytest.mark.parametrize("optimistic_tries", [0, 1, 4])
def test_writers_in_parallel_keep_one_chain(optimistic_tries, monkeypatch):
    """Three threads write at once, each in its own session and autocommit: each expects the head it
    saw last, which the others keep moving. Every row joins the one chain, once. (With 0 tries, every
    miss goes straight to the locked path.)"""
    monkeypatch.setattr(audit, "OPTIMISTIC_TRIES", optimistic_tries)
    import threading

    from django.db import connections

    errors = []

    def write(n: int) -> None:
        try:
            for i in range(40):
                audit.record(actor=None, actor_name=f"writer-{n}", action="view", object_type="case", object_id=i)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    result = audit.verify()
    assert (result.intact, result.checked) == (True, 120)
    assert AuditHead.objects.get().rows == 120
    written = AuditEvent.objects.values_list("actor_name", "object_id")
    assert sorted(written) == sorted((f"writer-{n}", i) for n in range(3) for i in range(40))


# --- The database's guard

APPEND_ONLY = r"audit rows are append-only \(%s refused\)"
FORWARD_ONLY = r"the audit chain head only moves forward \(%s refused\)"
POSTGRESQL = connection.vendor == "postgresql"


def refused(statement: str, params=None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("UPDATE audit_auditevent SET detail = 'forged' WHERE id = %s", "UPDATE"),
        ("DELETE FROM audit_auditevent WHERE id = %s", "DELETE"),
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(statement, operation, trail):
    with pytest.raises(DatabaseError, match=APPEND_ONLY % operation):
        refused(statement, [trail[2]])

    assert AuditEvent.objects.get(pk=trail[2]).detail == "note_logged"
    assert audit.verify().intact


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        pytest.param(
            "TRUNCATE audit_auditevent",
            "TRUNCATE",
            marks=pytest.mark.skipif(not POSTGRESQL, reason="SQLite has no TRUNCATE"),
        ),
        pytest.param("TRUNCATE audit_auditevent CASCADE", "TRUNCATE", marks=postgresql_only),
        ("DELETE FROM audit_auditevent", "DELETE"),  # no WHERE: SQLite's "truncate optimisation"
    ],
)
def test_the_database_refuses_emptying_the_trail(statement, operation, trail):
    rows = AuditEvent.objects.count()

    with pytest.raises(DatabaseError, match=APPEND_ONLY % operation):
        refused(statement)

    assert AuditEvent.objects.count() == rows
    assert audit.verify().intact


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("DELETE FROM audit_audithead", "DELETE"),
        pytest.param("TRUNCATE audit_audithead", "TRUNCATE", marks=postgresql_only),
        ("UPDATE audit_audithead SET hash = %s", "UPDATE"),  # pointed elsewhere, same length
        ("UPDATE audit_audithead SET rows = rows - 1", "UPDATE"),  # moved back
        ("UPDATE audit_audithead SET last_id = last_id - 1, rows = rows + 1", "UPDATE"),
        # forward over more rows than there are ids: a batch moves it only over rows it wrote
        ("UPDATE audit_audithead SET last_id = last_id + 1, rows = rows + 2, hash = %s", "UPDATE"),
    ],
)
def test_the_database_keeps_the_head_moving_forward(statement, operation, trail):
    head = AuditHead.objects.get()

    with pytest.raises(DatabaseError, match=FORWARD_ONLY % operation):
        refused(statement, [audit.GENESIS] if "%s" in statement else None)

    assert AuditHead.objects.get().hash == head.hash
    assert audit.verify().intact


def test_the_database_refuses_the_application_too(trail):
    row = AuditEvent.objects.get(pk=trail[2])

    with pytest.raises(DatabaseError, match=APPEND_ONLY % "UPDATE"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(detail="forged")
    with pytest.raises(DatabaseError, match=APPEND_ONLY % "UPDATE"), transaction.atomic():
        row.detail = "forged"
        row.save()
    with pytest.raises(DatabaseError, match=APPEND_ONLY % "DELETE"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError, match=APPEND_ONLY % "DELETE"), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk__in=trail).count() == 5
    assert audit.verify().intact


# --- What the owner of the database can still do (lift the guard) is found


def test_an_emptied_trail_is_found_against_its_head(trail):
    # given
    rows, last = AuditEvent.objects.count(), trail[-1]

    # when: the owner switches the triggers off and empties the table (the head stays)
    raw_empty()

    # then
    result = audit.verify()
    assert (result.intact, result.checked, result.broken_at) == (False, 0, -1)
    assert result.reason == (
        f"the chain ends after 0 rows, but its head in the database records {rows} rows up to row {last}: "
        "rows were removed"
    )


# --- The command


def test_audit_verify_command_reports_an_intact_trail(trail, capsys):
    call_command("audit_verify")

    rows = AuditEvent.objects.count()
    assert capsys.readouterr().out == (
        f"Audit trail intact: {rows} rows checked.\n"
        f"  sealed: {rows} with key dev; from before the keys (plain SHA-256): 0.\n"
        "  published heads held: none.\n"
        f"  head in the database: {rows} rows.\n"
    )


def test_audit_verify_command_fails_on_a_broken_trail(trail):
    raw_set_changes(trail[1], '{"next_follow_up": [null, "2030-01-01"]}')
    intact = AuditEvent.objects.filter(pk__lt=trail[1]).count()

    with pytest.raises(CommandError) as error:
        call_command("audit_verify")

    assert str(error.value) == f"Audit trail broken at row {trail[1]}: {ALTERED} ({intact} rows intact)."


def test_audit_verify_exits_with_status_1_when_the_trail_was_emptied(trail, capsys, monkeypatch):
    # given: the trail emptied by someone who could lift the guard
    rows = AuditEvent.objects.count()
    raw_empty()
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)  # keep the test's

    # when: run as from a shell
    with pytest.raises(SystemExit) as exit:
        ManagementUtility(["manage.py", "audit_verify"]).execute()

    # then
    assert exit.value.code == 1
    assert capsys.readouterr().err == (
        f"CommandError: Audit trail broken: the chain ends after 0 rows, but its head in the database records "
        f"{rows} rows up to row {trail[-1]}: rows were removed (0 rows intact).\n"
    )
