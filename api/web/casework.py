"""What the objection and dispute pages of the staff desk share: the page that says a case cannot be shown,
the deadlines with their explanation and SLA state, the value labels as template filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases import case_deadlines
from api.routes.tasks import sla
from api.schemas import DeadlineOut
from api.web.templating import render, templates
from db.calendar_repo import load_calendar
from db.models import InfoRequest, Objection, TimelineEvent
from domain.status_labels import reasons_label, value_label

templates.env.filters["istilah"] = lambda value, kind: value_label(kind, value)
templates.env.filters["alasan_keberatan"] = reasons_label

TITLES = {403: "Tidak diizinkan", 404: "Tidak ditemukan"}


def message_page(request: Request, exc: HTTPException) -> HTMLResponse:
    """A case the officer may not see (403) or that does not exist (404), as a page of the desk."""
    text = str(exc.detail) if isinstance(exc.detail, str) else "Permintaan tidak dapat dipenuhi."
    context = {"title": TITLES.get(exc.status_code, "Tidak dapat ditampilkan"), "message": text}
    return render(request, "staf/pesan.html", context, status_code=exc.status_code)


async def subject_events(session: AsyncSession, subject_id: str) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(TimelineEvent.subject_id == subject_id)
    return list((await session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id))).all())


def clocks(
    request: InfoRequest, objections: list[Objection], events: list[TimelineEvent], wanted: set[str]
) -> dict[str, DeadlineOut]:
    """The latest computation of the `wanted` clocks (T4, T6, …), as the request's page explains them."""
    return {d.clock: d for d in case_deadlines(request, objections, events) if d.clock in wanted}


async def sla_state(
    session: AsyncSession, due_at: datetime | None, now: datetime, body: str | None
) -> str | None:
    """`on_track` | `due_soon` | `overdue` of a running clock (None when there is none), on the calendar of
    `body` (None: the national calendar the Komisi Informasi counts on) in the due date's time zone."""
    if due_at is None:
        return None
    tz = getattr(due_at.tzinfo, "key", None) or "Asia/Jakarta"
    return sla(due_at, now, tz, await load_calendar(session, body))


def weekend_days(deadline: DeadlineOut) -> int:
    return sum(1 for day in deadline.skipped if day.get("reason") in ("Sabtu", "Minggu"))


def holidays(deadline: DeadlineOut) -> list[dict[str, Any]]:
    return [day for day in deadline.skipped if day.get("reason") not in ("Sabtu", "Minggu")]


templates.env.globals["weekend_days"] = weekend_days
templates.env.globals["holidays"] = holidays


def page_asked(text: str) -> int | None:
    """`halaman` as typed in the address: a page number, or None when it is none (`isdecimal`, not `isdigit`,
    which lets "²" through to an `int` that refuses it)."""
    return int(text) if text.isdecimal() and 0 < int(text) <= 100_000 else None


def page_number(text: str) -> int:
    """`halaman` as typed in the address: a positive number, else the first page."""
    return page_asked(text) or 1
