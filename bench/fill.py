"""The fast path that fills a stack with open cases: the API's own registration (`register_request`, the code
behind POST /v1/requests) called in the bench process, many at once, without HTTP and without the API process.

Each case is exactly what intake makes: the row, its registration number and T1 from db/intake.py and the
calendar, then its workflow started on the stack's Temporal; the workflow records the registration and the
outbox sends the receipt and the PPID's notice, as for any request. What is skipped is the HTTP round trip and
the API process's CPU, which on this machine is shared with the worker that does the rest. The number of
workflows started but not yet recorded is kept under `backlog`, so no case waits long enough for the worker's
reconciler (ppid/reconcile.py) to take it for a lost start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from api.routes.requests import register_request
from api.schemas import RequestIn
from api.state import AppState
from base.settings import Settings
from db.session import make_engine, make_session_factory


async def fast_fill(
    settings: Settings, form: dict[str, Any], count: int, recorded: Callable[[], Awaitable[int]], *,
    concurrency: int = 16, backlog: int = 2000, poll_s: float = 2.0, report_every_s: float = 30.0,
) -> list[str]:  # fmt: skip
    """Register `count` requests from `form`; returns their ids once every registration is recorded by its
    workflow. `recorded()` counts the registrations recorded in the registers so far (all cases)."""
    engine = make_engine(settings.effective_database_url)
    sessions = make_session_factory(engine)
    state = AppState(settings=settings, engine=engine, sessions=sessions, secret_key=settings.secret_key(),
                     tracking_secret=settings.tracking_secret())  # fmt: skip
    payload = RequestIn.model_validate(form)
    ids: list[str] = []
    baseline = await recorded()
    done = baseline
    remaining = count
    started = last_report = time.perf_counter()
    polling = asyncio.Lock()  # one count at a time, however many clients wait

    async def wait_for_room() -> None:
        nonlocal done, last_report
        while len(ids) - (done - baseline) >= backlog:
            async with polling:
                if len(ids) - (done - baseline) >= backlog:
                    await asyncio.sleep(poll_s)
                    done = await recorded()
        if time.perf_counter() - last_report > report_every_s:
            last_report = time.perf_counter()
            rate = (done - baseline) / (last_report - started)
            print(f"    {done - baseline}/{count} recorded ({rate:.0f}/s)", flush=True)

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await wait_for_room()
            async with sessions() as session:
                created, _ = await register_request(session, state, None, payload)
            ids.append(created.id)

    try:
        await asyncio.gather(*(client() for _ in range(concurrency)))
        while done - baseline < count:
            await asyncio.sleep(poll_s / 4)
            done = await recorded()
    finally:
        await engine.dispose()
    return ids
