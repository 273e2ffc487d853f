"""Thin Celery tasks: they take ids, re-check state in the database and call actions. With
acks_late a task whose worker dies is run again; the actions make a second run harmless."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import actions

log = logging.getLogger(__name__)


# The sweep is the one legitimately long task (every due item of the programme): limits of its own.
# Past the soft limit it stops between statements, each complete, and releases its lease; the next
# sweep carries on where it stopped (the unique key drops what this one made).
@shared_task(soft_time_limit=30 * 60, time_limit=32 * 60)
def sweep() -> int:
    """Periodic (beat): record due, overdue and escalated reminders, then send waiting e-mails."""
    try:
        result = actions.sweep()
    except SoftTimeLimitExceeded:
        log.warning("Reminder sweep stopped at its time limit; the next sweep carries on.")
        result = actions.SweepResult(ran=False)
    relay.delay()
    return result.created if result.ran else 0


@shared_task
def relay() -> int:
    """Periodic (beat) and after events: queue one delivery per person with e-mail waiting."""
    people = actions.recipients_waiting()
    for user_id in people:
        deliver.delay(user_id)
    return len(people)


@shared_task
def deliver(user_id: int) -> int:
    """One person's e-mail. A failed send is retried by the database, not the broker: the action
    sets the reminders' next try (with backoff, within a time budget) and the relay honours it,
    so an outage of the SMTP server or of the broker loses nothing and spends no attempt count."""
    return actions.deliver(user_id=user_id)
