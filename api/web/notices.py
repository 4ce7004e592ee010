"""The staff desk's page of a notice to a requester without email (task `send_notice`): the notice's subject and
full text to print as a letter or read out by phone, the requester's name, postal address and phone, and the
form "Catat pengiriman". Recording goes through the API's own function (api/routes/tasks.py
`record_notice_sent`), so page and API share the rules."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.cases import load_case, require_view
from api.deps import SessionDep, Staff, StateDep
from api.routes.tasks import (
    NoticeSentIn,
    is_ppid_of,
    notice_of_task,
    record_notice_sent,
    sent_on_problem,
    task_object,
)
from api.web.casework import message_page, sla_state
from api.web.csrf import verify_csrf
from api.web.refusals import field_errors, refusal
from api.web.session import PageStaffDep
from api.web.staff import OBJECT_PATHS
from api.web.templating import render
from db.models import Body
from domain.notice_tasks import METHOD_CHOICES, METHOD_WORDS, notice_title

router = APIRouter(prefix="/staf/pemberitahuan", include_in_schema=False)

NOT_A_NOTICE = HTTPException(404, "Tugas pengiriman pemberitahuan ini tidak ditemukan")
CHOICES = {"method": "Pilih cara pengiriman: surat atau telepon"}
OBJECT_NAMES = {
    "request": "Halaman permohonan",
    "objection": "Halaman keberatan",
    "dispute": "Halaman sengketa",
}
FLASH = {
    "tercatat": "Pengiriman tercatat; tugasnya selesai dan riwayat perkara menunjukkannya kepada pemohon."
}


# A notice's plain text is wrapped at about 100 characters for email; a line that goes on (a long line followed
# by one starting in lower case or with a parenthesis) is joined to it, so the letter reflows on a phone and on
# paper. Aligned lines (`Nomor pendaftaran : …`), links and the signature keep their breaks.
WRAPPED_AT = 60
CONTINUES = re.compile(r"[a-z(]")


def unwrapped(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) >= WRAPPED_AT and CONTINUES.match(line) and not line.startswith("http"):
            out[-1] = f"{out[-1].rstrip()} {line.lstrip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _task_id(text: str) -> int:
    return int(text) if text.isdecimal() and len(text) < 18 else 0


async def _show(
    request: Request, session: SessionDep, state: StateDep, staff: Staff, task_id: int, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, message: str | None = None,
    status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    try:
        task, notification = await notice_of_task(session, task_id)
        if notification is None:
            raise NOT_A_NOTICE
        case = await load_case(session, task.case_id)
        require_view(staff, None, case)
    except HTTPException as exc:
        if exc.status_code == 404:
            exc = NOT_A_NOTICE
        return message_page(request, exc)
    tz = case.body.timezone
    now = await state.now()
    object_type, object_id = task_object(task)
    made_on = notification.created_at.astimezone(ZoneInfo(tz)).date()
    context: dict[str, Any] = {
        "nav": "inbox", "task": task, "notice": notification, "title": notice_title(notification.subject),
        "letter_text": unwrapped(notification.body_text),
        "r": case.request, "body": case.body, "unit": case.unit, "tz": tz, "flash": flash,
        "case_href": OBJECT_PATHS.get(object_type, "/staf/permohonan/{}").format(object_id),
        "case_name": OBJECT_NAMES.get(object_type, "Halaman perkara"),
        "open": task.status == "open", "acting": task.status == "open" and is_ppid_of(staff, task),
        "sla": await sla_state(session, task.due_at, now, case.body.slug) if task.status == "open" else None,
        "method_words": METHOD_WORDS, "method_options": METHOD_CHOICES,
        "values": values or {"sent_on": now.astimezone(ZoneInfo(tz)).date().isoformat()},
        "errors": errors or {}, "message": message, "made_on": made_on,
    }  # fmt: skip
    return render(request, "staf/pemberitahuan.html", context, status_code=status_code)


async def _day_problem(session: SessionDep, state: StateDep, task_id: int, sent_on: str) -> dict[str, str]:
    try:
        task, notification = await notice_of_task(session, task_id)
        body = await session.get(Body, task.body_id) if task.body_id is not None else None
        day = date.fromisoformat(sent_on)
    except (HTTPException, ValueError):
        return {}
    if notification is None or body is None:
        return {}
    problem = sent_on_problem(day, notification, await state.now(), body.timezone)
    return {"sent_on": problem[:1].upper() + problem[1:]} if problem else {}


@router.get("/{task_id}")
async def notice_page(
    request: Request, task_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    pesan: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    return await _show(request, session, state, staff, _task_id(task_id), flash=FLASH.get(pesan))


@router.post("/{task_id}", dependencies=[Depends(verify_csrf)])
async def record_sent(
    request: Request, task_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    sent_on: Annotated[str, Form(max_length=40)] = "", method: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    """Catat pengiriman: the task done, the notice sent, the requester's timeline says when and how."""
    number = _task_id(task_id)
    values = {"sent_on": sent_on, "method": method, "note": note}
    try:
        payload = NoticeSentIn.model_validate(
            {"sent_on": sent_on.strip() or None, "method": method or None, "note": note.strip() or None}
        )
    except ValidationError as exc:
        errors = field_errors(exc, CHOICES)
        message = errors.pop("form", None)
        if "sent_on" not in errors:  # the day is a date: say now too whether it is a day it could be sent
            errors = await _day_problem(session, state, number, sent_on.strip()) | errors
        return await _show(
            request,
            session,
            state,
            staff,
            number,
            values=values,
            errors=errors,
            message=message,
            status_code=422,
        )
    try:
        await record_notice_sent(session, state, staff, number, payload)
    except HTTPException as exc:
        if exc.status_code in (403, 404):
            return message_page(request, NOT_A_NOTICE if exc.status_code == 404 else exc)
        errors, message = refusal(exc, CHOICES)
        return await _show(
            request, session, state, staff, number, values=values, errors=errors, message=message,
            status_code=exc.status_code,
        )  # fmt: skip
    return RedirectResponse(f"/staf/pemberitahuan/{number}?pesan=tercatat", status_code=303)
