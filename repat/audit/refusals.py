"""Refused object requests: someone signed in asked for an object (a URL with its id) and got a 404
or a 403. Each refusal is one audit row naming the route and the id, never what the page would have
shown; when one person is refused on many different objects in a short time (stepping through ids),
the administrators are alerted, once per burst.

Pages that answer normally cost nothing here: the middleware looks at the status code only."""

import datetime

from django.conf import settings

from .actions import record
from .models import AuditEvent

REFUSED = (403, 404)
BIGINT = (-(2**63), 2**63 - 1)


class RefusalAuditMiddleware:
    """After the view: a 403 or 404 on a URL with an object id, for a signed-in user, is audited."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in REFUSED:
            refusal_record(request=request, status=response.status_code)
        return response


def refused_object(request) -> tuple[str, int] | None:
    """(route name, id) when the request was for one object of the site's own pages."""
    match = getattr(request, "resolver_match", None)
    pk = match.kwargs.get("pk") if match is not None else None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return match.view_name, pk


def refusal_record(*, request, status: int) -> AuditEvent | None:
    user = getattr(request, "user", None)
    found = refused_object(request)
    if found is None or user is None or not user.is_authenticated:
        return None
    route, pk = found
    # An id no row can have (beyond a 64-bit integer) is kept as text, in the detail.
    fits = BIGINT[0] <= pk <= BIGINT[1]
    event = record(
        actor=user,
        action=AuditEvent.Action.REFUSED,
        object_type=route[:40],
        object_id=pk if fits else None,
        detail=str(status) if fits else f"{status} {pk}"[:100],
    )
    refusals_watch(user=user, now=event.at)
    return event


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.REPAT_REFUSAL_ALERT_WINDOW_MINUTES)


def refused_objects(*, user, since: datetime.datetime) -> int:
    """How many different objects (route and id) the user was refused since then (audit_watch_idx)."""
    refusals = AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.REFUSED, at__gte=since)
    return refusals.order_by().values("object_type", "object_id").distinct().count()


def refusals_watch(*, user, now: datetime.datetime) -> AuditEvent | None:
    """Alert the administrators when the user reaches the threshold of different objects refused
    within the window. One alert per burst: the count reaches the threshold once on its way up, and
    a burst already alerted goes on until the person has had a whole window without a refusal."""
    threshold = settings.REPAT_REFUSAL_ALERT_THRESHOLD
    if refused_objects(user=user, since=now - _window()) != threshold:
        return None
    if _burst_already_alerted(user, now):
        return None
    return refusals_alert(user=user, count=threshold)


def _burst_already_alerted(user, now: datetime.datetime) -> bool:
    alerted = (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.ALERT, object_type="user", object_id=user.pk, detail=ALERT_REFUSALS
        )
        .order_by("-id")
        .values_list("at", flat=True)
        .first()
    )
    if alerted is None:
        return False
    # Runs only when the threshold is reached, which is rare: the refusals since that alert are few.
    times = AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.REFUSED, at__gte=alerted)
    previous = alerted
    for at in times.order_by("at").values_list("at", flat=True):
        if at - previous >= _window():
            return False  # a quiet window since: this is a new burst
        previous = at
    return True


ALERT_REFUSALS = "refusals"


def refusals_alert(*, user, count: int) -> AuditEvent:
    """Tell every active administrator, in the app and by e-mail at once (repat.reminders)."""
    from repat.accounts.models import User
    from repat.core.notifications import Item, notify

    alert = record(
        actor=user,
        action=AuditEvent.Action.ALERT,
        obj=user,
        detail=ALERT_REFUSALS,
        changes={"objects": [None, count], "minutes": [None, settings.REPAT_REFUSAL_ALERT_WINDOW_MINUTES]},
    )
    administrators = User.objects.filter(User.administrators(), is_active=True)
    notify(
        item_type=Item.REFUSALS,
        item_id=alert.pk,
        case_id=None,
        recipients=administrators.values_list("pk", flat=True),
    )
    return alert
