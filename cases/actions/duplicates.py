"""The duplicate check at registration (issue 15): a person who is probably recorded already is
registered only once the registering worker has confirmed "a different person" with a reason; the
matches they may not see are decided by a coordinator or supervisor who sees both records."""

import dataclasses
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.core.notifications import Item, notify, notify_many

from .. import permissions
from ..models import CaseEvent, DuplicateDecision, Returnee
from ..search import ProbableMatch, duplicates_fingerprint
from .events import case_event_write, case_events_write

BULK_BATCH = 1_000


class ProbableDuplicates(ValidationError):
    """Raised by `returnee_register` before anything is saved: the person is probably recorded
    already. `matches` (each says whether the actor may see it) and `fingerprint`, which a
    `DistinctPerson` confirmation of exactly these matches must carry."""

    def __init__(self, matches: Sequence[ProbableMatch], fingerprint: str, message=None):
        default = _("This person may be registered already: open their record, or confirm that this is another person.")
        super().__init__(message or default)
        self.matches = list(matches)
        self.fingerprint = fingerprint

    def confirm(self, reason: str) -> "DistinctPerson":
        """The confirmation of these matches (for a caller that decides without a page: an import)."""
        return DistinctPerson(fingerprint=self.fingerprint, reason=reason)


@dataclasses.dataclass(frozen=True)
class DistinctPerson:
    """The registering worker's "this is a different person" for the matches they were shown
    (`fingerprint`, from `ProbableDuplicates`), and why."""

    fingerprint: str
    reason: str


@dataclasses.dataclass(frozen=True)
class CheckedDuplicates:
    """One person's share of a duplicate check made for several people at once (`family_register`):
    their own matches, to record on their new record, and the reason confirmed for all."""

    matches: Sequence[ProbableMatch]
    reason: str


def duplicates_check(*, actor: User, matches: Sequence[ProbableMatch], distinct: DistinctPerson | None) -> str:
    """The reason to keep when a registration may go ahead despite `matches`; raises
    ProbableDuplicates when they were not confirmed (or others were), or when the confirmation
    gives no reason (then with a message for `distinct_reason`)."""
    if not matches:
        return ""
    fingerprint = duplicates_fingerprint(actor, matches)
    if distinct is None or distinct.fingerprint != fingerprint:
        raise ProbableDuplicates(matches, fingerprint)
    reason = distinct.reason.strip()
    if not reason:  # the matches come with the error: the page shows them again
        raise ProbableDuplicates(matches, fingerprint, {"distinct_reason": _("Say why this is a different person.")})
    return reason


def _decision(actor: User, returnee: Returnee, match: ProbableMatch, reason: str, now) -> DuplicateDecision:
    """The row for one match: confirmed if the worker saw it, else pending."""
    seen = match.visible
    return DuplicateDecision(
        returnee=returnee,
        candidate_id=match.returnee_id,
        score=match.score,
        registered_by=actor,
        reason=reason,
        status=DuplicateDecision.Status.CONFIRMED if seen else DuplicateDecision.Status.PENDING,
        decided_by=actor if seen else None,
        decided_at=now if seen else None,
    )


def duplicates_record(
    *, actor: User, returnee: Returnee, matches: Sequence[ProbableMatch], reason: str
) -> list[DuplicateDecision]:
    """Keep the worker's confirmation on the new record, one row per match, in the caller's
    transaction: the matches they saw as confirmed, the others pending, each of those told to
    the coordinators and supervisors who see both records (administrators if nobody does). The
    timeline says a probable match was set aside and why, never who the match was."""
    if not matches:
        return []
    now = timezone.now()
    decisions = []
    for match in matches:
        decision = _decision(actor, returnee, match, reason, now)
        decision.full_clean()
        decision.save()
        decisions.append(decision)
    case_event_write(
        case=returnee.case,
        kind=CaseEvent.Kind.DUPLICATE_CONFIRMED,
        actor=actor,
        changes={"distinct_reason": [None, reason]},
    )
    pending = [d for d in decisions if d.is_pending]
    if pending:
        candidates = Returnee.objects.in_bulk([d.candidate_id for d in pending])
        for decision in pending:
            deciders = permissions.duplicate_deciders(returnee, candidates[decision.candidate_id])
            notify(
                item_type=Item.DUPLICATE,
                item_id=decision.pk,
                case_id=returnee.case.pk,
                recipients=[pk for pk in deciders.values_list("pk", flat=True) if pk != actor.pk],
            )
    return decisions


def duplicates_record_many(
    *, actor: User, confirmations: Sequence[tuple[Returnee, Sequence[ProbableMatch], str]]
) -> list[DuplicateDecision]:
    """`duplicates_record` for many new people at once (a manifest import): for each (new person,
    their matches, the reason) the same decision rows, timeline event, audit row and notifications,
    in a few statements for all of them. The database checks what `full_clean` would have asked
    row by row (the pair once, not oneself, a reason given); the people to tell are found once per
    pair of regions (`duplicate_deciders` depends on nothing else) and told in one insert."""
    confirmations = [(returnee, list(matches), reason) for returnee, matches, reason in confirmations if matches]
    if not confirmations:
        return []
    now = timezone.now()
    decisions = []
    for returnee, matches, reason in confirmations:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why this is a different person.")})
        for match in matches:
            decision = _decision(actor, returnee, match, reason, now)
            decision.clean_fields(exclude=["returnee", "candidate", "registered_by", "decided_by"])
            decision.clean()
            decisions.append(decision)
    DuplicateDecision.objects.bulk_create(decisions, batch_size=BULK_BATCH)
    case_events_write(
        actor=actor,
        events=[
            CaseEvent(
                case=returnee.case,
                kind=CaseEvent.Kind.DUPLICATE_CONFIRMED,
                actor=actor,
                changes={"distinct_reason": [None, reason]},
            )
            for returnee, _matches, reason in confirmations
        ],
    )
    pending = [d for d in decisions if d.is_pending]
    if pending:
        region_of = dict(
            Returnee.objects.filter(pk__in={d.candidate_id for d in pending}).values_list("pk", "region_id")
        )
        deciders: dict[tuple[int, int], list[int]] = {}
        for decision in pending:
            pair = (decision.returnee.region_id, region_of[decision.candidate_id])
            if pair not in deciders:
                deciders[pair] = list(
                    permissions.duplicate_deciders(decision.returnee, Returnee(region_id=pair[1])).values_list(
                        "pk", flat=True
                    )
                )
        notify_many(
            item_type=Item.DUPLICATE,
            items=[
                (
                    decision.pk,
                    decision.returnee.case.pk,
                    [
                        pk
                        for pk in deciders[(decision.returnee.region_id, region_of[decision.candidate_id])]
                        if pk != actor.pk
                    ],
                )
                for decision in pending
            ],
        )
    return decisions


@transaction.atomic
def duplicate_decide(*, actor: User, decision: DuplicateDecision, same: bool, reason: str = "") -> DuplicateDecision:
    """A coordinator's, supervisor's or administrator's answer to a probable duplicate the
    registering worker could not see: the same person (to be merged) or different people (with
    a reason). Written on both people's timelines. "The same person" decided by someone who may
    not merge (a coordinator) asks those who may (`duplicate_mergers`) to do it."""
    decision = DuplicateDecision.objects.select_for_update().get(pk=decision.pk)
    if not permissions.duplicate_decisions_visible_to(actor).filter(pk=decision.pk).exists():
        raise PermissionDenied
    if not decision.is_pending:
        raise ValidationError(_("This probable duplicate has been decided already."))
    reason = reason.strip()
    if not same and not reason:
        raise ValidationError({"reason": _("Say why these are different people.")})
    old = decision.status
    decision.status = DuplicateDecision.Status.SAME if same else DuplicateDecision.Status.DIFFERENT
    decision.decided_by = actor
    decision.decided_at = timezone.now()
    decision.decision_reason = reason
    decision.full_clean()
    decision.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    changes = {"status": [old, decision.status]}
    if reason:
        changes["decision_reason"] = [None, reason]
    returnee, candidate = decision.returnee, decision.candidate
    for case in {returnee.case, candidate.case}:
        case_event_write(
            case=case, kind=CaseEvent.Kind.DUPLICATE_DECIDED, actor=actor, changes=changes, subject=decision
        )
    if same and not permissions.can_merge_both(actor, decision):
        mergers = permissions.duplicate_mergers(returnee, candidate).values_list("pk", flat=True)
        notify(
            item_type=Item.DUPLICATE,
            item_id=decision.pk,
            case_id=returnee.case.pk,
            recipients=[pk for pk in mergers if pk != actor.pk],
        )
    return decision
