"""The demo directory and demo staff accounts seeded by `ppid dev` on first start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.directory import import_directory
from db.models import Body, User
from db.users import create_or_update_user
from domain.directory import DirectoryFile

DEMO_DIRECTORY = Path(__file__).parent / "data" / "demo-directory.yaml"
DEMO_PASSWORD = "demo-ppid-2026"
DEMO_ADMIN = "admin@ppid.example"


@dataclass
class DemoLogin:
    email: str
    role: str
    scope: str


async def is_empty(session: AsyncSession) -> bool:
    return (await session.scalar(select(func.count()).select_from(Body))) == 0


def demo_logins(directory: DirectoryFile) -> list[DemoLogin]:
    """Admin; per body its PPID Utama, its Atasan PPID and each unit's PPID Pelaksana; per KI a clerk."""
    logins = [DemoLogin(DEMO_ADMIN, "admin", "semua badan publik")]
    for body in directory.bodies:
        logins.append(DemoLogin(str(body.ppid_email), "ppid", body.slug))
        logins.append(DemoLogin(str(body.atasan_email), "atasan_ppid", body.slug))
        logins.extend(DemoLogin(str(u.email), "ppid", f"{body.slug}/{u.slug}") for u in body.units)
    logins.extend(DemoLogin(str(k.email), "komisi", k.slug) for k in directory.komisi_informasi)
    return logins


def _demo_directory() -> tuple[str, DirectoryFile]:
    text = DEMO_DIRECTORY.read_text(encoding="utf-8")
    return text, DirectoryFile.model_validate(yaml.safe_load(text))


async def existing_demo_logins(session: AsyncSession) -> list[DemoLogin]:
    """The demo logins, when an earlier start seeded them (printed on every start)."""
    if await session.scalar(select(User.id).where(User.email == DEMO_ADMIN)) is None:
        return []
    return demo_logins(_demo_directory()[1])


async def seed_demo(session: AsyncSession) -> list[DemoLogin]:
    text, directory = _demo_directory()
    await import_directory(session, text)
    logins = demo_logins(directory)
    for login in logins:
        body, _, unit = login.scope.partition("/")
        await create_or_update_user(
            session,
            email=login.email,
            password=DEMO_PASSWORD,
            role=login.role,
            body=body if login.role in ("ppid", "atasan_ppid") else None,
            unit=unit or None,
            komisi=login.scope if login.role == "komisi" else None,
            name=f"Demo {login.role} {login.scope}",
        )
    await session.commit()
    return logins
