"""Thin Celery tasks for dashboards and progress reports: they take ids or keys and call actions."""

from celery import shared_task

from . import actions


@shared_task
def refresh_dashboard(key: str) -> bool:
    return actions.dashboard_refresh(key=key) is not None


@shared_task
def refresh_dashboards() -> int:
    """Periodic (beat): keep the dashboards people look at fresh."""
    return actions.dashboards_refresh_recent()


@shared_task(soft_time_limit=actions.REPORT_SOFT_TIME_LIMIT, time_limit=actions.REPORT_TIME_LIMIT)
def generate_report(report_id: int) -> bool:
    return actions.report_generate(report_id=report_id) is not None


@shared_task
def requeue_reports() -> int:
    """Periodic (beat): queue again the progress reports stuck in "queued" or "running"."""
    return actions.reports_requeue()
