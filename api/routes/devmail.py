"""`/dev/mailbox`: the messages the embedded SMTP sink of `ppid dev` received (404 elsewhere).

The mailbox holds every tracking code and the KI's case file with the full NIK: it answers only on a
loopback Host (so a page elsewhere cannot reach it through DNS rebinding) and only to an admin's token or
the mailbox key that `ppid dev` prints at start (`?kunci=…` once; a cookie keeps it for the next pages)."""

from __future__ import annotations

import hmac
import html
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import OptionalStaffDep, SettingsDep
from domain.enums import Role
from ppid.mailsink import find_message, list_messages

KEY_PARAM = "kunci"
KEY_COOKIE = "ppid_mailbox"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


async def require_mailbox_access(request: Request, settings: SettingsDep, staff: OptionalStaffDep) -> None:
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if name.lower() not in LOOPBACK_HOSTS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Kotak surat pengembangan hanya dapat dibuka dari komputer ini"
        )
    if staff is not None and staff.role == Role.ADMIN:
        return
    expected = settings.ppid_mailbox_key
    given = request.query_params.get(KEY_PARAM) or request.cookies.get(KEY_COOKIE) or ""
    if expected and hmac.compare_digest(given.encode(), expected.encode()):
        return
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Kotak surat pengembangan memerlukan token admin atau kunci yang dicetak `ppid dev` saat mulai "
        f"(/dev/mailbox?{KEY_PARAM}=…)",
        headers={"WWW-Authenticate": "Bearer"},
    )


router = APIRouter(prefix="/dev/mailbox", tags=["dev"], dependencies=[Depends(require_mailbox_access)])


def _keep_key(request: Request, response: Response) -> Response:
    """The key given once in the address is kept in a cookie for the mailbox's own links."""
    key = request.query_params.get(KEY_PARAM)
    if key:
        response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict", path="/dev/mailbox")
    return response


def _folder(settings: SettingsDep) -> Path:
    if settings.ppid_mailbox_dir is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Kotak surat pengembangan tidak aktif")
    return settings.ppid_mailbox_dir


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


@router.get("", summary="Messages received by the dev SMTP sink, newest first", response_model=None)
async def mailbox(request: Request, settings: SettingsDep) -> Any:
    messages = [m.summary() for m in list_messages(_folder(settings))]
    if not _wants_html(request):
        return _keep_key(request, JSONResponse(messages))
    rows = "".join(
        f"<tr><td>{html.escape(m['date'])}</td><td>{html.escape(m['to'])}</td>"
        f"<td><a href='/dev/mailbox/{m['id']}'>{html.escape(m['subject'])}</a></td></tr>"
        for m in messages
    )
    return _keep_key(request, HTMLResponse(
        "<!doctype html><meta charset='utf-8'><title>Kotak surat (dev)</title>"
        "<h1>Kotak surat pengembangan</h1><table border='1' cellpadding='4'>"
        f"<tr><th>Tanggal</th><th>Kepada</th><th>Perihal</th></tr>{rows}</table>"
    ))  # fmt: skip


@router.get("/{message_id}", summary="One message: headers, text, attachments", response_model=None)
async def message(message_id: str, request: Request, settings: SettingsDep) -> Any:
    found = find_message(_folder(settings), message_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Pesan tidak ditemukan")
    detail = found.detail()
    if not _wants_html(request):
        return detail
    files = "".join(f"<li>{html.escape(str(a['filename']))}</li>" for a in detail["attachments"])
    return HTMLResponse(
        "<!doctype html><meta charset='utf-8'><link rel='stylesheet' href='/static/mail.css'>"
        f"<title>{html.escape(detail['subject'])}</title><p><a href='/dev/mailbox'>&larr; kotak surat</a>"
        f" · <a href='/dev/mailbox/{message_id}/raw'>.eml</a></p>"
        f"<p><b>Dari:</b> {html.escape(detail['from'])}<br><b>Kepada:</b> {html.escape(detail['to'])}"
        f"<br><b>Perihal:</b> {html.escape(detail['subject'])}"
        f"<br><b>Tanggal:</b> {html.escape(detail['date'])}"
        f"</p><pre>{html.escape(detail['text'])}</pre><ul>{files}</ul>"
    )


@router.get("/{message_id}/raw", summary="The message as received (.eml)")
async def raw(message_id: str, settings: SettingsDep) -> Response:
    found = find_message(_folder(settings), message_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Pesan tidak ditemukan")
    return Response(found.path.read_bytes(), media_type="message/rfc822")
