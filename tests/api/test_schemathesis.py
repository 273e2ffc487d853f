"""Schemathesis, a tool we did not write, against a live server: it reads the API's own OpenAPI
schema and sends what the schema allows (and what it does not), with a token of each role, over a
world of two regions (tests/security/world.py). It must find no server error and no response that
breaks the schema (status code, content type, body). A bounded number of examples per operation
keeps the run to a few minutes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from repat.api.models import ApiToken
from tests.accounts.helpers import authenticator
from tests.security.world import build_world

from .conftest import issue

ROLES = ("worker", "coordinator", "supervisor", "administrator", "provider_user")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES = os.environ.get("REPAT_SCHEMATHESIS_EXAMPLES", "5")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, settings, tmp_path):
    # given: a world, and a write token for each role (the fuzzer may write: the database is the test's)
    settings.REPAT_API_RATE = "1000000/minute"
    world = build_world()
    failures = {}
    for role in ROLES:
        user = world.user(role)
        authenticator(user)
        key = issue(user, ApiToken.Scope.WRITE)

        # when
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{live_server.url}/api/schema/",
                "--header",
                f"Authorization: Bearer {key}",
                "--checks",
                CHECKS,
                "--max-examples",
                EXAMPLES,
                # Fuzzing only: the coverage phase takes minutes per role, and in 4.32.5 it trips over a
                # CPython AST bug in Hypothesis's lambda descriptions (an error of the tool, not of the API).
                "--phases",
                "examples,fuzzing",
                "--workers",
                "1",
                "--seed",
                "19",
                "--generation-database",
                "none",
                "--no-shrink",
                "--request-timeout",
                "30",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
            check=False,
        )
        if run.returncode != 0:
            failures[role] = run.stdout[-6000:] + run.stderr[-2000:]

    # then
    assert failures == {}, "\n\n".join(f"--- {role}\n{output}" for role, output in failures.items())
