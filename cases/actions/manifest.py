"""Registering a flight's people from its manifest (issue 16): upload, preview, answers, commit.

Nothing is registered before the coordinator has seen the preview: every row with its problems and
its probable matches with people already recorded, each answered "same person" (the record is
linked to the household), "different person" (with a reason, kept as the one-by-one registration
keeps it) or "skip". The commit is one transaction: every family, returnee, case, event and audit
row of the file, or none. Each person goes through `returnee_register` with the duplicate check's
answer worked out for the whole file at once (cases/manifest/matching.py), so an imported case is
the same as one registered by hand. A large file is read and committed by a Celery task; the page
polls `status` and `progress` (the commit's progress goes through the cache: its transaction is
not visible to the page until it ends)."""

import datetime
import hashlib
import logging
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from repat.accounts.models import Region, User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.sequences import sequence_reserve

from .. import permissions
from ..manifest import matching
from ..manifest.reading import MAX_BYTES, ManifestFileError, read_table
from ..manifest.rows import COLUMNS, Lookups, auto_mapping, missing_columns, read_rows
from ..models import (
    Case,
    CaseEvent,
    Family,
    FamilyMember,
    ManifestImport,
    ManifestMapping,
    Operation,
    Returnee,
    ReturneeAlias,
)
from ..search import index_returnees, indexing_deferred
from .base import check_region_overseen
from .duplicates import CheckedDuplicates, duplicates_record_many
from .events import _raw, case_events_write
from .registration import family_create, family_member_add, follow_up_after, returnee_register, script_of

log = logging.getLogger(__name__)

LINK, NEW, SKIP = "link", "new", "skip"
CHOICES = (LINK, NEW, SKIP)
BULK_BATCH = 1_000
# People registered or changed between a preview and its commit above which the commit looks every
# row up again rather than only against them.
RECHECK_ALL = 5_000
Status = ManifestImport.Status
# The tasks' time limits (cases/tasks.py): a 10,000-row manifest reads in about a minute and
# registers in about one more (docs/benchmarks.md).
PREVIEW_SOFT_TIME_LIMIT, PREVIEW_TIME_LIMIT = 15 * 60, 16 * 60
COMMIT_SOFT_TIME_LIMIT, COMMIT_TIME_LIMIT = 30 * 60, 31 * 60
# An import waiting this long for its task lost the task's message (the broker was down or lost it):
# `manifests_requeue` queues it again. One taken by a worker this long after the task's time limit
# lost its worker.
QUEUED_PATIENCE = datetime.timedelta(minutes=10)
DIED_MARGIN = datetime.timedelta(minutes=4)


def _progress_key(manifest_id: int) -> str:
    return f"manifest-progress-{manifest_id}"


def manifest_progress(manifest: ManifestImport) -> int:
    """How far the preview or the commit has come, in percent (the cache while a commit runs)."""
    if manifest.status == Status.COMMITTING:
        return cache.get(_progress_key(manifest.pk), manifest.progress)
    return manifest.progress


def _sync(manifest: ManifestImport) -> bool:
    return len(manifest.rows) <= settings.REPAT_MANIFEST_SYNC_ROWS


def _queue(task_name: str, manifest_id: int) -> None:
    from .. import tasks

    try:
        getattr(tasks, task_name).delay(manifest_id)
    except Exception:  # noqa: BLE001 - broker down: the import stays queued; the page says so
        log.warning("Broker unavailable; manifest import %s stays queued.", manifest_id)


@transaction.atomic
def manifest_upload(
    *,
    actor: User,
    uploaded,
    operation: Operation | None = None,
    region: Region | None = None,
    source: str = "",
    run_now: bool | None = None,
) -> ManifestImport:
    """Keep the uploaded file privately with a new import, and read it: in this request when it is
    small (or `run_now`), else in a task queued when the transaction commits."""
    if not permissions.can_import_manifests(actor):
        raise PermissionDenied
    allowed = permissions.import_regions(actor)
    if region is not None and allowed is not None and region.pk not in allowed:
        raise ValidationError({"region": _("Choose one of your regions.")})
    if uploaded.size > MAX_BYTES:
        raise ValidationError({"file": ManifestFileError(_("The file is too large.")).messages})
    data = uploaded.read(MAX_BYTES + 1)
    mapping = {}
    if source:
        saved = ManifestMapping.objects.filter(source=source.strip()).first()
        mapping = saved.mapping if saved else {}
    manifest = ManifestImport(
        created_by=actor,
        file_name=(getattr(uploaded, "name", "") or "manifest")[-200:],
        sha256=hashlib.sha256(data).hexdigest(),
        source=source.strip(),
        operation=operation,
        region=region,
        mapping=mapping,
    )
    manifest.file.save(f"manifest-{manifest.sha256[:16]}.bin", ContentFile(data), save=False)
    manifest.full_clean()
    manifest.save()
    audit.record(actor=actor, action=AuditEvent.Action.CHANGE, obj=manifest, detail="manifest_upload")
    if run_now if run_now is not None else len(data) <= settings.REPAT_MANIFEST_SYNC_BYTES:
        transaction.on_commit(lambda: manifest_preview(manifest_id=manifest.pk))
    else:
        transaction.on_commit(lambda: _queue("preview_manifest", manifest.pk))
    return manifest


def manifest_preview(*, manifest_id: int) -> ManifestImport | None:
    """Read the file, check every row and find the probable matches of all at once; answers given
    before (a mapping changed) are kept for the rows whose matches are the same. Taken by one worker:
    the import moves from "queued" to "reading" in one conditional UPDATE."""
    taken = ManifestImport.objects.filter(pk=manifest_id, status=Status.QUEUED).update(
        status=Status.READING, progress=5, updated_at=timezone.now()
    )
    manifest = ManifestImport.objects.select_related("created_by", "operation", "region").filter(pk=manifest_id).first()
    if manifest is None or not taken:
        return manifest
    actor = manifest.created_by

    def progress(done: int, total: int) -> None:
        ManifestImport.objects.filter(pk=manifest_id).update(progress=min(20 + 75 * done // max(total, 1), 95))

    with translation.override(actor.language or settings.LANGUAGE_CODE):
        try:
            with manifest.file.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
            header, table = read_table(data)
        except ManifestFileError as error:
            _fail(manifest, " ".join(error.messages))
            return manifest
        except Exception:
            log.exception("Manifest import %s could not be read.", manifest_id)
            _fail(manifest, _("The file could not be read. Tell an administrator."))
            raise
    mapping = {field: title for field, title in (manifest.mapping or {}).items() if title in header}
    if not mapping:
        mapping = auto_mapping(header)
    manifest.header, manifest.mapping = header, mapping
    if missing_columns(mapping):
        manifest.rows, manifest.status, manifest.progress, manifest.error = [], Status.PREVIEWED, 100, ""
        manifest.save(update_fields=["header", "mapping", "rows", "status", "progress", "error", "updated_at"])
        return manifest
    ManifestImport.objects.filter(pk=manifest_id).update(progress=15)
    rows = read_rows(
        header,
        table,
        mapping,
        lookups=Lookups(allowed_regions=permissions.import_regions(actor)),
        operation=manifest.operation,
        region=manifest.region,
    )
    checked_at = timezone.now()
    _attach_matches(actor, rows, progress)
    decisions = {
        line: answer
        for line, answer in (manifest.decisions or {}).items()
        if any(str(row["line"]) == line and row["matches"] for row in rows)
    }
    manifest.rows, manifest.decisions = rows, decisions
    manifest.status, manifest.progress, manifest.error = Status.PREVIEWED, 100, ""
    manifest.previewed_at = checked_at
    with transaction.atomic():
        manifest.save(
            update_fields=[
                "header",
                "mapping",
                "rows",
                "decisions",
                "status",
                "progress",
                "error",
                "previewed_at",
                "updated_at",
            ]
        )
        audit.record(
            actor=actor,
            action=AuditEvent.Action.VIEW,
            obj=manifest,
            detail="manifest_preview",
            changes={"rows": len(rows), "matched": sum(1 for row in rows if row["matches"])},
            request=None,
        )
    return manifest


def _attach_matches(actor: User, rows: list[dict], progress=None) -> None:
    usable = [row for row in rows if not row["errors"]]
    found = matching.manifest_matches(actor, usable, progress=progress)
    for row in rows:
        row["matches"] = [matching.match_to_json(m) for m in found.get(row["line"], [])]


def _fail(manifest: ManifestImport, message: str) -> None:
    manifest.status, manifest.error, manifest.progress = Status.FAILED, message, 0
    manifest.save(update_fields=["status", "error", "progress", "updated_at"])


def _editable(manifest: ManifestImport, actor: User) -> ManifestImport:
    manifest = ManifestImport.objects.select_for_update().get(pk=manifest.pk)
    if not permissions.manifests_visible_to(actor).filter(pk=manifest.pk).exists():
        raise PermissionDenied
    if manifest.status != Status.PREVIEWED:
        raise ValidationError(_("This import is not waiting for a check any more."))
    return manifest


@transaction.atomic
def manifest_map(*, actor: User, manifest: ManifestImport, mapping: dict[str, str], save_for: str = "") -> None:
    """Map the file's columns to the template's fields and read it again; `save_for`: keep the
    mapping for the next file from that source."""
    manifest = _editable(manifest, actor)
    mapping = {field: title for field, title in mapping.items() if field in COLUMNS and title in manifest.header}
    missing = missing_columns(mapping)
    if missing:
        raise ValidationError(
            _("Choose a column for: %(fields)s.") % {"fields": ", ".join(str(COLUMNS[f]) for f in missing)}
        )
    if len(set(mapping.values())) != len(mapping):
        raise ValidationError(_("One column of the file is chosen for two fields."))
    manifest.mapping, manifest.status, manifest.progress = mapping, Status.QUEUED, 0
    manifest.save(update_fields=["mapping", "status", "progress", "updated_at"])
    if save_for.strip():
        ManifestMapping.objects.update_or_create(
            source=save_for.strip()[:100], defaults={"mapping": mapping, "created_by": actor}
        )
    if _sync(manifest) or not manifest.rows:
        transaction.on_commit(lambda: manifest_preview(manifest_id=manifest.pk))
    else:
        transaction.on_commit(lambda: _queue("preview_manifest", manifest.pk))


def check_decisions(actor: User, rows: list[dict], decisions: dict) -> dict[str, dict]:
    """The answers for every row with probable matches, cleaned; a ValidationError names the rows
    still unanswered or answered wrongly (a link to a person one may not see, no reason)."""
    clean: dict[str, dict] = {}
    problems = []
    for row in rows:
        if not row.get("matches") or row["errors"]:
            continue
        line = str(row["line"])
        answer = decisions.get(line) or {}
        choice = answer.get("choice")
        seen = {m["id"] for m in row["matches"] if m["visible"]}
        if choice not in CHOICES:
            problems.append(_("Row %(row)s: say whether this is a person already registered.") % {"row": line})
        elif choice == LINK and answer.get("match") not in seen:
            problems.append(_("Row %(row)s: choose which registered person it is.") % {"row": line})
        elif choice == NEW and not (answer.get("reason") or "").strip():
            problems.append(_("Row %(row)s: say why this is a different person.") % {"row": line})
        else:
            clean[line] = {
                "choice": choice,
                "match": answer.get("match") if choice == LINK else None,
                "reason": (answer.get("reason") or "").strip()[:500] if choice == NEW else "",
            }
    if problems:
        raise ValidationError(problems)
    return clean


@transaction.atomic
def manifest_commit_request(
    *, actor: User, manifest: ManifestImport, decisions: dict, run_now: bool | None = None
) -> ManifestImport:
    """Keep the answers and register the file: in this request for a small one (or `run_now`),
    else in a task."""
    manifest = _editable(manifest, actor)
    if not manifest.rows:
        raise ValidationError(_("Map the file's columns first."))
    if any(row["errors"] for row in manifest.rows):
        raise ValidationError(_("Some rows have problems: correct the file and upload it again."))
    manifest.decisions = check_decisions(actor, manifest.rows, decisions)
    manifest.status, manifest.progress, manifest.error = Status.COMMITTING, 0, ""
    manifest.save(update_fields=["decisions", "status", "progress", "error", "updated_at"])
    if run_now if run_now is not None else _sync(manifest):
        transaction.on_commit(lambda: manifest_commit(manifest_id=manifest.pk))
    else:
        transaction.on_commit(lambda: _queue("commit_manifest", manifest.pk))
    return manifest


def manifest_commit(*, manifest_id: int) -> ManifestImport | None:
    """Register every row not skipped, in one transaction (see the module docstring). The matches
    are looked up again first: when they are not the ones the coordinator answered (someone was
    registered in between), nothing is written and the import goes back to its preview."""
    # Taken by one worker (the request, a task, the task queued twice): progress 0 -> 1 in one UPDATE.
    taken = ManifestImport.objects.filter(pk=manifest_id, status=Status.COMMITTING, progress=0).update(
        progress=1, updated_at=timezone.now()
    )
    manifest = ManifestImport.objects.select_related("created_by").filter(pk=manifest_id).first()
    if manifest is None or not taken:
        return manifest
    actor = manifest.created_by
    key = _progress_key(manifest.pk)
    cache.set(key, 5, 3600)
    rows = [row for row in manifest.rows if manifest.decisions.get(str(row["line"]), {}).get("choice") != SKIP]
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        found, changed = _matches_again(actor, manifest, rows)
        if changed:
            by_line = {row["line"]: row for row in manifest.rows}
            for line, matches in changed.items():
                by_line[line]["matches"] = [matching.match_to_json(m) for m in matches]
                manifest.decisions.pop(str(line), None)
            manifest.status, manifest.progress = Status.PREVIEWED, 100
            manifest.error = _(
                "People were registered since the preview who may be the same as some rows: answer for them again."
            )
            manifest.save(update_fields=["rows", "decisions", "status", "progress", "error", "updated_at"])
            return manifest
        cache.set(key, 20, 3600)
        try:
            with transaction.atomic(), indexing_deferred():
                register = _register_bulk if len(rows) >= settings.REPAT_MANIFEST_BULK_ROWS else _register_all
                result = register(actor, manifest, rows, found, lambda p: cache.set(key, p, 3600))
                manifest.result, manifest.status, manifest.progress = result, Status.COMMITTED, 100
                manifest.committed_at, manifest.error = timezone.now(), ""
                manifest.save(update_fields=["result", "status", "progress", "committed_at", "error", "updated_at"])
                audit.record(
                    actor=actor,
                    action=AuditEvent.Action.CHANGE,
                    obj=manifest,
                    detail="manifest_commit",
                    changes={k: len(v) for k, v in result.items()},
                )
        except (ValidationError, PermissionDenied) as error:
            message = "; ".join(getattr(error, "messages", [])) or _("You may not register these people.")
            line = getattr(error, "manifest_line", None)
            if line is not None:
                message = _("Row %(row)s: %(problem)s") % {"row": line, "problem": message}
            _fail(manifest, _("Nothing was registered. %(problem)s") % {"problem": message})
        except Exception:
            log.exception("Manifest import %s failed while registering.", manifest_id)
            _fail(manifest, _("Nothing was registered: an unexpected error stopped the import. Tell an administrator."))
            raise
        finally:
            cache.delete(key)
    return manifest


def manifests_requeue(*, now: datetime.datetime | None = None) -> int:
    """Beat: queue again the imports whose task's message was lost (waiting to be read, or to be
    registered and not taken, for QUEUED_PATIENCE), as `reports_requeue` does for reports. An import
    a worker took and never finished (past the task's time limit: the worker died) is not queued
    again, since a file that kills its worker would do so every time: one being read fails and
    says so; one being registered, whose transaction rolled back, goes back to its preview with its
    answers, to be registered again. Idempotent: each task takes its import once (`manifest_preview`,
    `manifest_commit`). Returns how many were queued."""
    now = now or timezone.now()
    waiting = ManifestImport.objects.filter(updated_at__lt=now - QUEUED_PATIENCE)
    died_reading = ManifestImport.objects.filter(
        status=Status.READING, updated_at__lt=now - datetime.timedelta(seconds=PREVIEW_TIME_LIMIT) - DIED_MARGIN
    )
    died_committing = ManifestImport.objects.filter(
        status=Status.COMMITTING,
        progress__gt=0,
        updated_at__lt=now - datetime.timedelta(seconds=COMMIT_TIME_LIMIT) - DIED_MARGIN,
    )
    for manifest in [*died_reading.select_related("created_by"), *died_committing.select_related("created_by")]:
        log.error("Manifest import %s was left %s by a worker that stopped.", manifest.pk, manifest.status)
        with translation.override(manifest.created_by.language or settings.LANGUAGE_CODE):
            if manifest.status == Status.READING:
                _fail(manifest, _("Reading the file stopped unexpectedly. Upload it again, or tell an administrator."))
                continue
            manifest.status, manifest.progress = Status.PREVIEWED, 100
            manifest.error = _("The registration stopped before it ended: nobody was registered. Register them again.")
            manifest.save(update_fields=["status", "progress", "error", "updated_at"])
    queued = 0
    for status, task_name, lost in (
        (Status.QUEUED, "preview_manifest", waiting.filter(status=Status.QUEUED)),
        (Status.COMMITTING, "commit_manifest", waiting.filter(status=Status.COMMITTING, progress=0)),
    ):
        ids = list(lost.order_by("pk").values_list("pk", flat=True)[:1000])
        # Not stuck again for another QUEUED_PATIENCE: the next beat does not queue them twice.
        ManifestImport.objects.filter(pk__in=ids, status=status).update(updated_at=now)
        for manifest_id in ids:
            log.warning("Manifest import %s was stuck %s; queued again.", manifest_id, status)
            transaction.on_commit(lambda task_name=task_name, manifest_id=manifest_id: _queue(task_name, manifest_id))
        queued += len(ids)
    return queued


def _matches_again(actor: User, manifest: ManifestImport, rows: list[dict]) -> tuple[dict, dict]:
    """The rows' probable matches at the commit, and {row line: its new matches} for the rows whose
    matches are not the ones answered. Only the people registered or changed since the preview can
    make a difference, so only they are looked up (all again if there are more than RECHECK_ALL)."""
    answered = {row["line"]: [matching.match_from_json(m) for m in row["matches"]] for row in rows}
    recent = None
    if manifest.previewed_at is not None:
        recent = list(
            Returnee.objects.filter(updated_at__gte=manifest.previewed_at).values_list("pk", flat=True)[
                : RECHECK_ALL + 1
            ]
        )
    if recent is None or len(recent) > RECHECK_ALL:
        found = matching.manifest_matches(actor, rows)
        changed = {
            row["line"]: found.get(row["line"], [])
            for row in rows
            if sorted(m.returnee_id for m in found.get(row["line"], [])) != sorted(m["id"] for m in row["matches"])
        }
        return found, changed
    fresh = matching.manifest_matches(actor, rows, among=recent) if recent else {}
    changed = {}
    for line, matches in fresh.items():
        known = {m.returnee_id for m in answered.get(line, [])}
        if any(m.returnee_id not in known for m in matches):
            changed[line] = answered.get(line, []) + [m for m in matches if m.returnee_id not in known]
    return answered, changed


def _households(rows: list[dict]) -> list[list[dict]]:
    """The rows by household in file order, the mother (else the first) first; a row without a
    household is a household of its own."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["household"] or f"\0{row['line']}", []).append(row)
    ordered = []
    for members in groups.values():
        mothers = [r for r in members if r["relation"] == FamilyMember.Relationship.MOTHER][:1]
        ordered.append(mothers + [r for r in members if r not in mothers])
    return ordered


def _register_all(actor: User, manifest: ManifestImport, rows: list[dict], found: dict, progress) -> dict:
    operations = Operation.objects.in_bulk({row["operation_id"] for row in rows})
    regions = Region.objects.in_bulk({row["region_id"] for row in rows} | {row["district_id"] for row in rows} - {None})
    linked_ids = [d["match"] for d in manifest.decisions.values() if d.get("choice") == LINK]
    linked = Returnee.objects.select_related("case", "membership").in_bulk(linked_ids)
    result: dict[str, list] = {"families": [], "cases": [], "linked": [], "skipped": []}
    result["skipped"] = [
        row["line"] for row in manifest.rows if manifest.decisions.get(str(row["line"]), {}).get("choice") == SKIP
    ]
    done = 0
    for household in _households(rows):
        family = None
        family_name = household[0]["family_name"] or household[0]["given_name"]
        for position, row in enumerate(household):
            try:
                decision = manifest.decisions.get(str(row["line"]), {})
                if decision.get("choice") == LINK:
                    person = linked.get(decision["match"])
                    if person is None or not permissions.can_edit_case(actor, person.case):
                        raise PermissionDenied
                    result["linked"].append(person.pk)
                    if family is None and not hasattr(person, "membership"):
                        family = family_create(
                            actor=actor,
                            name=family_name,
                            region=person.region,
                            district=person.district,
                            locality=person.locality,
                        )
                        result["families"].append(family.pk)
                    if family is not None and not hasattr(person, "membership"):
                        family_member_add(
                            actor=actor,
                            family=family,
                            returnee=person,
                            relationship=row["relation"],
                            is_head=position == 0,
                            notes=row["notes"],
                        )
                    continue
                matches = found.get(row["line"], [])
                returnee = returnee_register(
                    actor=actor,
                    data=_data(row, operations, regions),
                    aliases=row["aliases"],
                    family=family,
                    new_family_name="" if family is not None else family_name,
                    relationship=row["relation"],
                    is_head=position == 0,
                    checked=CheckedDuplicates(matches=matches, reason=decision.get("reason", "").strip()),
                )
                if family is None:
                    family = returnee.membership.family
                    result["families"].append(family.pk)
                if row["notes"]:
                    FamilyMember.objects.filter(returnee=returnee).update(notes=row["notes"])
                result["cases"].append(returnee.case.pk)
            except (ValidationError, PermissionDenied) as error:
                error.manifest_line = row["line"]
                raise
            done += 1
            if done % 25 == 0:
                progress(20 + 79 * done // max(len(rows), 1))
    return result


def _register_bulk(actor: User, manifest: ManifestImport, rows: list[dict], found: dict, progress) -> dict:
    """`_register_all` for many rows: the same rows, events and audit trail as `returnee_register`
    writes for each person, in a few statements per table (about 15 for the file; the events, their
    audit rows and the probable matches in batches: `case_events_write`, `duplicates_record_many`).
    The rows were checked by the preview (`read_rows`: dates, regions the actor may use, districts
    in their region); what the database would refuse still raises and rolls everything back. Rows
    answered "same person" go through `_register_all` first, so that their household exists."""
    if not permissions.can_register_returnee(actor):
        raise PermissionDenied
    worker = actor if permissions.has_own_caseload(actor) else None
    decisions = manifest.decisions
    link_lines = {line for line, d in decisions.items() if d.get("choice") == LINK}
    linked_households = {row["household"] or f"\0{row['line']}" for row in rows if str(row["line"]) in link_lines}
    by_household = _households(rows)
    slow = [
        row
        for group in by_household
        if (group[0]["household"] or f"\0{group[0]['line']}") in linked_households
        for row in group
    ]
    result = (
        _register_all(actor, manifest, slow, found, progress)
        if slow
        else {"families": [], "cases": [], "linked": [], "skipped": []}
    )
    result["skipped"] = [
        row["line"] for row in manifest.rows if decisions.get(str(row["line"]), {}).get("choice") == SKIP
    ]
    slow_lines = {row["line"] for row in slow}
    groups = [group for group in by_household if group[0]["line"] not in slow_lines]
    fresh = [row for group in groups for row in group]
    if not fresh:
        return result
    operations = Operation.objects.in_bulk({row["operation_id"] for row in fresh})
    regions = Region.objects.in_bulk(
        {row["region_id"] for row in fresh} | {row["district_id"] for row in fresh} - {None}
    )
    for region_id in sorted({row["region_id"] for row in fresh}):
        check_region_overseen(regions[region_id])

    prefix = settings.REPAT_CASE_NUMBER_PREFIX
    numbers: dict[int, Iterator[int]] = {}
    for year in sorted({row["arrival_date"][:4] for row in fresh}):
        count = sum(1 for row in fresh if row["arrival_date"][:4] == year)
        numbers[int(year)] = iter(sequence_reserve(f"case-{prefix}-{year}", count))
    people = []
    for row in fresh:
        returnee = Returnee(**_data(row, operations, regions))
        returnee.case_number = f"{prefix}-{returnee.arrival_date.year}-{next(numbers[returnee.arrival_date.year]):05d}"
        # The foreign keys were loaded above: their existence is not asked again row by row.
        returnee.clean_fields(exclude=["operation", "region", "district"])
        returnee.clean()
        people.append(returnee)
    Returnee.objects.bulk_create(people, batch_size=BULK_BATCH)
    progress(40)
    ReturneeAlias.objects.bulk_create(
        [
            ReturneeAlias(returnee=person, name=name, script=script_of(name))
            for person, row in zip(people, fresh, strict=True)
            for name in dict.fromkeys(alias.strip() for alias in row["aliases"] if alias.strip())
        ],
        batch_size=BULK_BATCH,
    )
    today = timezone.localdate()
    follow_up = follow_up_after(Case.Risk.MEDIUM, today)
    cases = [
        Case(returnee=person, worker=worker, risk_level=Case.Risk.MEDIUM, opened_on=today, next_follow_up=follow_up)
        for person in people
    ]
    for case in cases:
        case.clean_fields(exclude=["returnee", "worker"])
    Case.objects.bulk_create(cases, batch_size=BULK_BATCH)
    progress(55)

    person_of = {row["line"]: person for person, row in zip(people, fresh, strict=True)}
    families = []
    for group in groups:
        first = person_of[group[0]["line"]]
        families.append(
            Family(
                name=group[0]["family_name"] or group[0]["given_name"],
                region=first.region,
                district=first.district,
                locality=first.locality,
            )
        )
    Family.objects.bulk_create(families, batch_size=BULK_BATCH)
    members = [
        FamilyMember(
            family=family,
            returnee=person_of[row["line"]],
            relationship=row["relation"],
            is_head=position == 0,
            notes=row["notes"],
        )
        for family, group in zip(families, groups, strict=True)
        for position, row in enumerate(group)
    ]
    FamilyMember.objects.bulk_create(members, batch_size=BULK_BATCH)
    progress(65)

    family_of = {member.returnee_id: member.family for member in members}
    opened = {"worker": [None, _raw(worker)], "risk_level": [None, Case.Risk.MEDIUM]}
    events = []
    for case in cases:
        events.append(CaseEvent(case=case, kind=CaseEvent.Kind.REGISTERED, actor=actor, changes={}))
        events.append(CaseEvent(case=case, kind=CaseEvent.Kind.OPENED, actor=actor, changes=opened))
        family = family_of[case.returnee_id]
        events.append(
            CaseEvent(
                case=case, kind=CaseEvent.Kind.FAMILY_JOINED, actor=actor, changes={"family": [None, family.name]}
            )
        )
    case_events_write(actor=actor, events=events)
    progress(90)
    confirmations = []
    for row in fresh:
        matches = found.get(row["line"], [])
        if matches:
            reason = decisions.get(str(row["line"]), {}).get("reason", "").strip()
            if not reason:
                raise ValidationError(_("Say why this is a different person."))
            confirmations.append((person_of[row["line"]], matches, reason))
    duplicates_record_many(actor=actor, confirmations=confirmations)
    index_returnees([person.pk for person in people])  # bulk_create sends no signal to the index
    result["families"] += [family.pk for family in families]
    result["cases"] += [case.pk for case in cases]
    return result


def _data(row: dict, operations: dict, regions: dict) -> dict:
    return {
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "patronymic": row["patronymic"],
        "sex": row["sex"],
        "date_of_birth": datetime.date.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None,
        "date_of_birth_precision": row["precision"],
        "place_of_birth": row["birthplace"],
        "operation": operations[row["operation_id"]],
        "arrival_date": datetime.date.fromisoformat(row["arrival_date"]),
        "region": regions[row["region_id"]],
        "district": regions.get(row["district_id"]),
        "locality": row["address"],
    }


def manifest_file_read(*, actor: User, manifest: ManifestImport, request=None) -> None:
    """Record a download of the original file before it is handed over."""
    if not permissions.manifests_visible_to(actor).filter(pk=manifest.pk).exists():
        raise PermissionDenied
    audit.record(actor=actor, action=AuditEvent.Action.DOWNLOAD, obj=manifest, detail="manifest_file", request=request)
