"""The case timeline: one event row per change, written in the change's transaction, and the
{field: [old, new]} changes it records."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from repat.accounts.models import User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent

from ..models import Case, CaseEvent, LegalRecord, Note


def _raw(value: Any) -> Any:
    """A JSON-safe form of a field value for the event log (names for related rows)."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _apply(instance: models.Model, data: dict[str, Any], fields: Iterable[str]) -> dict[str, list]:
    """Set the given fields on an instance and return {field: [old, new]} for those that changed."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(instance, field), data[field]
        if old != new:
            changes[field] = [_raw(old), _raw(new)]
            setattr(instance, field, new)
    return changes


def _created(instance: models.Model, fields: Iterable[str]) -> dict[str, list]:
    """{field: [None, value]} for the non-empty fields of a new row, for its timeline event."""
    return {f: [None, _raw(getattr(instance, f))] for f in fields if getattr(instance, f) not in (None, "", [])}


def case_event_write(
    *,
    case: Case,
    kind: str,
    actor: User,
    changes: dict | None = None,
    note: Note | None = None,
    subject: models.Model | None = None,
) -> CaseEvent:
    """Record a change on the case's timeline and in the audit trail, in the caller's transaction."""
    event = CaseEvent(case=case, kind=kind, actor=actor, changes=changes or {}, note=note)
    if subject is not None:
        event.subject = subject._meta.model_name
        event.subject_id = subject.pk
        event.item = str(getattr(subject, CaseEvent.SUBJECT_ITEM_FIELD.get(event.subject, "pk"), ""))[:300]
    event.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=subject or case,
        case_id=case.pk,
        detail=kind,
        changes=audit.masked(event.changes, LegalRecord.FIELDS),
    )
    return event


def case_events_write(*, actor: User, events: list[CaseEvent]) -> list[CaseEvent]:
    """`case_event_write` for many events of `actor` at once (a bulk write such as a manifest import):
    the event rows in one insert per thousand, their audit rows in one batch (`audit.record_many`)."""
    CaseEvent.objects.bulk_create(events, batch_size=1_000)
    audit.record_many(
        actor=actor,
        entries=(
            {
                "action": AuditEvent.Action.CHANGE,
                "obj": event.case,
                "case_id": event.case.pk,
                "detail": event.kind,
                "changes": audit.masked(event.changes, LegalRecord.FIELDS),
            }
            for event in events
        ),
    )
    return events
