"""Thin Celery tasks of the cases app."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import actions

log = logging.getLogger(__name__)


# Legitimately long (a year's closed cases on the first run): limits of its own, inside its lease
# (an hour). Each case is anonymised in its own transaction, so an interrupted run leaves every
# case whole, and the next day's run carries on.
@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def retention() -> int:
    """Periodic (beat, daily): list cases past the retention period, anonymise those listed long enough."""
    try:
        return len(actions.retention_run().anonymised)
    except SoftTimeLimitExceeded:
        log.warning("Retention stopped at its time limit; the next run carries on.")
        return 0
