"""Thin Celery tasks of the cases app."""

from celery import shared_task

from . import actions


@shared_task
def retention() -> int:
    """Periodic (beat, daily): list cases past the retention period, anonymise those listed long enough."""
    return len(actions.retention_run().anonymised)
