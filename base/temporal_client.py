"""The one Temporal client factory: every client uses the Pydantic data converter, as the worker does."""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import KeepAliveConfig

from base.settings import Settings


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        keep_alive_config=keep_alive(settings),
    )


def keep_alive(settings: Settings) -> KeepAliveConfig | None:
    """No keep-alive pings to the time-skipping server (simulated clock): it runs on this machine, and while it
    moves its clock through thousands of timers it can leave a ping unanswered past the 15 s timeout, which
    drops the connection and with it the clock's advance ("transport error")."""
    return None if settings.ppid_clock == "simulated" else KeepAliveConfig.default


async def connect_with_retry(settings: Settings, *, timeout: float = 60.0) -> Client:
    """Connect, retrying while the server starts (compose brings services up in any order)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            return await connect(settings)
        except RuntimeError:
            if loop.time() >= deadline:
                raise
            await asyncio.sleep(0.5)
