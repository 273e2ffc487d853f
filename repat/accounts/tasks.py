from celery import shared_task
from django.core import management


@shared_task
def clear_expired_sessions() -> None:
    """Hourly: remove expired sessions so that old session rows do not pile up."""
    management.call_command("clearsessions")
