"""Errors that are not the client's fault: a database or Temporal that is away for a while answers 503 with
a clear message (and Retry-After), never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from temporalio.service import RPCError

log = logging.getLogger("ppid.api")
RETRY_AFTER_S = "5"


def install_error_handlers(app: FastAPI) -> None:
    async def database_away(request: Request, exc: Exception) -> JSONResponse:
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
