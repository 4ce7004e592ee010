"""One long-running workflow (`kalender-tahunan`) that runs the yearly calendar check on the first day of
every month, and continues as new each year to keep its history short. On the same monthly beat it makes
sure every body of the directory has the yearly report workflow of the current year (workflows/annual_report.py):
a child left running on its own (abandoned), started once per body and year."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from domain.annual_report import ReportBodies, ReportStart, workflow_id
    from domain.contracts import CalendarCheck, Recorded
    from workflows.common import db_activity

WATCH_WORKFLOW_ID = "kalender-tahunan"
CHECKS_PER_RUN = 12


def first_of_next_month(now: datetime) -> datetime:
    # 01:00 UTC on the 1st (08:00 WIB): a check at the start of the Indonesian working day.
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return now.replace(year=year, month=month, day=1, hour=1, minute=0, second=0, microsecond=0)


@workflow.defn(name="CalendarWatchWorkflow")
class CalendarWatchWorkflow:
    @workflow.run
    async def run(self) -> None:
        for _ in range(CHECKS_PER_RUN):
            await db_activity("check_calendar_year", CalendarCheck(at=workflow.now()), Recorded)
            await self._start_annual_reports()
            await workflow.sleep(
                max(first_of_next_month(workflow.now()) - workflow.now(), timedelta(minutes=1))
            )
        workflow.continue_as_new()

    async def _start_annual_reports(self) -> None:
        """The report workflow of the current year for each body; one already started is left as it is (its id
        is never reused: a report submitted stays submitted)."""
        year = workflow.now().year  # the check runs at 01:00 UTC on the 1st: the same year in every zone
        found = await db_activity("annual_report_bodies", year, ReportBodies)
        for body in found.bodies:
            try:
                await workflow.start_child_workflow(
                    "AnnualReportWorkflow", ReportStart(body=body, year=year), id=workflow_id(body, year),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )  # fmt: skip
            except WorkflowAlreadyStartedError:
                pass
