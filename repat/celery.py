"""The Celery app. Settings come from Django's under the CELERY_ namespace; tasks are autodiscovered."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repat.settings.dev")

app = Celery("repat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_django_logging(**kwargs):
    """Workers and beat log as the web does (Django's LOGGING: JSON lines with request and task ids,
    errors to ADMINS without personal data), instead of Celery's own set-up."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def _carry_request_ids():
    # A task queued during a request (or by another task) carries the request id in its headers; the
    # worker logs the task's lines under it (repat/core/logs.py).
    from repat.core import logs

    signals.before_task_publish.connect(logs.on_task_publish, dispatch_uid="repat-request-id-publish", weak=False)
    signals.task_prerun.connect(logs.on_task_prerun, dispatch_uid="repat-request-id-prerun", weak=False)
    signals.task_postrun.connect(logs.on_task_postrun, dispatch_uid="repat-request-id-postrun", weak=False)


_carry_request_ids()
