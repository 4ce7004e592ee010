"""Staff sign-in for the pages: Starlette's signed session cookie (itsdangerous) holding the account id and
its token version, so a password change or a deactivation ends every open session too (api/deps.load_staff).

Signed with a key derived from PPID_SECRET_KEY; a cookie signed with one of PPID_SECRET_KEY_PREVIOUS is still
accepted (key rotation). The cookie is HttpOnly, SameSite=Lax, Secure when PPID_PUBLIC_URL is https, and expires
with the session (PPID_TOKEN_MINUTES). A page reached without a live session sends the officer to the sign-in
page and back."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import itsdangerous
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from api.deps import SessionDep, Staff, load_staff
from base.settings import Settings

COOKIE = "ppid_sesi"
SIGN_IN = "/staf/masuk"


class SignInRequired(Exception):
    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


class RotatingSessionMiddleware(SessionMiddleware):
    """Starlette's session middleware holds one itsdangerous signer made from one key; this one's signer gets
    the whole list (itsdangerous' own key rotation: it signs with the last key and accepts any of them), so a
    session cookie signed before PPID_SECRET_KEY rotated still signs in. Starlette writes the cookie again only
    when the session changes, so an old-key cookie lives at most PPID_TOKEN_MINUTES after it was written (the
    signer's max_age), like a bearer token: after that long the previous key can be dropped."""

    def __init__(self, app: ASGIApp, /, *, secret_keys: Sequence[str], **options: Any) -> None:
        super().__init__(app, secret_key=secret_keys[-1], **options)
        self.signer = itsdangerous.TimestampSigner(list(secret_keys))


def _session_key(secret: str) -> str:
    # A key of its own, derived from PPID_SECRET_KEY: a session cookie is never a valid bearer token.
    return hmac.new(secret.encode(), b"ppid-page-session", hashlib.sha256).hexdigest()


def install_sessions(app: FastAPI, settings: Settings) -> None:
    keys = [*reversed(settings.previous_secret_keys()), settings.secret_key()]  # newest last
    app.add_middleware(
        RotatingSessionMiddleware, secret_keys=[_session_key(k) for k in keys], session_cookie=COOKIE,
        max_age=settings.ppid_token_minutes * 60, same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )  # fmt: skip

    async def to_sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(f"{SIGN_IN}?lanjut={quote(exc.back_to)}", status_code=303)

    app.add_exception_handler(SignInRequired, to_sign_in)


def safe_back_to(path: str | None) -> str:
    """Only a path of the staff desk (or the KI's, /ki) on this site: never another host (`//evil`, `https://…`)."""
    if not path or not path.startswith(("/staf", "/ki/")) or path.startswith("//") or "\\" in path:
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
