"""The Temporal floor: what the bench's own dev server does for a case workflow with no work in it.

A no-op case is one workflow whose run is one local activity that does nothing; a no-op staff action is one
Update whose handler is one such local activity. Run on the same dev server as the measured stack, beside
it, they give the best any intake or staff action built on Temporal can reach on this machine; the intake
and update figures are read against them (`intake.floor_cases_per_s`, `staff_update.floor_p50_ms`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

TASK_QUEUE = "bench-floor"
NOOP_TIMEOUT = timedelta(seconds=30)


class Counter:
    done = 0


@activity.defn(name="bench_noop")
async def noop() -> None:
    Counter.done += 1


@workflow.defn(name="BenchNoopCase")
class NoopCase:
    def __init__(self) -> None:
        self.acted = False

    @workflow.run
    async def run(self, wait_for_action: bool) -> None:
        await workflow.execute_local_activity(noop, start_to_close_timeout=NOOP_TIMEOUT)
        if wait_for_action:
            await workflow.wait_condition(lambda: self.acted)

    @workflow.update(name="act")
    async def act(self) -> None:
        await workflow.execute_local_activity(noop, start_to_close_timeout=NOOP_TIMEOUT)
        self.acted = True


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def floor_intake(client: Client, n: int, concurrency: int = 24) -> float:
    """No-op cases started by `concurrency` clients in a closed loop: cases fully run per second."""
    run = uuid.uuid4().hex[:8]
    before = Counter.done
    remaining = list(range(n))

    async def starter() -> None:
        while remaining:
            index = remaining.pop()
            await client.start_workflow(
                NoopCase.run, False, id=f"bench-floor-{run}-{index}", task_queue=TASK_QUEUE
            )

    started = time.perf_counter()
    await asyncio.gather(*(starter() for _ in range(concurrency)))
    while Counter.done - before < n:
        await asyncio.sleep(0.01)
    return n / (time.perf_counter() - started)


async def floor_updates(client: Client, n: int) -> dict[str, float]:
    """No-op Updates, one after another, each on its own open no-op case (as the staff actions measured)."""
    run = uuid.uuid4().hex[:8]
    handles = [
        await client.start_workflow(NoopCase.run, True, id=f"bench-floor-{run}-{i}", task_queue=TASK_QUEUE)
        for i in range(n)
    ]
    while Counter.done < n:  # every case's first task done and cached, as for the staff actions
        await asyncio.sleep(0.05)
    await asyncio.sleep(2)
    latencies = []
    for handle in handles:
        started = time.perf_counter()
        await handle.execute_update("act")
        latencies.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99)}


async def measure(address: str, *, cases: int, updates: int) -> dict[str, float]:
    client = await Client.connect(address)
    async with Worker(client, task_queue=TASK_QUEUE, workflows=[NoopCase], activities=[noop]):
        Counter.done = 0
        cases_per_s = await floor_intake(client, cases)
        Counter.done = 0
        update = await floor_updates(client, updates)
    return {"cases_per_s": cases_per_s, "update_p50_ms": update["p50_ms"], "update_p99_ms": update["p99_ms"]}
