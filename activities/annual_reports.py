"""The registers' side of the yearly report workflow (workflows/annual_report.py): its plan on the body's
calendar, the draft and the PPID Utama's task, the reminders, the escalation to the Atasan PPID, and the
submission with the PDF mailed to the Atasan PPID and the Komisi Informasi (UU Pasal 12; Perki 1/2021 Pasal 56).

Every write is keyed (the task keys, the outbox keys), so a retried activity writes nothing twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notices import Notice, render
from activities.records import enqueue, open_task, reminder_alarms
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.models import AnnualReport, Body, KomisiInformasi, Notification, Task
from db.session import write_gate
from domain import law
from domain.annual_report import (
    ReportBodies,
    ReportEvent,
    ReportPlan,
    ReportStart,
    due_at,
    notice_case_id,
)
from domain.calendar import WorkingCalendar
from domain.contracts import Recorded
from domain.dates_id import ZONE_ABBREVIATIONS, format_datetime

PDF_TYPE = "application/pdf"


def first_working_day(year: int, calendar: WorkingCalendar) -> date:
    """The first working day of `year` on the body's calendar (1 January is a national holiday)."""
    day = date(year, 1, 1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def report_plan(year: int, tz: str, calendar: WorkingCalendar) -> ReportPlan:
    """law.REMINDER_HOUR local on the first working day after the year; due the end of the law's due day
    (law.ANNUAL_REPORT_DUE_MONTH/DAY); law.ANNUAL_REPORT_REMINDERS at the reminder hour on the working days
    before it."""
    zone = ZoneInfo(tz)
    due = due_at(year, tz)
    reminders = reminder_alarms(law.ANNUAL_REPORT_REMINDERS, due, tz, calendar)
    prepare = datetime.combine(first_working_day(year + 1, calendar), law.REMINDER_HOUR, zone)
    return ReportPlan(prepare_at=prepare, due_at=due, reminders=reminders, timezone=tz)


def pdf_filename(body_slug: str, year: int) -> str:
    return f"laporan-layanan-informasi-{body_slug}-{year}.pdf"


def task_key(body_id: int, year: int, kind: str) -> str:
    return f"report:{body_id}:{year}:{kind}"


class AnnualReportActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="plan_annual_report")
    async def plan_annual_report(self, start: ReportStart) -> ReportPlan:
        async with self._sessions() as session:
            tz = await session.scalar(select(Body.timezone).where(Body.slug == start.body))
            if tz is None:
                raise ApplicationError(f"unknown body {start.body!r}", non_retryable=True)
            calendar = await load_calendar(session, start.body)
        return report_plan(start.year, tz, calendar)

    @activity.defn(name="annual_report_bodies")
    async def annual_report_bodies(self, year: int) -> ReportBodies:
        async with self._sessions() as session:
            slugs = (await session.scalars(select(Body.slug).order_by(Body.slug))).all()
        return ReportBodies(year=year, bodies=list(slugs))

    @activity.defn(name="record_annual_report_event")
    async def record_annual_report_event(self, event: ReportEvent) -> Recorded:
        async with self._sessions() as session, write_gate(session.bind):
            row = (
                await session.execute(
                    select(Body, KomisiInformasi)
                    .join(KomisiInformasi, KomisiInformasi.id == Body.komisi_id)
                    .where(Body.slug == event.body)
                )
            ).first()
            if row is None:
                raise ApplicationError(f"unknown body {event.body!r}", non_retryable=True)
            body, komisi = row
            report = await ensure_report(session, body, event.year)
            ids = await self._record(session, body, komisi, report, event)
            await session.commit()
        return Recorded(notification_ids=ids)

    async def _record(
        self,
        session: AsyncSession,
        body: Body,
        komisi: KomisiInformasi,
        report: AnnualReport,
        event: ReportEvent,
    ) -> list[int]:
        year, tz = event.year, body.timezone
        context: dict[str, Any] = {
            "year": year, "body_name": body.name, "komisi_name": komisi.name,
            "zone": ZONE_ABBREVIATIONS.get(tz, tz), "due": format_datetime(report.due_at, tz),
            "report_link": f"{self._settings.public_url}/staf/laporan/{year}",
            "public_link": f"{self._settings.public_url}/laporan/{body.slug}/{year}",
        }  # fmt: skip
        case_id = notice_case_id(body.id, year)
        await self._apply(session, body, report, event)
        if event.event == "submitted":
            return await self._submitted(session, body, komisi, report, event, context, case_id)
        notices: list[Notice] = []
        if report.status != "submitted":  # a notice that raced a submission is not sent
            match event.event:
                case "prepared":
                    notices = [render("report_prepared_ppid", body.ppid_email, "ppid", context)]
                case kind if kind.startswith("report_reminder_"):
                    days = next(r.working_days_before for r in law.ANNUAL_REPORT_REMINDERS if r.kind == kind)
                    notices = [
                        render("report_reminder_ppid", body.ppid_email, "ppid", context | {"days_left": days})
                    ]
                case "overdue":
                    notices = [
                        render("report_overdue_staff", body.atasan_email, "atasan_ppid",
                               context | {"addressee": "Atasan PPID"}),
                        render("report_overdue_staff", body.ppid_email, "ppid", context | {"addressee": "PPID Utama"}),
                    ]  # fmt: skip
        return await enqueue(session, case_id=case_id, event=event.event, key_suffix=str(year), notices=notices,
                             at=event.at)  # fmt: skip

    async def _apply(
        self, session: AsyncSession, body: Body, report: AnnualReport, event: ReportEvent
    ) -> None:
        """What the workflow decided at this event: the report's status, the tasks it ends and opens."""
        change, year = event.change, event.year
        if change.close_task_kinds:
            open_tasks = await session.scalars(
                select(Task).where(
                    Task.case_type == "report", Task.case_id == str(year), Task.body_id == body.id,
                    Task.status == "open", Task.kind.in_(change.close_task_kinds),
                )
            )  # fmt: skip
            for row in open_tasks.all():
                row.status, row.closed_at, row.completed_by = "done", event.at, event.actor
        for task in change.open_tasks:
            await open_task(
                session, key=task_key(body.id, year, task.key), kind=task.kind, case_type="report",
                case_id=str(year), registration_number=f"Laporan {year}", role=task.role, body_id=body.id,
                unit_id=None, due_at=report.due_at if task.due_at_deadline else task.due_at, opened_at=event.at,
            )  # fmt: skip
        if event.event == "prepared":
            report.prepared_at = report.prepared_at or event.at
        if change.status == "submitted" and report.status != "submitted":
            report.status, report.submitted_at, report.submitted_by = "submitted", event.at, event.actor
            report.submitted_late = event.late
            report.figures = dict(event.figures or {})
            report.pdf_sha256, report.pdf_size = event.pdf_sha256, event.pdf_size

    async def _submitted(
        self, session: AsyncSession, body: Body, komisi: KomisiInformasi, report: AnnualReport, event: ReportEvent,
        context: dict[str, Any], case_id: str,
    ) -> list[int]:  # fmt: skip
        assert report.submitted_at is not None
        figures = report.figures or {}
        requests = figures.get("requests") or {}
        ctx = context | {
            "submitted": format_datetime(report.submitted_at, body.timezone), "late": report.submitted_late,
            "filename": pdf_filename(body.slug, event.year), "attached": True,
            "total": requests.get("total", 0) if isinstance(requests, dict) else 0,
            "objections": (figures.get("objections") or {}).get("total", 0),
            "disputes": (figures.get("disputes") or {}).get("total", 0),
        }  # fmt: skip
        notices = [
            render("report_submitted", body.atasan_email, "atasan_ppid",
                   ctx | {"addressee": f"Atasan PPID {body.name}"}),
            render("report_submitted", komisi.email, "komisi", ctx | {"addressee": komisi.name}),
            render("report_submitted", body.ppid_email, "ppid",
                   ctx | {"addressee": f"PPID Utama {body.name}", "attached": False}),
        ]  # fmt: skip
        ids = await enqueue(session, case_id=case_id, event="submitted", key_suffix=str(event.year), notices=notices,
                            at=event.at)  # fmt: skip
        # The PDF rides on the Atasan's and the KI's rows as a file-store reference (read when sent).
        attachment = {"filename": pdf_filename(body.slug, event.year), "content_type": PDF_TYPE,
                      "sha256": report.pdf_sha256, "size": report.pdf_size}  # fmt: skip
        rows = await session.scalars(select(Notification).where(Notification.id.in_(ids)))
        for row in rows.all():
            if row.recipient_role in ("atasan_ppid", "komisi") and not row.attachments and report.pdf_sha256:
                row.attachments = [attachment]
        return ids


async def ensure_report(session: AsyncSession, body: Body, year: int) -> AnnualReport:
    """The body's report of `year`, created as an empty draft on first use (the workflow's preparation or the
    PPID's first edit, whichever comes first)."""
    report = await session.scalar(
        select(AnnualReport).where(AnnualReport.body_id == body.id, AnnualReport.year == year)
    )
    if report is None:
        report = AnnualReport(
            body_id=body.id, year=year, status="draft", due_at=due_at(year, body.timezone), policy="",
            facilities="", staff_budget="", obstacles="", recommendations="", submitted_late=False,
        )  # fmt: skip
        session.add(report)
        await session.flush()
    return report
