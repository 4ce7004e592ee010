"""The Komisi Informasi's yearly monev round (Perki 1/2022), one per KI and year, id `monev-<komisi>-<year>`:
started when the KI opens the round. On the KI's calendar (the national working days in the KI's time zone) it
reminds the bodies that have not submitted their self-assessment before the window closes, closes the window at
the end of its last day (answers are refused after it), reminds the KI before its verification deadline (the
offsets are domain/law.py's MONEV_BODY_REMINDERS and MONEV_VERIFICATION_REMINDER) and says when that deadline
has passed, and ends when the KI publishes the ranking. The workflow decides the round's status; the recording
activity writes it. The reminders' recipients are read from the registers when each reminder fires: a body that has
submitted by then gets none."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.monev import MonevActivities
    from domain.contracts import CaseStatus
    from domain.dates_id import format_datetime
    from domain.monev import MonevEvent, MonevPublish, MonevStart
    from workflows.common import conflict, db_activity_method

OPEN, CLOSED, PUBLISHED = "open", "closed", "published"


@workflow.defn(name="MonevRoundWorkflow")
class MonevRoundWorkflow:
    @workflow.init
    def __init__(self, start: MonevStart) -> None:
        self.start = start
        self.status = OPEN
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, start: MonevStart) -> str:
        await self._record("opened", status=OPEN)
        alarms = await db_activity_method(MonevActivities.plan_monev_alarms, start)
        for alarm in sorted(alarms, key=lambda a: a.at):
            if self.status == PUBLISHED:
                break
            if alarm.at < workflow.now() and alarm.kind != "window_closed":
                continue  # a reminder whose day had passed when the round opened is not sent late
            timeout = max(alarm.at - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(lambda: self.status == PUBLISHED, timeout=timeout)
            except TimeoutError:
                async with self.lock:
                    if alarm.kind == "window_closed":  # answers are refused from now on
                        self.status = CLOSED
                        await self._record(alarm.kind, status=CLOSED)
                    else:
                        await self._record(alarm.kind)
        await workflow.wait_condition(lambda: self.status == PUBLISHED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status

    async def _record(self, event: str, actor: str | None = None, status: str | None = None) -> None:
        record = MonevEvent(
            round_id=self.start.round_id, event=event, at=workflow.now(), actor=actor, status=status
        )
        await db_activity_method(MonevActivities.record_monev_event, record)

    @workflow.update(name="publish")
    async def publish(self, command: MonevPublish) -> CaseStatus:
        async with self.lock:
            self._check_publish()
            await self._record("published", actor=command.actor, status=PUBLISHED)
            self.status = PUBLISHED
            return CaseStatus(status=self.status)

    @publish.validator
    def _validate_publish(self, command: MonevPublish) -> None:
        self._check_publish()

    def _check_publish(self) -> None:
        if self.status == PUBLISHED:
            raise conflict("Hasil monev ini sudah diumumkan.")
        if self.status != CLOSED:
            closes = format_datetime(self.start.closes_at, self.start.komisi_timezone)
            raise conflict(f"Hasil monev belum dapat diumumkan: masa pengisian kuesioner berakhir {closes}.")

    @workflow.query(name="status")
    def current_status(self) -> str:
        return self.status
