"""`ppid directory import`: validate the whole file first, then upsert in one transaction (or nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from base.yaml_lines import YamlError, line_of, load_with_lines
from db.models import Body, KomisiInformasi, Unit
from domain.directory import DirectoryFile


class DirectoryError(ValueError):
    """A malformed directory file; the message names the line and the field."""


@dataclass
class ImportSummary:
    komisi: int
    bodies: int
    units: int


def _field(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def parse_directory(text: str) -> tuple[DirectoryFile, dict[tuple[str | int, ...], int]]:
    try:
        data, lines = load_with_lines(text)
    except YamlError as exc:
        raise DirectoryError(str(exc)) from exc
    if not isinstance(data, dict):
        raise DirectoryError("line 1: the file must be a mapping with 'komisi_informasi' and 'bodies'")
    try:
        return DirectoryFile.model_validate(data), lines
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            line = line_of(lines, loc)
            problems.append(f"line {line}: {_field(loc)}: {error['msg']}")
        raise DirectoryError("\n".join(problems)) from exc


async def import_directory(session: AsyncSession, text: str) -> ImportSummary:
    """Create or update every Komisi Informasi, body and unit of the file; idempotent."""
    directory, lines = parse_directory(text)
    komisi_by_slug = {k.slug: k for k in (await session.scalars(select(KomisiInformasi))).all()}
    known_komisi = set(komisi_by_slug) | {k.slug for k in directory.komisi_informasi}
    for index, body_entry in enumerate(directory.bodies):
        if body_entry.komisi_informasi not in known_komisi:
            loc = ("bodies", index, "komisi_informasi")
            raise DirectoryError(
                f"line {line_of(lines, loc)}: {_field(loc)}: unknown Komisi Informasi "
                f"{body_entry.komisi_informasi!r} (not in this file nor in the database)"
            )
    existing_codes = {b.code: b.slug for b in (await session.scalars(select(Body))).all()}
    for index, body_entry in enumerate(directory.bodies):
        owner = existing_codes.get(body_entry.code)
        if owner is not None and owner != body_entry.slug:
            loc = ("bodies", index, "code")
            raise DirectoryError(
                f"line {line_of(lines, loc)}: {_field(loc)}: "
                f"code {body_entry.code!r} is already used by {owner!r}"
            )

    for entry in directory.komisi_informasi:
        komisi = komisi_by_slug.get(entry.slug) or KomisiInformasi(slug=entry.slug)
        komisi.name, komisi.level = entry.name, entry.level.value
        komisi.timezone, komisi.email = entry.timezone, str(entry.email)
        session.add(komisi)
        komisi_by_slug[entry.slug] = komisi
    await session.flush()

    units = 0
    for body_entry in directory.bodies:
        body = await session.scalar(
            select(Body).options(selectinload(Body.units)).where(Body.slug == body_entry.slug)
        )
        if body is None:
            body = Body(slug=body_entry.slug)
            body.units = []
        body.code, body.name, body.level = body_entry.code, body_entry.name, body_entry.level.value
        body.state_body, body.timezone = body_entry.state_body, body_entry.timezone
        body.komisi_id = komisi_by_slug[body_entry.komisi_informasi].id
        body.ppid_email = str(body_entry.ppid_email)
        body.atasan_email = str(body_entry.atasan_email)
        body.head_email = str(body_entry.head_email)
        body.uk_review_days, body.uk_approval_days = body_entry.uk_review_days, body_entry.uk_approval_days
        session.add(body)
        # Units missing from the file are kept: requests may still refer to them.
        by_slug = {u.slug: u for u in body.units}
        for unit_entry in body_entry.units:
            unit = by_slug.get(unit_entry.slug)
            if unit is None:
                unit = Unit(slug=unit_entry.slug)
                body.units.append(unit)
            unit.name, unit.email = unit_entry.name, str(unit_entry.email)
            units += 1
    await session.flush()
    return ImportSummary(komisi=len(directory.komisi_informasi), bodies=len(directory.bodies), units=units)
