"""Helpers of the tests that run on Temporal's time-skipping server (the simulated clock)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from tests.requests_support import Stack

FIVE_MINUTES = timedelta(minutes=5)


async def sleep_until(
    env: WorkflowEnvironment, moment: str | datetime, extra: timedelta = timedelta(minutes=5)
) -> None:
    """Let simulated time run until just after `moment` (a deadline ends at 23:59:59 local)."""
    target = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    await env.sleep(target - await env.get_current_time() + extra)


async def wait_status(sim: Stack, request_id: str, headers: dict[str, str], expected: str) -> None:
    for _ in range(200):
        if (await sim.case(request_id, headers))["status"] == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"status never became {expected}")
