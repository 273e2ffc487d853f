"""Local development: `make run`. Debug on, console e-mail, a fixed non-secret key."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-insecure-key-never-used-in-production"
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
REPAT_ALLOW_DEMO_DATA = True
# Plain log lines on a developer's terminal, unless asked for JSON.
if os.environ.get("REPAT_LOG_FORMAT", "plain") != "json":
    LOGGING["handlers"]["console"]["formatter"] = "plain"

# runserver serves static files from the apps' folders; nothing is collected in development.
STATIC_ROOT = None
