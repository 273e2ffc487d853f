"""Thin Celery tasks of the cases app."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import actions
from .actions import manifest

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


@shared_task(soft_time_limit=manifest.PREVIEW_SOFT_TIME_LIMIT, time_limit=manifest.PREVIEW_TIME_LIMIT)
def preview_manifest(manifest_id: int) -> bool:
    return actions.manifest_preview(manifest_id=manifest_id) is not None


@shared_task(soft_time_limit=manifest.COMMIT_SOFT_TIME_LIMIT, time_limit=manifest.COMMIT_TIME_LIMIT)
def commit_manifest(manifest_id: int) -> bool:
    return actions.manifest_commit(manifest_id=manifest_id) is not None


@shared_task
def requeue_manifests() -> int:
    """Periodic (beat): queue again the manifest imports whose task's message was lost."""
    return actions.manifests_requeue()
