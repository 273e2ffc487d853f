"""Leases: named locks with an expiry, so that one periodic job runs at a time (the reminder sweep,
the dashboard refresh, retention). A crashed holder's lease simply expires."""

import datetime
import socket
import uuid

from django.utils import timezone

from .models import Lease


def lease_acquire(name: str, seconds: int) -> str | None:
    """Take the named lease if it is free or expired; return a holder token, or None if taken.
    The conditional UPDATE is atomic: of two callers, one updates the row and the other finds it
    already held (on PostgreSQL the second waits for the first's row lock, then re-checks)."""
    now = timezone.now()
    Lease.objects.get_or_create(name=name, defaults={"held_until": now - datetime.timedelta(seconds=1)})
    holder = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
    taken = Lease.objects.filter(name=name, held_until__lt=now).update(
        held_until=now + datetime.timedelta(seconds=seconds), holder=holder
    )
    return holder if taken == 1 else None


def lease_renew(name: str, holder: str, seconds: int) -> bool:
    """Extend a lease its holder still holds (a long job, the beat's); False if it was lost: it
    expired and another caller took it."""
    now = timezone.now()
    held = Lease.objects.filter(name=name, holder=holder, held_until__gte=now)
    return held.update(held_until=now + datetime.timedelta(seconds=seconds)) == 1


def lease_release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(held_until=timezone.now())
