"""Citizen's portal: tracking a request (`/lacak`), the case page (`/lacak/{id}`), the documents given to the
requester and "kirim ulang kode" (the tracking code sent again to the email of the request).

Access is the foundation's (api/web/public/access.py): the code is proven once on a form of these pages and
the browser's session remembers the case. The emailed link `/lacak/{id}#kode=…` carries the code in the
fragment, which never reaches the server; lacak.js puts it in the code form and submits it. Every reading is
the API's own (case_view, objection_view, dispute_view with the requester's view, api/documents)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from limits import parse
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.notices import render as render_notice
from api.cases import LoadedCase, case_view
from api.deps import SessionDep, StateDep
from api.documents import case_documents, serve_document
from api.ratelimit import _too_many, client_key, new_limiter
from api.routes.disputes import dispute_view
from api.routes.objections import objection_view
from api.state import AppState
from api.web.casework import clocks, subject_events
from api.web.csrf import verify_csrf
from api.web.public.access import CodeRequired, citizen_case, prove_code
from api.web.requests import ARTICLE_MEANINGS, CLOCK_TITLES, OBJECTABLE, OBJECTION_RUNNING
from api.web.templating import render
from db.models import Body, Dispute, InfoRequest, KomisiInformasi, Notification, Objection
from db.session import write_gate
from domain.dates_id import format_datetime
from domain.enums import RequestStatus
from domain.tracking import tracking_code

log = logging.getLogger("ppid.portal")
router = APIRouter(include_in_schema=False)

# No cache keeps a tracking page. The site-wide Referrer-Policy same-origin (api/headers.py) already keeps its
# address from other sites; no-referrer would make the browser post its forms with Origin "null".
HEADERS = {"Cache-Control": "no-store"}
MISMATCH = "Nomor pendaftaran atau kode tidak cocok"
CODE_MISMATCH = "Kode tidak cocok dengan permohonan ini"
NUMBER_NEEDED = "Isi nomor pendaftaran, misalnya 0001/PPID/SGU/III/2026"
CODE_NEEDED = "Isi kode lacak dari tanda terima email Anda"
EMAIL_NEEDED = "Isi alamat email yang Anda tulis pada permohonan, misalnya nama@contoh.id"
RESENT = (
    "Bila alamat email itu tercatat pada permohonan{which}, kode lacaknya kami kirim ke alamat itu dalam "
    "beberapa menit. Periksa juga folder spam. Bila tidak ada email yang datang, periksa ejaan alamatnya atau "
    "hubungi PPID badan publik yang Anda mintai informasi."
)
RESEND_MAX_CASES = 20
# "Kirim ulang kode" sends email: at most this often for one address and for one email, in any hour.
RESEND_PER_EMAIL = parse("3 per hour")
RESEND_PER_ADDRESS = parse("10 per hour")
RESEND_LIMITER = "ppid_resend_limiter"
NOT_ANSWERED = {RequestStatus.RECEIVED.value, RequestStatus.EXTENDED.value}
EMAIL = TypeAdapter(EmailStr)


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    response = render(request, name, {"nav": "track", **context}, status_code=status_code)
    response.headers.update(HEADERS)
    return response


def _number(text: str) -> str:
    """A registration number as typed: `0001/ppid/sgu/iii/2026 ` -> `0001/PPID/SGU/III/2026`."""
    return "".join(text.split()).upper()[:64]


def _limited(state: AppState, request: Request) -> str | None:
    """The API's tracking limit for this address (a code typed on a page counts like one sent to the API):
    None, or the sentence of its 429."""
    if state.tracking_limit is None:
        return None
    try:
        state.tracking_limit.check(client_key(request))
    except HTTPException as exc:
        return str(exc.detail)
    return None


def _limited_response(response: Response, retry: str | None) -> Response:
    if retry:
        response.headers["Retry-After"] = retry
    return response


# --- /lacak: registration number and code ------------------------------------------------------------------


@router.get("/lacak")
async def tracking_form(request: Request) -> Response:
    return page(request, "publik/lacak.html", {"values": {}, "errors": {}})


@router.post("/lacak", dependencies=[Depends(verify_csrf)])
async def open_case(
    request: Request, session: SessionDep, state: StateDep,
    nomor: Annotated[str, Form(max_length=200)] = "", kode: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    values = {"nomor": nomor.strip()}
    errors: dict[str, str] = {}
    if not nomor.strip():
        errors["nomor"] = NUMBER_NEEDED
    if not kode.strip():
        errors["kode"] = CODE_NEEDED
    if errors:
        return page(request, "publik/lacak.html", {"values": values, "errors": errors}, 422)
    too_many = _limited(state, request)
    if too_many:
        context = {"values": values, "errors": {}, "refused": too_many}
        return page(request, "publik/lacak.html", context, 429)
    found = await session.scalar(
        select(InfoRequest.id).where(InfoRequest.registration_number == _number(nomor)).limit(1)
    )
    if found is None or await prove_code(request, session, found, kode) is None:
        context = {"values": values, "errors": {"kode": MISMATCH}, "refused": MISMATCH}
        return page(request, "publik/lacak.html", context, 422)
    return RedirectResponse(f"/lacak/{found}", status_code=303)


# --- "Kirim ulang kode" (before /lacak/{request_id}) ---------------------------------------------------------


@router.get("/lacak/kirim-ulang")
async def resend_form(request: Request) -> Response:
    return page(request, "publik/kirim_ulang.html", {"values": {}, "errors": {}})


def _resend_limit(request: Request, address: str, email: str) -> HTTPException | None:
    """Per client address and per email (hashed: the email is not kept even in memory), a moving hour."""
    limiter = getattr(request.app.state, RESEND_LIMITER, None)
    if limiter is None:
        limiter = new_limiter()
        setattr(request.app.state, RESEND_LIMITER, limiter)
    for item, key in ((RESEND_PER_ADDRESS, f"address:{address}"), (RESEND_PER_EMAIL, f"email:{email}")):
        if not limiter.hit(item, "resend", key):
            return _too_many(
                limiter, item, "resend", key,
                message="Kode sudah beberapa kali dikirim ulang; coba lagi dalam {retry} detik",
            )  # fmt: skip
    return None


@router.post("/lacak/kirim-ulang", dependencies=[Depends(verify_csrf)])
async def resend_code(
    request: Request, session: SessionDep, state: StateDep,
    email: Annotated[str, Form(max_length=400)] = "", nomor: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    values = {"email": email.strip(), "nomor": nomor.strip()}
    try:
        address = str(EMAIL.validate_python(email.strip())) if email.strip() else ""
    except ValidationError:
        address = ""
    if not address or len(address) > 254:
        return page(
            request, "publik/kirim_ulang.html", {"values": values, "errors": {"email": EMAIL_NEEDED}}, 422
        )
    digest = hashlib.sha256(address.lower().encode()).hexdigest()
    refused = _resend_limit(request, client_key(request), digest)
    if refused is not None:
        context = {"values": values, "errors": {}, "refused": str(refused.detail)}
        return _limited_response(
            page(request, "publik/kirim_ulang.html", context, 429), (refused.headers or {}).get("Retry-After")
        )
    await _send_codes(session, state, address, _number(nomor) if nomor.strip() else None)
    which = " dengan nomor pendaftaran itu" if nomor.strip() else ""
    return page(
        request, "publik/kirim_ulang.html", {"values": {}, "errors": {}, "sent": RESENT.format(which=which)}
    )


async def _send_codes(session: AsyncSession, state: AppState, address: str, number: str | None) -> None:
    """One email to `address` listing its cases (newest first, at most RESEND_MAX_CASES; only `number` when
    given), each with its tracking link; nothing when there is none. Through the outbox (the worker sends)."""
    query = (
        select(InfoRequest, Body)
        .join(Body, Body.id == InfoRequest.body_id)
        .where(func.lower(InfoRequest.email) == address.lower())
        .order_by(InfoRequest.received_at.desc(), InfoRequest.registration_number.desc())
        .limit(RESEND_MAX_CASES)
    )
    if number is not None:
        query = query.where(InfoRequest.registration_number == number)
    rows = (await session.execute(query)).all()
    if not rows:
        return
    public = state.settings.public_url
    cases = [
        {
            "reg": r.registration_number, "body_name": body.name, "information": r.information,
            "received": format_datetime(r.received_at, body.timezone),
            "code": (code := tracking_code(r.id, state.tracking_secret)),
            "tracking_link": f"{public}/lacak/{r.id}#kode={code}",
        }
        for r, body in rows
    ]  # fmt: skip
    recipient = rows[0][0].email or address  # as the request recorded it (matched in any case)
    notice = render_notice(
        "code_resent_requester", recipient, "requester",
        {"reg": cases[0]["reg"], "more": len(cases) - 1, "cases": cases, "lookup_link": f"{public}/lacak"},
    )  # fmt: skip
    newest = rows[0][0]
    async with write_gate(session.bind):
        session.add(
            Notification(
                idempotency_key=f"{newest.id}:code_resent:{uuid.uuid4().hex}:requester",
                case_id=newest.id, event="code_resent", recipient=notice.recipient,
                recipient_role=notice.recipient_role, subject=notice.subject, body_text=notice.text,
                status="pending", attempts=0, created_at=await state.now(),
            )
        )  # fmt: skip
        await session.commit()
    log.info("tracking code resent for %d case(s), newest %s", len(cases), newest.registration_number)


# --- /lacak/{id}: the code form, the case page, its documents -------------------------------------------------


def _safe_back(request_id: str, path: str) -> str:
    """Only a path of this case's pages; anything else (another host, another case) goes to the case page."""
    home = f"/lacak/{request_id}"
    if path == home or (path.startswith(home + "/") and "//" not in path and "\\" not in path):
        return path.split("?", 1)[0].split("#", 1)[0]
    return home


def code_form(
    request: Request, request_id: str, back_to: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    context = {
        "request_id": request_id, "back_to": _safe_back(request_id, back_to),
        "errors": {"kode": error} if error else {}, "refused": error,
    }  # fmt: skip
    return page(request, "publik/lacak_kode.html", context, status_code)


def install(app: FastAPI) -> None:
    """Every citizen's page of a case that this browser has not proven shows the code form (200 for a page;
    403 for a form posted without it, which did nothing)."""

    async def ask_for_code(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CodeRequired)
        status_code = 200 if request.method in ("GET", "HEAD") else 403
        return code_form(request, exc.request_id, exc.back_to, status_code=status_code)

    app.add_exception_handler(CodeRequired, ask_for_code)


@router.post("/lacak/{request_id}", dependencies=[Depends(verify_csrf)])
async def prove(
    request: Request, request_id: str, session: SessionDep, state: StateDep,
    kode: Annotated[str, Form(max_length=200)] = "", kembali: Annotated[str, Form(max_length=300)] = "",
) -> Response:  # fmt: skip
    back_to = _safe_back(request_id, kembali)
    if not kode.strip():
        return code_form(request, request_id, back_to, error=CODE_NEEDED, status_code=422)
    too_many = _limited(state, request)
    if too_many:
        return code_form(request, request_id, back_to, error=too_many, status_code=429)
    if await prove_code(request, session, request_id, kode) is None:
        return code_form(request, request_id, back_to, error=CODE_MISMATCH, status_code=422)
    return RedirectResponse(back_to, status_code=303)


# What the case page confirms after an action of the citizen's (the `pesan` of api/web/public/objection.py).
FLASH = {
    "keberatan": "Keberatan Anda tercatat dan disampaikan kepada Atasan PPID; nomor dan tenggatnya ada di bawah.",
    "diterima": "Anda menerima tanggapan Atasan PPID; perkara ini selesai.",
    "sengketa": "Permohonan penyelesaian sengketa Anda telah diajukan kepada Komisi Informasi.",
}


@router.get("/lacak/{request_id}")
async def case_page(
    request: Request, request_id: str, session: SessionDep, state: StateDep,
    pesan: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    case = await citizen_case(request, session, request_id)
    context = await case_context(session, state, case) | {"flash": FLASH.get(pesan)}
    return page(request, "publik/perkara.html", context)


async def case_context(session: AsyncSession, state: AppState, case: LoadedCase) -> dict[str, Any]:
    """What the case page shows: the requester's view of the request, its objections and their disputes."""
    view = await case_view(session, case, "requester")
    r = case.request
    now = await state.now()
    objections = []
    rows = (
        await session.scalars(
            select(Objection).where(Objection.request_id == r.id).order_by(Objection.created_at)
        )
    ).all()
    for row in rows:
        objection = await objection_view(session, row, case, False)
        objection_clocks = clocks(r, [row], await subject_events(session, row.id), {"T4", "T5"})
        dispute = dispute_clocks = None
        if objection.dispute:
            found = await session.get(Dispute, objection.dispute)
            komisi = await session.get(KomisiInformasi, found.komisi_id) if found else None
            if found is not None and komisi is not None:
                dispute = await dispute_view(
                    session, found, case, komisi, clerk=False, with_case_file=False, requester=True
                )
                dispute_clocks = clocks(r, [], await subject_events(session, found.id), {"T6", "T7", "T8"})
        objections.append(
            {
                "objection": objection,
                "dispute": dispute,
                "clocks": objection_clocks,
                "dispute_clocks": dispute_clocks,
            }
        )
    running = any(o.status in OBJECTION_RUNNING for o in rows)
    deadline = r.objection_deadline
    if r.status in OBJECTABLE and not running:
        window = "open" if deadline is not None and now <= deadline else "closed"
    elif r.status in NOT_ANSWERED:
        window = "not_yet"
    else:
        window = None  # an objection is running: its own section says what comes next
    documents = await case_documents(session, r.id)
    komisi_of_body = await session.get(KomisiInformasi, case.body.komisi_id)  # a dispute goes there
    return {
        "case": view, "r": r, "body": case.body, "unit": case.unit, "tz": case.body.timezone,
        "objections": objections, "window": window, "documents": documents,
        "komisi_name": komisi_of_body.name if komisi_of_body else None,
        "article_meanings": ARTICLE_MEANINGS, "clock_titles": CLOCK_TITLES,
        "clock_t3": next((d for d in view.deadlines if d.clock == "T3"), None),
    }  # fmt: skip


@router.get("/lacak/{request_id}/dokumen/{document_id}")
async def document(
    request: Request, request_id: str, document_id: str, session: SessionDep, state: StateDep
) -> Response:
    case = await citizen_case(request, session, request_id)
    try:
        response = await serve_document(state.settings, session, case.request.id, document_id)
    except HTTPException as exc:
        context = {"title": "Dokumen tidak ditemukan", "message": str(exc.detail), "request_id": request_id}
        return page(request, "publik/lacak_pesan.html", context, exc.status_code)
    return response
