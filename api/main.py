"""The FastAPI application: thin; reads the registers, writes through Temporal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from api.deps import limit_tracking
from api.docs import install_docs
from api.errors import install_error_handlers
from api.headers import SecureFastAPI
from api.limits import BodySizeLimit
from api.routes import (
    auth,
    bench,
    bodies,
    calendar,
    devclock,
    disputes,
    health,
    objections,
    requests,
    statistics,
    tasks,
    users,
)
from api.routes import consequence_tests as consequence_test_routes
from api.routes import dip as dip_routes
from api.routes import monev as monev_routes
from api.routes import reports as report_routes
from api.state import AppState
from api.web import admin as admin_pages
from api.web import consequence_tests as consequence_test_pages
from api.web import dip as dip_pages
from api.web import disputes as dispute_pages
from api.web import monev as monev_pages
from api.web import notices as notice_pages
from api.web import objections as objection_pages
from api.web import reports as report_pages
from api.web import requests as request_pages
from api.web import staff as staff_pages
from api.web.public import home as public_home
from api.web.public import intake as public_intake
from api.web.public import objection as public_objection
from api.web.public import registers as public_registers
from api.web.public import tracking as public_tracking
from api.web.session import install_sessions
from base.settings import Settings, get_settings
from db.session import make_engine, make_session_factory

STATIC_DIR = Path(__file__).parent / "static"
DESCRIPTION = (
    "Layanan informasi publik menurut UU No. 14 Tahun 2008: permohonan, keberatan dan sengketa "
    "dengan tenggat hari kerja yang tepat."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.effective_database_url)
        app.state.ppid = AppState(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            secret_key=settings.secret_key(),
            tracking_secret=settings.tracking_secret(),
            previous_secret_keys=settings.previous_secret_keys(),
        )
        try:
            yield
        finally:
            await engine.dispose()

    # SecureFastAPI: the security headers (api/headers.py) on every response, its own 500s included.
    # The docs are served from the product, not a CDN (api/docs.py).
    app = SecureFastAPI(
        title="PPID — Layanan Informasi Publik", description=DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None,
    )  # fmt: skip
    app.add_middleware(BodySizeLimit)
    install_error_handlers(app)
    public_tracking.install(app)  # a citizen's page of an unproven case shows the code form
    install_sessions(app, settings)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")  # the pages' scripts and styles
    tracking = [Depends(limit_tracking)]
    for module in (health, auth, users, bodies, calendar, requests, objections, disputes, tasks, statistics):
        app.include_router(module.router, dependencies=tracking)
    app.include_router(dip_routes.router, dependencies=tracking)  # the DIP register (Pasal 11(1)(a))
    app.include_router(consequence_test_routes.router, dependencies=tracking)  # uji konsekuensi and DIK (§9)
    app.include_router(monev_routes.router, dependencies=tracking)  # the KI's yearly monev (Perki 1/2022)
    app.include_router(report_routes.router, dependencies=tracking)  # the yearly report (Pasal 12)
    app.include_router(staff_pages.router)
    app.include_router(dip_pages.router)
    app.include_router(consequence_test_pages.router)  # /staf/uji, /dik/{body}/{entry}/berita-acara
    app.include_router(request_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(objection_pages.router)
    app.include_router(dispute_pages.router)
    app.include_router(notice_pages.router)
    app.include_router(monev_pages.router)  # /ki/monev, /staf/monev, /monev/{komisi}/{year}
    app.include_router(report_pages.router)  # /staf/laporan, /staf/evaluasi-unit, /laporan, /statistik
    # The citizen's portal. Objection pages before tracking: both live under /lacak/{id}.
    for public in (public_home, public_intake, public_objection, public_tracking):
        app.include_router(public.router, dependencies=tracking)
    app.include_router(public_registers.router, dependencies=tracking)  # /dip/{body}, /dik/{body}
    if settings.ppid_bench:
        app.include_router(bench.router)
    if settings.ppid_clock == "simulated":  # training and acceptance mode only
        app.include_router(devclock.router)
    if settings.ppid_mailbox_dir is not None:  # only under `ppid dev` with the embedded SMTP sink
        # Imported here: the mailbox belongs to the dev extra (aiosmtpd), which the image does not install;
        # tests/test_runtime_imports.py checks that `ppid api` imports without it.
        from api.routes import devmail

        app.include_router(devmail.router)
    return app
