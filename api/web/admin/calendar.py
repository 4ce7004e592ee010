"""`/staf/admin/kalender`: the year's non-working days, the calendar version and its history; declaring and
cancelling a holiday through a review step that shows which open cases will move (api/calendar_admin.py,
the same checks, preview and change as POST/DELETE /v1/calendar/holidays and GET /v1/calendar/preview)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import or_, select

from activities.notices import CLOCK_TEXTS
from api.calendar_admin import (
    CalendarChangeError,
    CalendarPreviewOut,
    ProposedChange,
    apply_change,
    check_add,
    check_cancel,
    preview_change,
)
from api.deps import SessionDep, StateDep
from api.routes.calendar import HolidayIn
from api.schemas import MAX_YEAR, MIN_YEAR
from api.web.admin.common import field_errors, put_flash, refuse_non_admin, take_flash
from api.web.csrf import verify_csrf
from api.web.session import PageStaffDep
from api.web.staff import OBJECT_PATHS
from api.web.templating import render
from db.calendar_repo import load_calendar
from db.models import Body, CalendarChangeRow
from domain.calendar import WEEKDAY_NAMES, WorkingCalendar, national_holidays
from domain.dates_id import format_date_long
from domain.enums import CalendarAction

router = APIRouter()
PAGE = "/staf/admin/kalender"
ADMIN_TZ = "Asia/Jakarta"  # the history's times (the administrators' zone; each case keeps its own)
FIELDS = {"date": "tanggal", "name": "nama", "body": "badan", "reason": "alasan"}
ACTIONS = {"tambah": "add", "batal": "cancel"}
FLASH_CASES = 12  # the moved cases carried to the page after saving (the session is a cookie of 4 KB at most)
Text = Annotated[str, Form(max_length=2000)]


def _year(value: str, today: date) -> int:
    return int(value) if value.isdecimal() and MIN_YEAR <= int(value) <= MAX_YEAR else today.year


def _kind(day: date, name: str, calendar: WorkingCalendar) -> str:
    added = [c for c in calendar.changes if c.date == day and c.action == CalendarAction.ADD]
    if "cuti bersama" in name.lower():
        return "Cuti bersama"
    if added and added[-1].body is not None:
        return "Hari libur daerah"
    if added or day not in national_holidays(day.year):
        return "Hari libur (ditetapkan administrator)"
    return "Libur nasional"


async def _page(
    request: Request,
    session: SessionDep,
    now: datetime,
    *,
    tahun: str = "",
    badan: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    today = now.astimezone(ZoneInfo(ADMIN_TZ)).date()
    year = _year(tahun, today)
    bodies = list((await session.scalars(select(Body).order_by(Body.name))).all())
    body = next((b for b in bodies if b.slug == badan), None)
    calendar = await load_calendar(session, body.slug if body else None)
    holidays = [
        {
            "date": day,
            "weekday": WEEKDAY_NAMES[day.weekday()],
            "name": name,
            "kind": _kind(day, name, calendar),
            "past": day < today,
        }
        for day, name in calendar.holidays_of(year).items()
    ]
    history_query = (
        select(CalendarChangeRow, Body.name)
        .outerjoin(Body, Body.id == CalendarChangeRow.body_id)
        .where(CalendarChangeRow.date >= date(year, 1, 1), CalendarChangeRow.date <= date(year, 12, 31))
        .order_by(CalendarChangeRow.id.desc())
    )
    if body is not None:
        history_query = history_query.where(
            or_(CalendarChangeRow.body_id.is_(None), CalendarChangeRow.body_id == body.id)
        )
    history = [
        {"row": row, "scope": scope or "Semua badan publik"}
        for row, scope in await session.execute(history_query)
    ]
    flash = take_flash(request)
    if flash and flash.get("kind") == "calendar":
        flash["rows"] = [
            {
                "href": OBJECT_PATHS.get(str(case_type), "/staf").format(case_id),
                "registration_number": number, "clock": clock, "clock_text": CLOCK_TEXTS.get(str(clock), clock),
                "old": format_date_long(date.fromisoformat(old)), "new": format_date_long(date.fromisoformat(new)),
                "kept": bool(kept),
            }
            for case_type, case_id, number, clock, old, new, kept in flash.get("cases", [])
        ]  # fmt: skip
    context = {
        "nav": "calendar",
        "year": year,
        "body": body,
        "badan_unknown": bool(badan) and body is None,
        "body_options": [(b.slug, b.name) for b in bodies],
        "holidays": holidays,
        "version": calendar.version,
        "history": history,
        "values": {"tahun": str(year), "badan": body.slug if body else "", **(values or {})},
        "errors": errors or {},
        "refusal": refusal,
        "result": flash if flash and flash.get("kind") == "calendar" else None,
        "flash": flash.get("message") if flash and flash.get("kind") != "calendar" else None,
        "admin_tz": ADMIN_TZ,
        "today": today,
    }
    return render(request, "staf/admin/kalender.html", context, status_code=status_code)


@router.get("/kalender")
async def calendar_page(
    request: Request,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
    tahun: Annotated[str, Query(max_length=8)] = "",
    badan: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    return await _page(request, session, await state.now(), tahun=tahun, badan=badan)


async def _proposed(
    session: SessionDep, aksi: str, tanggal: str, nama: str, badan: str, alasan: str
) -> tuple[ProposedChange | None, dict[str, str], int]:
    """The change the form describes, checked as the API checks it; else the errors by field and a status."""
    action = ACTIONS.get(aksi, "add")
    try:
        checked = HolidayIn(
            date=tanggal, name=nama if action == "add" else "(dibatalkan)", body=badan or None, reason=alasan
        )
    except ValidationError as exc:
        errors = field_errors(exc, FIELDS)
        if not tanggal.strip():
            errors["tanggal"] = "Isi tanggal"
        if action == "add" and not nama.strip():
            errors["nama"] = "Isi nama hari libur"
        return None, errors, 422
    try:
        if action == "add":
            change = await check_add(session, checked.date, checked.name, checked.body, checked.reason)
        else:
            change = await check_cancel(session, checked.date, checked.body, checked.reason)
    except CalendarChangeError as exc:
        return None, {FIELDS.get(exc.field, exc.field): exc.message}, exc.status_code
    return change, {}, 200


def _review_context(
    preview: CalendarPreviewOut, change: ProposedChange, aksi: str, tahun: str, values: dict[str, str]
) -> dict[str, Any]:
    rows = [
        {
            "case": m,
            "href": OBJECT_PATHS[m.case_type].format(m.case_id),
            "clock_text": CLOCK_TEXTS.get(m.clock, m.clock),
            "old": format_date_long(m.old_due_at.date()),
            "new": format_date_long(m.new_due_at.date()),
        }
        for m in preview.moved
    ]
    return {
        "nav": "calendar",
        "preview": preview,
        "change": change,
        "rows": rows,
        "aksi": aksi,
        "tahun": tahun,
        "scope": change.body.name if change.body else "Semua badan publik (kalender nasional)",
        "day": format_date_long(change.date),
        "values": values,
    }


@router.post("/kalender/tinjau", dependencies=[Depends(verify_csrf)])
async def review(
    request: Request,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
    aksi: Annotated[str, Form(max_length=8)] = "tambah",
    tanggal: Annotated[str, Form(max_length=20)] = "",
    nama: Annotated[str, Form(max_length=300)] = "",
    badan: Annotated[str, Form(max_length=64)] = "",
    alasan: Text = "",
    tahun: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """The review step: nothing changes yet; the open cases that would move, old date and new date."""
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    now = await state.now()
    values = {"aksi": aksi, "tanggal": tanggal, "nama": nama, "badan": badan, "alasan": alasan}
    change, errors, status_code = await _proposed(session, aksi, tanggal, nama, badan, alasan)
    if aksi == "tambah" and not alasan.strip() and "alasan" not in errors:
        errors["alasan"] = "Isi alasan perubahan, mis. nomor keputusan yang menetapkannya"
        status_code = 422 if change is not None else status_code
    if change is None or errors:
        if aksi == "batal":  # a row's button: the refusal is said above the table
            refusal = next(iter(errors.values()), "Perubahan tidak dapat dilakukan")
            return await _page(
                request, session, now, tahun=tahun, badan=badan, refusal=refusal, status_code=status_code
            )
        return await _page(
            request,
            session,
            now,
            tahun=tahun,
            badan=badan,
            values=values,
            errors=errors,
            status_code=status_code,
        )
    preview = await preview_change(session, change, now)
    context = _review_context(preview, change, aksi, tahun, values) | {"errors": {}}
    return render(request, "staf/admin/kalender_tinjau.html", context)


@router.post("/kalender/simpan", dependencies=[Depends(verify_csrf)])
async def save(
    request: Request,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
    aksi: Annotated[str, Form(max_length=8)] = "tambah",
    tanggal: Annotated[str, Form(max_length=20)] = "",
    nama: Annotated[str, Form(max_length=300)] = "",
    badan: Annotated[str, Form(max_length=64)] = "",
    alasan: Text = "",
    tahun: Annotated[str, Form(max_length=8)] = "",
    konfirmasi_lebih_awal: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """The change itself, through the API's code path; the page after it shows what the preview computed."""
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    now = await state.now()
    values = {"aksi": aksi, "tanggal": tanggal, "nama": nama, "badan": badan, "alasan": alasan}
    change, errors, status_code = await _proposed(session, aksi, tanggal, nama, badan, alasan)
    if change is None:  # changed meanwhile (e.g. declared in another window): back to the calendar
        return await _page(
            request, session, now, tahun=tahun, badan=badan, values=values if aksi == "tambah" else None,
            errors=errors if aksi == "tambah" else None, status_code=status_code,
            refusal=None if aksi == "tambah" else next(iter(errors.values()), None),
        )  # fmt: skip
    preview = await preview_change(session, change, now)
    confirm = konfirmasi_lebih_awal == "1"
    if not alasan.strip():
        context = _review_context(preview, change, aksi, tahun, values) | {
            "errors": {"alasan": "Isi alasan perubahan, mis. nomor keputusan yang menetapkannya"}
        }
        return render(request, "staf/admin/kalender_tinjau.html", context, status_code=422)
    saved = await apply_change(
        session, state.temporal, change, actor=staff.email, now=now, confirm_earlier=confirm
    )
    moved = [m for m in preview.moved if confirm or not m.earlier]
    kept = [m for m in preview.moved if m.earlier and not confirm]
    cases = [
        [m.case_type, m.case_id, m.registration_number, m.clock, m.old_due_at.date().isoformat(),
         m.new_due_at.date().isoformat(), int(m in kept)]
        for m in (moved + kept)[:FLASH_CASES]
    ]  # fmt: skip
    scope = change.body.name if change.body else "semua badan publik"
    put_flash(
        request,
        {"kind": "calendar", "version": saved.version, "action": saved.action, "date": saved.date.isoformat(),
         "name": saved.name, "scope": scope, "moved_total": len(moved), "kept_total": len(kept), "cases": cases},
    )  # fmt: skip
    query = urlencode({"tahun": saved.date.year} | ({"badan": change.body.slug} if change.body else {}))
    return RedirectResponse(f"{PAGE}?{query}#perubahan", status_code=303)
