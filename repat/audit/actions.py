"""Writing and checking the audit trail. `record` joins the caller's transaction: if the action
rolls back, so does its audit row; if the audit row cannot be written, the action fails."""

from collections.abc import Iterable

from django.db import connection, transaction

from .context import current_request
from .models import GENESIS, AuditEvent, AuditHead
from .verification import Verification, verify

__all__ = ["GENESIS", "Verification", "masked", "record", "record_view", "verify"]
# Values of these fields never enter the trail: it records that they changed, not what they say.
RESTRICTED_MARK = "[restricted]"


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: int | None = None,
    case_id: int | None = None,
    detail: str = "",
    changes: dict | None = None,
    request=None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one row to the trail, chained to the newest one."""
    if obj is not None:
        object_type, object_id = obj._meta.model_name, obj.pk
    request = request or current_request.get()
    if actor is None and request is not None and not actor_name:
        actor = getattr(request, "user", None)  # a signal's change: whoever made the request
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else actor_name[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        detail=detail[:100],
        changes=changes or {},
        ip=client_ip(request),
    )
    if connection.vendor == "postgresql" and _append_in_one_statement(event):
        return event
    return _append(event)


@transaction.atomic
def _append(event: AuditEvent) -> AuditEvent:
    head = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"hash": GENESIS})[0]
    event.prev_hash = head.hash
    event.hash = event.compute_hash()
    event.save()
    head.hash, head.rows, head.last_id = event.hash, head.rows + 1, event.pk
    head.save(update_fields=["hash", "rows", "last_id"])
    return event


# One round trip instead of five (lock the head, insert, move the head, and the transaction around
# them): every page showing a case writes a row, and the head stays locked for one statement only.
# PostgreSQL computes the same SHA-256 as `AuditEvent.compute_hash`, over the same canonical JSON,
# whose last key is the previous hash.
APPEND_SQL = """
WITH head AS (SELECT hash FROM {head} WHERE id = 1 FOR UPDATE),
new AS (
    INSERT INTO {events} ({columns}, prev_hash, hash)
    SELECT {values}, head.hash, encode(sha256(convert_to(%s || head.hash || %s, 'UTF8')), 'hex') FROM head
    RETURNING id, prev_hash, hash
)
UPDATE {head} SET hash = new.hash, rows = {head}.rows + 1, last_id = new.id FROM new WHERE {head}.id = 1
RETURNING new.id, new.prev_hash, new.hash
"""
APPENDED_FIELDS = (
    "at",
    "actor",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "detail",
    "changes",
    "ip",
)


def _append_in_one_statement(event: AuditEvent) -> bool:
    """False when there is no head row yet (the first row ever): `_append` makes it."""
    before, after = event.compute_hash_parts()
    fields = [AuditEvent._meta.get_field(name) for name in APPENDED_FIELDS]
    sql = APPEND_SQL.format(
        head=connection.ops.quote_name(AuditHead._meta.db_table),
        events=connection.ops.quote_name(AuditEvent._meta.db_table),
        columns=", ".join(connection.ops.quote_name(field.column) for field in fields),
        values=", ".join(["%s"] * len(fields)),
    )
    params = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, before, after])
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk, event.prev_hash, event.hash = row
    event._state.adding = False
    return True


def record_view(request, obj, *, case_id: int | None) -> None:
    """A page showing a record was opened (GET only: a form posted back is a change, audited as such)."""
    if request.method != "GET":
        return
    match = getattr(request, "resolver_match", None)
    record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=obj,
        case_id=case_id,
        detail=match.view_name if match else "",
        request=request,
    )


def masked(changes: dict, restricted: Iterable[str]) -> dict:
    """Changes with the values of restricted fields replaced by a mark."""
    restricted = set(restricted)
    return {
        name: [RESTRICTED_MARK, RESTRICTED_MARK] if name in restricted else values for name, values in changes.items()
    }
