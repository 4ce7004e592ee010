"""The administrators' pages: the living calendar, the staff accounts and the directory (role admin only)."""

from __future__ import annotations

from fastapi import APIRouter

from api.web.admin.calendar import router as calendar_router
from api.web.admin.directory import router as directory_router
from api.web.admin.users import router as users_router

router = APIRouter(prefix="/staf/admin", include_in_schema=False)
for pages in (calendar_router, users_router, directory_router):
    router.include_router(pages)
