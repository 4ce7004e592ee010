"""The citizen's access to their case on the pages: proven once with the registration number (or the link of
the receipt) and the tracking code, then remembered in the visitor's signed session cookie.

The code itself is never kept, put in a URL or logged: the session holds only the ids of the requests this
browser has proven (at most MAX_CASES, the latest kept). A staff session does not open these pages; staff
read the case on the desk."""

from __future__ import annotations

from fastapi import HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases import LoadedCase, load_case
from domain.tracking import code_matches

SESSION_KEY = "kasus"
MAX_CASES = 20


class CodeRequired(Exception):
    """The page needs the case's tracking code first; the handler shows the code form for `request_id` and
    comes back to `back_to` (a path of this case's pages) once it matches."""

    def __init__(self, request_id: str, back_to: str) -> None:
        self.request_id = request_id
        self.back_to = back_to


def proven_cases(request: Request) -> list[str]:
    cases = request.session.get(SESSION_KEY)
    return [c for c in cases if isinstance(c, str)] if isinstance(cases, list) else []


def remember_case(request: Request, request_id: str) -> None:
    cases = [c for c in proven_cases(request) if c != request_id] + [request_id]
    request.session[SESSION_KEY] = cases[-MAX_CASES:]


def forget_case(request: Request, request_id: str) -> None:
    request.session[SESSION_KEY] = [c for c in proven_cases(request) if c != request_id]


async def prove_code(
    request: Request, session: AsyncSession, request_id: str, code: str
) -> LoadedCase | None:
    """The case when `code` is its tracking code (typed in any case, with or without dashes), remembered for
    this browser; None otherwise (an unknown id and a wrong code look the same)."""
    try:
        case = await load_case(session, request_id)
    except HTTPException:
        return None
    if not code_matches(code, case.request.tracking_code_hash):
        return None
    remember_case(request, request_id)
    return case


async def citizen_case(request: Request, session: AsyncSession, request_id: str) -> LoadedCase:
    """The case of a citizen's page, or CodeRequired when this browser has not proven its code (also for an id
    that does not exist, so that a page never tells which ids exist)."""
    back_to = request.url.path if request.method == "GET" else f"/lacak/{request_id}"
    if request_id not in proven_cases(request):
        raise CodeRequired(request_id, back_to)
    try:
        return await load_case(session, request_id)
    except HTTPException:
        forget_case(request, request_id)
        raise CodeRequired(request_id, back_to) from None
