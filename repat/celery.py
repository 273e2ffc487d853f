"""The Celery app. Settings come from Django's under the CELERY_ namespace; tasks are autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repat.settings.dev")

app = Celery("repat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
