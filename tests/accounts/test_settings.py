"""Security settings as a deployment loads them: limits from the environment, secure cookies in
production. Each check runs in a fresh process, as manage.py would."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "x7!" + "k" * 60 + "-test-only-production-like-key",
    "DJANGO_ALLOWED_HOSTS": "repat.example.org",
    "REPAT_FIELD_ENCRYPTION_KEYS": "3q2Ah3Ck3YyGB6UbNhY2Q4Cj3ySgk2bJZl5lB8kR0Tg=",
    "REPAT_AUDIT_KEYS": "prod-test:a-secret-made-for-this-test-only-0123456789",
}
NAMES = [
    "AXES_FAILURE_LIMIT",
    "AXES_LOCKOUT_PARAMETERS",
    "REPAT_SESSION_IDLE_MINUTES",
    "REPAT_SESSION_MAX_HOURS",
    "SESSION_COOKIE_AGE",
    "REPAT_REAUTH_MINUTES",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_NAME",
    "SECURE_HSTS_SECONDS",
    "X_FRAME_OPTIONS",
]
SCRIPT = (
    "from django.conf import settings; import json; "
    f"values = {{name: getattr(settings, name) for name in {NAMES!r}}}; "
    "values['AXES_COOLOFF_MINUTES'] = settings.AXES_COOLOFF_TIME.total_seconds() / 60; "
    "print(json.dumps(values))"
)


def settings_of(module: str, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REPAT_"))}
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults():
    values = settings_of("repat.settings.dev")
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_COOLOFF_MINUTES"] == 30
    assert values["AXES_LOCKOUT_PARAMETERS"] == ["username", "ip_address"]
    assert values["REPAT_SESSION_IDLE_MINUTES"] == 30
    assert values["REPAT_SESSION_MAX_HOURS"] == 12
    assert values["SESSION_COOKIE_AGE"] == 12 * 3600
    assert values["REPAT_REAUTH_MINUTES"] == 10


def test_limits_come_from_the_environment():
    values = settings_of(
        "repat.settings.dev",
        REPAT_LOCKOUT_FAILURES="8",
        REPAT_LOCKOUT_MINUTES="15",
        REPAT_SESSION_IDLE_MINUTES="20",
        REPAT_SESSION_MAX_HOURS="9",
        REPAT_REAUTH_MINUTES="5",
    )
    assert (values["AXES_FAILURE_LIMIT"], values["AXES_COOLOFF_MINUTES"]) == (8, 15)
    assert (values["REPAT_SESSION_IDLE_MINUTES"], values["REPAT_SESSION_MAX_HOURS"]) == (20, 9)
    assert values["SESSION_COOKIE_AGE"] == 9 * 3600
    assert values["REPAT_REAUTH_MINUTES"] == 5


def test_production_cookies_are_secure_host_only_and_out_of_reach_of_scripts():
    values = settings_of("repat.settings.prod", **PRODUCTION)
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert (values["SESSION_COOKIE_NAME"], values["CSRF_COOKIE_NAME"]) == ("__Host-sessionid", "__Host-csrftoken")
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["X_FRAME_OPTIONS"] == "DENY"
