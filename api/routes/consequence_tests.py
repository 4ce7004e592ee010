"""The consequence test (uji konsekuensi, UU Pasal 19; PP 61/2010 Pasal 3) and the DIK register it produces
(CONTRACT §9, docs/api.md "Excepted information").

The steps go to the test's workflow (`uji-konsekuensi-<id>`) as Updates: a step by someone not in the chain
(a PPID Pelaksana reviewing, a PPID approving) or of a test already decided is refused there, 409 with the
reason. Staff of another body, or a PPID Pelaksana of another unit, get 403 (they may not see the test).

The functions below the routes are what the staff desk calls (same checks, same answers):
`create_consequence_test`, `consequence_test_view`, `review_consequence_test`, `resubmit_consequence_test`,
`approve_consequence_test`, `determine_dik_entry`, `consequence_test_list`.
"""

from __future__ import annotations

import uuid
from collections.abc import Coroutine
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.workflow import UpdateMethodMultiParam

from api.deps import SessionDep, Staff, StaffDep, StateDep, TemporalDep
from api.schemas import Slug, SupportedDate, TimelineEntry, _In
from api.updates import run_update
from db.dik_repo import DikEntryDetail, DikEntryOut, get_dik_entry, list_dik_entries
from db.models import Body, ConsequenceTest, DikEntry, InfoRequest, Task, TimelineEvent, Unit
from domain.consequence_contracts import ConsequenceTestStart, StepCommand, StepResult
from domain.enums import Role
from domain.exceptions import (
    ARTICLES,
    GROUNDS,
    InformationKind,
    never_excepted_problem,
    period_problem,
    point_problem,
)
from workflows.consequence_test import ConsequenceTestWorkflow

router = APIRouter(prefix="/v1", tags=["excepted information"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Uji konsekuensi tidak ditemukan")
ENTRY_NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Entri DIK tidak ditemukan")
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=10_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Conclusion = Literal["closed", "open", "partly_closed"]


def _article(value: str) -> str:
    value = value.strip().lower().replace(" ", "")
    if value not in ARTICLES:
        raise ValueError(
            f"dasar pengecualian harus salah satu dari {', '.join(ARTICLES)} (Pasal 17 UU 14/2008)"
        )
    return value


class ConsequenceTestIn(_In):
    body: Slug
    unit: Slug | None = None
    information: ShortText
    documents: ShortText
    article: Annotated[str, Field(json_schema_extra={"enum": ARTICLES})]
    point: int | None = Field(default=None, ge=1)  # the ground's own range is checked by point_problem
    other_law: Note | None = None
    information_kind: InformationKind = InformationKind.OTHER
    harm: LongText
    public_interest: LongText
    participants: Note | None = None  # who took part besides the chain, one per line
    conclusion: Conclusion
    excepted_part: Note | None = None
    exemption_until: SupportedDate | None = None
    exemption_condition: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)] | None
    ) = None
    request_id: Annotated[str, StringConstraints(max_length=32)] | None = None
    renews_entry_id: Annotated[str, StringConstraints(max_length=32)] | None = None

    @field_validator("article")
    @classmethod
    def _valid_article(cls, value: str) -> str:
        return _article(value)


class ConsequenceTestCreated(BaseModel):
    id: str
    status: str


class ReviewIn(_In):
    action: Literal["forward", "return"]
    note: Note | None = Field(default=None, validate_default=True)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("action") == "return" and not value:
            raise ValueError("pengembalian wajib disertai catatan perbaikan")
        return value


class ResubmissionIn(_In):
    note: Note | None = None
    documents: ShortText | None = None
    excepted_part: Note | None = None
    other_law: Note | None = None
    harm: LongText | None = None
    public_interest: LongText | None = None
    participants: Note | None = None
    exemption_until: SupportedDate | None = None
    exemption_condition: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)] | None
    ) = None


class ApprovalIn(_In):
    approve: bool
    note: Note | None = Field(default=None, validate_default=True)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("approve") is False and not value:
            raise ValueError("penolakan pengesahan wajib disertai alasan")
        return value


class DeterminationIn(_In):
    """`open`: the information opens now (PP 61/2010 Pasal 11). `retest`: a new consequence test of the entry
    (Pasal 10) starts, a copy of the entry's test with the new period (and harm analysis, if given)."""

    action: Literal["open", "retest"]
    note: Note | None = None
    exemption_until: SupportedDate | None = None
    exemption_condition: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)] | None
    ) = None
    harm: LongText | None = None
    public_interest: LongText | None = None


class DeterminationOut(BaseModel):
    entry: DikEntryDetail
    consequence_test_id: str | None = None  # the retest started


class TaskLine(BaseModel):
    kind: str
    status: str
    due_at: datetime | None
    note: str | None


class LinkedRequest(BaseModel):
    id: str
    registration_number: str
    due_at: datetime
    status: str


class ConsequenceTestOut(BaseModel):
    id: str
    body: str
    unit: str | None
    status: str  # submitted | returned | forwarded | approved | refused
    information: str
    documents: str
    excepted_part: str | None
    article: str
    point: int | None
    legal_basis: str
    other_law: str | None
    information_kind: str
    harm: str
    public_interest: str
    participants: str | None
    conclusion: str
    exemption_until: date | None
    exemption_condition: str | None
    origin: str  # pre_request | at_request | renewal
    request: LinkedRequest | None
    renews_entry_id: str | None
    submitted_by: str
    submitted_at: datetime
    rounds: int
    review_note: str | None
    decision_note: str | None
    due_at: datetime | None  # the current step's
    warning: str | None  # the approval may come after the request's deadline
    number: str | None  # the berita acara's, on approval
    dik_entry_id: str | None
    decided_at: datetime | None
    tasks: list[TaskLine]
    timeline: list[TimelineEntry]


# --- access -----------------------------------------------------------------------------------------------


def chain_role(staff: Staff) -> str:
    """The staff member's place in the chain: utama (PPID of the body), pelaksana (PPID of a unit), atasan."""
    if staff.role == Role.ATASAN_PPID:
        return "atasan"
    if staff.role == Role.PPID:
        return "pelaksana" if staff.unit_id is not None else "utama"
    return staff.role.value


def _may_see(staff: Staff, body_id: int, unit_id: int | None) -> bool:
    if staff.role not in (Role.PPID, Role.ATASAN_PPID) or staff.body_id != body_id:
        return False
    return staff.unit_id is None or staff.unit_id == unit_id


async def _load_test(session: AsyncSession, staff: Staff, test_id: str) -> ConsequenceTest:
    test = await session.get(ConsequenceTest, test_id) if len(test_id) <= 32 else None
    if test is None:
        raise NOT_FOUND
    if not _may_see(staff, test.body_id, test.unit_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Uji konsekuensi ini bukan milik badan publik atau unit Anda"
        )
    return test


def _unprocessable(field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


def check_content(
    payload: ConsequenceTestIn | DeterminationIn | ResubmissionIn, article: str, conclusion: str, today: date
) -> None:
    """The rules the schema alone cannot check: a period given exactly when information is excepted, within the
    limit PP 61/2010 sets for the ground, and never for what Pasal 18 says cannot be excepted."""
    until, condition = payload.exemption_until, payload.exemption_condition
    if isinstance(payload, ConsequenceTestIn):
        if (problem := point_problem(article, payload.point)) is not None:
            raise _unprocessable("point", problem)
        if conclusion != "open" and (problem := never_excepted_problem(payload.information_kind)) is not None:
            raise _unprocessable("information_kind", problem)
        if conclusion == "partly_closed" and not payload.excepted_part:
            raise _unprocessable("excepted_part", "sebutkan bagian yang dikecualikan (dihitamkan)")
        if conclusion != "open" and until is None and not condition:
            raise _unprocessable(
                "exemption_until",
                "jangka waktu pengecualian wajib diisi: tanggal atau kondisi (PP 61/2010 Pasal 4)",
            )
    if until is not None and condition:
        raise _unprocessable("exemption_condition", "isi tanggal atau kondisi jangka waktu, tidak keduanya")
    if (problem := period_problem(article, today, until)) is not None:
        raise _unprocessable("exemption_until", problem)


# --- the test ---------------------------------------------------------------------------------------------


@router.post(
    "/consequence-tests",
    status_code=201,
    response_model=ConsequenceTestCreated,
    summary="Start a consequence test (PPID of the body or of the unit holding the information)",
)
async def create(
    payload: ConsequenceTestIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep, state: StateDep
) -> ConsequenceTestCreated:
    return await create_consequence_test(
        session, temporal, staff, payload, await state.now(), state.settings.temporal_task_queue
    )


async def create_consequence_test(
    session: AsyncSession,
    temporal: Client,
    staff: Staff,
    payload: ConsequenceTestIn,
    now: datetime,
    task_queue: str,
) -> ConsequenceTestCreated:
    body = await session.scalar(select(Body).where(Body.slug == payload.body))
    if body is None:
        raise _unprocessable("body", f"badan publik {payload.body!r} tidak ada")
    if staff.role != Role.PPID or staff.body_id != body.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Uji konsekuensi disusun oleh PPID badan publik ini")
    unit_id = staff.unit_id
    if payload.unit is not None:
        unit = await session.scalar(select(Unit).where(Unit.body_id == body.id, Unit.slug == payload.unit))
        if unit is None:
            raise _unprocessable("unit", f"unit {payload.unit!r} tidak ada")
        if staff.unit_id is not None and unit.id != staff.unit_id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "PPID Pelaksana menyusun uji konsekuensi unitnya sendiri"
            )
        unit_id = unit.id
    check_content(
        payload, payload.article, payload.conclusion, now.astimezone(ZoneInfo(body.timezone)).date()
    )
    if payload.request_id is not None:
        request = await session.get(InfoRequest, payload.request_id)
        if request is None or request.body_id != body.id:
            raise _unprocessable("request_id", "permohonan tidak ditemukan pada badan publik ini")
    renews_workflow = None
    if payload.renews_entry_id is not None:
        old = await session.get(DikEntry, payload.renews_entry_id)
        if old is None or old.body_id != body.id:
            raise _unprocessable("renews_entry_id", "entri DIK tidak ditemukan pada badan publik ini")
        if old.status != "in_force":
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"Entri DIK {old.number} tidak lagi berlaku ({old.status})."
            )
        renews_workflow = f"uji-konsekuensi-{old.test_id}"
    test_id = uuid.uuid4().hex
    test = ConsequenceTest(
        id=test_id,
        body_id=body.id,
        unit_id=unit_id,
        request_id=payload.request_id,
        renews_entry_id=payload.renews_entry_id,
        status="submitted",
        information=payload.information,
        documents=payload.documents,
        excepted_part=payload.excepted_part,
        article=payload.article,
        point=payload.point,
        other_law=payload.other_law,
        information_kind=payload.information_kind.value,
        harm=payload.harm,
        public_interest=payload.public_interest,
        participants=payload.participants,
        conclusion=payload.conclusion,
        exemption_until=payload.exemption_until,
        exemption_condition=payload.exemption_condition,
        submitted_by=staff.email,
        submitted_at=now,
        rounds=1,
        workflow_id=f"uji-konsekuensi-{test_id}",
    )
    session.add(test)
    await session.commit()
    start = ConsequenceTestStart(
        test_id=test_id,
        body=body.slug,
        timezone=body.timezone,
        request_id=payload.request_id,
        renews_entry_id=payload.renews_entry_id,
        renews_workflow_id=renews_workflow,
    )
    try:
        await temporal.start_workflow(
            ConsequenceTestWorkflow.run, start, id=test.workflow_id, task_queue=task_queue
        )
    except Exception:
        await session.delete(test)
        await session.commit()
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "Temporal tidak dapat dihubungi") from None
    return ConsequenceTestCreated(id=test_id, status="submitted")


@router.get("/consequence-tests/{test_id}", response_model=ConsequenceTestOut, summary="The test (staff)")
async def get_test(test_id: str, session: SessionDep, staff: StaffDep) -> ConsequenceTestOut:
    return await consequence_test_view(session, staff, test_id)


async def consequence_test_view(session: AsyncSession, staff: Staff, test_id: str) -> ConsequenceTestOut:
    test = await _load_test(session, staff, test_id)
    body = await session.get(Body, test.body_id)
    assert body is not None
    tz = ZoneInfo(body.timezone)
    unit = await session.get(Unit, test.unit_id) if test.unit_id else None
    request = await session.get(InfoRequest, test.request_id) if test.request_id else None
    tasks = (
        await session.scalars(
            select(Task).where(Task.case_id.in_([test.id, test.dik_entry_id or test.id])).order_by(Task.id)
        )
    ).all()
    events = (
        await session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.subject_type == "consequence_test", TimelineEvent.subject_id == test.id)
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
    ).all()
    warning = next((e.label for e in reversed(events) if e.event == "uk_late_warning"), None)

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz) if moment is not None else None

    return ConsequenceTestOut(
        id=test.id,
        body=body.slug,
        unit=unit.slug if unit else None,
        status=test.status,
        information=test.information,
        documents=test.documents,
        excepted_part=test.excepted_part,
        article=test.article,
        point=test.point,
        legal_basis=GROUNDS[test.article].cite(test.point),
        other_law=test.other_law,
        information_kind=test.information_kind,
        harm=test.harm,
        public_interest=test.public_interest,
        participants=test.participants,
        conclusion=test.conclusion,
        exemption_until=test.exemption_until,
        exemption_condition=test.exemption_condition,
        origin="renewal" if test.renews_entry_id else ("at_request" if test.request_id else "pre_request"),
        request=LinkedRequest(
            id=request.id,
            registration_number=request.registration_number,
            due_at=request.due_at.astimezone(tz),
            status=request.status,
        )
        if request
        else None,
        renews_entry_id=test.renews_entry_id,
        submitted_by=test.submitted_by,
        submitted_at=test.submitted_at.astimezone(tz),
        rounds=test.rounds,
        review_note=test.review_note,
        decision_note=test.decision_note,
        due_at=local(test.due_at),
        warning=warning,
        number=test.number,
        dik_entry_id=test.dik_entry_id,
        decided_at=local(test.decided_at),
        tasks=[TaskLine(kind=t.kind, status=t.status, due_at=local(t.due_at), note=t.note) for t in tasks],
        timeline=[
            TimelineEntry(at=e.at.astimezone(tz), event=e.event, label=e.label, actor=e.actor, data=e.data)
            for e in events
        ],
    )


@router.get(
    "/consequence-tests",
    response_model=list[ConsequenceTestOut],
    summary="The caller's consequence tests, newest first (staff)",
)
async def list_tests(
    session: SessionDep,
    staff: StaffDep,
    status_is: Annotated[
        Literal["submitted", "returned", "forwarded", "approved", "refused"] | None, Query(alias="status")
    ] = None,
) -> list[ConsequenceTestOut]:
    return await consequence_test_list(session, staff, status_is=status_is)


async def consequence_test_list(
    session: AsyncSession, staff: Staff, *, status_is: str | None = None, limit: int = 100
) -> list[ConsequenceTestOut]:
    """The tests of the caller's body (a PPID Pelaksana: their unit's), newest first."""
    if staff.role not in (Role.PPID, Role.ATASAN_PPID):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Uji konsekuensi dilihat oleh PPID dan Atasan PPID")
    query = select(ConsequenceTest.id).where(ConsequenceTest.body_id == staff.body_id)
    if staff.unit_id is not None:
        query = query.where(ConsequenceTest.unit_id == staff.unit_id)
    if status_is:
        query = query.where(ConsequenceTest.status == status_is)
    ids = (await session.scalars(query.order_by(ConsequenceTest.submitted_at.desc()).limit(limit))).all()
    return [await consequence_test_view(session, staff, test_id) for test_id in ids]


async def _step(
    session: AsyncSession, temporal: Client, staff: Staff, test_id: str,
    update: UpdateMethodMultiParam[[Any, StepCommand], Coroutine[Any, Any, StepResult]], command: StepCommand,
) -> ConsequenceTestOut:  # fmt: skip
    test = await _load_test(session, staff, test_id)
    await run_update(temporal, test.workflow_id, update, command)
    session.expire_all()
    return await consequence_test_view(session, staff, test_id)


@router.post(
    "/consequence-tests/{test_id}/review",
    response_model=ConsequenceTestOut,
    summary="The PPID Utama forwards the test to the Atasan PPID or returns it with notes",
)
async def review(
    test_id: str, payload: ReviewIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> ConsequenceTestOut:
    return await review_consequence_test(session, temporal, staff, test_id, payload)


async def review_consequence_test(
    session: AsyncSession, temporal: Client, staff: Staff, test_id: str, payload: ReviewIn
) -> ConsequenceTestOut:
    command = StepCommand(
        action=payload.action, note=payload.note, actor=staff.email, actor_role=chain_role(staff)
    )
    return await _step(session, temporal, staff, test_id, ConsequenceTestWorkflow.review, command)


@router.post(
    "/consequence-tests/{test_id}/resubmission",
    response_model=ConsequenceTestOut,
    summary="The drafter submits a returned test again, with its corrections",
)
async def resubmit(
    test_id: str,
    payload: ResubmissionIn,
    session: SessionDep,
    staff: StaffDep,
    temporal: TemporalDep,
    state: StateDep,
) -> ConsequenceTestOut:
    return await resubmit_consequence_test(session, temporal, staff, test_id, payload, await state.now())


async def resubmit_consequence_test(
    session: AsyncSession,
    temporal: Client,
    staff: Staff,
    test_id: str,
    payload: ResubmissionIn,
    now: datetime,
) -> ConsequenceTestOut:
    test = await _load_test(session, staff, test_id)
    body = await session.get(Body, test.body_id)
    assert body is not None
    check_content(payload, test.article, test.conclusion, now.astimezone(ZoneInfo(body.timezone)).date())
    changes: dict[str, Any] = payload.model_dump(mode="json", exclude={"note"}, exclude_none=True)
    command = StepCommand(
        action="resubmit", note=payload.note, actor=staff.email, actor_role=chain_role(staff), changes=changes
    )
    return await _step(session, temporal, staff, test_id, ConsequenceTestWorkflow.resubmit, command)


@router.post(
    "/consequence-tests/{test_id}/approval",
    response_model=ConsequenceTestOut,
    summary="The Atasan PPID approves the test (creating the DIK entry) or refuses it",
)
async def approval(
    test_id: str, payload: ApprovalIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> ConsequenceTestOut:
    return await approve_consequence_test(session, temporal, staff, test_id, payload)


async def approve_consequence_test(
    session: AsyncSession, temporal: Client, staff: Staff, test_id: str, payload: ApprovalIn
) -> ConsequenceTestOut:
    command = StepCommand(
        action="approve" if payload.approve else "refuse",
        note=payload.note,
        actor=staff.email,
        actor_role=chain_role(staff),
    )
    return await _step(session, temporal, staff, test_id, ConsequenceTestWorkflow.approval, command)


# --- the register -----------------------------------------------------------------------------------------


@router.get(
    "/dik", response_model=list[DikEntryOut], summary="The body's DIK: entries in force and opened (public)"
)
async def dik(
    session: SessionDep,
    body: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")],
    include_opened: bool = True,
) -> list[DikEntryOut]:
    entries = await list_dik_entries(session, body, include_opened=include_opened)
    if entries is None:
        # As /v1/dip: an unknown body is a bad query parameter, named (api/routes/dip.py).
        detail = {
            "loc": ["query", "body"],
            "msg": "tidak ada badan publik dengan kode ini",
            "type": "value_error",
        }
        raise HTTPException(422, [detail])
    return entries


@router.get("/dik/{entry_id}", response_model=DikEntryDetail, summary="A DIK entry and its history (public)")
async def dik_entry(entry_id: str, session: SessionDep) -> DikEntryDetail:
    found = await get_dik_entry(session, entry_id)
    if found is None:
        raise ENTRY_NOT_FOUND
    return found


@router.post(
    "/dik/{entry_id}/determination",
    response_model=DeterminationOut,
    summary="The PPID determines the entry opens, or starts a new consequence test (PP 61/2010 Pasal 10-11)",
)
async def determination(
    entry_id: str,
    payload: DeterminationIn,
    session: SessionDep,
    staff: StaffDep,
    temporal: TemporalDep,
    state: StateDep,
) -> DeterminationOut:
    return await determine_dik_entry(
        session, temporal, staff, entry_id, payload, await state.now(), state.settings.temporal_task_queue
    )


async def determine_dik_entry(
    session: AsyncSession,
    temporal: Client,
    staff: Staff,
    entry_id: str,
    payload: DeterminationIn,
    now: datetime,
    task_queue: str,
) -> DeterminationOut:
    entry = await session.get(DikEntry, entry_id) if len(entry_id) <= 32 else None
    if entry is None:
        raise ENTRY_NOT_FOUND
    if staff.role != Role.PPID or not _may_see(staff, entry.body_id, entry.unit_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Penetapan dilakukan oleh PPID badan publik ini")
    if entry.status != "in_force":
        raise HTTPException(status.HTTP_409_CONFLICT, f"Entri DIK {entry.number} tidak lagi berlaku.")
    old = await session.get(ConsequenceTest, entry.test_id)
    body = await session.get(Body, entry.body_id)
    assert old is not None and body is not None
    if payload.action == "retest":
        if payload.exemption_until is None and not payload.exemption_condition:
            raise _unprocessable(
                "exemption_until", "uji konsekuensi ulang memerlukan jangka waktu pengecualian baru"
            )
        check_content(payload, old.article, old.conclusion, now.astimezone(ZoneInfo(body.timezone)).date())
    command = StepCommand(
        action=payload.action, note=payload.note, actor=staff.email, actor_role=chain_role(staff)
    )
    await run_update(temporal, old.workflow_id, ConsequenceTestWorkflow.determination, command)
    created = None
    if payload.action == "retest":
        unit = await session.get(Unit, old.unit_id) if old.unit_id else None
        retest = ConsequenceTestIn(
            body=body.slug,
            unit=unit.slug if unit else None,
            information=old.information,
            documents=old.documents,
            article=old.article,
            point=old.point,
            other_law=old.other_law,
            information_kind=InformationKind(old.information_kind),
            harm=payload.harm or old.harm,
            public_interest=payload.public_interest or old.public_interest,
            participants=old.participants,
            conclusion=old.conclusion,
            excepted_part=old.excepted_part,
            exemption_until=payload.exemption_until,
            exemption_condition=payload.exemption_condition,
            renews_entry_id=entry.id,
        )
        created = await create_consequence_test(session, temporal, staff, retest, now, task_queue)
    session.expire_all()
    found = await get_dik_entry(session, entry_id)
    assert found is not None
    return DeterminationOut(entry=found, consequence_test_id=created.id if created else None)
