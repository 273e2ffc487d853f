"""Production: every secret must come from the environment; no defaults, no demo data."""

import os

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .base import *  # noqa: F403
from .base import REPAT_AUDIT_DEV_KEY, STORAGES, env_bool


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()]
REPAT_ALLOW_DEMO_DATA = False
REPAT_FIELD_ENCRYPTION_KEYS = [key.strip() for key in required("REPAT_FIELD_ENCRYPTION_KEYS").split(",") if key.strip()]
REPAT_AUDIT_KEYS = [key.strip() for key in required("REPAT_AUDIT_KEYS").split(",") if key.strip()]
if REPAT_AUDIT_DEV_KEY.partition(":")[2] in {key.partition(":")[2] for key in REPAT_AUDIT_KEYS}:
    raise ImproperlyConfigured("REPAT_AUDIT_KEYS holds the public development key: set a secret one in production.")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# Browsers accept "__Host-" cookies only when Secure, host-only and for the whole site, so another
# subdomain cannot plant or overwrite them (session fixation from a sibling host).
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# The private storage (a folder, or a bucket with REPAT_S3_BUCKET) stays as base.py chose it.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
# The DejaVu fonts under static/fonts are for PDF reports (read from static/, never sent to a
# browser), and source maps (the API docs' bundles, ~7 MB) are fetched only by a developer's open
# devtools: compressing them would add seconds to every collectstatic for nothing (the maps alone were
# half of its time: ~20 s of CPU, paid again by every CI run).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "ttf", "map"]
# Pages name static files by their hashed names only ({% static %} and the manifest); the copies
# under the original names would be served to no one, yet each was compressed twice like its
# hashed twin: half of collectstatic's CPU time and of STATIC_ROOT's size.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
