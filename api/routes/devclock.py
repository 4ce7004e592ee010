"""The simulated clock (docs/api.md): only under `ppid dev --clock simulated` (404 in real mode)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException, status
from google.protobuf.duration_pb2 import Duration
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, select
from temporalio.api.testservice.v1 import SleepRequest

from api.deps import AdminDep, StateDep
from api.state import AppState
from db.models import Notification, TimelineEvent

router = APIRouter(prefix="/v1/dev/clock", tags=["dev"])
MAX_ADVANCE = timedelta(days=400)
SETTLE_TIMEOUT_S = 30.0
# A wave of a thousand timers keeps the server busy for a while: the call must not give up first.
ADVANCE_RPC_TIMEOUT = timedelta(minutes=10)
SETTLE_POLL_S = 0.2


class ClockOut(BaseModel):
    now: datetime
    settled: bool = True


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: float | None = Field(default=None, gt=0, le=400)
    hours: float | None = Field(default=None, gt=0, le=24 * 400)
    until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one(self) -> AdvanceIn:
        if sum(v is not None for v in (self.days, self.hours, self.until)) != 1:
            raise ValueError("isi tepat satu dari days, hours atau until")
        return self


@router.get("", response_model=ClockOut, summary="The simulated now")
async def clock(state: StateDep) -> ClockOut:
    return ClockOut(now=await state.now())


@router.post(
    "/advance", response_model=ClockOut, summary="Move the simulated clock; returns when work settled"
)
async def advance(payload: AdvanceIn, state: StateDep, _admin: AdminDep) -> ClockOut:
    now = await state.now()
    if payload.until is not None:
        step = payload.until.astimezone(UTC) - now
        if step <= timedelta(0):
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"Waktu simulasi sudah {now.isoformat()}; tidak bisa mundur"
            )
    else:
        step = timedelta(days=payload.days or 0, hours=payload.hours or 0)
    if step > MAX_ADVANCE:
        raise HTTPException(
            422,
            [{"loc": ["body", "until"], "msg": "paling jauh 400 hari sekali maju", "type": "value_error"}],
        )
    client = await state.temporal()
    # The time-skipping server fires every timer due in between, in order, while it moves the clock.
    await client.test_service.unlock_time_skipping_with_sleep(
        SleepRequest(duration=_duration(step)), timeout=ADVANCE_RPC_TIMEOUT
    )
    settled = await _settle(state)
    return ClockOut(now=await state.now(), settled=settled)


def _duration(step: timedelta) -> Duration:
    duration = Duration()
    duration.FromTimedelta(step)
    return duration


async def _settle(state: AppState) -> bool:
    """Wait until the work the timers started has finished: no notice waiting to be sent and no new
    timeline entry for a moment. False when mail stays undeliverable (the notices wait for the server)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT_S
    previous = -1
    while loop.time() < deadline:
        async with state.sessions() as session:
            unsent = await session.scalar(
                select(func.count()).select_from(Notification).where(Notification.status == "pending")
            )
            events = await session.scalar(select(func.count()).select_from(TimelineEvent))
        if unsent == 0 and events == previous:
            return True
        previous = int(events or 0)
        await asyncio.sleep(SETTLE_POLL_S)
    return False
