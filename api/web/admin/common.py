"""What the admin pages share: the admin-only rule (a 403 page for other roles), the one-time confirmation
carried across the redirect after a change, and the API model's errors under the form's field names."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.deps import Staff
from api.web import refusals
from api.web.templating import render
from domain.enums import Role

FLASH = "admin_flash"


def refuse_non_admin(request: Request, staff: Staff) -> Response | None:
    """The 403 page for every role but admin (None when the admin may go on)."""
    if staff.role == Role.ADMIN:
        return None
    return render(request, "staf/admin/dilarang.html", {}, status_code=403)


def put_flash(request: Request, value: dict[str, Any]) -> None:
    """A confirmation shown once by the next page (kept small: the session is a signed cookie)."""
    request.session[FLASH] = value


def take_flash(request: Request) -> dict[str, Any] | None:
    value = request.session.pop(FLASH, None)
    return value if isinstance(value, dict) else None


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def field_errors(
    exc: ValidationError, names: dict[str, str], choices: dict[str, str] | None = None
) -> dict[str, str]:
    """Each error of the API's model under the page's field name (`names`: model field -> form field);
    `choices`: what to say of a choice left empty or unknown (by model field)."""
    said = refusals.field_errors(exc, choices)
    return {names.get(field, field): message for field, message in said.items()}
