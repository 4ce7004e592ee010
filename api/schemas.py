"""HTTP input and output models of the case endpoints (validation names the field on 422)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from domain.enums import Channel, CopyFormat, DecisionOutcome, DeliveryMethod, ObtainMethod, RequesterKind
from domain.identity import nik_problem

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
EXEMPTION_ARTICLES = [f"17{letter}" for letter in "abcdefghij"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProxyIn(_In):
    name: Text200
    document_reference: Text200 = Field(description="nomor/tanggal surat kuasa")


class RequesterIn(_In):
    kind: RequesterKind
    name: Text200
    nik: str | None = Field(default=None, validate_default=True)
    legal_entity_number: str | None = Field(default=None, max_length=120, validate_default=True)
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)]
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 ()-]{5,19}$")] | None = Field(
        default=None, validate_default=True
    )
    occupation: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    proxy: ProxyIn | None = None

    @field_validator("nik")
    @classmethod
    def _nik(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind in (RequesterKind.INDIVIDUAL, RequesterKind.GROUP):
            if not value:
                raise ValueError("NIK wajib diisi untuk pemohon perorangan atau kelompok")
            problem = nik_problem(value)
            if problem:
                raise ValueError(problem)
        return value or None

    @field_validator("legal_entity_number")
    @classmethod
    def _legal_entity(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == RequesterKind.LEGAL_ENTITY and not (value and len(value.strip()) >= 3):
            raise ValueError("nomor pengesahan badan hukum wajib diisi untuk pemohon badan hukum")
        return value.strip() if value else None

    @field_validator("phone")
    @classmethod
    def _contact(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and not info.data.get("email"):
            raise ValueError("isi email (untuk pemberitahuan) atau nomor telepon")
        return value


class RequestIn(_In):
    body: Slug
    unit: Slug | None = None
    requester: RequesterIn
    information: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=5000)]
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    obtain_method: ObtainMethod
    copy_format: CopyFormat | None = Field(default=None, validate_default=True)
    delivery_method: DeliveryMethod
    channel: Channel = Channel.WEB

    @field_validator("copy_format")
    @classmethod
    def _copy_format(cls, value: CopyFormat | None, info: ValidationInfo) -> CopyFormat | None:
        if info.data.get("obtain_method") == ObtainMethod.COPY and value is None:
            raise ValueError("pilih softcopy atau hardcopy untuk salinan")
        return value


class RequestCreated(BaseModel):
    id: str
    registration_number: str
    tracking_code: str
    status: str
    received_at: datetime
    due_at: datetime


class ExtensionIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]


class ExemptionIn(_In):
    article: Annotated[str, Field(json_schema_extra={"enum": EXEMPTION_ARTICLES})]
    consequence_test: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=5000)]

    @field_validator("article")
    @classmethod
    def _article(cls, value: str) -> str:
        value = value.strip().lower().replace(" ", "")
        if value not in EXEMPTION_ARTICLES:
            raise ValueError(f"dasar pengecualian harus salah satu dari {', '.join(EXEMPTION_ARTICLES)}")
        return value


class DecisionIn(_In):
    outcome: DecisionOutcome
    exemption: ExemptionIn | None = Field(default=None, validate_default=True)
    redactions: Annotated[str, StringConstraints(max_length=5000)] | None = None
    holder_body: Annotated[str, StringConstraints(max_length=200)] | None = None
    fee_idr: int | None = Field(default=None, ge=0, le=100_000_000)
    note: Annotated[str, StringConstraints(max_length=5000)] | None = None

    @field_validator("exemption")
    @classmethod
    def _exemption(cls, value: ExemptionIn | None, info: ValidationInfo) -> ExemptionIn | None:
        outcome = info.data.get("outcome")
        if outcome in (DecisionOutcome.REJECTED, DecisionOutcome.PARTIALLY_GRANTED) and value is None:
            raise ValueError(
                "penolakan (seluruh atau sebagian) memerlukan dasar Pasal 17 dan uji konsekuensi"
            )
        return value


class AssignIn(_In):
    unit: Slug


class TimelineEntry(BaseModel):
    at: datetime
    event: str
    label: str
    actor: str | None = None
    data: dict[str, Any] | None = None


class CaseOut(BaseModel):
    id: str
    registration_number: str
    body: str
    timezone: str
    unit: str | None
    status: str
    received_at: datetime
    due_at: datetime
    deadline_explanation: str | None = None
    extended: bool
    extension_reason: str | None
    decision: dict[str, Any] | None
    decided_late: bool
    objection_deadline: datetime | None
    objections: list[str]
    information: str
    timeline: list[TimelineEntry]
    requester: dict[str, Any] | None = None  # staff view only (NIK masked)


class TaskOut(BaseModel):
    id: int
    kind: str
    case_id: str
    registration_number: str
    due_at: datetime | None
    sla: str
    unit: str | None = None
