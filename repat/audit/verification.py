"""Checking the audit trail: every row's hash recomputed from the first, and the chain held against
the points it must pass through (its head in the database). Reads only."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import GENESIS, AuditEvent, AuditHead


@dataclass(frozen=True)
class Checkpoint:
    """A point the chain must pass through: `rows` rows long at row `last_id`, whose hash is `last_hash`."""

    rows: int
    last_id: int | None
    last_hash: str

    def shorter(self, rows: int) -> str:
        return _(
            "the chain ends after %(rows)s rows, but its head in the database records %(expected)s rows up to "
            "row %(last_id)s: rows were removed"
        ) % {"rows": rows, "expected": self.rows, "last_id": self.last_id}

    def missing(self) -> str:
        return _("row %(row)s, the newest in the head in the database, was removed") % {"row": self.last_id}

    def differs(self, row: int) -> str:
        return _("row %(row)s does not match the head in the database") % {"row": row}


@dataclass
class Verification:
    checked: int
    broken_at: int | None = None  # the first row that does not match; -1: the chain against its head
    reason: str = ""  # empty when the trail is intact

    @property
    def intact(self) -> bool:
        return not self.reason


def _database_head() -> Checkpoint | None:
    head = AuditHead.objects.filter(pk=1).values_list("rows", "last_id", "hash").first()
    return Checkpoint(*head) if head is not None and head[0] else None


def verify(*, batch: int = 5000) -> Verification:
    """Recompute every hash from the first row: any altered, inserted or removed row shows, and so
    does a chain that stops short of its head (emptied, or its newest rows cut off).

    The head is read before the rows: rows written meanwhile only lengthen the chain past it."""
    head = _database_head()
    pending = [head] if head is not None else []
    previous, checked = GENESIS, 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch):
        if pending and pending[0].last_id < event.pk:
            return Verification(checked, -1, pending[0].missing())
        if event.prev_hash != previous:
            return Verification(checked, event.pk, _("a row before this one was removed or altered"))
        if event.compute_hash() != event.hash:
            return Verification(checked, event.pk, _("this row was altered"))
        previous, checked = event.hash, checked + 1
        if pending and pending[0].last_id == event.pk:
            if (checked, event.hash) != (pending[0].rows, pending[0].last_hash):
                return Verification(checked - 1, -1, pending[0].differs(event.pk))
            pending.pop(0)
    if pending:
        return Verification(checked, -1, pending[0].shorter(checked))
    if checked and head is None:
        return Verification(checked, -1, _("the chain's head is missing from the database"))
    return Verification(checked)
