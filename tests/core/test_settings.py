"""Production settings are checked in a fresh process, as a deployment would load them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="repat.settings.prod", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "x7!" + "k" * 60 + "-test-only-production-like-key",
    "DJANGO_ALLOWED_HOSTS": "repat.example.org",
    # A Fernet key made for this test only (prod.py has no default for it).
    "REPAT_FIELD_ENCRYPTION_KEYS": "3q2Ah3Ck3YyGB6UbNhY2Q4Cj3ySgk2bJZl5lB8kR0Tg=",
    "REPAT_AUDIT_KEYS": "prod-test:a-secret-made-for-this-test-only-0123456789",
}


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REPAT_FIELD_ENCRYPTION_KEYS", "REPAT_AUDIT_KEYS"]
)
def test_production_has_no_default_for_secrets(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set in production." in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        "dev:repat-public-development-audit-key-never-for-production",
        "mine:repat-public-development-audit-key-never-for-production",  # the public secret, renamed
        "new:a-secret-made-for-this-test-only-0123456789,dev:repat-public-development-audit-key-never-for-production",
    ],
)
def test_production_refuses_the_public_audit_key(keys):
    result = manage("check", **{**PRODUCTION, "REPAT_AUDIT_KEYS": keys})

    assert result.returncode != 0
    assert "REPAT_AUDIT_KEYS holds the public development key: set a secret one in production." in result.stderr


def test_production_refuses_a_malformed_audit_key():
    result = manage("check", **{**PRODUCTION, "REPAT_AUDIT_KEYS": "prod:short"})

    assert result.returncode != 0
    assert 'REPAT_AUDIT_KEYS: the secret of key "prod" is shorter than 32 characters.' in result.stderr
    assert "short" not in result.stderr.replace("shorter", "")


def test_demo_data_cannot_be_created_in_production():
    result = manage("seed_demo", **PRODUCTION)
    assert result.returncode != 0
    assert "Demo data cannot be created" in result.stderr
