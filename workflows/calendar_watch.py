"""The monthly calendar check: a Temporal Schedule (`kalender-tahunan`, created by the worker: worker.py
`ensure_calendar_schedule`) starts this short workflow at 01:00 UTC (08:00 WIB, the start of the Indonesian
working day) on the 1st of every month. It runs the yearly calendar check (activities/calendar_watch.py) and
makes sure every body of the directory has the yearly report workflow of the current year
(workflows/annual_report.py): a child left running on its own (abandoned), started once per body and year."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from activities.annual_reports import AnnualReportActivities
    from activities.calendar_watch import CalendarWatchActivities
    from domain.annual_report import ReportStart, workflow_id
    from domain.contracts import CalendarCheck
    from workflows.annual_report import AnnualReportWorkflow
    from workflows.common import db_activity_method

SCHEDULE_ID = "kalender-tahunan"
CHECK_CRON = "0 1 1 * *"  # minute 0, hour 1 (UTC), day 1 of every month
# Temporal away on the 1st (an upgrade, an outage): the month's check still runs when it is back.
CATCHUP_WINDOW = timedelta(days=27)


@workflow.defn(name="CalendarWatchWorkflow")
class CalendarWatchWorkflow:
    @workflow.run
    async def run(self) -> None:
        await db_activity_method(
            CalendarWatchActivities.check_calendar_year, CalendarCheck(at=workflow.now())
        )
        await self._start_annual_reports()

    async def _start_annual_reports(self) -> None:
        """The report workflow of the current year for each body; one already started is left as it is (its id
        is never reused: a report submitted stays submitted)."""
        year = workflow.now().year  # the check runs at 01:00 UTC on the 1st: the same year in every zone
        found = await db_activity_method(AnnualReportActivities.annual_report_bodies, year)
        for body in found.bodies:
            try:
                await workflow.start_child_workflow(
                    AnnualReportWorkflow.run, ReportStart(body=body, year=year), id=workflow_id(body, year),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )  # fmt: skip
            except WorkflowAlreadyStartedError:
                pass
