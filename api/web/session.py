"""Staff sign-in for the pages: Starlette's signed session cookie (itsdangerous) holding the account id and
its token version, so a password change or a deactivation ends every open session too (api/deps.load_staff).

The cookie is HttpOnly, SameSite=Lax, Secure when PPID_PUBLIC_URL is https, and expires with the session
(PPID_TOKEN_MINUTES). A page reached without a live session sends the officer to the sign-in page and back."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from api.deps import SessionDep, Staff, load_staff
from ppid.settings import Settings

COOKIE = "ppid_sesi"
SIGN_IN = "/staf/masuk"


class SignInRequired(Exception):
    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


def install_sessions(app: FastAPI, settings: Settings) -> None:
    # A key of its own, derived from PPID_SECRET_KEY: a session cookie is never a valid bearer token.
    key = hmac.new(settings.secret_key().encode(), b"ppid-page-session", hashlib.sha256).hexdigest()
    app.add_middleware(
        SessionMiddleware, secret_key=key, session_cookie=COOKIE, max_age=settings.ppid_token_minutes * 60,
        same_site="lax", https_only=settings.public_url.startswith("https://"),
    )  # fmt: skip

    async def to_sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(f"{SIGN_IN}?lanjut={quote(exc.back_to)}", status_code=303)

    app.add_exception_handler(SignInRequired, to_sign_in)


def safe_back_to(path: str | None) -> str:
    """Only a path of the staff desk on this site: never another host (`//evil`, `https://…`)."""
    if not path or not path.startswith("/staf") or path.startswith("//") or "\\" in path:
        return "/staf"
    return path


def back_to(request: Request) -> str:
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))  # a post: back to the page of the form
    if referer.netloc == request.headers.get("host"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return request.url.path


def sign_in_session(request: Request, staff_id: int, version: int) -> None:
    request.session.clear()  # a fresh session (and CSRF nonce) at every sign-in
    request.session.update({"uid": staff_id, "ver": version})


async def page_staff(request: Request, session: SessionDep) -> Staff:
    uid, version = request.session.get("uid"), request.session.get("ver")
    staff = (
        await load_staff(session, uid, version) if isinstance(uid, int) and isinstance(version, int) else None
    )
    if staff is None:
        request.session.pop("uid", None)
        raise SignInRequired(safe_back_to(back_to(request)))
    request.state.staff = staff
    return staff


PageStaffDep = Annotated[Staff, Depends(page_staff)]
