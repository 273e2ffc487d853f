"""Merging two records of one person, and undoing a merge.

One record survives and keeps its own details; the other's names become other spellings of the
survivor, and every row that hangs on the other record or its case (documents, consents, kinship
tests, care, notes, timeline, tasks, files, assessments, plans, transfers, referrals, approvals,
reminders...) moves to the survivor. The merged returnee and its case stay as rows, marked
`merged_into` and left out of every list, count and report, so that its case number stays findable,
its pages lead to the survivor, and an administrator can undo the merge exactly: `ReturneeMerge`
records every row the merge moved, created or changed, and undoing puts back those rows only (what
was added to the survivor since stays with it).

Rows are found through the models' own relations (`_meta.related_objects`), so the services,
approvals and reminders apps above this one are covered without being imported, and a relation added
later moves by default (tests/cases/actions/test_merges.py lists every relation and fails on a new
one, so that someone decides). The few relations that cannot simply move are in SPECIAL below.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.versions import check_version

from .. import permissions, search
from ..models import (
    CareArrangement,
    Case,
    CaseEvent,
    CaseTransfer,
    FamilyMember,
    ReintegrationPlan,
    Returnee,
    ReturneeAlias,
    ReturneeMerge,
    ReturneePhoto,
    merge_relations,
)
from ..models.merges import HISTORY_RELATIONS
from .events import case_event_write
from .registration import script_of

# Relations handled by hand rather than moved as they are ("app.model.field" of the pointing field).
ALIASES = "cases.returneealias.returnee"
MEMBERSHIP = "cases.familymember.returnee"
PLANS = "cases.reintegrationplan.case"
PHOTO = "cases.returneephoto.returnee"
SKIP = {
    "cases.case.returnee",  # each record keeps its own case; the case's rows move instead
    "cases.namekey.returnee",  # the name index is derived: rebuilt for both records (names_changed)
    *HISTORY_RELATIONS,  # earlier merges and duplicate-check answers stay as they were written
}
SPECIAL = {ALIASES, MEMBERSHIP, PLANS, PHOTO, *SKIP}

# What other apps add to the checks before a merge (a pending approval on the record to be merged...):
# each takes the case to be merged and returns the messages that refuse the merge (see AppConfig.ready).
MERGE_CHECKS: list[Callable[[Case], list[str]]] = []


def register_merge_check(check: Callable[[Case], list[str]]) -> None:
    if check not in MERGE_CHECKS:
        MERGE_CHECKS.append(check)


def merge_target_check(*, actor: User, returnee: Returnee, other: Returnee | None) -> None:
    """Whether `other` (found by the case number typed) may be merged with `returnee`: the message
    says why not, next to the case-number field. A record the user may not see reads as not found."""
    if other is None or not permissions.can_merge_records(actor, other.case):
        raise ValidationError({"case_number": _("No record you may merge has this case number.")})
    if other.pk == returnee.pk:
        raise ValidationError({"case_number": _("This is the record you started from: name the other one.")})


def _blockers(survivor: Returnee, merged: Returnee) -> list[str]:
    """What makes the merge impossible as things stand, in words the supervisor can act on."""
    problems = []
    if survivor.case.anonymised_on or merged.case.anonymised_on:
        problems.append(_("An anonymised record cannot be merged."))
    if CaseTransfer.objects.filter(case=merged.case, status=CaseTransfer.Status.PENDING).exists():
        problems.append(
            _(
                "The record to be merged has a transfer waiting for an answer: "
                "wait for the answer or cancel the transfer first."
            )
        )
    current_care = CareArrangement.objects.filter(returnee__in=[survivor, merged], ended_on__isnull=True)
    if current_care.count() > 1:
        problems.append(
            _("Both records have a current care arrangement: record the one that applies on the record kept first.")
        )
    for key, relation, side in merge_relations():
        if key in SPECIAL or not relation.one_to_one:
            continue
        owner = {"returnee": (survivor, merged), "case": (survivor.case, merged.case)}[side]
        both = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": owner})
        if both.count() > 1:
            problems.append(
                _("Both records have a %(what)s: only one can be kept.")
                % {"what": relation.related_model._meta.verbose_name}
            )
    for check in MERGE_CHECKS:
        problems.extend(check(merged.case))
    return problems


def _lock(*returnees: Returnee) -> list[Returnee]:
    """Lock both returnees and their cases, in id order (two merges at once cannot deadlock)."""
    ids = sorted(r.pk for r in returnees)
    locked = {r.pk: r for r in Returnee.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    cases = {c.returnee_id: c for c in Case.objects.select_for_update().filter(returnee_id__in=ids).order_by("pk")}
    for pk, returnee in locked.items():
        returnee.case = cases[pk]
    return [locked[r.pk] for r in returnees]


class _Recorder:
    """What the merge does, row by row, for ReturneeMerge (and so for the undo)."""

    def __init__(self):
        self.moved: dict[str, dict] = {}
        self.created: dict[str, dict] = {}
        self.changed: list = []

    def move(self, model, field: str, key: str, source, target, pks: list[int], **extra) -> None:
        if not pks:
            return
        model._base_manager.filter(pk__in=pks).update(**{field: target})
        self.moved[key] = {"from": source.pk, "to": target.pk, "pks": pks, **extra}


def _pks(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def _move_aliases(record: _Recorder, survivor: Returnee, merged: Returnee) -> None:
    """The merged record's other spellings join the survivor's (a spelling it has already stays
    behind), and its full name becomes one more spelling of the survivor."""
    taken = set(survivor.aliases.values_list("name", flat=True)) | {survivor.full_name}
    moving = [a for a in merged.aliases.all() if a.name not in taken]
    record.move(
        ReturneeAlias,
        "returnee",
        ALIASES,
        merged,
        survivor,
        sorted(a.pk for a in moving),
        names=[a.name for a in moving],
    )
    name = merged.full_name
    if name and name not in taken and name not in {a.name for a in moving}:
        alias = ReturneeAlias.objects.create(returnee=survivor, name=name, script=script_of(name))
        record.created["cases.returneealias"] = {"pks": [alias.pk], "names": [name]}


def _move_membership(record: _Recorder, survivor: Returnee, merged: Returnee) -> None:
    """A returnee belongs to one household. The merged record's place in its family moves to the
    survivor when the survivor has none; otherwise it stays with the merged record (out of sight,
    back on an undo) and the survivor keeps its own family."""
    membership = getattr(merged, "membership", None)
    if membership is None or hasattr(survivor, "membership"):
        return
    record.move(FamilyMember, "returnee", MEMBERSHIP, merged, survivor, [membership.pk])


def _move_photo(record: _Recorder, survivor: Returnee, merged: Returnee) -> None:
    """A returnee has one photo. The survivor keeps its own; the merged record's photo moves to the
    survivor only when the survivor has none (otherwise it stays with the merged record, out of
    sight, and comes back with it on an undo)."""
    photos = dict(ReturneePhoto.objects.filter(returnee__in=[survivor, merged]).values_list("returnee", "pk"))
    if merged.pk in photos and survivor.pk not in photos:
        record.move(ReturneePhoto, "returnee", PHOTO, merged, survivor, [photos[merged.pk]])


def _move_plans(record: _Recorder, survivor_case: Case, merged_case: Case) -> None:
    """Plan versions follow the survivor's (version 1 of the merged record becomes the survivor's
    last version + 1), and they cannot make a second current or draft version: those become
    superseded, as history. What changed is recorded for the undo."""
    plans = list(ReintegrationPlan.objects.filter(case=merged_case).order_by("version"))
    if not plans:
        return
    theirs = list(ReintegrationPlan.objects.filter(case=survivor_case).values_list("version", "status"))
    offset = max((version for version, _status in theirs), default=0)
    occupied = {status for _version, status in theirs} & {"current", "draft"}
    for plan in sorted(plans, key=lambda p: -p.version):  # highest first: new numbers never collide
        old, new = {}, {"case": survivor_case}
        if offset:
            old["version"], new["version"] = plan.version, plan.version + offset
        if plan.status in occupied:
            old["status"], new["status"] = plan.status, ReintegrationPlan.Status.SUPERSEDED
        ReintegrationPlan.objects.filter(pk=plan.pk).update(**new)
        if old:
            record.changed.append([PLANS, plan.pk, old])
    record.moved[PLANS] = {"from": merged_case.pk, "to": survivor_case.pk, "pks": sorted(p.pk for p in plans)}


@transaction.atomic
def returnee_merge(
    *,
    actor: User,
    survivor: Returnee,
    merged: Returnee,
    reason: str,
    versions: dict[int, str] | None = None,
) -> ReturneeMerge:
    """Fold `merged` into `survivor` (see the module's docstring). `versions` ({returnee id: the
    version shown in the preview}) refuses a merge of records changed since the preview.

    Hidden effects: both cases' timelines and the audit trail record the merge; the survivor's
    `updated_at` moves on (its other spellings changed, so an edit form opened before is refused)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why these two records are the same person.")})
    if survivor.pk == merged.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    survivor, merged = _lock(survivor, merged)
    for returnee in (survivor, merged):
        if returnee.merged_into_id:
            raise ValidationError(
                _("Record %(number)s has already been merged into another one.") % {"number": returnee.case_number}
            )
    for returnee in (survivor, merged):
        if not permissions.can_merge_records(actor, returnee.case):
            raise PermissionDenied
        check_version(returnee, (versions or {}).get(returnee.pk))
    problems = _blockers(survivor, merged)
    if problems:
        raise ValidationError(problems)

    record = _Recorder()
    _move_aliases(record, survivor, merged)
    _move_membership(record, survivor, merged)
    _move_photo(record, survivor, merged)
    _move_plans(record, survivor.case, merged.case)
    owners = {"returnee": (merged, survivor), "case": (merged.case, survivor.case)}
    for key, relation, side in merge_relations():
        if key in SPECIAL:
            continue
        source, target = owners[side]
        model, field = relation.related_model, relation.field.name
        pks = _pks(model._base_manager.filter(**{field: source}))
        if relation.one_to_one and pks and model._base_manager.filter(**{field: target}).exists():
            continue  # refused by _blockers; kept here for a relation added between the two
        record.move(model, field, key, source, target, pks)

    now = timezone.now()
    merge = ReturneeMerge.objects.create(
        survivor=survivor,
        merged=merged,
        merged_case_number=merged.case_number,
        survivor_case_number=survivor.case_number,
        reason=reason,
        merged_by=actor,
        merged_at=now,
        moved=record.moved,
        created=record.created,
        changed=record.changed,
    )
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "updated_at"])
    Case.objects.filter(pk=merged.case.pk).update(merged_into=survivor.case)
    survivor.save(update_fields=["updated_at"])
    case_event_write(
        case=survivor.case,
        kind=CaseEvent.Kind.MERGED,
        actor=actor,
        subject=merge,
        changes={"merged_case_number": [None, merged.case_number], "reason": [None, reason]},
    )
    case_event_write(
        case=merged.case,
        kind=CaseEvent.Kind.MERGED,
        actor=actor,
        subject=merge,
        changes={"survivor_case_number": [None, survivor.case_number], "reason": [None, reason]},
    )
    _audit_and_reindex(actor, merge, case=survivor.case, detail="merge", moved=record.moved)
    return merge


def _audit_and_reindex(actor: User, merge: ReturneeMerge, *, case: Case, detail: str, moved: dict) -> None:
    """What a merge and its undo both leave behind: an audit row counting the rows moved, and the
    name index of both records rebuilt."""
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=merge,
        case_id=case.pk,
        detail=detail,
        changes={key: len(entry["pks"]) for key, entry in moved.items()},
    )
    names_changed([merge.survivor_id, merge.merged_id])


def names_changed(returnee_ids: list[int]) -> None:
    """The names a search finds for these returnees changed (other spellings and a family moved, a
    record hidden): their rows of the name index are rebuilt, as `.update()` above sends no signals."""
    search.index_returnees(returnee_ids)


def _undo_refusal(merge: ReturneeMerge, now) -> str | None:
    if merge.is_undone:
        return _("This merge has already been undone.")
    if now > merge.undo_deadline():
        return _(
            "This merge can no longer be undone: a merge can be undone for %(days)s days, and this one "
            "was made on %(date)s."
        ) % {"days": settings.REPAT_MERGE_UNDO_DAYS, "date": formats.date_format(timezone.localtime(merge.merged_at))}
    if merge.survivor.merged_into_id:
        return _("The record kept has since been merged into another one: undo that merge first.")
    return None


def merge_undo_refusal(merge: ReturneeMerge) -> str | None:
    """Why this merge cannot be undone now (None: it can), for the page to say before anyone tries."""
    return _undo_refusal(merge, timezone.now())


@transaction.atomic
def returnee_merge_undo(*, actor: User, merge: ReturneeMerge, reason: str = "") -> ReturneeMerge:
    """Put back exactly what `merge` did: the rows it moved go back to the merged record (those
    still on the survivor), the other spellings it added go, the plan versions it renumbered get their
    numbers back, and the merged record and its case are seen again. Rows added to the survivor
    since the merge stay with it. Both timelines and the audit trail record it."""
    if not permissions.can_undo_merge(actor):
        raise PermissionDenied
    merge = ReturneeMerge.objects.select_for_update().get(pk=merge.pk)
    survivor, merged = _lock(merge.survivor, merge.merged)
    merge.survivor, merge.merged = survivor, merged
    refusal = _undo_refusal(merge, timezone.now())
    if refusal:
        raise ValidationError(refusal)
    try:
        with transaction.atomic():
            _put_back(merge, survivor, merged)
    except IntegrityError as error:
        raise ValidationError(
            _("The merge cannot be undone: the record kept has changed since in a way that conflicts with it.")
        ) from error
    merge.undone_at, merge.undone_by, merge.undo_reason = timezone.now(), actor, reason.strip()
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    Case.objects.filter(pk=merged.case.pk).update(merged_into=None)
    survivor.save(update_fields=["updated_at"])
    for case, number_field, number in (
        (survivor.case, "merged_case_number", merged.case_number),
        (merged.case, "survivor_case_number", survivor.case_number),
    ):
        changes = {number_field: [None, number]}
        if merge.undo_reason:
            changes["undo_reason"] = [None, merge.undo_reason]
        case_event_write(case=case, kind=CaseEvent.Kind.MERGE_UNDONE, actor=actor, subject=merge, changes=changes)
    _audit_and_reindex(actor, merge, case=merged.case, detail="merge undone", moved=merge.moved)
    return merge


def _model_of(key: str) -> tuple[type[models.Model], str]:
    from django.apps import apps

    app_label, model_name, field = key.split(".")
    return apps.get_model(app_label, model_name), field


def _put_back(merge: ReturneeMerge, survivor: Returnee, merged: Returnee) -> None:
    changed = {(key, pk): old for key, pk, old in merge.changed}
    for key, entry in merge.moved.items():
        if key == ALIASES:
            # Matched by name: editing the survivor's spellings rewrites their rows.
            survivor.aliases.filter(name__in=entry["names"]).update(returnee=merged)
            continue
        model, field = _model_of(key)
        rows = model._base_manager.filter(pk__in=entry["pks"], **{f"{field}_id": entry["to"]})
        for pk in [pk for pk in entry["pks"] if (key, pk) in changed]:
            rows.filter(pk=pk).update(**{f"{field}_id": entry["from"], **changed[(key, pk)]})
        rows.update(**{f"{field}_id": entry["from"]})
    added = merge.created.get("cases.returneealias")
    if added:
        survivor.aliases.filter(name__in=added["names"]).delete()
