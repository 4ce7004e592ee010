"""The yearly report workflow of one body and year (`laporan-<body slug>-<year>`): on the first working day
after the year the draft of the Laporan Layanan Informasi Publik is prepared and the PPID Utama gets a task
due on the law's date (law.ANNUAL_REPORT_DUE_MONTH/DAY: UU 14/2008 Pasal 12; Perki 1/2021 Pasal 56, three
months after the year ends), reminders before it (law.ANNUAL_REPORT_REMINDERS), an escalation to the Atasan
PPID when it passes; the submission (an Update, refused once done) sends the PDF to the Atasan PPID and the
Komisi Informasi and publishes the report.

The workflow decides the report's status and its tasks; the recording activity writes them. A holiday added or
cancelled (`calendar_changed`) re-plans the moments still ahead on the body's current calendar: the day the
draft is prepared never moves earlier unless an administrator confirmed it; the reminders follow the calendar.

Started by the calendar watch (workflows/calendar_watch.py) for every body in the directory, each month, for
the current year: an id already running is left alone, so a body imported later gets its workflow at the
next first of the month (docs/domain.md "The yearly report")."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.annual_reports import AnnualReportActivities
    from domain.annual_report import (
        ESCALATION_TASK_KIND,
        TASK_KIND,
        ReportEvent,
        ReportPlan,
        ReportStart,
        ReportStatus,
        SubmitReport,
    )
    from domain.case_change import TaskToOpen, Transition
    from domain.contracts import Alarm, CalendarChanged, Recorded
    from domain.dates_id import format_datetime
    from domain.enums import Role
    from workflows.common import ONE_SECOND, conflict, db_activity_method


@workflow.defn(name="AnnualReportWorkflow")
class AnnualReportWorkflow:
    @workflow.init
    def __init__(self, start: ReportStart) -> None:
        self.start = start
        self.plan: ReportPlan | None = None
        self.prepared = False
        self.submitted: ReportStatus | None = None
        self.fired: set[str] = set()
        self.calendar_changes: list[CalendarChanged] = []
        self.calendar_version = 0  # the last calendar change applied

    @workflow.run
    async def run(self, start: ReportStart) -> str:
        self.plan = await db_activity_method(AnnualReportActivities.plan_annual_report, start)
        while True:  # until the draft is prepared; a calendar change may move that day
            await self._apply_calendar_changes()
            wait = self.plan.prepare_at - workflow.now()
            if wait <= timedelta(0):
                break
            try:
                await workflow.wait_condition(lambda: bool(self.calendar_changes), timeout=wait)
            except TimeoutError:
                if not self.calendar_changes:
                    break
        await self._record(
            "prepared", Transition(open_tasks=[TaskToOpen(kind=TASK_KIND, role=Role.PPID.value, key="submit",
                                                          due_at_deadline=True)]),
        )  # fmt: skip
        self.prepared = True
        while self.submitted is None:
            await self._apply_calendar_changes()
            alarms = [*self.plan.reminders, Alarm(kind="overdue", at=self.plan.due_at + ONE_SECOND)]
            pending = [a for a in alarms if a.kind not in self.fired and a.at >= workflow.now()]
            alarm = min(pending, key=lambda a: a.at, default=None)
            timeout = alarm.at - workflow.now() if alarm else None
            try:
                await workflow.wait_condition(
                    lambda: self.submitted is not None or bool(self.calendar_changes), timeout=timeout
                )
            except TimeoutError:
                assert alarm is not None
                self.fired.add(alarm.kind)
                if self.submitted is None:
                    await self._fire(alarm)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.submitted.status

    async def _fire(self, alarm: Alarm) -> None:
        if alarm.kind == "overdue":  # the due date passed: the Atasan PPID is told and gets a task
            task = TaskToOpen(kind=ESCALATION_TASK_KIND, role=Role.ATASAN_PPID.value, key="overdue")
            await self._record("overdue", Transition(open_tasks=[task]))
        else:
            await self._record(alarm.kind)

    async def _record(
        self, event: str, change: Transition | None = None, command: SubmitReport | None = None
    ) -> Recorded:
        data = ReportEvent(
            body=self.start.body, year=self.start.year, event=event, at=workflow.now(),
            change=change or Transition(),
        )  # fmt: skip
        if command is not None:
            data.actor, data.pdf_sha256, data.pdf_size = command.actor, command.pdf_sha256, command.pdf_size
            data.figures = command.figures
        if self.submitted is not None:
            data.late = self.submitted.late
        return await db_activity_method(AnnualReportActivities.record_annual_report_event, data)

    # --- calendar changes -----------------------------------------------------------------------------------

    @workflow.signal(name="calendar_changed")
    def calendar_changed(self, change: CalendarChanged) -> None:
        """A holiday was added or cancelled on the body's calendar: the moments still ahead are re-planned."""
        self.calendar_changes.append(change)

    async def _apply_calendar_changes(self) -> None:
        while self.calendar_changes:
            change = self.calendar_changes.pop(0)
            assert self.plan is not None
            if change.version <= self.calendar_version:
                continue  # signalled again (a change is re-sent until every running workflow has it)
            fresh = await db_activity_method(AnnualReportActivities.plan_annual_report, self.start)
            prepare_at = self.plan.prepare_at
            if not self.prepared and fresh.prepare_at != prepare_at:
                # The day the draft is prepared is told to the PPID (a submission before it is refused with it):
                # it never moves earlier unless an administrator confirmed it (docs/domain.md "Working days").
                if fresh.prepare_at > prepare_at or change.confirm_earlier:
                    prepare_at = fresh.prepare_at
            # The due date is a calendar date of the law, not counted in working days: it does not move. The
            # reminders are working days before it and follow the calendar; one already sent is not sent again.
            self.plan = fresh.model_copy(update={"prepare_at": prepare_at, "due_at": self.plan.due_at})
            self.calendar_version = change.version

    # --- the submission -------------------------------------------------------------------------------------

    @workflow.update(name="submit_report")
    async def submit_report(self, command: SubmitReport) -> ReportStatus:
        self._check_submission()
        assert self.plan is not None
        now = workflow.now()
        # Claimed before the activity runs: a second submission arriving meanwhile is refused by the validator.
        self.submitted = ReportStatus(status="submitted", submitted_at=now, late=now > self.plan.due_at)
        change = Transition(status="submitted", close_task_kinds=[TASK_KIND, ESCALATION_TASK_KIND])
        await self._record("submitted", change, command)
        return self.submitted

    @submit_report.validator
    def _validate_submission(self, command: SubmitReport) -> None:
        self._check_submission()

    def _check_submission(self) -> None:
        if self.submitted is not None:
            assert self.submitted.submitted_at is not None
            tz = self.plan.timezone if self.plan else "Asia/Jakarta"
            raise conflict(
                f"Laporan tahun {self.start.year} sudah disampaikan pada "
                f"{format_datetime(self.submitted.submitted_at, tz)}; laporan tidak dapat diubah."
            )
        if not self.prepared:
            when = f" mulai {format_datetime(self.plan.prepare_at, self.plan.timezone)}" if self.plan else ""
            raise conflict(
                f"Laporan tahun {self.start.year} baru dapat disampaikan setelah tahun itu berakhir{when}."
            )

    @workflow.query(name="report_status")
    def report_status(self) -> ReportStatus:
        return self.submitted or ReportStatus(status="draft")

    @workflow.query(name="calendar_version")
    def applied_calendar_version(self) -> int:
        return self.calendar_version

    @workflow.query(name="report_plan")
    def report_plan(self) -> ReportPlan | None:
        """The moments the workflow waits for (the draft, the reminders, the due date), as last planned."""
        return self.plan
