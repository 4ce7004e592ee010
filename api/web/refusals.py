"""A refused form, as the page shows it: the API's 422 (pydantic's or a route's own, in FastAPI's shape) as
messages beside the fields, anything else the product refused (409 with the workflow's reason, 403, 503) as
one message beside the form. The messages are the API's own Indonesian ones, without the field's API name and
never with the input (it may be a NIK)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import ValidationError

from api.errors import field_name, indonesian

# A choice left empty or tampered with: what to say instead of pydantic's list of English values.
CHOICE_TYPES = {"missing", "literal_error", "enum"}


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _field_message(error: dict[str, Any], choices: dict[str, str]) -> tuple[str, str]:
    loc = list(error.get("loc", ()))
    name = str(next((part for part in reversed(loc) if isinstance(part, str)), "form"))
    if name in choices and error.get("type") in CHOICE_TYPES:
        return name, choices[name]
    said = indonesian(error)["msg"]
    prefix = f"{field_name(loc)}: "
    return name, _sentence(said.removeprefix(prefix))


def field_errors(exc: ValidationError, choices: dict[str, str] | None = None) -> dict[str, str]:
    """{field: message} of a pydantic refusal; `choices` says what a missing or unknown choice needs."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name, message = _field_message(dict(error), choices or {})
        errors.setdefault(name, message)
    return errors


def refusal(exc: HTTPException, choices: dict[str, str] | None = None) -> tuple[dict[str, str], str | None]:
    """(messages beside fields, message beside the form) of a refusal raised by the API's logic."""
    detail = exc.detail
    if exc.status_code == 422 and isinstance(detail, list):
        errors: dict[str, str] = {}
        for error in detail:
            if isinstance(error, dict) and "loc" in error:
                name, message = _field_message(error, choices or {})
                errors.setdefault(name, message)
        return errors, None if errors else "Isian tidak dapat diterima."
    return {}, _sentence(str(detail)) if isinstance(detail, str) else "Tindakan ini tidak dapat dilakukan."
