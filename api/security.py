"""Signed access tokens for staff (HS256 with PPID_SECRET_KEY)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


MAX_ID = 2**63 - 1  # a database integer: a larger `sub` is forged, not a user


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    version: int


def issue_token(*, user_id: int, role: str, secret: str, minutes: int, version: int = 0) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id), "role": role, "ver": version, "iat": now, "exp": now + timedelta(minutes=minutes),
    }  # fmt: skip
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: str) -> TokenClaims:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
        sub, version = claims["sub"], claims.get("ver", 0)
        if not (isinstance(sub, str) and sub.isascii() and sub.isdigit() and 0 < int(sub) <= MAX_ID):
            raise InvalidToken("sub is not a user id")
        if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version <= MAX_ID:
            raise InvalidToken("ver is not a token version")
        return TokenClaims(user_id=int(sub), version=version)
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc
