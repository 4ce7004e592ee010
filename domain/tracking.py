"""The requester's tracking code: derived from the case id with PPID_TRACKING_SECRET (so a retried intake and
the worker's receipt show the same code), stored only as a hash. That secret is not the token signing key: the
signing key may rotate, this one must never change, or no stored hash would match its receipt again."""

from __future__ import annotations

import base64
import hashlib
import hmac

ALPHABET_FIX = str.maketrans({"0": "8", "1": "9", "O": "P", "I": "J"})  # nothing to misread on a phone


def tracking_code(case_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"tracking:{case_id}".encode(), hashlib.sha256).digest()
    raw = base64.b32encode(digest).decode()[:12].translate(ALPHABET_FIX)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize(code: str) -> str:
    """The code as issued (`ABCD-EFGH-JKLM`) from what a person types: any case, with or without the dashes,
    with spaces; a 12-character code is grouped again, anything else is left as typed (and will not match)."""
    raw = "".join(c for c in code.upper() if c.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else code.strip().upper().replace(" ", "")


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def code_matches(code: str | None, stored_hash: str) -> bool:
    return bool(code) and hmac.compare_digest(hash_code(code or ""), stored_hash)
