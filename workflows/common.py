"""What every case workflow shares: activity options, 409-style refusals and the
alarm loop (the earliest pending deadline or reminder, re-planned whenever the case changes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from domain.calendar import Deadline
    from domain.case_change import ClockMove
    from domain.contracts import (
        Alarm,
        CalendarChanged,
        CaseStatus,
        DeadlineQuery,
        DeliveryCommand,
    )
    from domain.dates_id import format_date, format_datetime

DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ONE_SECOND = timedelta(seconds=1)  # a deadline is the end of its last day; it has passed one second later
T = TypeVar("T")


def conflict(message: str) -> ApplicationError:
    """A staff action refused in the case's current state; the API answers 409 with this message."""
    return ApplicationError(message, type="Conflict", non_retryable=True)


SelfT = TypeVar("SelfT")
ArgT = TypeVar("ArgT")


async def db_activity_method(method: Callable[[SelfT, ArgT], Awaitable[T]], argument: ArgT) -> T:
    """An activity that reads or writes the registers, by method reference (a reader jumps from here to the
    activity): a local activity, so a staff action or a timer is one workflow task; short timeout, retried
    until the database answers. Its notices are rows of the outbox, which the dispatcher sends
    (activities/outbox.py)."""
    return await workflow.execute_local_activity_method(
        method, argument, start_to_close_timeout=timedelta(seconds=60), retry_policy=DB_RETRY
    )


async def deadline(
    start: datetime, days: int, *, body: str | None = None, timezone: str | None = None
) -> Deadline:
    query = DeadlineQuery(body=body, start=start, working_days=days, timezone=timezone)
    return await db_activity_method(CalendarActivities.compute_deadline, query)


class CaseWorkflow:
    """Base of the case workflows: the notices they send, the loop that waits for the next alarm, and the
    running clocks recomputed when the calendar changes."""

    TIMEZONE = "timezone"  # the attribute of `start` holding the time zone dates are written in
    start: Any
    status: Any  # the case's own status enum

    def _when(self, moment: datetime) -> str:
        return format_datetime(moment, getattr(self.start, self.TIMEZONE))

    def _init_case(self) -> None:
        self.watchers: list[asyncio.Future[None]] = []  # child workflows being awaited
        self.changed = False
        self.lock = asyncio.Lock()
        self.calendar_changes: list[CalendarChanged] = []
        self.calendar_versions: set[int] = set()  # every calendar version received, applied or queued
        # Information this case owes the requester (a grant, an Atasan's grant, a KI order): the case stays open
        # until the PPID records its delivery, and nothing else closes that task.
        self.delivery_owed = False
        self.delivered: DeliveryCommand | None = None

    def _next_alarm(self) -> Alarm | None:
        raise NotImplementedError

    def _finished(self) -> bool:
        raise NotImplementedError

    async def _fire(self, alarm: Alarm) -> None:
        raise NotImplementedError

    # --- delivering what the case owes (a grant, an Atasan's grant, a KI order) ---------------------------

    @workflow.update(name="record_delivery")
    async def record_delivery(self, command: DeliveryCommand) -> CaseStatus:
        async with self.lock:
            self._check_delivery(command)
            await self._record_delivered(command)
            self.delivery_owed, self.delivered = False, command
            self.changed = True
            return CaseStatus(status=self.status.value)

    @record_delivery.validator
    def _validate_delivery(self, command: DeliveryCommand) -> None:
        self._check_delivery(command)

    async def _record_delivered(self, command: DeliveryCommand) -> None:
        """Writes the delivery (the timeline, the task it ends, the notices); each case workflow records it
        through its own recording activity."""
        raise NotImplementedError

    def _check_delivery(self, command: DeliveryCommand) -> None:
        if self.delivered is not None:
            raise conflict(
                f"Penyerahan informasi sudah dicatat: diserahkan pada {format_date(self.delivered.delivered_on)}."
            )
        if not self.delivery_owed:
            raise conflict("Perkara ini tidak memiliki penyerahan informasi yang menunggu dicatat.")

    @workflow.signal(name="calendar_changed")
    def calendar_changed(self, change: CalendarChanged) -> None:
        # A change is signalled again until its delivery is recorded (activities/calendar_delivery.py), so the
        # same version may arrive twice: its clocks are recomputed once.
        if change.version in self.calendar_versions:
            return
        self.calendar_versions.add(change.version)
        self.calendar_changes.append(change)
        self.changed = True

    async def _recompute_clocks(self, change: CalendarChanged) -> None:
        raise NotImplementedError

    async def _move_clock(
        self, clock: str, current: datetime, start: datetime, days: int, change: CalendarChanged, *,
        body: str | None = None, timezone: str | None = None,
    ) -> datetime:  # fmt: skip
        """The clock's deadline recomputed on the current calendar. A date already told to the citizen never
        moves earlier unless an administrator confirmed it (docs/domain.md "Working days")."""
        if current < workflow.now():
            return current  # expired clocks have fired; they are not re-run
        recomputed = await deadline(start, days, body=body, timezone=timezone)
        new = recomputed.due_at
        if new == current:
            return current
        kept = new < current and not change.confirm_earlier
        holds = current if kept else new
        move = ClockMove(clock=clock, old=current, new=holds, kept=kept, deadline=recomputed, change=change)
        await self._record_clock_change(move)
        return holds

    async def _record_clock_change(self, move: ClockMove) -> None:
        """Writes the moved (or kept) clock on the case's timeline, through the case's recording activity."""
        raise NotImplementedError

    async def _alarm_loop(self) -> None:
        while not self._finished():
            while self.calendar_changes:
                change = self.calendar_changes.pop(0)
                async with self.lock:
                    await self._recompute_clocks(change)
            alarm = self._next_alarm()
            self.changed = False
            timeout = max(alarm.at - workflow.now(), timedelta(0)) if alarm else None
            try:
                await workflow.wait_condition(lambda: self.changed, timeout=timeout)
            except TimeoutError:
                assert alarm is not None
                async with self.lock:
                    await self._fire(alarm)

    async def _finish(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
