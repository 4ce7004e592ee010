"""The workflow sandbox of workflows/registry.py: a worker runs our workflows without the sandbox importing
anything while a workflow runs (temporalio warns "Module … was imported after initial workflow load")."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec
from temporalio.testing import WorkflowEnvironment

from workflows.registry import CodecFreeSandboxedRunner, workflow_runner

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


class _Codec(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def test_the_sandbox_refuses_a_converter_whose_codec_would_need_the_payload_contexts() -> None:
    """The runner answers every payload context with none (workflows/registry.py CodecFreeSandboxedRunner):
    right only while no codec or external storage reads them."""
    with_codec = dataclasses.replace(pydantic_data_converter, payload_codec=_Codec())
    with pytest.raises(ValueError, match="codec"):
        workflow_runner(data_converter=with_codec)
    for strict in (True, False):
        assert isinstance(workflow_runner(strict=strict), CodecFreeSandboxedRunner)
