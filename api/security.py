"""Signed access tokens for staff (HS256 with PPID_SECRET_KEY).

New tokens are signed with the current key only; a token signed with one of PPID_SECRET_KEY_PREVIOUS is still
accepted, so rotating the key does not sign everyone out. A token lives PPID_TOKEN_MINUTES: once that long has
passed since the rotation, no valid token carries the old key and it can be removed from the list."""

from __future__ import annotations

from collections.abc import Sequence
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


def _decode(token: str, keys: Sequence[str]) -> dict[str, object]:
    """The claims of a token signed with any of the keys. Only a signature mismatch moves on to the next key:
    an expired or malformed token is refused as such, whichever key signed it."""
    for key in keys[:-1]:
        try:
            return jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
        except jwt.InvalidSignatureError:
            continue
    return jwt.decode(token, keys[-1], algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})


def read_token(token: str, *, secret: str, previous: Sequence[str] = ()) -> TokenClaims:
    try:
        claims = _decode(token, [secret, *previous])
        sub, version = claims["sub"], claims.get("ver", 0)
        if not (isinstance(sub, str) and sub.isascii() and sub.isdecimal() and 0 < int(sub) <= MAX_ID):
            raise InvalidToken("sub is not a user id")
        if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version <= MAX_ID:
            raise InvalidToken("ver is not a token version")
        return TokenClaims(user_id=int(sub), version=version)
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc
