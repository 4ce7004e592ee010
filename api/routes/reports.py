"""The yearly service report (Laporan Layanan Informasi Publik, UU Pasal 12; Perki 1/2021 Pasal 56) and the
PPID Pelaksana evaluation: `GET/PUT /v1/reports/{body}/{year}`, `POST /v1/reports/{body}/{year}/submission`,
`GET /v1/statistics/units` (docs/api.md "The yearly report").

The narrative is written into the register directly (a draft has no clock of its own to change); the
submission goes through the report's workflow (an Update), which refuses a second one and sends the PDF."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, status
from fastapi import Body as BodyParam
from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.annual_reports import ensure_report, pdf_filename
from api.deps import SessionDep, Staff, StaffDep, StateDep, TemporalDep
from api.pdf import render_pdf_async
from api.reports import charts, figure_tables
from api.schemas import _In
from api.state import AppState
from api.updates import run_update
from db.filestore import FileStore
from db.models import AnnualReport, Body, KomisiInformasi
from db.reports import report_figures, unit_evaluation
from db.statistics import first_request_year
from domain.annual_report import (
    FIRST_YEAR,
    NARRATIVE_FIELDS,
    NARRATIVE_SECTIONS,
    SECTION_MAX_CHARS,
    STATUS_LABELS,
    ReportStart,
    SubmitReport,
    due_at,
    workflow_id,
)
from domain.calendar import local_date
from domain.dates_id import format_datetime
from domain.enums import Role
from workflows.annual_report import AnnualReportWorkflow

router = APIRouter(prefix="/v1", tags=["reports"])
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
YEAR = re.compile(r"[0-9]{4}")
Narrative = Annotated[str, StringConstraints(max_length=SECTION_MAX_CHARS)]


class NarrativeIn(_In):
    """The narrative sections the PPID Utama writes; a section left out keeps its text."""

    policy: Narrative | None = None
    facilities: Narrative | None = None
    staff_budget: Narrative | None = None
    obstacles: Narrative | None = None
    recommendations: Narrative | None = None


def bad(location: str, field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"loc": [location, field], "msg": message, "type": "value_error"}])


async def find_body(session: AsyncSession, slug: str) -> Body:
    body = await session.scalar(select(Body).where(Body.slug == slug)) if SLUG.fullmatch(slug) else None
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Badan publik tidak ditemukan")
    return body


def report_year(text: str, body: Body, now: datetime, *, location: str = "path", field: str = "year") -> int:
    """A year from 2010 (UU 14/2008 in force) to the current one in the body's zone; else 422."""
    current = local_date(now, body.timezone).year
    if not YEAR.fullmatch(text):
        raise bad(location, field, "tahun harus berupa empat angka, misalnya 2026")
    if not FIRST_YEAR <= int(text) <= current:
        raise bad(location, field, f"laporan tersedia untuk tahun {FIRST_YEAR} sampai {current}")
    return int(text)


def can_view(staff: Staff, body: Body) -> bool:
    return staff.role == Role.ADMIN or (
        staff.role in (Role.PPID, Role.ATASAN_PPID) and staff.body_id == body.id
    )


def is_utama(staff: Staff, body: Body) -> bool:
    return staff.role == Role.PPID and staff.body_id == body.id and staff.unit_id is None


def require_view(staff: Staff, body: Body) -> None:
    if not can_view(staff, body):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Laporan ini hanya untuk petugas badan publik tersebut"
        )


def require_utama(staff: Staff, body: Body) -> None:
    if not is_utama(staff, body):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Hanya PPID Utama badan publik ini yang dapat mengubah dan menyampaikan laporan",
        )


async def stored_report(session: AsyncSession, body: Body, year: int) -> AnnualReport | None:
    # populate_existing: after a submission the worker has written the row this session may hold already.
    query = select(AnnualReport).where(AnnualReport.body_id == body.id, AnnualReport.year == year)
    return await session.scalar(query.execution_options(populate_existing=True))


async def report_data(
    session: AsyncSession, body: Body, year: int, now: datetime, report: AnnualReport | None
) -> dict[str, Any]:
    """Everything the page, the PDF and the JSON show: the sections, the figures (the snapshot once
    submitted, else live from the registers), the tables and the charts."""
    submitted = report is not None and report.status == "submitted"
    figures = (
        dict(report.figures or {})
        if submitted and report is not None
        else await report_figures(session, body, year, now)
    )
    komisi = await session.get(KomisiInformasi, body.komisi_id)
    sections = {name: (getattr(report, name) if report else "") for name in NARRATIVE_FIELDS}
    return {
        "body": body, "komisi": komisi, "year": year, "report": report,
        "status": report.status if report else "draft",
        "due_at": report.due_at if report else due_at(year, body.timezone),
        "sections": sections, "section_list": NARRATIVE_SECTIONS, "figures": figures,
        "tables": figure_tables(figures), "charts": charts(figures), "status_labels": STATUS_LABELS,
    }  # fmt: skip


def report_json(data: dict[str, Any]) -> dict[str, Any]:
    report: AnnualReport | None = data["report"]
    body: Body = data["body"]
    zone = ZoneInfo(body.timezone)

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(zone).isoformat() if moment else None

    submitted = data["status"] == "submitted"
    return {
        "body": body.slug, "year": data["year"], "status": data["status"], "due_at": local(data["due_at"]),
        "prepared_at": local(report.prepared_at) if report else None,
        "submitted_at": local(report.submitted_at) if report else None,
        "submitted_late": bool(report and report.submitted_late),
        "sections": data["sections"], "figures": data["figures"],
        "pdf_url": f"/laporan/{body.slug}/{data['year']}.pdf" if submitted else None,
        "public_url": f"/laporan/{body.slug}/{data['year']}" if submitted else None,
    }  # fmt: skip


async def save_narrative(
    session: AsyncSession, body: Body, year: int, staff: Staff, changes: dict[str, str]
) -> AnnualReport:
    """The sections written into the draft; 409 once the report has been submitted."""
    for attempt in (1, 2):
        try:
            report = await ensure_report(session, body, year)
            break
        except IntegrityError:  # the workflow created the draft at the same moment: read it
            await session.rollback()
            if attempt == 2:
                raise
    if report.status == "submitted":
        assert report.submitted_at is not None
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"Laporan tahun {year} sudah disampaikan pada {format_datetime(report.submitted_at, body.timezone)}; "
            "isinya tidak dapat diubah lagi.",
        )
    for name, text in changes.items():
        setattr(report, name, text.replace("\r\n", "\n"))
    report.updated_by = staff.email
    await session.commit()
    return report


async def submit_report(
    session: AsyncSession, temporal: Client, state: AppState, staff: Staff, body: Body, year: int
) -> None:
    """Render the PDF with the figures as they stand, keep it in the file store, and submit through the
    report's workflow (started here if the calendar watch has not yet started it). 409 when already
    submitted or before the year has ended."""
    now = await state.now()
    report = await stored_report(session, body, year)
    if report is not None and report.status == "submitted":
        assert report.submitted_at is not None
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"Laporan tahun {year} sudah disampaikan pada {format_datetime(report.submitted_at, body.timezone)}.",
        )
    if local_date(now, body.timezone).year <= year:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"Laporan tahun {year} baru dapat disampaikan setelah tahun itu berakhir (mulai Januari {year + 1}).",
        )
    data = await report_data(session, body, year, now, report)
    pdf = await render_pdf_async("cetak/laporan.html", print_context(data, now, final=True))
    sha256 = FileStore.of(state.settings).put(pdf)
    wid = workflow_id(body.slug, year)
    try:
        await temporal.start_workflow(
            AnnualReportWorkflow.run, ReportStart(body=body.slug, year=year), id=wid,
            task_queue=state.settings.temporal_task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )  # fmt: skip
    except WorkflowAlreadyStartedError:
        pass  # closed: the register says whether it was submitted (the update below answers 409)
    command = SubmitReport(actor=staff.email, pdf_sha256=sha256, pdf_size=len(pdf), figures=data["figures"])
    await run_update(temporal, wid, AnnualReportWorkflow.submit_report, command)


def print_context(data: dict[str, Any], now: datetime, *, final: bool) -> dict[str, Any]:
    body: Body = data["body"]
    report: AnnualReport | None = data["report"]
    moment = report.submitted_at if report is not None and report.submitted_at else now
    return data | {
        "body_name": body.name,
        "title": f"Laporan Layanan Informasi Publik Tahun {data['year']}",
        "subtitle": "UU No. 14 Tahun 2008 Pasal 12; Peraturan Komisi Informasi No. 1 Tahun 2021 Pasal 56",
        "printed": (f"Disampaikan {format_datetime(moment, body.timezone)}" if final
                    else f"DRAF — dicetak {format_datetime(now, body.timezone)}"),
        "draft": not final, "filename": pdf_filename(body.slug, data["year"]),
    }  # fmt: skip


# --- the API ------------------------------------------------------------------------------------------------


@router.get("/reports/{body}/{year}", summary="The annual service report of a body (staff of the body)")
async def get_report(
    session: SessionDep, staff: StaffDep, state: StateDep, body: str, year: str
) -> dict[str, Any]:
    found = await find_body(session, body)
    require_view(staff, found)
    now = await state.now()
    number = report_year(year, found, now)
    return report_json(
        await report_data(session, found, number, now, await stored_report(session, found, number))
    )


@router.put("/reports/{body}/{year}", summary="Write the narrative sections of the report (PPID Utama)")
async def put_report(
    session: SessionDep, staff: StaffDep, state: StateDep, body: str, year: str,
    payload: Annotated[NarrativeIn, BodyParam()],
) -> dict[str, Any]:  # fmt: skip
    found = await find_body(session, body)
    require_utama(staff, found)
    now = await state.now()
    number = report_year(year, found, now)
    changes = {k: v for k, v in payload.model_dump(exclude_none=True).items()}
    report = await save_narrative(session, found, number, staff, changes)
    return report_json(await report_data(session, found, number, now, report))


@router.post(
    "/reports/{body}/{year}/submission", summary="Submit the report (PPID Utama): PDF to the Atasan and KI"
)
async def post_submission(
    session: SessionDep, staff: StaffDep, state: StateDep, temporal: TemporalDep, body: str, year: str,
    payload: Annotated[dict[str, Any] | None, BodyParam()] = None,
) -> dict[str, Any]:  # fmt: skip
    found = await find_body(session, body)
    require_utama(staff, found)
    if payload:
        raise bad("body", next(iter(payload)), "pengiriman laporan tidak menerima isian; kirim {}")
    now = await state.now()
    number = report_year(year, found, now)
    await submit_report(session, temporal, state, staff, found, number)
    return report_json(
        await report_data(session, found, number, now, await stored_report(session, found, number))
    )


@router.get(
    "/statistics/units", summary="The PPID Pelaksana evaluation of a body and year (PPID Utama, Atasan)"
)
async def get_unit_statistics(
    session: SessionDep, staff: StaffDep, state: StateDep,
    body: Annotated[str, Query(max_length=64)], year: Annotated[str, Query(max_length=8)],
) -> dict[str, Any]:  # fmt: skip
    found = await find_body(session, body)
    if not (is_utama(staff, found) or staff.role == Role.ADMIN
            or (staff.role == Role.ATASAN_PPID and staff.body_id == found.id)):  # fmt: skip
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Evaluasi unit hanya untuk PPID Utama dan Atasan PPID")
    now = await state.now()
    number = report_year(year, found, now, location="query")
    # A year before the body's first request has no figures to rank the units on (as /v1/statistics).
    current = local_date(now, found.timezone).year
    first = await first_request_year(session, found.id, found.timezone) or current
    if number < first:
        span = f"tahun {first}" if first == current else f"tahun {first} sampai {current}"
        raise bad("query", "year", f"data {found.name} tersedia untuk {span}")
    rows = await unit_evaluation(session, found, number, now)
    return {"body": found.slug, "year": number, "units": [r.as_json() for r in rows]}
