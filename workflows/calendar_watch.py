"""One long-running workflow (`kalender-tahunan`) that runs the yearly calendar check on the first day of
every month, and continues as new each year to keep its history short."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from domain.contracts import CalendarCheck, Recorded
    from workflows.common import OUTBOX, CaseWorkflow, db_activity

WATCH_WORKFLOW_ID = "kalender-tahunan"
CHECKS_PER_RUN = 12


def first_of_next_month(now: datetime) -> datetime:
    # 01:00 UTC on the 1st (08:00 WIB): a check at the start of the Indonesian working day.
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return now.replace(year=year, month=month, day=1, hour=1, minute=0, second=0, microsecond=0)


@workflow.defn(name="CalendarWatchWorkflow")
class CalendarWatchWorkflow(CaseWorkflow):
    RECORD_ACTIVITY = "check_calendar_year"

    @workflow.init
    def __init__(self) -> None:
        self._init_case()

    def uses_outbox(self) -> bool:
        return workflow.patched(OUTBOX)

    @workflow.run
    async def run(self) -> None:
        for _ in range(CHECKS_PER_RUN):
            recorded = await db_activity("check_calendar_year", CalendarCheck(at=workflow.now()), Recorded)
            self._send(recorded.notification_ids)
            await workflow.sleep(
                max(first_of_next_month(workflow.now()) - workflow.now(), timedelta(minutes=1))
            )
        await self._finish()
        workflow.continue_as_new()
