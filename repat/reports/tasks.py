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


@shared_task(bind=True, soft_time_limit=actions.REPORT_SOFT_TIME_LIMIT, time_limit=actions.REPORT_TIME_LIMIT)
def generate_report(self, report_id: int) -> bool:
    # The task's id goes with it: delivered again after its worker died, it takes the report over.
    return actions.report_generate(report_id=report_id, task_id=self.request.id or "") is not None


@shared_task
def requeue_reports() -> int:
    """Periodic (beat): queue again the progress reports stuck in "queued" or "running"."""
    return actions.reports_requeue()
