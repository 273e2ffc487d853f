"""Checking the audit trail. Every row's seal is recomputed from the first row (or from the newest
published head, for the daily check before publishing the next), and the chain is held against
the points it must pass through: its head in the database, and every head published outside it.
Reads only."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from repat.core.restore import Options, Outcome

from . import anchors
from .anchors import Problem, PublishedHead
from .keys import UnknownKey
from .models import GENESIS, AuditEvent, AuditHead


@dataclass(frozen=True)
class Checkpoint:
    """A point the chain must pass through: `rows` rows long at row `last_id`, whose seal is
    `last_hash`. Either the head in the database or a published head (`published`)."""

    rows: int
    last_id: int
    last_hash: str
    published: PublishedHead | None = None

    def shorter(self, rows: int) -> Problem:
        params = {"rows": rows, "expected": self.rows, "last_id": self.last_id}
        if self.published is None:
            message = _(
                "the chain ends after %(rows)s rows, but its head in the database records %(expected)s rows up to "
                "row %(last_id)s: rows were removed"
            )
        else:
            params["when"] = self.published.when
            message = _(
                "the chain ends after %(rows)s rows, but the head published on %(when)s records %(expected)s rows "
                "up to row %(last_id)s: rows were removed"
            )
        return Problem(message, params)

    def missing(self) -> Problem:
        if self.published is None:
            return Problem(_("row %(row)s, the newest in the head in the database, was removed"), {"row": self.last_id})
        return Problem(
            _("row %(row)s, the newest in the head published on %(when)s, was removed"),
            {"row": self.last_id, "when": self.published.when},
        )

    def differs(self, row: int) -> Problem:
        if self.published is None:
            return Problem(_("row %(row)s does not match the head in the database"), {"row": row})
        return Problem(
            _("row %(row)s does not match the head published on %(when)s: rows up to it were changed"),
            {"row": row, "when": self.published.when},
        )


@dataclass
class Verification:
    checked: int  # rows whose seal was recomputed
    broken_at: int | None = None  # the first row that does not match; -1: the chain against a head
    problem: Problem | None = None
    rows: int = 0  # the chain's length where the check stopped
    last_id: int | None = None
    last_hash: str = GENESIS
    unkeyed: int = 0  # rows from before the keys, checked with plain SHA-256
    keyed: Counter = field(default_factory=Counter)  # rows sealed, per key id
    published: list[PublishedHead] = field(default_factory=list)  # published heads held against
    head_rows: int | None = None  # the length the head in the database records

    @property
    def intact(self) -> bool:
        return self.problem is None

    @property
    def reason(self) -> str:
        return str(self.problem) if self.problem else ""

    @property
    def broken(self) -> str:
        """ "Audit trail broken at row 57: …", for the commands (which run untranslated) and logs."""
        where = f" at row {self.broken_at}" if self.broken_at and self.broken_at > 0 else ""
        return f"Audit trail broken{where}: {self.reason}"

    def failed(self, row: int | None, problem: Problem) -> "Verification":
        self.broken_at, self.problem = row, problem
        return self


def _database_head() -> Checkpoint | None:
    head = AuditHead.objects.filter(pk=1).values_list("rows", "last_id", "hash").first()
    return Checkpoint(*head) if head is not None and head[0] else None


def verify(*, batch: int = 5000, head_dirs: Iterable[Path] = (), since_newest_head: bool = False) -> Verification:
    """Recompute every seal from the first row: any altered, inserted or removed row shows, and so
    does a chain that stops short of a head (emptied, or its newest rows cut off) or does not pass
    through it (rows before it changed and sealed again). Published heads are read from
    the head storage (REPAT_AUDIT_HEAD_DIR or the bucket) and `head_dirs`; one that cannot be trusted
    fails the check.

    Rows without a key are the ones written before keys existed: they must come first, and a
    published head must cover them (the upgrade publishes one), or anyone could pass off a
    rewritten row as an old one.

    `since_newest_head`: start at the newest published head instead of the first row (rows up to
    it were checked when it was published).

    The head in the database is read before the rows: rows written meanwhile only lengthen the
    chain past it."""
    published, problems = anchors.read_all(head_dirs, published=True)
    result = Verification(0, published=published)
    if problems:
        return result.failed(-1, problems[0])
    head = _database_head()
    result.head_rows = head.rows if head else None
    pending = sorted(
        [Checkpoint(p.rows, p.last_id, p.last_hash, p) for p in published if p.rows]
        + ([head] if head is not None else []),
        key=lambda point: (point.last_id, point.rows),
    )
    covered = max((point.last_id for point in pending if point.published), default=0)
    rows = AuditEvent.objects.order_by("id")
    keyed_before = False
    newest = [point for point in pending if point.published][-1:]
    if since_newest_head and newest:
        start = newest[0]
        found = AuditEvent.objects.filter(pk=start.last_id).values_list("hash", "key_id").first()
        if found is None:
            return result.failed(-1, start.missing())
        if found[0] != start.last_hash:
            return result.failed(-1, start.differs(start.last_id))
        result.rows, result.last_id, result.last_hash = start.rows, start.last_id, start.last_hash
        keyed_before = bool(found[1])
        pending = [point for point in pending if point.last_id > start.last_id]
        rows = rows.filter(pk__gt=start.last_id)
    return _walk(result, rows.iterator(chunk_size=batch), pending, covered, keyed_before)


def _walk(result: Verification, rows, pending: list[Checkpoint], covered: int, keyed_before: bool) -> Verification:
    for event in rows:
        if pending and pending[0].last_id < event.pk:
            return result.failed(-1, pending[0].missing())
        if event.prev_hash != result.last_hash:
            return result.failed(event.pk, Problem(_("a row before this one was removed or altered"), {}))
        if not event.key_id and keyed_before:
            return result.failed(event.pk, Problem(_("this row has no key, but rows before it are sealed"), {}))
        if not event.key_id and event.pk > covered:
            return result.failed(event.pk, Problem(_("this row has no key, and no published head covers it"), {}))
        try:
            seal = event.compute_hash()
        except UnknownKey:
            return result.failed(
                event.pk,
                Problem(_("this row is sealed with the key “%(key)s”, which is not configured"), {"key": event.key_id}),
            )
        if seal != event.hash:
            if not event.key_id:
                return result.failed(event.pk, Problem(_("this row was altered"), {}))
            return result.failed(
                event.pk,
                Problem(
                    _("this row was altered, or the key “%(key)s” is not the one that sealed it"),
                    {"key": event.key_id},
                ),
            )
        keyed_before = keyed_before or bool(event.key_id)
        if event.key_id:
            result.keyed[event.key_id] += 1
        else:
            result.unkeyed += 1
        result.checked += 1
        result.rows, result.last_id, result.last_hash = result.rows + 1, event.pk, event.hash
        while pending and pending[0].last_id == event.pk:
            if (result.rows, event.hash) != (pending[0].rows, pending[0].last_hash):
                return result.failed(-1, pending[0].differs(event.pk))
            pending.pop(0)
    if pending:
        return result.failed(-1, pending[0].shorter(result.rows))
    if result.rows and result.head_rows is None:
        return result.failed(-1, Problem(_("the chain's head is missing from the database"), {}))
    return result


def restore_check(options: Options) -> Outcome:
    """`manage.py verify_restore`: the whole chain, against its head in the database and every
    published head (REPAT_AUDIT_HEAD_DIR and the folders given). A restore to a point before a
    published head fails here, and should: the rows after the restore point are lost, and the heads
    say how many."""
    result = verify(head_dirs=options.heads)
    if not result.intact:
        return Outcome(False, f"{result.broken} ({result.checked} rows intact before it)")
    newest = AuditEvent.objects.order_by("-id").values_list("at", flat=True).first()
    summary = f"intact, {result.checked} rows checked"
    if newest is not None:
        summary += f", the newest written at {newest:%Y-%m-%d %H:%M:%S %Z}"
    if result.published:
        head = max(result.published, key=lambda head: head.published_at)
        summary += f"; {len(result.published)} published heads held, the newest of {head.when} ({head.rows} rows)"
    else:
        summary += "; no published head held (give the kept copies with --heads)"
    return Outcome(True, summary)
