"""What a process loads before its first response. Every `manage.py` command, web worker and Celery
worker sets Django up and loads the URLs (the system checks do, and so does the first request); a
heavy library that only some requests need is imported where it is used, not with the URLs."""

import subprocess
import sys

from django.conf import settings

# Loads what a web worker has loaded once it has answered a request: the settings, the apps, every
# URL pattern with the views behind it, and the system checks that run before a command.
LOAD_EVERYTHING = """
import sys
import django
django.setup()
from django.core import checks
from django.urls import get_resolver

def patterns(resolver):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            patterns(pattern)

patterns(get_resolver())
checks.run_checks()
print(" ".join(sorted(name for name in ("weasyprint", "pydyf", "tinycss2") if name in sys.modules)))
"""


def test_loading_the_urls_does_not_load_weasyprint():
    """WeasyPrint and the Pango libraries it opens took 0.4 s of CPU at every process's start (a
    quarter of `manage.py check`: 1.5 s, 1.1 s without), for the few requests that make a PDF."""
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_EVERYTHING],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert loaded.stdout.strip() == ""
