"""The workflow sandbox of workflows/registry.py: a worker runs our workflows without the sandbox importing
anything while a workflow runs (temporalio warns "Module … was imported after initial workflow load")."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

ROOT = Path(__file__).parent.parent
LATE_IMPORT = "imported after initial workflow load"


@pytest.mark.parametrize("mode", ["strict", "served"])
async def test_a_starting_worker_logs_no_late_sandbox_import(
    mode: str, timeskip: WorkflowEnvironment, sqlite_database_url: str, tmp_path: Path, task_queue: str
) -> None:
    """In a fresh process (tests/worker_probe.py): the warnings appear only for the first workflow a
    process runs, so a worker in this test process, after other tests, would prove nothing."""
    address = timeskip.client.service_client.config.target_host
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.worker_probe", address, task_queue, sqlite_database_url, str(tmp_path),
        mode, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()[-3000:]
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    assert result["markers"] >= 1  # the workflow ran its first calendar check in the sandbox
    late = [message for message in result["warnings"] if LATE_IMPORT in message]
    assert late == []
