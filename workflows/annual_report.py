"""The yearly report workflow of one body and year (`laporan-<body slug>-<year>`): on the first working day
after the year the draft of the Laporan Layanan Informasi Publik is prepared and the PPID Utama gets a task
due 31 March (UU 14/2008 Pasal 12; Perki 1/2021 Pasal 56: three months after the year ends), reminders before
it, an escalation to the Atasan PPID when it passes; the submission (an Update, refused once done) sends the
PDF to the Atasan PPID and the Komisi Informasi and publishes the report.

Started by the calendar watch (workflows/calendar_watch.py) for every body in the directory, each month, for
the current year: an id already running is left alone, so a body imported later gets its workflow at the
next first of the month (docs/domain.md "The yearly report")."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.annual_report import ReportEvent, ReportPlan, ReportStart, ReportStatus, SubmitReport
    from domain.contracts import Alarm, Recorded
    from domain.dates_id import format_datetime
    from workflows.common import DB_RETRY, ONE_SECOND, conflict

ACTIVITY_TIMEOUT = timedelta(seconds=60)


@workflow.defn(name="AnnualReportWorkflow")
class AnnualReportWorkflow:
    @workflow.init
    def __init__(self, start: ReportStart) -> None:
        self.start = start
        self.plan: ReportPlan | None = None
        self.prepared = False
        self.submitted: ReportStatus | None = None
        self.fired: set[str] = set()

    @workflow.run
    async def run(self, start: ReportStart) -> str:
        self.plan = await workflow.execute_activity(
            "plan_annual_report", start, result_type=ReportPlan, start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=DB_RETRY,
        )  # fmt: skip
        await workflow.sleep(max(self.plan.prepare_at - workflow.now(), timedelta(0)))
        await self._record("prepared")
        self.prepared = True
        alarms = [*self.plan.reminders, Alarm(kind="overdue", at=self.plan.due_at + ONE_SECOND)]
        while self.submitted is None:
            pending = [a for a in alarms if a.kind not in self.fired and a.at >= workflow.now()]
            alarm = min(pending, key=lambda a: a.at, default=None)
            timeout = alarm.at - workflow.now() if alarm else None
            try:
                await workflow.wait_condition(lambda: self.submitted is not None, timeout=timeout)
            except TimeoutError:
                assert alarm is not None
                self.fired.add(alarm.kind)
                if self.submitted is None:
                    await self._record(alarm.kind)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.submitted.status

    async def _record(self, event: str, command: SubmitReport | None = None) -> Recorded:
        data = ReportEvent(body=self.start.body, year=self.start.year, event=event, at=workflow.now())
        if command is not None:
            data.actor, data.pdf_sha256, data.pdf_size = command.actor, command.pdf_sha256, command.pdf_size
            data.figures = command.figures
        result: Recorded = await workflow.execute_activity(
            "record_annual_report_event", data, result_type=Recorded, start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=DB_RETRY,
        )  # fmt: skip
        return result

    @workflow.update(name="submit_report")
    async def submit_report(self, command: SubmitReport) -> ReportStatus:
        self._check_submission()
        assert self.plan is not None
        now = workflow.now()
        # Claimed before the activity runs: a second submission arriving meanwhile is refused by the validator.
        self.submitted = ReportStatus(status="submitted", submitted_at=now, late=now > self.plan.due_at)
        await self._record("submitted", command)
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
