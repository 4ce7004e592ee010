"""Schemathesis against the OpenAPI schema of a running `ppid dev`: whatever a client sends, no 5xx and no
answer that violates the schema. Runs as a staff member (PPID Sanggau) so the staff endpoints are reached."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import free_port

PPID = str(Path(sys.executable).parent / "ppid")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def running_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    port, temporal_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    env |= {"PPID_PORT": str(port), "PPID_TEMPORAL_PORT": str(temporal_port), "PPID_RATE_LIMIT_INTAKE": "0",
            "PPID_RATE_LIMIT_TRACKING": "0", "PPID_RATE_LIMIT_LOGIN": "0", "PPID_LOG_LEVEL": "WARNING"}  # fmt: skip
    data_dir = tmp_path_factory.mktemp("fuzz") / "var"
    process = subprocess.Popen(
        [PPID, "dev", "--data-dir", str(data_dir)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            assert process.poll() is None, "ppid dev exited"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        login = {"username": "ppid@sanggau.example", "password": "demo-ppid-2026"}
        token = httpx.post(f"{url}/v1/auth/token", data=login).json()["access_token"]
        yield url, {"Authorization": f"Bearer {token}"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_no_server_error_and_answers_match_the_schema(running_api: tuple[str, dict[str, str]]) -> None:
    url, headers = running_api
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    statuses: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)  # fmt: skip
        def exercise(case: Any) -> None:
            response = case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )
            statuses.append(response.status_code)

        try:
            exercise()
        except Exception as exc:  # collect every failing operation, then report them together
            failures.append(f"{operation.label}: {str(exc)[:400]}")
    assert not failures, "\n".join(failures)
    assert len(statuses) >= 5 * len(operations)  # the fuzzing really ran
    assert {200, 401, 404, 422} <= set(statuses)
