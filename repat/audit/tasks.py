"""Thin Celery tasks of the audit app."""

from smtplib import SMTPException

from celery import shared_task

from . import actions


@shared_task(
    # Checking the rows written since the last head may take a while on a large trail.
    soft_time_limit=30 * 60,
    time_limit=32 * 60,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def publish_head() -> str:
    """Periodic (beat, daily): check the rows written since the last published head, publish the
    trail's signed head outside the database and e-mail it. A retry after a failed e-mail publishes
    a newer head; every published head stays valid."""
    publication = actions.head_publish()
    return publication.head.name if publication.head else ""
