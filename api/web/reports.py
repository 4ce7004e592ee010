"""The pages of the yearly report and of the figures (docs/api.md "The yearly report"):

- staff: `/staf/laporan/{year}` (sections, narrative forms, figures, charts; `.pdf`, `.xlsx`, `.csv`),
  its submission, and `/staf/evaluasi-unit?year=` (the PPID Pelaksana evaluation, `.csv`);
- public: `/laporan/{body}/{year}` once submitted (and its PDF), `/statistik/{body}?tahun=` and
  `/statistik/ki/{komisi}?tahun=` (the figures with small counts suppressed, db/statistics.py).

The pages call the API's own functions (api/routes/reports.py), so page and API share the rules."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import SessionDep, Staff, StateDep, TemporalDep
from api.pdf import render_pdf_async
from api.reports import MONTH_SHORT, bar_chart, charts, csv_text, data_uri, figure_tables, xlsx_bytes
from api.routes.reports import (
    NarrativeIn,
    find_body,
    is_utama,
    print_context,
    report_data,
    report_year,
    save_narrative,
    stored_report,
    submit_report,
)
from api.routes.statistics import NowDep  # the product's clock, as GET /v1/statistics reads it
from api.state import AppState
from api.web.casework import message_page
from api.web.csrf import verify_csrf
from api.web.refusals import field_errors
from api.web.session import PageStaffDep
from api.web.templating import render
from db.filestore import FileStore
from db.models import AnnualReport, Body, KomisiInformasi
from db.reports import STATE_LABELS, STATES, report_figures, unit_evaluation
from db.statistics import Scope, first_request_year, public_figures, service_figures
from domain.annual_report import FIRST_YEAR, NARRATIVE_FIELDS
from domain.calendar import local_date
from domain.enums import Role

router = APIRouter(include_in_schema=False)
FORMATS = {"pdf", "xlsx", "csv"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLASH = {
    "tersimpan": "Uraian laporan tersimpan.",
    "disampaikan": "Laporan disampaikan: PDF dikirim kepada Atasan PPID dan Komisi Informasi, dan diumumkan.",
}


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def num(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)


def _download(content: bytes | str, media_type: str, filename: str) -> Response:
    data = content.encode("utf-8-sig") if isinstance(content, str) else content  # BOM: Excel reads UTF-8 CSV
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })  # fmt: skip


async def _staff_body(session: AsyncSession, staff: Staff) -> Body:
    if staff.role not in (Role.PPID, Role.ATASAN_PPID) or staff.body_slug is None:
        raise HTTPException(403, "Laporan tahunan hanya untuk PPID dan Atasan PPID sebuah badan publik")
    return await find_body(session, staff.body_slug)


def _years(body: Body, now: datetime) -> list[int]:
    current = local_date(now, body.timezone).year
    return list(range(current, max(FIRST_YEAR, current - 5) - 1, -1))


# --- staff: the report ----------------------------------------------------------------------------------


@router.get("/staf/laporan")
async def report_home(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    """The report due next: last year's (from January on it is the one being written)."""
    try:
        body = await _staff_body(session, staff)
    except HTTPException as exc:
        return message_page(request, exc)
    year = max(FIRST_YEAR, local_date(await state.now(), body.timezone).year - 1)
    return RedirectResponse(f"/staf/laporan/{year}", status_code=303)


async def _report_page(
    request: Request, session: AsyncSession, state: AppState, staff: Staff, name: str, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, message: str | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    year_text, _, fmt = name.partition(".")
    try:
        body = await _staff_body(session, staff)
        if fmt and fmt not in FORMATS:
            raise HTTPException(404, "Halaman tidak ditemukan")
        now = await state.now()
        year = report_year(year_text, body, now)
    except HTTPException as exc:
        if exc.status_code == 422:
            exc = HTTPException(404, f"Laporan tahun {year_text} tidak tersedia")
        return message_page(request, exc)
    report = await stored_report(session, body, year)
    data = await report_data(session, body, year, now, report)
    title = f"Laporan Layanan Informasi Publik {body.name} Tahun {year}"
    stem = f"laporan-layanan-informasi-{body.slug}-{year}"
    if fmt == "pdf":
        if report is not None and report.status == "submitted" and report.pdf_sha256 and report.pdf_size:
            pdf = FileStore.of(state.settings).get(report.pdf_sha256, report.pdf_size)
        else:
            pdf = await render_pdf_async("cetak/laporan.html", print_context(data, now, final=False))
        return _download(pdf, "application/pdf", f"{stem}.pdf")
    if fmt == "xlsx":
        return _download(xlsx_bytes(data["tables"], data["charts"], title), XLSX, f"{stem}.xlsx")
    if fmt == "csv":
        return _download(csv_text(data["tables"], data["charts"]), "text/csv; charset=utf-8", f"{stem}.csv")
    editable = is_utama(staff, body) and data["status"] != "submitted"
    context = data | {
        "nav": "report", "years": _years(body, now), "editable": editable,
        "can_submit": editable and local_date(now, body.timezone).year > year,
        "can_evaluate": is_utama(staff, body) or staff.role == Role.ATASAN_PPID,
        "values": values if values is not None else data["sections"], "errors": errors or {},
        "message": message, "flash": FLASH.get(request.query_params.get("pesan", "")),
    }  # fmt: skip
    return render(request, "staf/laporan.html", context, status_code=status_code)


@router.get("/staf/laporan/{name}")
async def report_page(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep, name: str
) -> Response:
    return await _report_page(request, session, state, staff, name)


@router.post("/staf/laporan/{year}", dependencies=[Depends(verify_csrf)])
async def save_report(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep, year: str
) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in NARRATIVE_FIELDS}
    try:
        body = await _staff_body(session, staff)
        if not is_utama(staff, body):
            raise HTTPException(403, "Hanya PPID Utama badan publik ini yang dapat mengubah laporan")
        number = report_year(year, body, await state.now())
        try:
            payload = NarrativeIn.model_validate(values)
        except ValidationError as exc:
            errors = field_errors(exc)
            return await _report_page(request, session, state, staff, year, values=values, errors=errors,
                                      status_code=422)  # fmt: skip
        await save_narrative(session, body, number, staff, payload.model_dump(exclude_none=True))
    except HTTPException as exc:
        if exc.status_code == 409:
            return await _report_page(request, session, state, staff, year, message=str(exc.detail),
                                      status_code=409)  # fmt: skip
        return message_page(request, exc)
    return RedirectResponse(f"/staf/laporan/{number}?pesan=tersimpan#uraian", status_code=303)


@router.post("/staf/laporan/{year}/sampaikan", dependencies=[Depends(verify_csrf)])
async def submit_page(
    request: Request,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
    temporal: TemporalDep,
    year: str,
) -> Response:
    try:
        body = await _staff_body(session, staff)
        if not is_utama(staff, body):
            raise HTTPException(403, "Hanya PPID Utama badan publik ini yang dapat menyampaikan laporan")
        number = report_year(year, body, await state.now())
        await submit_report(session, temporal, state, staff, body, number)
    except HTTPException as exc:
        if exc.status_code == 409:
            return await _report_page(request, session, state, staff, year, message=str(exc.detail),
                                      status_code=409)  # fmt: skip
        return message_page(request, exc)
    return RedirectResponse(f"/staf/laporan/{number}?pesan=disampaikan", status_code=303)


# --- staff: the PPID Pelaksana evaluation ----------------------------------------------------------------


@router.get("/staf/evaluasi-unit")
async def unit_evaluation_page(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep,
    year: Annotated[str, Query(max_length=8)] = "",
) -> Response:  # fmt: skip
    return await _unit_evaluation(request, staff, session, state, year, as_csv=False)


@router.get("/staf/evaluasi-unit.csv")
async def unit_evaluation_csv(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep,
    year: Annotated[str, Query(max_length=8)] = "",
) -> Response:  # fmt: skip
    return await _unit_evaluation(request, staff, session, state, year, as_csv=True)


async def _unit_evaluation(
    request: Request, staff: Staff, session: AsyncSession, state: AppState, year: str, *, as_csv: bool
) -> Response:
    try:
        body = await _staff_body(session, staff)
        if not (is_utama(staff, body) or staff.role == Role.ATASAN_PPID):
            raise HTTPException(403, "Evaluasi PPID Pelaksana hanya untuk PPID Utama dan Atasan PPID")
        now = await state.now()
        number = report_year(year or str(local_date(now, body.timezone).year), body, now, location="query")
    except HTTPException as exc:
        if exc.status_code == 422:
            exc = HTTPException(404, f"Evaluasi tahun {year} tidak tersedia")
        return message_page(request, exc)
    rows = await unit_evaluation(session, body, number, now)
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["peringkat", "unit", "nama", "permohonan", "tepat_waktu", "terlambat", "belum_dijawab",
                         "berjalan", "bagian_tepat_waktu", "median_hari_kerja", "tugas_lewat_tenggat",
                         "penyerahan_belum_dicatat", *[f"bulan_{i:02d}" for i in range(1, 13)]])  # fmt: skip
        for rank, row in enumerate(rows, 1):
            months = [" ".join(f"{s}:{c[s]}" for s in STATES if c.get(s)) for c in row.months]
            writer.writerow([rank, row.slug, row.name, row.requests, row.on_time, row.late, row.overdue, row.pending,
                             "" if row.on_time_share is None else row.on_time_share,
                             "" if row.median_days is None else row.median_days, row.open_overdue_tasks,
                             row.deliveries_outstanding, *months])  # fmt: skip
        return _download(
            out.getvalue(), "text/csv; charset=utf-8", f"evaluasi-ppid-pelaksana-{body.slug}-{number}.csv"
        )
    context = {
        "nav": "report", "body": body, "year": number, "years": _years(body, now), "rows": rows, "now": now,
        "months": MONTH_SHORT, "states": STATES, "state_labels": STATE_LABELS, "pct": pct, "num": num,
    }  # fmt: skip
    return render(request, "staf/evaluasi_unit.html", context)


# --- public ---------------------------------------------------------------------------------------------


async def _published(session: AsyncSession, slug: str, year_text: str) -> tuple[Body, AnnualReport]:
    body = await find_body(session, slug)
    report = None
    if year_text.isdecimal() and len(year_text) == 4:
        report = await stored_report(session, body, int(year_text))
    if report is None or report.status != "submitted":
        raise HTTPException(404, f"Laporan tahun {year_text} {body.name} belum disampaikan")
    return body, report


@router.get("/laporan/{body}/{name}")
async def public_report(
    request: Request, session: SessionDep, state: StateDep, body: str, name: str
) -> Response:
    year_text, _, fmt = name.partition(".")
    try:
        found, report = await _published(session, body, year_text)
        if fmt not in ("", "pdf"):
            raise HTTPException(404, "Halaman tidak ditemukan")
    except HTTPException as exc:
        return render(
            request, "publik/pesan_laporan.html", {"message": exc.detail}, status_code=exc.status_code
        )
    if fmt == "pdf":
        assert report.pdf_sha256 and report.pdf_size
        pdf = FileStore.of(state.settings).get(report.pdf_sha256, report.pdf_size)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="laporan-layanan-informasi-{found.slug}-{report.year}.pdf"'
            },
        )
    data = await report_data(session, found, report.year, await state.now(), report)
    return render(request, "publik/laporan.html", data)


async def _body_figures(session: AsyncSession, body: Body, year: int, now: datetime) -> dict[str, Any]:
    scope = Scope(body_id=body.id, timezone=body.timezone, year=year, now=now, body_slug=body.slug)
    return public_figures(await service_figures(session, scope))


@router.get("/statistik/{body}")
async def public_statistics(
    request: Request, session: SessionDep, now: NowDep, body: str,
    tahun: Annotated[str, Query(max_length=8)] = "",
) -> Response:  # fmt: skip
    try:
        found = await find_body(session, body)
    except HTTPException as exc:
        return render(request, "publik/pesan_laporan.html", {"message": exc.detail}, status_code=404)
    current = local_date(now, found.timezone).year
    first = await first_request_year(session, found.id, found.timezone) or current
    years = list(range(current, first - 1, -1))
    year, error = current, None
    if tahun:
        if tahun.isdecimal() and int(tahun) in years:
            year = int(tahun)
        else:
            span = f"tahun {first}" if first == current else f"tahun {first} sampai {current}"
            error = f"Tahun: angka {found.name} tersedia untuk {span}."
    # The page draws the requests per month and the days-to-answer bands too: they are suppressed with the
    # other figures, since each set sums to a published total (db/statistics.py LinkedCells).
    raw = await report_figures(session, found, year, now)
    histogram = {int(days): count for days, count in raw["days_histogram"].items()}
    figures = public_figures(raw, histogram=histogram, months=raw["monthly_requests"])
    chart_data = charts(figures)
    published = (
        await session.scalars(
            select(AnnualReport.year).where(AnnualReport.body_id == found.id, AnnualReport.status == "submitted")
            .order_by(AnnualReport.year.desc())
        )
    ).all()  # fmt: skip
    context = {
        "body": found, "year": year, "years": years, "figures": figures, "tables": figure_tables(figures),
        "charts": chart_data, "published": list(published), "error": error,
        "komisi": await session.get(KomisiInformasi, found.komisi_id),
    }  # fmt: skip
    return render(request, "publik/statistik.html", context, status_code=422 if error else 200)


@router.get("/statistik/ki/{komisi}")
async def public_statistics_ki(
    request: Request, session: SessionDep, now: NowDep, komisi: str,
    tahun: Annotated[str, Query(max_length=8)] = "",
) -> Response:  # fmt: skip
    found = await session.scalar(select(KomisiInformasi).where(KomisiInformasi.slug == komisi[:64]))
    if found is None:
        return render(request, "publik/pesan_laporan.html", {"message": "Komisi Informasi tidak ditemukan"},
                      status_code=404)  # fmt: skip
    current = local_date(now, found.timezone).year
    years = list(range(current, max(FIRST_YEAR, current - 5) - 1, -1))
    year = int(tahun) if tahun.isdecimal() and int(tahun) in years else current
    error = None if not tahun or str(year) == tahun else f"Pilih tahun {years[-1]} sampai {current}."
    bodies = (await session.scalars(select(Body).where(Body.komisi_id == found.id).order_by(Body.name))).all()
    rows: list[dict[str, Any]] = []
    for body in bodies:
        figures = await _body_figures(session, body, year, now)
        report = await stored_report(session, body, year - 1)
        rows.append({"body": body, "figures": figures, "report": report})
    totals = [r["figures"]["requests"]["total"] for r in rows]  # None: suppressed
    svg = bar_chart("Permohonan informasi per badan publik", [r["body"].code for r in rows],
                    [t or 0 for t in totals], x_title="Badan publik", y_title="Permohonan")  # fmt: skip
    chart = {
        "src": data_uri(svg),
        "rows": [(r["body"].name, "-" if t is None else t) for r, t in zip(rows, totals, strict=True)],
    }
    context = {
        "komisi": found, "year": year, "years": years, "rows": rows, "chart": chart, "pct": pct, "num": num,
        "error": error,
    }  # fmt: skip
    return render(request, "publik/statistik_ki.html", context, status_code=422 if error else 200)
