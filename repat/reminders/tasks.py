"""Thin Celery tasks: they take ids, re-check state in the database and call actions. With
acks_late a task whose worker dies is run again; the actions make a second run harmless."""

from smtplib import SMTPException

from celery import shared_task

from . import actions


@shared_task
def sweep() -> int:
    """Periodic (beat): record due, overdue and escalated reminders, then send waiting e-mails."""
    result = actions.sweep()
    relay.delay()
    return result.created if result.ran else 0


@shared_task
def relay() -> int:
    """Periodic (beat) and after events: queue one delivery per person with e-mail waiting."""
    people = actions.recipients_waiting()
    for user_id in people:
        deliver.delay(user_id)
    return len(people)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def deliver(user_id: int) -> int:
    return actions.deliver(user_id=user_id)
