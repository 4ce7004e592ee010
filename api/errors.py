"""How errors answer. Not the client's fault: a database or Temporal that is away for a while answers 503 with
a clear message (and Retry-After), anything unexpected an Indonesian 500 (logged by type, never with the
request). The client's: a 422 in FastAPI's shape (`{"detail": [{"loc", "msg", "type"}]}`) whose `msg` is
Indonesian and names the field, without the submitted input (it may be a NIK); Starlette's English details
(404, 405, ...) in Indonesian too."""

from __future__ import annotations

import logging
import math
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.service import RPCError

from api.schemas import INVALID_TEXT

log = logging.getLogger("ppid.api")
RETRY_AFTER_S = "5"
UNSTORABLE = "berisi nilai yang tidak dapat disimpan (misalnya karakter NUL atau angka di luar batas)"
SERVER_ERROR = {
    "detail": "Terjadi kesalahan pada server; permintaan tidak dapat diselesaikan. Coba lagi nanti atau "
    "hubungi PPID bila berulang."
}

# Pydantic's error types in Indonesian; `{name}` comes from the error's ctx.
MESSAGES = {
    "missing": "wajib diisi",
    "extra_forbidden": "kolom ini tidak dikenal (kolom tambahan tidak diizinkan)",
    "string_type": "harus berupa teks",
    "string_unicode": INVALID_TEXT,
    "string_too_short": "harus berisi sedikitnya {min_length} karakter",
    "string_too_long": "paling banyak {max_length} karakter",
    "string_pattern_mismatch": "formatnya tidak sesuai",
    "too_short": "harus berisi sedikitnya {min_length} butir",
    "too_long": "paling banyak {max_length} butir",
    "enum": "harus salah satu dari {expected}",
    "literal_error": "harus salah satu dari {expected}",
    "int_type": "harus berupa bilangan bulat",
    "int_parsing": "harus berupa bilangan bulat",
    "int_from_float": "harus berupa bilangan bulat",
    "float_type": "harus berupa bilangan",
    "float_parsing": "harus berupa bilangan",
    "finite_number": "harus berupa bilangan terhingga (NaN dan Infinity tidak diterima)",
    "greater_than": "harus lebih besar dari {gt}",
    "greater_than_equal": "tidak boleh kurang dari {ge}",
    "less_than": "harus kurang dari {lt}",
    "less_than_equal": "tidak boleh lebih dari {le}",
    "bool_type": "harus berupa true atau false",
    "bool_parsing": "harus berupa true atau false",
    "list_type": "harus berupa daftar (array JSON)",
    "dict_type": "harus berupa objek JSON",
    "model_type": "harus berupa objek JSON",
    "model_attributes_type": "harus berupa objek JSON",
    "date_type": "harus berupa tanggal yang sah (YYYY-MM-DD)",
    "date_parsing": "harus berupa tanggal yang sah (YYYY-MM-DD)",
    "date_from_datetime_parsing": "harus berupa tanggal yang sah (YYYY-MM-DD)",
    "date_from_datetime_inexact": "harus berupa tanggal tanpa jam (YYYY-MM-DD)",
    "datetime_type": "harus berupa tanggal dan jam ISO-8601, mis. 2026-03-16T09:00:00+07:00",
    "datetime_parsing": "harus berupa tanggal dan jam ISO-8601, mis. 2026-03-16T09:00:00+07:00",
    "datetime_from_date_parsing": "harus berupa tanggal dan jam ISO-8601, mis. 2026-03-16T09:00:00+07:00",
    "datetime_object_invalid": "harus berupa tanggal dan jam ISO-8601, mis. 2026-03-16T09:00:00+07:00",
    "timezone_aware": "harus menyertakan zona waktu, mis. +07:00",
    "uuid_type": "harus berupa UUID",
    "uuid_parsing": "harus berupa UUID",
    "json_invalid": "bukan JSON yang sah",
}
PREFIXES = ("Value error, ", "Assertion failed, ")
# ctx entries that describe the rule (never the input); anything else (an exception, a reason quoting the
# value) is dropped.
SAFE_CTX = {"min_length", "max_length", "gt", "ge", "lt", "le", "multiple_of", "pattern", "expected"}
SOURCES = {
    "body": "isi permintaan",
    "query": "parameter",
    "path": "alamat",
    "header": "header",
    "cookie": "cookie",
}
# Starlette's and FastAPI's default details (English) in Indonesian.
DETAILS = {
    400: "Permintaan tidak sah",
    401: "Tidak masuk atau sesi berakhir",
    403: "Tidak diizinkan",
    404: "Alamat tidak ditemukan",
    405: "Metode tidak diizinkan untuk alamat ini",
    406: "Format jawaban yang diminta tidak tersedia",
    413: "Isi permintaan terlalu besar",
    415: "Jenis isi permintaan tidak didukung",
    429: "Terlalu banyak permintaan; coba lagi nanti",
    500: SERVER_ERROR["detail"],
}
ENGLISH_DETAILS = {
    "There was an error parsing the body": "Isi permintaan tidak dapat dibaca: bukan JSON UTF-8 yang sah",
    "Not authenticated": "Tidak masuk atau sesi berakhir",
}


def bad_query(field: str, message: str) -> HTTPException:
    """422 naming the query parameter `field`, in the shape FastAPI gives its own validation errors."""
    return HTTPException(422, [{"loc": ["query", field], "msg": message, "type": "value_error"}])


def printable(value: Any) -> Any:
    """`value` as JSON can carry it: a lone surrogate escaped (`\\ud800`), NaN and Infinity as text."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "requester", "name")` -> `requester.name`; list positions as `reasons[1]`."""
    parts = list(loc)
    source = str(parts.pop(0)) if parts and parts[0] in SOURCES else None
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or SOURCES.get(source or "body", "isi permintaan")


def _phrase(status_code: int) -> str | None:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return None


def _expected(text: str) -> str:
    return text.replace(" or ", " atau ")


def indonesian(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as the API answers it: loc, msg (Indonesian, naming the field), type, safe ctx."""
    kind = str(error.get("type", "value_error"))
    loc = list(error.get("loc", ()))
    raw_ctx = error.get("ctx") or {}
    ctx = {
        k: (_expected(v) if k == "expected" and isinstance(v, str) else v)
        for k, v in raw_ctx.items()
        if k in SAFE_CTX and isinstance(v, int | float | str) and not isinstance(v, bool)
    }
    msg = str(error.get("msg", ""))
    if kind == "json_invalid":
        position = loc[-1] if len(loc) > 1 and isinstance(loc[-1], int) else None
        where = f" (posisi {position})" if position is not None else ""
        return {"loc": printable(loc), "msg": f"isi permintaan: bukan JSON yang sah{where}", "type": kind}
    if kind in MESSAGES:
        try:
            text = MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            text = MESSAGES[kind].split(" {", 1)[0]
    elif msg.startswith("value is not a valid email address"):
        text = "alamat email tidak sah"
    elif msg.startswith(PREFIXES):
        text = msg.split(", ", 1)[1]  # the product's own validators speak Indonesian
    elif kind == "value_error":
        text = msg  # a custom error of the product (PydanticCustomError), already Indonesian
    else:
        text = "nilainya tidak sah"
    answer: dict[str, Any] = {
        "loc": printable(loc),
        "msg": printable(f"{field_name(loc)}: {text}"),
        "type": kind,
    }
    if ctx:
        answer["ctx"] = printable(ctx)
    return answer


def _where(exc: BaseException) -> str:
    """The innermost frames of `exc` as `file:line in function`: where it happened, without its message (an
    exception's text may quote a request's content)."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames))


def log_unexpected(method: str, path: str, exc: BaseException) -> None:
    log.error("unexpected %s on %s %s at %s", type(exc).__name__, method, path, _where(exc))


class LastResort:
    """Any exception nothing else answered becomes the Indonesian 500; it is logged by its type and place,
    never with the request or the exception's text, and not raised on (the server would log it in full)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            log_unexpected(scope.get("method", "?"), scope.get("path", "?"), exc)
            if not started:  # else the answer is already on its way: the server ends the connection
                await JSONResponse(SERVER_ERROR, status_code=500)(scope, receive, send)


def _refused_value(exc: Exception) -> bool:
    """The database refused a value of the statement (SQLSTATE class 22, data exception: NUL in text, a number
    out of range); asyncpg's errors reach SQLAlchemy as a plain DBAPIError that carries the SQLSTATE."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, DataError) or (isinstance(sqlstate, str) and sqlstate.startswith("22"))


def install_error_handlers(app: FastAPI) -> None:
    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": [indonesian(dict(e)) for e in exc.errors()]}, status_code=422)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail: Any = exc.detail
        if isinstance(detail, str) and detail == _phrase(exc.status_code):
            detail = DETAILS.get(exc.status_code, detail)
        elif isinstance(detail, str):
            detail = ENGLISH_DETAILS.get(detail, detail)
        elif exc.status_code == 422 and isinstance(detail, list):  # the routes' own 422s, in the same shape
            detail = [indonesian(e) if isinstance(e, dict) and "loc" in e else e for e in detail]
        translated = StarletteHTTPException(exc.status_code, printable(detail), headers=exc.headers)
        return await http_exception_handler(request, translated)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log_unexpected(request.method, request.url.path, exc)
        return JSONResponse(SERVER_ERROR, status_code=500)

    async def database_away(request: Request, exc: Exception) -> JSONResponse:
        if _refused_value(exc):
            # The client's input, not the database being away: the input models refuse what they can name
            # by field; this answers for what reached the database another way.
            log.warning("value refused by the database on %s %s", request.method, request.url.path)
            error = {"loc": ["body"], "msg": f"isi permintaan: {UNSTORABLE}", "type": "value_error"}
            return JSONResponse({"detail": [error]}, status_code=422)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse(
            {"detail": "Basis data sementara tidak dapat dihubungi; tidak ada yang tersimpan. Coba lagi."},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER_S},
        )

    async def temporal_away(request: Request, exc: Exception) -> JSONResponse:
        log.warning("Temporal unavailable on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(
            {"detail": "Mesin alur kerja (Temporal) sementara tidak dapat dihubungi. Coba lagi."},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER_S},
        )

    for exc_type in (OperationalError, DBAPIError, PoolTimeout, ConnectionRefusedError):
        app.add_exception_handler(exc_type, database_away)
    app.add_exception_handler(RPCError, temporal_away)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    # Outermost of the app's own middleware: what escapes every handler is answered here, in Indonesian.
    # (Exception's handler answers the same for what a middleware added later still lets through.)
    app.add_middleware(LastResort)
    app.add_exception_handler(Exception, unexpected)
