"""Verification against an owner of the database: rows deleted and every later seal recomputed (the
old unkeyed way, or with a wrong or stolen key), rows passed off as from before the keys, published
heads forged, cut short or deleted from the server; and a chain sealed with rotated keys holds."""

import datetime
import importlib
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases import actions as case_actions
from repat.audit import actions as audit
from repat.audit import anchors
from repat.audit.keys import AuditKey
from repat.audit.models import GENESIS, AuditEvent, AuditHead

from .helpers import ALTERED, audit_ids, cut_after, guard_lifted, new_rows, raw_empty, reseal

pytestmark = pytest.mark.django_db

DEV_KEY = AuditKey("dev", b"repat-public-development-audit-key-never-for-production")
NEW_KEY = "k2:" + "n" * 40  # a second key for rotation; made for these tests only
NOON = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def note(worker, case, n: int = 0) -> int:
    """One change row on `case`; returns its id."""
    before = audit_ids()
    case_actions.note_log(
        actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary=f"Visit {n}."
    )
    return new_rows(before, "pk")[-1][0]


@pytest.fixture
def trail(worker, case):
    """Six change rows on `case` after whatever the fixtures wrote; returns their ids."""
    return [note(worker, case, n) for n in range(6)]


def publish(now=NOON) -> anchors.PublishedHead:
    publication = audit.head_publish(now=now)
    assert publication.verification.intact, publication.verification.reason
    return publication.head


def failure(result) -> tuple:
    return result.intact, result.broken_at, result.reason


# --- Rows deleted and the chain sealed again


def test_the_rows_are_sealed_with_a_key_outside_the_database(trail):
    row = AuditEvent.objects.get(pk=trail[0])

    assert row.key_id == "dev"
    assert row.hash == DEV_KEY.seal(row._canonical())
    assert audit.verify().intact


def test_a_deleted_row_sealed_again_the_old_unkeyed_way_is_found(trail):
    # when: the owner deletes a row, recomputes every later hash as before keys, and moves the head
    with guard_lifted():
        AuditEvent.objects.filter(pk=trail[2]).delete()
    reseal(after=trail[1])

    # then: the first row after the deletion links up, but its seal is not the key's
    assert failure(audit.verify()) == (False, trail[3], ALTERED)
    with pytest.raises(CommandError) as error:
        call_command("audit_verify")
    assert error.value.returncode == 1


def test_rows_passed_off_as_from_before_the_keys_are_found(trail):
    with guard_lifted():
        AuditEvent.objects.filter(pk=trail[2]).delete()
    reseal(after=trail[1], drop_key_ids=True)

    assert failure(audit.verify()) == (False, trail[3], "this row has no key, but rows before it are sealed")


def test_a_whole_trail_passed_off_as_from_before_the_keys_is_found(trail):
    first = AuditEvent.objects.order_by("id").first().pk
    reseal(after=0, drop_key_ids=True)

    assert failure(audit.verify()) == (False, first, "this row has no key, and no published head covers it")


def test_a_chain_sealed_again_with_a_wrong_key_is_found(trail, settings):
    # given: someone without the key seals the trail again with one of their own, named like ours
    reseal(after=trail[1], key=AuditKey("dev", b"a" * 40))

    # then
    assert failure(audit.verify()) == (False, trail[2], ALTERED)


def test_verifying_with_a_wrong_key_fails(trail, settings):
    first = AuditEvent.objects.order_by("id").first().pk
    settings.REPAT_AUDIT_KEYS = ["dev:" + "w" * 40]

    assert failure(audit.verify()) == (False, first, ALTERED)


def test_a_key_no_longer_configured_is_named(trail, settings):
    first = AuditEvent.objects.order_by("id").first().pk
    settings.REPAT_AUDIT_KEYS = [NEW_KEY]

    assert failure(audit.verify()) == (
        False,
        first,
        "this row is sealed with the key “dev”, which is not configured",
    )


# --- Keys rotated


def test_an_intact_chain_with_rotated_keys_passes(worker, case, trail, settings, capsys):
    # given: rows sealed with the old key, a head published, the new key put in front
    publish()
    settings.REPAT_AUDIT_KEYS = [NEW_KEY, *settings.REPAT_AUDIT_KEYS]
    later = [note(worker, case, n) for n in range(3)]

    # when
    result = audit.verify()
    call_command("audit_verify")

    # then
    assert result.intact
    assert list(AuditEvent.objects.filter(pk__in=later).values_list("key_id", flat=True)) == ["k2"] * 3
    old = AuditEvent.objects.exclude(pk__in=later).count()
    assert (result.checked, dict(result.keyed), result.unkeyed) == (old + 3, {"dev": old, "k2": 3}, 0)
    assert capsys.readouterr().out == (
        f"Audit trail intact: {old + 3} rows checked.\n"
        f"  sealed: {old} with key dev, 3 with key k2; from before the keys (plain SHA-256): 0.\n"
        f"  published heads held: 1, the newest of 2026-12-01 12:00 UTC ({old} rows up to row {trail[-1]}).\n"
        f"  head in the database: {old + 3} rows.\n"
    )


# --- Published heads


def test_a_head_published_outside_the_database_is_signed(trail, audit_heads):
    head = publish()

    content = json.loads((audit_heads / head.name).read_text())
    assert head.name == f"audit-head-20261201T120000Z-{AuditEvent.objects.count()}.json"
    assert content == {
        "format": "repat-audit-head/1",
        "published_at": "2026-12-01T12:00:00Z",
        "rows": AuditEvent.objects.count(),
        "last_id": trail[-1],
        "last_hash": AuditEvent.objects.get(pk=trail[-1]).hash,
        "key_id": "dev",
        "signature": DEV_KEY.seal(
            json.dumps({k: v for k, v in content.items() if k != "signature"}, sort_keys=True, separators=(",", ":"))
        ),
    }
    assert (audit_heads / head.name).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda head: {**head, "rows": head["rows"] - 1},
            "the signature of the published head {name} does not match: it was forged or altered",
        ),
        (
            lambda head: {**head, "last_hash": GENESIS},
            "the signature of the published head {name} does not match: it was forged or altered",
        ),
        (
            lambda head: {**head, "signature": DEV_KEY.seal("something else")},
            "the signature of the published head {name} does not match: it was forged or altered",
        ),
        (
            lambda head: {**head, "key_id": "k9"},
            "the published head {name} is signed with the key “k9”, which is not configured",
        ),
        (lambda head: {**head, "rows": "many"}, "the published head {name} cannot be read"),
        (lambda head: "not a head", "the published head {name} cannot be read"),
    ],
)
def test_a_forged_published_head_fails_verification(change, reason, trail, audit_heads):
    # given
    head = publish()
    path = audit_heads / head.name

    # when: someone edits the published file (to make a shortened trail look right, say)
    path.write_text(json.dumps(change(json.loads(path.read_text()))))

    # then
    assert failure(audit.verify()) == (False, -1, reason.format(name=head.name))


def test_heads_are_published_to_the_bucket_that_every_node_reads(trail, on_object_store, audit_heads):
    # given: the storages on an S3-compatible bucket (REPAT_S3_BUCKET)
    head = publish()

    # then: the head is a private object of the bucket, nothing is written locally, and it is held
    key = f"audit-heads/{head.name}"
    assert on_object_store.keys() == [key]
    assert not audit_heads.exists()
    assert on_object_store.anonymous_get(key) == 403
    assert audit.verify().published == [head]

    # when: someone edits it in the bucket
    body = json.loads(on_object_store.client().get_object(Bucket=on_object_store.bucket, Key=key)["Body"].read())
    on_object_store.client().put_object(
        Bucket=on_object_store.bucket, Key=key, Body=json.dumps({**body, "rows": body["rows"] - 1}).encode()
    )

    # then
    assert failure(audit.verify()) == (
        False,
        -1,
        f"the signature of the published head {head.name} does not match: it was forged or altered",
    )


def test_a_trail_cut_short_below_a_published_head_is_found(trail):
    # given
    head = publish()

    # when: the owner removes the newest rows and moves the head back (the database agrees with itself)
    cut_after(trail[3])

    # then
    assert failure(audit.verify()) == (
        False,
        -1,
        f"the chain ends after {head.rows - 2} rows, but the head published on 2026-12-01 12:00 UTC records "
        f"{head.rows} rows up to row {trail[-1]}: rows were removed",
    )


def test_a_trail_emptied_with_its_head_is_found_against_the_published_head(trail):
    head = publish()

    raw_empty()
    with guard_lifted():
        AuditHead.objects.all().delete()

    assert failure(audit.verify()) == (
        False,
        -1,
        f"the chain ends after 0 rows, but the head published on 2026-12-01 12:00 UTC records {head.rows} rows "
        f"up to row {trail[-1]}: rows were removed",
    )


def test_someone_with_the_key_cannot_rewrite_rows_before_a_published_head(trail):
    # given
    publish()

    # when: someone holding the database and the key deletes a row and seals everything after it again
    with guard_lifted():
        AuditEvent.objects.filter(pk=trail[2]).delete()
    reseal(after=trail[1], key=DEV_KEY)

    # then: the chain holds together, but not against what was published
    assert failure(audit.verify()) == (
        False,
        -1,
        f"row {trail[-1]} does not match the head published on 2026-12-01 12:00 UTC: rows up to it were changed",
    )


def test_the_limit_someone_with_the_key_can_rewrite_rows_after_the_last_published_head(worker, case, trail):
    """SECURITY.md: with the database and the key, rows after the newest published head can be
    rewritten. This test shows the limit; if it ever fails, the limit has moved: update SECURITY.md."""
    publish()
    later = [note(worker, case, n) for n in range(3)]

    with guard_lifted():
        AuditEvent.objects.filter(pk=later[1]).delete()
    reseal(after=later[0], key=DEV_KEY)

    assert audit.verify().intact


def test_heads_kept_away_from_the_server_are_held_too(trail, audit_heads, tmp_path):
    # given: a head published; an administrator kept the e-mailed copy
    head = publish()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / head.name).write_text((audit_heads / head.name).read_text())

    # when: someone with the server and the database deletes the file, cuts the trail and the head
    (audit_heads / head.name).unlink()
    cut_after(trail[2])

    # then: the server alone no longer shows it; the kept copy does
    assert audit.verify().intact
    assert failure(audit.verify(head_dirs=[kept]))[:2] == (False, -1)
    with pytest.raises(CommandError) as error:
        call_command("audit_verify", "--heads", str(kept))
    assert str(error.value) == (
        f"Audit trail broken: the chain ends after {head.rows - 3} rows, but the head published on "
        f"2026-12-01 12:00 UTC records {head.rows} rows up to row {trail[-1]}: rows were removed "
        f"({head.rows - 3} rows intact)."
    )


def test_the_daily_check_starts_at_the_newest_published_head(worker, case, trail):
    publish()
    later = [note(worker, case, n) for n in range(2)]

    result = audit.verify(since_newest_head=True)

    assert (result.intact, result.checked, result.rows, result.last_id) == (
        True,
        2,
        AuditEvent.objects.count(),
        later[-1],
    )


def test_the_daily_check_finds_the_newest_published_row_changed(trail):
    publish()
    reseal(after=trail[-2], key=DEV_KEY, drop_key_ids=False)  # same content, same key: nothing changes
    assert audit.verify(since_newest_head=True).intact
    with guard_lifted():
        AuditEvent.objects.filter(pk=trail[-1]).update(hash="f" * 64)

    assert failure(audit.verify(since_newest_head=True)) == (
        False,
        -1,
        f"row {trail[-1]} does not match the head published on 2026-12-01 12:00 UTC: rows up to it were changed",
    )


# --- Rows from before the keys (an upgraded trail)


def legacy_rows(count: int) -> list[int]:
    """Rows as the trail wrote them before keys: plain SHA-256, no key id, and the head. (Written
    before any fixture that writes rows: the tests below ask for those afterwards.)"""
    previous, ids = GENESIS, []
    for n in range(count):
        event = AuditEvent(actor_name="worker-a", action="view", object_type="case", object_id=n, prev_hash=previous)
        event.hash = event.compute_hash()
        event.save()
        previous = event.hash
        ids.append(event.pk)
    AuditHead.objects.update_or_create(pk=1, defaults={"hash": previous, "rows": count, "last_id": ids[-1]})
    return ids


def keyed_row(request) -> int:
    return note(request.getfixturevalue("worker"), request.getfixturevalue("case"))


def test_the_upgrade_publishes_a_head_over_the_rows_from_before_the_keys(request, audit_heads):
    # given: a trail written before keys
    old = legacy_rows(4)

    # when: the migration runs, and rows are written after it
    migration = importlib.import_module("repat.audit.migrations.0004_keyed_chain_and_guards")
    migration.publish_the_unkeyed_rows(apps, None)
    new = keyed_row(request)

    # then: the old rows are checked the old way, covered by the published head
    [published] = anchors.read_all([audit_heads])[0]
    assert (published.rows, published.last_id) == (4, old[-1])
    result = audit.verify()
    keyed = AuditEvent.objects.count() - 4
    assert (result.intact, result.unkeyed, dict(result.keyed)) == (True, 4, {"dev": keyed})
    first_sealed = AuditEvent.objects.filter(key_id="dev").order_by("id").first()
    assert first_sealed.prev_hash == AuditEvent.objects.get(pk=old[-1]).hash
    assert AuditEvent.objects.get(pk=new).key_id == "dev"


def test_rows_from_before_the_keys_without_their_published_head_fail(request):
    old = legacy_rows(2)
    keyed_row(request)

    assert failure(audit.verify()) == (False, old[0], "this row has no key, and no published head covers it")


def test_rows_from_before_the_keys_rewritten_are_found_against_the_upgrade_head(request, audit_heads):
    old = legacy_rows(4)
    importlib.import_module("repat.audit.migrations.0004_keyed_chain_and_guards").publish_the_unkeyed_rows(apps, None)
    keyed_row(request)

    # when: the owner deletes an old row and recomputes the old hashes after it (and of the keyed row:
    # which it cannot seal, so it removes it and moves the head back)
    with guard_lifted():
        AuditEvent.objects.filter(key_id="dev").delete()
        AuditEvent.objects.filter(pk=old[1]).delete()
    reseal(after=old[0], drop_key_ids=True)

    assert failure(audit.verify()) == (
        False,
        -1,
        f"row {old[-1]} does not match the head published on {anchors.read_all([audit_heads])[0][0].when}: "
        "rows up to it were changed",
    )
