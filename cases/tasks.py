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


# A 10,000-row manifest reads in about a minute and registers in a few (docs/benchmarks.md).
@shared_task(soft_time_limit=15 * 60, time_limit=16 * 60)
def preview_manifest(manifest_id: int) -> bool:
    return actions.manifest_preview(manifest_id=manifest_id) is not None


@shared_task(soft_time_limit=30 * 60, time_limit=31 * 60)
def commit_manifest(manifest_id: int) -> bool:
    return actions.manifest_commit(manifest_id=manifest_id) is not None
