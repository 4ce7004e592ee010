"""The requester's tracking page (linked from the receipt). The code travels in the URL fragment, which
browsers never send to the server, and is passed to the API in the X-Tracking-Code header."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
PAGE = (Path(__file__).parent.parent / "pages" / "lacak.html").read_text(encoding="utf-8")


@router.get("/lacak/{request_id}", response_class=HTMLResponse)
async def tracking_page(request_id: str) -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
