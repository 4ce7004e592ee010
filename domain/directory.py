"""The directory file (docs/api.md): Komisi Informasi, public bodies and their PPID units."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from domain.enums import KomisiLevel

# The four Indonesian time zones (WIB, WITA, WIT); Asia/Pontianak is WIB for West and Central Kalimantan.
INDONESIAN_TIMEZONES = frozenset({"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"})

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
BodyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]


def _check_timezone(value: str) -> str:
    if value not in INDONESIAN_TIMEZONES:
        raise ValueError(f"must be one of {', '.join(sorted(INDONESIAN_TIMEZONES))}")
    return value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KomisiEntry(_Entry):
    slug: Slug
    name: Name
    level: KomisiLevel
    timezone: str
    email: EmailStr

    _tz = field_validator("timezone")(_check_timezone)


class UnitEntry(_Entry):
    slug: Slug
    name: Name
    email: EmailStr


class BodyEntry(_Entry):
    slug: Slug
    code: BodyCode
    name: Name
    level: KomisiLevel
    state_body: bool = True
    timezone: str
    komisi_informasi: Slug
    ppid_email: EmailStr
    atasan_email: EmailStr
    head_email: EmailStr
    # Working days of the consequence test's review (PPID Utama) and approval (Atasan PPID); None: 5 each.
    uk_review_days: int | None = Field(default=None, ge=1, le=60)
    uk_approval_days: int | None = Field(default=None, ge=1, le=60)
    units: list[UnitEntry] = Field(default_factory=list)

    _tz = field_validator("timezone")(_check_timezone)

    @field_validator("units")
    @classmethod
    def _unique_units(cls, units: list[UnitEntry]) -> list[UnitEntry]:
        seen: set[str] = set()
        for unit in units:
            if unit.slug in seen:
                raise ValueError(f"unit slug {unit.slug!r} appears twice")
            seen.add(unit.slug)
        return units


class DirectoryFile(_Entry):
    komisi_informasi: list[KomisiEntry] = Field(default_factory=list)
    bodies: list[BodyEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> DirectoryFile:
        for label, values in (
            ("komisi_informasi slug", [k.slug for k in self.komisi_informasi]),
            ("body slug", [b.slug for b in self.bodies]),
            ("body code", [b.code for b in self.bodies]),
        ):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                raise ValueError(f"{label} appears more than once: {', '.join(duplicates)}")
        return self
