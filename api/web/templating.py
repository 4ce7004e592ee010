"""The pages' Jinja2 environment: the templates in api/templates, autoescaped, with the helpers every page
uses (the CSRF token, dates in the body's time zone, statuses and SLA states in Indonesian)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.web.csrf import FIELD, csrf_token
from domain import law
from domain.dates_id import format_date, format_datetime
from domain.status_labels import status_label

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
# `law.T1.days_text()`, `law.T1.article`: pages state periods and articles from domain/law.py, never restate them.
templates.env.globals["law"] = law

SLA_LABELS = {"on_track": "Sesuai jadwal", "due_soon": "Segera jatuh tempo", "overdue": "Lewat tenggat"}


def _when(moment: datetime | str | None, tz: str | None = None) -> str:
    """`Selasa, 7 April 2026 pukul 23.59 WIB`: in `tz`, else in the zone the moment already carries."""
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(moment, tz or getattr(moment.tzinfo, "key", None) or "Asia/Jakarta")


def _day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value if not isinstance(value, datetime) else value.date())


templates.env.filters["waktu"] = _when
templates.env.filters["tanggal"] = _day
templates.env.filters["status"] = status_label
templates.env.globals["SLA_LABELS"] = SLA_LABELS
templates.env.globals["CSRF_FIELD"] = FIELD


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page: the template with the request, the signed-in staff member (if any) and a CSRF token."""
    values = {
        "csrf_token": csrf_token(request),
        "staff": getattr(request.state, "staff", None),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages carry personal data and tokens
    return response
