"""The Temporal floor: what the bench's own dev server and a worker like ours do for a case with no work in it.

A no-op case is a workflow whose first task runs one local activity that does nothing and then waits, open,
for a staff action; the staff action is an Update whose handler is one such local activity. They run on the
same dev server as the measured stack, from worker processes set up like ours (as many as the stack runs, each
its own process, the same sandbox with the workflow module shared, the same cache). The intake and update figures are read against
them: no intake or staff action built on Temporal does better on this machine
(`intake.floor_cases_per_s`, `staff_update.floor_p50_ms`).

`python -m bench.floor ADDRESS COUNT_FILE` runs that worker; the bench starts and stops it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

from bench.figures import percentile
from workflows.registry import CodecFreeSandboxedRunner

TASK_QUEUE = "bench-floor"
NOOP_TIMEOUT = timedelta(seconds=30)
ROOT = Path(__file__).resolve().parent.parent


class Done:
    """Where the worker process counts the no-op activities it ran: one byte each."""

    path: Path | None = None


@activity.defn(name="bench_noop")
async def noop() -> None:
    if Done.path is not None:
        with Done.path.open("ab") as done:
            done.write(b".")


@workflow.defn(name="BenchNoopCase")
class NoopCase:
    def __init__(self) -> None:
        self.acted = False

    @workflow.run
    async def run(self) -> None:
        await workflow.execute_local_activity(noop, start_to_close_timeout=NOOP_TIMEOUT)
        await workflow.wait_condition(lambda: self.acted)

    @workflow.update(name="act")
    async def act(self) -> None:
        await workflow.execute_local_activity(noop, start_to_close_timeout=NOOP_TIMEOUT)
        self.acted = True


async def serve(address: str, done: Path) -> None:
    Done.path = done
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    client = await Client.connect(address)
    runner = CodecFreeSandboxedRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("bench")
    )
    async with Worker(
        client, task_queue=TASK_QUEUE, workflows=[NoopCase], activities=[noop], workflow_runner=runner,
        max_cached_workflows=1000, max_workflow_task_external_storage_concurrency=1,
    ):  # fmt: skip
        await stop.wait()


def _count(done: Path) -> int:
    return done.stat().st_size


async def _until_done(done: Path, count: int) -> None:
    while _count(done) < count:
        await asyncio.sleep(0.01)


async def measure(
    address: str, work: Path, *, cases: int, updates: int, workers: int = 1
) -> dict[str, float]:
    """No-op cases started by 24 clients in a closed loop (cases whose first task ran, per second), then
    no-op Updates one after another on the last cases started (cached in the worker, as for the staff
    actions measured), from `workers` worker processes on the one task queue. The cases are terminated
    afterwards, so the later phases do not carry them."""
    done = work / "floor-done"
    done.write_bytes(b"")
    processes = [
        subprocess.Popen([sys.executable, "-m", "bench.floor", address, str(done)], cwd=ROOT)
        for _ in range(workers)
    ]
    client = await Client.connect(address)
    run = uuid.uuid4().hex[:8]
    handles: list[WorkflowHandle[NoopCase, None]] = []
    try:
        handles.append(
            await client.start_workflow(NoopCase.run, id=f"bench-floor-{run}-warm", task_queue=TASK_QUEUE)
        )
        await asyncio.wait_for(_until_done(done, 1), 60)
        remaining = list(range(cases))

        async def starter() -> None:
            while remaining:
                case_id = f"bench-floor-{run}-{remaining.pop()}"
                handles.append(await client.start_workflow(NoopCase.run, id=case_id, task_queue=TASK_QUEUE))

        started = time.perf_counter()
        await asyncio.gather(*(starter() for _ in range(24)))
        await _until_done(done, 1 + cases)
        cases_per_s = cases / (time.perf_counter() - started)
        await asyncio.sleep(2)
        latencies = []
        for handle in handles[len(handles) - updates :]:
            began = time.perf_counter()
            await handle.execute_update("act")
            latencies.append((time.perf_counter() - began) * 1000)
        await _until_done(done, 1 + cases + updates)
    finally:
        for worker in processes:
            worker.terminate()
        for worker in processes:
            worker.wait(timeout=30)
    open_cases = handles[: len(handles) - updates]
    for start in range(0, len(open_cases), 50):
        await asyncio.gather(
            *(handle.terminate("bench floor measured") for handle in open_cases[start : start + 50])
        )
    return {
        "workers": workers,
        "cases_per_s": cases_per_s,
        "update_p50_ms": percentile(latencies, 0.5),
        "update_p99_ms": percentile(latencies, 0.99),
    }


if __name__ == "__main__":
    # Served from the module as imported (not as __main__): the sandbox shares it with the runs.
    from bench import floor

    asyncio.run(floor.serve(sys.argv[1], Path(sys.argv[2])))
    os._exit(0)  # not through interpreter finalization, where the SDK's threads may still hold the GIL
