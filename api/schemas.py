"""HTTP input and output models of the case endpoints (validation names the field on 422)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from domain.enums import (
    Channel,
    CopyFormat,
    DecisionOutcome,
    DeliveryMethod,
    HandoverMethod,
    ObtainMethod,
    RequesterKind,
)
from domain.identity import nik_problem, normalise_nik

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
EXEMPTION_ARTICLES = [f"17{letter}" for letter in "abcdefghij"]
INVALID_TEXT = "teks mengandung karakter yang tidak sah"
# Dates a client may name: wide enough for any case, narrow enough that N working days never overflow.
MIN_YEAR, MAX_YEAR = 1970, 2200
D = TypeVar("D", bound=date)


def _unstorable(value: object) -> bool:
    """Text no register can keep: a lone surrogate (UTF-8 cannot encode it) or NUL (PostgreSQL's text
    refuses it, where SQLite would keep it)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        if value.isascii():
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list | tuple):
        return any(_unstorable(item) for item in value)
    return False


def supported_year(value: D) -> D:
    """A date or moment within MIN_YEAR..MAX_YEAR (a validator: the 422 names the field)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"tahun harus di antara {MIN_YEAR} dan {MAX_YEAR}")
    return value


SupportedDate = Annotated[date, AfterValidator(supported_year)]


class _In(BaseModel):
    """Every input model: unknown fields refused, and no text a register cannot store (JSON allows `"\\ud800"`
    and `"\\u0000"`; a field whose type would let it through refuses it here, naming the field)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _valid_text(cls, value: Any) -> Any:
        if _unstorable(value):
            raise PydanticCustomError("string_unicode", INVALID_TEXT)
        return value


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
            value = normalise_nik(value)
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

    @field_validator("email")
    @classmethod
    def _ascii_email(cls, value: str | None) -> str | None:
        # Notices go through servers that may not speak SMTPUTF8: an address they would refuse is refused
        # here, at intake, where the citizen can still give another one.
        if value is not None and not str(value).isascii():
            raise ValueError(
                "alamat email dengan huruf di luar huruf Latin biasa belum dapat menerima pemberitahuan; "
                "gunakan alamat lain atau isi nomor telepon"
            )
        return value

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
    """The ground of a refusal: an entry of the DIK in force (`dik_entry`: its article and consequence are
    copied into the decision), or the article with the consequence test in words (then the timeline warns that
    no approved test stands behind it)."""

    dik_entry: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None
    ) = None
    article: Annotated[str | None, Field(json_schema_extra={"enum": EXEMPTION_ARTICLES})] = Field(
        default=None, validate_default=True
    )
    consequence_test: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=5000)] | None
    ) = Field(default=None, validate_default=True)

    @field_validator("article")
    @classmethod
    def _article(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            if info.data.get("dik_entry"):
                return None
            raise ValueError("wajib diisi (atau rujuk entri DIK dengan dik_entry)")
        value = value.strip().lower().replace(" ", "")
        if value not in EXEMPTION_ARTICLES:
            raise ValueError(f"dasar pengecualian harus salah satu dari {', '.join(EXEMPTION_ARTICLES)}")
        return value

    @field_validator("consequence_test")
    @classmethod
    def _consequence_test(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and not info.data.get("dik_entry"):
            raise ValueError("wajib diisi (atau rujuk entri DIK dengan dik_entry)")
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


class DeadlineOut(BaseModel):
    """A statutory clock explained: start event, N, unit, skipped days with names, calendar version and the
    `holidays` package version the deadline was computed with (None for calendar days, or a deadline
    computed before the version was recorded)."""

    clock: str
    description: str
    start: datetime
    working_days: int
    unit: str
    timezone: str
    due_at: datetime
    skipped: list[dict[str, Any]]
    calendar_version: int
    holidays_version: str | None = None
    explanation: str


class DocumentOut(BaseModel):
    id: str
    kind: str  # decision | delivery
    filename: str
    content_type: str
    size: int
    created_at: datetime
    url: str  # GET /v1/requests/{id}/documents/{document_id}


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
    deadlines: list[DeadlineOut] = Field(default_factory=list)  # every clock of the case, latest computation
    requester: dict[str, Any] | None = None  # staff view only (NIK masked)
    # The files given to the requester (decision attachment, delivered documents), each downloadable at `url`
    # by the case's staff or the requester (X-Tracking-Code).
    documents: list[DocumentOut] = Field(default_factory=list)


class RequestSummary(BaseModel):
    """One row of GET /v1/requests: the request and where it stands."""

    id: str
    registration_number: str
    body: str
    unit: str | None
    status: str
    channel: str
    received_at: datetime
    due_at: datetime  # T1, or T2 after an extension
    decided_at: datetime | None
    requester_name: str


class TaskOut(BaseModel):
    id: int
    kind: str
    case_id: str
    registration_number: str
    due_at: datetime | None
    sla: str
    unit: str | None = None
    object: str = "request"  # what the task is about: request | objection | dispute | calendar
    object_id: str = ""  # the id its own GET accepts
    requester_name: str | None = None
    working_days_left: int | None = None  # None: no due date; 0: due today or past
    status: str = "open"  # open | done | cancelled
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    # A delivery or compliance task, once done: {"delivered_on", "method", "note", "document_id", "by"}.
    delivery: dict[str, Any] | None = None
    close_reason: str | None = None  # why a task ended without its action (e.g. a court objection)


class DeliveryIn(_In):
    """The PPID records the delivery a grant or a KI order demands (POST /v1/tasks/{id}/delivery)."""

    delivered_on: SupportedDate
    method: HandoverMethod  # email | post (pos) | courier (kurir) | pickup (diambil langsung) | on_site
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    document_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None


# --- Objections and disputes ------------------------------------------------------------------------------

ObjectionReason = Annotated[str, StringConstraints(pattern=r"^[a-g]$")]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=5000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class ObjectionIn(_In):
    reasons: list[Literal["a", "b", "c", "d", "e", "f", "g"]] = Field(min_length=1, max_length=7)
    case_position: LongText
    purpose: ShortText
    late_override_reason: LongText | None = Field(
        default=None, description="staff only: why an objection after the window is admitted"
    )

    @field_validator("reasons")
    @classmethod
    def _unique(cls, reasons: list[str]) -> list[str]:
        return sorted(set(reasons))


class ObjectionCreated(BaseModel):
    id: str
    registration_number: str
    status: str
    due_at: datetime


class ResponseIn(_In):
    outcome: Literal["granted", "partially_granted", "upheld"]
    reasons: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = Field(
        default=None, validate_default=True
    )
    order: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None

    @field_validator("reasons")
    @classmethod
    def _reasons(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("outcome") == "upheld" and not (value and len(value) >= 10):
            raise ValueError("menguatkan penolakan wajib disertai alasan tertulis (Pasal 36 ayat (3))")
        return value


class AcceptanceIn(_In):
    pass


class DisputeIn(_In):
    statement: LongText
    requested_outcome: ShortText


class DisputeCreated(BaseModel):
    id: str
    komisi_informasi: str
    status: str


class ObjectionOut(BaseModel):
    id: str
    request_id: str
    registration_number: str
    request_registration_number: str
    status: str
    reasons: list[str]
    case_position: str
    purpose: str
    registered_at: datetime
    due_at: datetime
    deadline_explanation: str | None
    late_override_reason: str | None
    response: dict[str, Any] | None
    responded_at: datetime | None
    dispute_deadline: datetime | None
    dispute: str | None
    timeline: list[TimelineEntry]


class ObjectionSummary(BaseModel):
    """One row of GET /v1/objections: the objection, its request and where it stands."""

    id: str
    registration_number: str
    request_id: str
    request_registration_number: str
    body: str
    unit: str | None
    requester_name: str
    status: str
    reasons: list[str]
    registered_at: datetime
    due_at: datetime  # T4
    responded_at: datetime | None
    dispute_deadline: datetime | None  # T5


class RegistrationIn(_In):
    register_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)]


class StageIn(_In):
    stage: Literal["mediation", "adjudication"]


class OutcomeIn(_In):
    outcome: Literal[
        "mediation_agreement", "adjudication_granted", "adjudication_partially_granted", "adjudication_rejected",
        "dismissed", "withdrawn",
    ]  # fmt: skip
    decision_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None
    disclosure_due: date | None = None


class DisputeOut(BaseModel):
    id: str
    request_id: str
    objection_id: str
    registration_number: str
    objection_registration_number: str
    body: str
    komisi_informasi: str
    status: str
    stage: str | None
    statement: str
    requested_outcome: str
    submitted_at: datetime
    register_number: str | None
    registered_at: datetime | None
    start_due_at: datetime | None
    settle_due_at: datetime | None
    outcome: dict[str, Any] | None
    decided_at: datetime | None
    final_at: datetime | None
    case_file: dict[str, Any] | None = None
    # A court objection against the KI's adjudication decision, once recorded (Pasal 47-48): `court`,
    # `court_kind` (`ptun` | `pengadilan_negeri`), `court_kind_label`, `filed_on`, `case_number`,
    # `recorded_by` (`komisi` | `ppid`), `recorded_at`.
    court_objection: dict[str, Any] | None = None


class CourtObjectionIn(_In):
    """A party's objection before a court against the KI's adjudication decision, within the 14 working days
    of Pasal 48 ayat (1). `court` is free text; the kind of court follows from the body (Pasal 47)."""

    court: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    filed_on: date
    case_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)]
