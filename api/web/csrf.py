"""CSRF protection of every form: a token signed with itsdangerous, bound to the visitor's session.

The session (Starlette's signed cookie) holds a random nonce; each form carries that nonce signed and
time-stamped, so a page of another site can neither read nor forge it. A post whose token is missing, bad,
expired or of another session, or whose Origin is another site, is refused with 403 before anything runs."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.web.session import SignInRequired, back_to, safe_back_to

FIELD = "csrf_token"
SESSION_KEY = "csrf"
MAX_AGE_S = 12 * 3600


def _serializer(request: Request) -> URLSafeTimedSerializer:
    state = request.app.state.ppid
    # itsdangerous' key rotation: it signs with the last key and accepts any of them, so a form rendered just
    # before PPID_SECRET_KEY rotated can still be posted.
    keys: list[str] = [*reversed(state.previous_secret_keys), state.secret_key]
    return URLSafeTimedSerializer(keys, salt="ppid-csrf")


def csrf_token(request: Request) -> str:
    """The token for the forms of this page (creates the session's nonce on first use)."""
    nonce = request.session.get(SESSION_KEY)
    if not nonce:
        nonce = request.session[SESSION_KEY] = secrets.token_urlsafe(24)
    return str(_serializer(request).dumps(nonce))


REFUSED = HTTPException(
    status.HTTP_403_FORBIDDEN,
    "Formulir ditolak: tanda keamanan (CSRF) tidak ada atau sudah kedaluwarsa. Muat ulang halaman dan coba lagi.",
)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # a form posted from a sandboxed or opaque origin is refused
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", "") and parts.scheme in ("http", "https")


def _signed_by_us(request: Request, token: str) -> bool:
    try:
        _serializer(request).loads(token)
    except BadSignature:
        return False
    return True


async def verify_csrf(request: Request) -> None:
    """Dependency of every page that changes something."""
    if not _same_origin(request):
        raise REFUSED
    form = await request.form()
    given = form.get(FIELD)
    nonce = request.session.get(SESSION_KEY)
    if not isinstance(given, str):
        raise REFUSED
    if (
        not nonce
        and _signed_by_us(request, given)
        and request.url.path not in ("/staf/masuk", "/staf/keluar")
    ):
        # A form of ours whose session has expired (the cookie is gone, so there is nothing a forged post could
        # use): sign in again and come back to the page of the form; nothing of the post is done.
        raise SignInRequired(safe_back_to(back_to(request)))
    if not nonce:
        raise REFUSED
    try:
        signed = _serializer(request).loads(given, max_age=MAX_AGE_S)
    except BadSignature:
        raise REFUSED from None
    if not isinstance(signed, str) or not hmac.compare_digest(signed, nonce):
        raise REFUSED
