"""Writing the audit trail and publishing its head. `record` joins the caller's transaction: if the
action rolls back, so does its audit row; if the audit row cannot be written, the action fails."""

import itertools
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from repat.accounts.models import User
from repat.core.clients import client_ip

from . import anchors
from .context import current_request
from .keys import sealing_key
from .models import GENESIS, AuditEvent, AuditHead
from .verification import Verification, verify

__all__ = ["GENESIS", "Verification", "head_publish", "masked", "record", "record_many", "record_view", "verify"]
log = logging.getLogger(__name__)
# Values of these fields never enter the trail: it records that they changed, not what they say.
RESTRICTED_MARK = "[restricted]"


def record(**fields) -> AuditEvent:
    """Append one row to the trail, chained to the newest one. `fields`: as `_event` takes them
    (`actor` and `action`; `obj`, or `object_type` and `object_id`; `case_id`, `detail`, `changes`,
    `request`, `actor_name`)."""
    event = _event(**fields)
    if connection.vendor == "postgresql" and _append_in_one_statement(event):
        return event
    return _append(event)


def record_many(*, actor, entries: Iterable[dict], request=None) -> list[AuditEvent]:
    """Append one row per entry (the keyword arguments of `record` but the actor's: `action`,
    `obj` or `object_type` and `object_id`, `case_id`, `detail`, `changes`), in order, as `record`
    would one by one, but under one lock on the head and in one INSERT per BATCH_SIZE rows: for a
    bulk write such as a manifest import (thousands of rows)."""
    events = [_event(actor=actor, request=request, **entry) for entry in entries]
    if events:
        _append_batch(events)
    return events


def _event(
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
    """The row `record` appends, not yet sealed."""
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
    event.key_id = sealing_key().id
    return event


@transaction.atomic
def _append(event: AuditEvent) -> AuditEvent:
    head = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"hash": GENESIS})[0]
    event.prev_hash = head.hash
    event.hash = event.compute_hash()
    event.save()
    head.hash, head.rows, head.last_id = event.hash, head.rows + 1, event.pk
    head.save(update_fields=["hash", "rows", "last_id"])
    _last_seen.head = event.hash
    return event


BATCH_SIZE = 1_000


@transaction.atomic
def _append_batch(events: list[AuditEvent]) -> None:
    """Seal `events` in order over the head, under its lock, insert them (ids ascend with the
    order: the chain's order), and move the head past them in one UPDATE (migration 0007)."""
    head = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"hash": GENESIS})[0]
    previous = head.hash
    for event in events:
        event.prev_hash = previous
        event.hash = previous = event.compute_hash()
    AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    ids = [event.pk for event in events]
    if None in ids or any(a >= b for a, b in itertools.pairwise(ids)) or ids[0] <= (head.last_id or 0):
        raise DatabaseError("The audit rows of a batch did not get ascending ids: the chain would not hold.")
    head.hash, head.rows, head.last_id = events[-1].hash, head.rows + len(events), ids[-1]
    head.save(update_fields=["hash", "rows", "last_id"])
    _last_seen.head = head.hash


# The seal is an HMAC whose key must never reach the database (not even as a query parameter, which
# its logs and pg_stat_activity could show), so Python seals the row over the previous row's seal
# before the statement runs: it expects the head this thread saw last, and the statement inserts
# only if the head is still that one (a compare-and-set under the head's lock). When this thread
# wrote the newest row (one process writing, or a batch), that is one round trip, as before keys;
# when another writer moved the head meanwhile, the statement answers with the head it found, and
# the row is sealed again over it: two round trips (see `_append_in_one_statement`).
# A try that misses locks nothing unless asked to (`lock`): locking a row gives the transaction an
# id, and its commit would wait for the disk like a write.
APPEND_SQL = """
WITH current AS (SELECT hash FROM {head} WHERE id = 1),
locked AS (SELECT hash FROM {head} WHERE id = 1 AND (hash = %s OR %s) FOR UPDATE),
new AS (
    INSERT INTO {events} ({columns}, prev_hash, hash)
    SELECT {values}, locked.hash, %s FROM locked WHERE locked.hash = %s
    RETURNING id, hash
),
moved AS (
    UPDATE {head} SET hash = new.hash, rows = {head}.rows + 1, last_id = new.id FROM new WHERE {head}.id = 1
)
SELECT COALESCE(locked.hash, current.hash), new.id FROM current LEFT JOIN locked ON TRUE LEFT JOIN new ON TRUE
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
    "key_id",
)
OPTIMISTIC_TRIES = 1
# The head this thread saw last (Django's connections are per thread): the previous seal to expect.
_last_seen = threading.local()


def _append_in_one_statement(event: AuditEvent) -> bool:
    """Append under the head's lock, sealed over the expected head. False when there is no head row
    (migration 0008 makes it; only a test's flush empties the table): `_append` makes it."""
    found = _try_append(event, getattr(_last_seen, "head", GENESIS))
    if found is None:
        return False
    # Another writer moved the head. In autocommit, try once more over the head found, without a
    # lock; then lock the head (until the caller's transaction ends, or in a transaction of our
    # own): if that try still misses, the head is ours now and the next one holds.
    for _attempt in range(0 if connection.in_atomic_block else OPTIMISTIC_TRIES):
        if event.pk is not None:
            return True
        found = _try_append(event, found)
    if event.pk is None:
        with transaction.atomic(savepoint=False):
            found = _try_append(event, found, lock=True)
            if event.pk is None:
                _try_append(event, found, lock=True)
    if event.pk is None:
        raise DatabaseError("The audit row could not join the chain: its head moved under its lock.")
    return True


def _try_append(event: AuditEvent, expected: str, *, lock: bool = False) -> str | None:
    """Seal `event` over `expected` and insert it if the head is still `expected` (then `event.pk` is
    set). Returns the head found, or None if there is none. `lock`: lock the head even on a miss."""
    event.prev_hash = expected
    event.hash = event.compute_hash()
    fields = [AuditEvent._meta.get_field(name) for name in APPENDED_FIELDS]
    sql = APPEND_SQL.format(
        head=connection.ops.quote_name(AuditHead._meta.db_table),
        events=connection.ops.quote_name(AuditEvent._meta.db_table),
        columns=", ".join(connection.ops.quote_name(field.column) for field in fields),
        values=", ".join(["%s"] * len(fields)),
    )
    params = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [expected, lock, *params, event.hash, expected])
        row = cursor.fetchone()
    if row is None:
        return None
    found, pk = row
    if pk is not None:
        event.pk, found = pk, event.hash
        event._state.adding = False
    _last_seen.head = found
    return found


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


# --- Publishing the head outside the database


@dataclass
class Publication:
    verification: Verification
    head: anchors.PublishedHead | None  # None: the trail did not verify, nothing was published


def head_publish(*, now=None) -> Publication:
    """Check the rows written since the newest published head; if the trail holds, publish its head
    (a signed file in the head storage, see anchors.py) and e-mail it to the administrators and to
    REPAT_AUDIT_HEAD_EMAILS. If it does not hold, publish nothing and e-mail them what is broken."""
    result = verify(since_newest_head=True)
    head = None
    if result.intact:
        head = anchors.publish(
            rows=result.rows, last_id=result.last_id, last_hash=result.last_hash, now=now or timezone.now()
        )
        log.info("Audit trail head published: %s rows up to row %s (%s).", head.rows, head.last_id, head.name)
    else:
        log.error("Audit trail broken at row %s; no head published.", result.broken_at)
    _mail_head(result, head)
    return Publication(result, head)


def head_recipients() -> dict[str, str]:
    """E-mail address: language, for the active administrators and REPAT_AUDIT_HEAD_EMAILS."""
    administrators = (
        User.objects.filter(User.administrators(), is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "language")
    )
    recipients = dict.fromkeys(settings.REPAT_AUDIT_HEAD_EMAILS, settings.LANGUAGE_CODE)
    recipients.update({email: language or settings.LANGUAGE_CODE for email, language in administrators})
    return recipients


def _mail_head(result: Verification, head: anchors.PublishedHead | None) -> None:
    """One e-mail per recipient, in their language; a published head goes as an attachment."""
    attachment = anchors.read_text(head.name) if head else None
    for email, language in head_recipients().items():
        with translation.override(language):
            context = {"head": head, "result": result, "site_url": settings.REPAT_SITE_URL}
            if head is not None:
                subject = _("Repat: audit trail head of %(date)s") % {"date": head.when}
                body = render_to_string("audit/head_email.txt", context)
            else:
                subject = _("Repat: the audit trail is broken")
                body = render_to_string("audit/head_broken_email.txt", context)
        message = EmailMessage(subject, body, None, [email])
        if head is not None:
            message.attach(head.name, attachment, "application/json")
        message.send()
