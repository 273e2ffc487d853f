"""Each returnee's case and what the worker records on it: the case row, the "registered" and
"opened" events, visit notes, and the civil-status documents (requested, issued or refused)."""

import json

from cases.models import CaseEvent, IdentityDocument, Note
from repat.devtools.scale.base import SeederBase
from repat.devtools.scale.names import DOCUMENT_BODIES, NOTES, REFUSALS
from repat.devtools.scale.randomness import Weighted

NOTE_KINDS_CHILD = Weighted(
    [("home_visit", 42), ("phone_call", 28), ("office_visit", 10), ("school_visit", 15), ("other", 5)]
)
NOTE_KINDS_ADULT = Weighted([("home_visit", 45), ("phone_call", 33), ("office_visit", 16), ("other", 6)])


class CaseRows(SeederBase):
    """The rows of each planned person's case, its events, notes and documents."""

    CASE_FIELDS = (
        "id",
        "returnee",
        "worker",
        "status",
        "closure_reason",
        "risk_level",
        "risk_reason",
        "opened_on",
        "closed_on",
        "next_follow_up",
        "updated_at",
    )

    def case_rows(self, families):
        day = self.day
        for f in families:
            opened = day(f.arrival)
            for p in f.people:
                yield (
                    p.id,
                    p.id,
                    f.worker.id,
                    p.status,
                    p.closure_reason,
                    p.risk,
                    p.risk_reason,
                    opened,
                    day(p.closed) if p.closed else None,
                    day(p.follow_up) if p.follow_up else None,
                    self.moment(p.end),
                )

    EVENT_FIELDS = ("id", "case", "kind", "actor", "created_at", "changes", "subject", "item")

    def event_rows(self, families):
        """What `returnee_register` writes: "registered", then "opened" with the worker and risk."""
        for f in families:
            worker = json.dumps(f.worker.full_name, ensure_ascii=False)
            for p in f.people:
                at = self.moment(f.arrival)
                changes = f'{{"worker": [null, {worker}], "risk_level": [null, "{p.risk}"]}}'
                yield (self.next_id(CaseEvent), p.id, "registered", f.worker.id, at, "{}", "", "")
                yield (self.next_id(CaseEvent), p.id, "opened", f.worker.id, at, changes, "", "")

    NOTE_COUNT = Weighted([(0, 15), (1, 40), (2, 30), (3, 10), (4, 5)])
    NOTE_FIELDS = ("id", "case", "author", "contact_date", "kind", "summary", "follow_up_needed", "created_at")

    def note_rows(self, families):
        rng = self.rng
        for f in families:
            for p in f.people:
                kinds = NOTE_KINDS_ADULT if p.adult else NOTE_KINDS_CHILD
                for day in sorted(self.between(f.arrival + 1, p.end) for _ in range(self.NOTE_COUNT(rng))):
                    kind = kinds(rng)
                    yield (
                        self.next_id(Note),
                        p.id,
                        f.worker.id,
                        self.day(day),
                        kind,
                        rng.choice(NOTES[kind]),
                        rng.random() < 0.2,
                        self.moment(day),
                    )

    DOCUMENT_COUNT = Weighted([(0, 25), (1, 55), (2, 20)])
    DOCUMENT_CHILD = Weighted(
        [
            ("birth_certificate", 50),
            ("citizenship_confirmation", 25),
            ("residence_registration", 15),
            ("guardianship_order", 6),
            ("court_decision", 4),
        ]
    )
    DOCUMENT_ADULT = Weighted(
        [("national_id", 40), ("passport", 20), ("citizenship_confirmation", 20), ("residence_registration", 20)]
    )
    DOCUMENT_STATUS = Weighted(
        [("issued", 55), ("in_progress", 15), ("requested", 15), ("missing", 10), ("refused", 5)]
    )
    DOCUMENT_FIELDS = (
        "id",
        "returnee",
        "kind",
        "status",
        "refusal_reason",
        "number",
        "issuing_body",
        "requested_on",
        "issued_on",
        "expires_on",
        "responsible_organisation",
        "due_date",
        "notes",
        "updated_at",
    )

    def document_rows(self, families):
        rng, day = self.rng, self.day
        for f in families:
            for p in f.people:
                kinds = set()
                for _ in range(self.DOCUMENT_COUNT(rng)):
                    kind = (self.DOCUMENT_ADULT if p.adult else self.DOCUMENT_CHILD)(rng)
                    if kind in kinds:
                        continue
                    kinds.add(kind)
                    status = self.DOCUMENT_STATUS(rng)
                    if p.status == "closed" and status != "refused":
                        status = "issued"
                    requested = issued = expires = due = None
                    number, body, reason = "", "", ""
                    if status != "missing":
                        requested = min(self.between(f.arrival + 3, f.arrival + 150), p.end)
                    if status == "issued":
                        issued = self.between(min(requested + 20, p.end), min(requested + 200, p.end))
                        number = self.document_number(kind)
                        body = DOCUMENT_BODIES.get(kind, "").format(n=rng.randint(1, 30))
                        if kind in ("national_id", "passport"):
                            expires = day(issued + 3652)
                    elif status == "refused":
                        reason = rng.choice(REFUSALS)
                    else:
                        due = self.today_ord + rng.randint(-40, 60)
                    yield (
                        self.next_id(IdentityDocument),
                        p.id,
                        kind,
                        status,
                        reason,
                        number,
                        body,
                        day(requested) if requested else None,
                        day(issued) if issued else None,
                        expires,
                        "Юридическая клиника «Адилет»"
                        if kind in ("court_decision", "citizenship_confirmation")
                        else "",
                        day(due) if due else None,
                        "",
                        self.moment(issued or requested or f.arrival),
                    )

    def document_number(self, kind: str) -> str:
        rng = self.rng
        if kind == "national_id":
            return f"ID{rng.randint(1000000, 9999999)}"
        if kind == "passport":
            return f"AC{rng.randint(1000000, 9999999)}"
        if kind == "birth_certificate":
            return f"I-КР №{rng.randint(100000, 999999)}"
        return f"№{rng.randint(100, 9999)}-{rng.randint(2019, 2026)}"
