"""Queueing a Celery task from a web request or a command without depending on the broker: the
database keeps the work and beat picks it up, so a broker that is down is worth one warning per
process, not one per row (loading the demo data used to print 240 of them). Commands that write in
bulk (seed_demo) do not try the broker at all."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

_offline: ContextVar[bool] = ContextVar("broker_offline", default=False)
_warned: set[str] = set()


@contextmanager
def offline() -> Iterator[None]:
    """Queue nothing inside this block: beat's schedule finds the work in the database."""
    token = _offline.set(True)
    try:
        yield
    finally:
        _offline.reset(token)


def send(queue: Callable[[], object], message: str, *args) -> None:
    """Call `queue()` (a task's delay or apply_async). If the broker cannot take it, log `message`
    (what happens instead) as a warning the first time in this process, at debug level after that."""
    if _offline.get():
        return
    try:
        queue()
    except Exception:  # noqa: BLE001 - any broker error: the database keeps the work
        level = logging.DEBUG if message in _warned else logging.WARNING
        _warned.add(message)
        log.log(level, message, *args)


def forget_warnings() -> None:
    """Warn again on the next failure (a new run of a command, a test)."""
    _warned.clear()
