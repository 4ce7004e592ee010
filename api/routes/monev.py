"""The Komisi Informasi's yearly monev (Perki 1/2022): the KI sets a year's questionnaire and opens it, each body
under the KI answers its self-assessment with evidence (links or files) and submits it within the window, the KI
verifies and scores every answer, and the ranking with each body's score and qualification is published, as JSON
and CSV. Roles: the KI's own clerk (role `komisi`) for the round and the scores, the PPID Utama of a body under
the KI for its answers; the results are public once published. The functions below are the staff desk's too
(api/web/monev.py)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, HTTPException, Path, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from api.deps import OptionalStaffDep, SessionDep, Staff, StaffDep, StateDep, TemporalDep
from api.documents import DocumentRefused, check_upload, download
from api.schemas import _In
from api.updates import run_update
from db import monev as registers
from db.filestore import FileStore, FileStoreError
from db.models import Body, KomisiInformasi, MonevAnswer, MonevRound, MonevSubmission
from db.session import write_gate
from domain.dates_id import format_date, format_datetime
from domain.enums import Role
from domain.monev import BAND_TEXT, MonevPublish, MonevStart, Prefill, format_number, weights_problem
from workflows.monev import MonevRoundWorkflow

router = APIRouter(prefix="/v1/monev", tags=["monev"])

KomisiPath = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]
YearPath = Annotated[int, Path(ge=2000, le=2100)]
BodyPath = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]
QuestionPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_LINKS = 10
MAX_FILES = 5


# --- schemas ------------------------------------------------------------------------------------------------


class ScheduleIn(_In):
    opens_on: date = Field(description="first day the bodies may answer (KI's zone)")
    closes_on: date = Field(description="last day of the window; answers are refused after 23:59:59")
    verification_due: date = Field(description="the KI verifies and scores by the end of this day")

    # Field validators (not one model validator), so that a 422 names the field that is out of order.
    @field_validator("closes_on")
    @classmethod
    def _closes_after_opening(cls, value: date, info: ValidationInfo) -> date:
        opens = info.data.get("opens_on")
        if opens is not None and value < opens:
            raise ValueError("tanggal penutupan tidak boleh sebelum tanggal pembukaan")
        return value

    @field_validator("verification_due")
    @classmethod
    def _verified_after_closing(cls, value: date, info: ValidationInfo) -> date:
        closes = info.data.get("closes_on")
        if closes is not None and value <= closes:
            raise ValueError("batas verifikasi harus sesudah masa pengisian berakhir")
        return value


class QuestionIn(_In):
    text: str = Field(min_length=1, max_length=2000)
    evidence: str = Field(min_length=1, max_length=1000, description="the evidence (data dukung) it needs")
    prefill: Prefill | None = None


class IndicatorIn(_In):
    code: str = Field(min_length=1, max_length=8, pattern=r"^[A-Z0-9]+$")
    name: str = Field(min_length=1, max_length=200)
    weight: int = Field(ge=0, le=100, description="whole percent; the weights of a round sum to 100")
    questions: list[QuestionIn] = Field(min_length=1, max_length=20)


class QuestionnaireIn(_In):
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=12)


class AnswerIn(_In):
    answer: str = Field(default="", max_length=5000)
    links: list[str] = Field(default_factory=list, max_length=MAX_LINKS)

    @field_validator("links")
    @classmethod
    def _links(cls, links: list[str]) -> list[str]:
        cleaned = [link.strip() for link in links if link.strip()]
        for link in cleaned:
            if (
                not link.startswith(("https://", "http://"))
                or len(link) > 1000
                or any(c.isspace() for c in link)
            ):
                raise ValueError("tautan harus alamat web lengkap yang diawali https:// atau http://")
        return cleaned


class ScoreIn(_In):
    question_id: int = Field(ge=1, le=2**31 - 1)
    score: int = Field(ge=0, le=100)
    note: str | None = Field(default=None, max_length=2000)


class VerificationIn(_In):
    scores: list[ScoreIn] = Field(min_length=1, max_length=200)


class QuestionOut(BaseModel):
    id: int
    number: str
    text: str
    evidence: str
    prefill: str | None


class IndicatorOut(BaseModel):
    id: int
    code: str
    name: str
    weight: int
    questions: list[QuestionOut]


class RoundOut(BaseModel):
    komisi: str
    komisi_name: str
    year: int
    status: str
    status_label: str
    opens_on: date
    closes_on: date
    verification_due: date
    closes_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None
    indicators: list[IndicatorOut]


class FileOut(BaseModel):
    index: int
    filename: str
    content_type: str
    size: int
    url: str


class AnswerOut(BaseModel):
    question_id: int
    answer: str
    links: list[str]
    files: list[FileOut]
    prefilled: dict[str, Any] | None
    score: int | None
    note: str | None
    verified_at: datetime | None


class SelfAssessmentOut(BaseModel):
    round: RoundOut
    body: str
    body_name: str
    submitted_at: datetime | None
    answers: list[AnswerOut]


class IndicatorScoreOut(BaseModel):
    code: str
    name: str
    weight: int
    score: float


class ResultOut(BaseModel):
    rank: int
    body: str
    name: str
    score: float
    qualification: str
    band: str
    submitted: bool
    complete: bool
    indicators: list[IndicatorScoreOut]


class ResultsOut(BaseModel):
    komisi: str
    komisi_name: str
    year: int
    status: str
    published_at: datetime | None
    results: list[ResultOut]


# --- loading and who may do what ----------------------------------------------------------------------------


def invalid(field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


def conflict(message: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, message)


async def load_round(session: AsyncSession, komisi: str, year: int) -> tuple[MonevRound, KomisiInformasi]:
    found = await registers.find_round(session, komisi, year)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Monev {year} Komisi Informasi ini tidak ditemukan")
    return found


def is_clerk(staff: Staff | None, komisi: KomisiInformasi) -> bool:
    return staff is not None and staff.role == Role.KOMISI and staff.komisi_id == komisi.id


def require_clerk(staff: Staff, komisi: KomisiInformasi) -> None:
    if not is_clerk(staff, komisi):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Hanya Komisi Informasi penyelenggara monev ini yang berwenang"
        )


def is_ppid_utama_of(staff: Staff | None, body: Body) -> bool:
    return (
        staff is not None and staff.role == Role.PPID and staff.unit_id is None and staff.body_id == body.id
    )


async def load_body(session: AsyncSession, staff: Staff, komisi: KomisiInformasi, body_slug: str) -> Body:
    """A body under the KI that the caller may see the self-assessment of: the KI's clerk, or its PPID Utama."""
    body = await session.scalar(select(Body).where(Body.slug == body_slug, Body.komisi_id == komisi.id))
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Badan publik ini tidak dinilai dalam monev ini")
    if not (is_clerk(staff, komisi) or is_ppid_utama_of(staff, body)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Hanya PPID Utama badan publik ini atau Komisi Informasinya yang berwenang",
        )
    return body


async def round_view(session: AsyncSession, round_: MonevRound, komisi: KomisiInformasi) -> RoundOut:
    indicators = await registers.questionnaire(session, round_.id)
    tz = ZoneInfo(komisi.timezone)
    return RoundOut(
        komisi=komisi.slug, komisi_name=komisi.name, year=round_.year, status=round_.status,
        status_label=registers.STATUS_LABELS.get(round_.status, round_.status), opens_on=round_.opens_on,
        closes_on=round_.closes_on, verification_due=round_.verification_due,
        closes_at=registers.window(round_, komisi.timezone)[1],
        opened_at=round_.opened_at.astimezone(tz) if round_.opened_at else None,
        closed_at=round_.closed_at.astimezone(tz) if round_.closed_at else None,
        published_at=round_.published_at.astimezone(tz) if round_.published_at else None,
        indicators=[
            IndicatorOut(
                id=i.row.id, code=i.row.code, name=i.row.name, weight=i.row.weight,
                questions=[QuestionOut(id=q.id, number=f"{i.row.code}.{q.position}", text=q.text, evidence=q.evidence,
                                       prefill=q.prefill) for q in i.questions],
            )
            for i in indicators
        ],
    )  # fmt: skip


# --- the KI: rounds and the questionnaire --------------------------------------------------------------------


@router.get(
    "/{komisi}",
    response_model=list[RoundOut],
    summary="The KI's monev rounds (its clerk: all; else published)",
)
async def list_rounds(komisi: KomisiPath, session: SessionDep, staff: OptionalStaffDep) -> list[RoundOut]:
    found = await session.scalar(select(KomisiInformasi).where(KomisiInformasi.slug == komisi))
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Komisi Informasi ini tidak terdaftar")
    return [await round_view(session, r, found) for r in await visible_rounds(session, staff, found)]


async def visible_rounds(
    session: AsyncSession, staff: Staff | None, komisi: KomisiInformasi
) -> list[MonevRound]:
    """The clerk sees every round; the bodies' staff those opened; anyone else the published ones."""
    rounds = await registers.rounds_of(session, komisi.id)
    if is_clerk(staff, komisi):
        return rounds
    if staff is not None and staff.role in (Role.PPID, Role.ATASAN_PPID):
        body = await session.get(Body, staff.body_id) if staff.body_id else None
        if body is not None and body.komisi_id == komisi.id:
            return [r for r in rounds if r.status != registers.DRAFT]
    return [r for r in rounds if r.status == registers.PUBLISHED]


@router.post(
    "/{komisi}/{year}",
    response_model=RoundOut,
    status_code=201,
    summary="KI: a round with the seed questionnaire",
)
async def create_round(
    komisi: KomisiPath, year: YearPath, payload: ScheduleIn, session: SessionDep, staff: StaffDep
) -> RoundOut:
    return await create(session, staff, komisi, year, payload)


async def create(
    session: AsyncSession, staff: Staff, komisi_slug: str, year: int, payload: ScheduleIn
) -> RoundOut:
    komisi = await session.scalar(select(KomisiInformasi).where(KomisiInformasi.slug == komisi_slug))
    if komisi is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Komisi Informasi ini tidak terdaftar")
    require_clerk(staff, komisi)
    if await registers.find_round(session, komisi_slug, year) is not None:
        raise conflict(f"Monev tahun {year} sudah dibuat; ubah kuesionernya selama belum dibuka")
    async with write_gate(session.bind):
        round_ = registers.new_round(
            komisi.id, year, payload.opens_on, payload.closes_on, payload.verification_due, staff.email
        )
        session.add(round_)
        await session.flush()
        await registers.replace_questionnaire(session, round_.id, registers.seeded_questionnaire())
        await session.commit()
    return await round_view(session, round_, komisi)


@router.get("/{komisi}/{year}", response_model=RoundOut, summary="The round and its questionnaire")
async def get_round(
    komisi: KomisiPath, year: YearPath, session: SessionDep, staff: OptionalStaffDep
) -> RoundOut:
    round_, found = await load_round(session, komisi, year)
    if round_.id not in {r.id for r in await visible_rounds(session, staff, found)}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Monev {year} Komisi Informasi ini tidak ditemukan")
    return await round_view(session, round_, found)


def _editable(round_: MonevRound) -> None:
    if round_.status != registers.DRAFT:
        raise conflict(
            f"Kuesioner monev {round_.year} tidak dapat diubah lagi: pengisian sudah dibuka pada "
            f"{format_date(round_.opens_on)}"
        )


@router.put(
    "/{komisi}/{year}/schedule", response_model=RoundOut, summary="KI: the window and the verification date"
)
async def set_schedule(
    komisi: KomisiPath, year: YearPath, payload: ScheduleIn, session: SessionDep, staff: StaffDep
) -> RoundOut:
    return await schedule(session, staff, komisi, year, payload)


async def schedule(
    session: AsyncSession, staff: Staff, komisi: str, year: int, payload: ScheduleIn
) -> RoundOut:
    round_, found = await load_round(session, komisi, year)
    require_clerk(staff, found)
    _editable(round_)
    async with write_gate(session.bind):
        round_.opens_on, round_.closes_on = payload.opens_on, payload.closes_on
        round_.verification_due = payload.verification_due
        await session.commit()
    return await round_view(session, round_, found)


@router.put(
    "/{komisi}/{year}/questionnaire", response_model=RoundOut,
    summary="KI: indicators, weights (sum 100) and questions, until the round is opened",
)  # fmt: skip
async def set_questionnaire(
    komisi: KomisiPath, year: YearPath, payload: QuestionnaireIn, session: SessionDep, staff: StaffDep
) -> RoundOut:
    return await edit_questionnaire(session, staff, komisi, year, payload)


async def edit_questionnaire(
    session: AsyncSession, staff: Staff, komisi: str, year: int, payload: QuestionnaireIn
) -> RoundOut:
    round_, found = await load_round(session, komisi, year)
    require_clerk(staff, found)
    _editable(round_)
    problem = weights_problem(i.weight for i in payload.indicators)
    if problem:
        raise invalid("indicators", problem)
    codes = [i.code for i in payload.indicators]
    if len(set(codes)) != len(codes):
        raise invalid("indicators", "kode indikator harus berbeda satu sama lain")
    async with write_gate(session.bind):
        await registers.replace_questionnaire(
            session, round_.id, payload.model_dump(mode="json")["indicators"]
        )
        await session.commit()
    return await round_view(session, round_, found)


@router.post(
    "/{komisi}/{year}/opening", response_model=RoundOut, summary="KI: open the round (starts its workflow)"
)
async def open_round(
    komisi: KomisiPath,
    year: YearPath,
    session: SessionDep,
    staff: StaffDep,
    temporal: TemporalDep,
    state: StateDep,
) -> RoundOut:
    return await opening(
        session,
        temporal,
        staff,
        komisi,
        year,
        now=await state.now(),
        task_queue=state.settings.temporal_task_queue,
    )


async def opening(
    session: AsyncSession,
    temporal: Client,
    staff: Staff,
    komisi: str,
    year: int,
    *,
    now: datetime,
    task_queue: str,
) -> RoundOut:
    round_, found = await load_round(session, komisi, year)
    require_clerk(staff, found)
    if round_.status != registers.DRAFT:
        raise conflict(f"Monev {year} sudah dibuka")
    indicators = await registers.questionnaire(session, round_.id)
    problem = weights_problem(i.row.weight for i in indicators)
    if problem:
        raise invalid("indicators", problem)
    opens, closes, due = registers.window(round_, found.timezone)
    if closes < now:
        raise invalid(
            "closes_on",
            f"masa pengisian berakhir {format_datetime(closes, found.timezone)}, sudah lewat; ubah jadwalnya",
        )
    workflow_id = registers.workflow_id(found.slug, year)
    start = MonevStart(
        round_id=round_.id, komisi=found.slug, komisi_timezone=found.timezone, year=year, opens_at=opens,
        closes_at=closes, verification_due_at=due,
    )  # fmt: skip
    await temporal.start_workflow(
        MonevRoundWorkflow.run, start, id=workflow_id, task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )  # fmt: skip
    async with write_gate(session.bind):
        await session.refresh(round_)
        round_.workflow_id = workflow_id
        if round_.status == registers.DRAFT:  # the workflow's first activity may have been quicker
            round_.status, round_.opened_at = registers.OPEN, now
        await session.commit()
    return await round_view(session, round_, found)


# --- a body: its self-assessment ----------------------------------------------------------------------------


def _file_url(komisi: str, year: int, body: str, question_id: int, index: int) -> str:
    return f"/v1/monev/{komisi}/{year}/bodies/{body}/answers/{question_id}/files/{index}"


async def self_assessment(
    session: AsyncSession,
    round_: MonevRound,
    komisi: KomisiInformasi,
    body: Body,
    *,
    now: datetime,
    public_url: str,
) -> SelfAssessmentOut:
    """The body's questionnaire with its answers; the questions the registers answer carry their figures (as
    submitted, once the body has submitted; live before)."""
    view = await round_view(session, round_, komisi)
    answers = await registers.answers_of(session, round_.id, body.id)
    submission = (await registers.submissions(session, round_.id)).get(body.id)
    live = await registers.prefill(session, round_, body, now, public_url) if submission is None else {}
    out = []
    for indicator in view.indicators:
        for q in indicator.questions:
            a = answers.get((body.id, q.id))
            prefilled = (a.prefilled if a and submission else None) or (
                live.get(q.prefill) if q.prefill else None
            )
            files = [
                FileOut(index=n, filename=f["filename"], content_type=f["content_type"], size=f["size"],
                        url=_file_url(komisi.slug, round_.year, body.slug, q.id, n))
                for n, f in enumerate((a.files or []) if a else [])
            ]  # fmt: skip
            out.append(
                AnswerOut(
                    question_id=q.id,
                    answer=a.answer if a else "",
                    links=(a.links or []) if a else [],
                    files=files,
                    prefilled=prefilled,
                    score=a.score if a else None,
                    note=a.note if a else None,
                    verified_at=a.verified_at if a else None,
                )
            )
    tz = ZoneInfo(komisi.timezone)
    return SelfAssessmentOut(
        round=view, body=body.slug, body_name=body.name,
        submitted_at=submission.submitted_at.astimezone(tz) if submission else None, answers=out,
    )  # fmt: skip


@router.get(
    "/{komisi}/{year}/bodies/{body}", response_model=SelfAssessmentOut,
    summary="A body's self-assessment with its pre-filled answers (its PPID Utama, the KI)",
)  # fmt: skip
async def get_self_assessment(
    komisi: KomisiPath, year: YearPath, body: BodyPath, session: SessionDep, staff: StaffDep, state: StateDep
) -> SelfAssessmentOut:
    round_, found = await load_round(session, komisi, year)
    target = await load_body(session, staff, found, body)
    if round_.status == registers.DRAFT and not is_clerk(staff, found):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Monev {year} Komisi Informasi ini belum dibuka")
    return await self_assessment(
        session, round_, found, target, now=await state.now(), public_url=state.settings.public_url
    )


def check_window(round_: MonevRound, komisi: KomisiInformasi, now: datetime) -> None:
    """Answers only within the window (409 with the dates)."""
    opens, closes, _ = registers.window(round_, komisi.timezone)
    tz = komisi.timezone
    if round_.status == registers.DRAFT:
        raise conflict(f"Kuesioner monev {round_.year} belum dibuka oleh Komisi Informasi")
    if now < opens:
        raise conflict(
            f"Masa pengisian kuesioner monev {round_.year} baru dibuka {format_datetime(opens, tz)}"
        )
    if now > closes or round_.status in (registers.CLOSED, registers.PUBLISHED):
        raise conflict(
            f"Masa pengisian kuesioner monev {round_.year} berakhir {format_datetime(closes, tz)}; jawaban tidak dapat "
            "diterima lagi"
        )


async def _writable(
    session: AsyncSession, staff: Staff, komisi: str, year: int, body_slug: str, now: datetime
) -> tuple[MonevRound, KomisiInformasi, Body]:
    round_, found = await load_round(session, komisi, year)
    body = await load_body(session, staff, found, body_slug)
    if not is_ppid_utama_of(staff, body):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Kuesioner diisi oleh PPID Utama badan publik ini")
    check_window(round_, found, now)
    submission = (await registers.submissions(session, round_.id)).get(body.id)
    if submission is not None:
        when = format_datetime(submission.submitted_at, found.timezone)
        raise conflict(f"Kuesioner sudah dikirim pada {when}; jawaban tidak dapat diubah lagi")
    return round_, found, body


async def _question_of(session: AsyncSession, round_: MonevRound, question_id: int) -> Any:
    for indicator in await registers.questionnaire(session, round_.id):
        for question in indicator.questions:
            if question.id == question_id:
                return question
    raise HTTPException(status.HTTP_404_NOT_FOUND, "Pertanyaan ini tidak ada dalam kuesioner monev ini")


async def _answer_row(session: AsyncSession, round_id: str, body_id: int, question_id: int) -> MonevAnswer:
    answer = (await registers.answers_of(session, round_id, body_id)).get((body_id, question_id))
    if answer is None:
        answer = MonevAnswer(
            round_id=round_id, body_id=body_id, question_id=question_id, answer="", links=[], files=[]
        )
        session.add(answer)
    return answer


@router.put(
    "/{komisi}/{year}/bodies/{body}/answers/{question_id}", response_model=SelfAssessmentOut,
    summary="The body's PPID Utama: an answer's text and evidence links (within the window)",
)  # fmt: skip
async def put_answer(
    komisi: KomisiPath, year: YearPath, body: BodyPath, question_id: QuestionPath, payload: AnswerIn,
    session: SessionDep, staff: StaffDep, state: StateDep,
) -> SelfAssessmentOut:  # fmt: skip
    now = await state.now()
    await save_answers(session, staff, komisi, year, body, {question_id: payload}, now=now)
    round_, found = await load_round(session, komisi, year)
    target = await load_body(session, staff, found, body)
    return await self_assessment(
        session, round_, found, target, now=now, public_url=state.settings.public_url
    )


async def save_answers(
    session: AsyncSession, staff: Staff, komisi: str, year: int, body_slug: str, answers: dict[int, AnswerIn],
    *, now: datetime,
) -> None:  # fmt: skip
    round_, _, body = await _writable(session, staff, komisi, year, body_slug, now)
    for question_id in answers:
        await _question_of(session, round_, question_id)
    async with write_gate(session.bind):
        for question_id, payload in answers.items():
            row = await _answer_row(session, round_.id, body.id, question_id)
            row.answer, row.links, row.updated_by = payload.answer.strip(), payload.links, staff.email
        await session.commit()


@router.post(
    "/{komisi}/{year}/bodies/{body}/answers/{question_id}/files", response_model=SelfAssessmentOut, status_code=201,
    summary="The body's PPID Utama: an evidence file (multipart field `file`)",
)  # fmt: skip
async def post_file(
    komisi: KomisiPath, year: YearPath, body: BodyPath, question_id: QuestionPath, session: SessionDep,
    staff: StaffDep, state: StateDep, file: Annotated[UploadFile, File()],
) -> SelfAssessmentOut:  # fmt: skip
    now = await state.now()
    content = await file.read(10 * 1024 * 1024 + 1)
    await add_file(
        session, staff, state.settings, komisi, year, body, question_id, file.filename or "", content, now=now
    )
    round_, found = await load_round(session, komisi, year)
    target = await load_body(session, staff, found, body)
    return await self_assessment(
        session, round_, found, target, now=now, public_url=state.settings.public_url
    )


async def add_file(
    session: AsyncSession, staff: Staff, settings: Any, komisi: str, year: int, body_slug: str, question_id: int,
    filename: str, content: bytes, *, now: datetime, field: str = "file",
) -> None:  # fmt: skip
    round_, _, body = await _writable(session, staff, komisi, year, body_slug, now)
    await _question_of(session, round_, question_id)
    try:
        upload = check_upload(filename, content)
    except DocumentRefused as exc:
        raise invalid(field, str(exc)) from None
    row_files = (await registers.answers_of(session, round_.id, body.id)).get((body.id, question_id))
    if row_files is not None and len(row_files.files or []) >= MAX_FILES:
        raise invalid(field, f"paling banyak {MAX_FILES} berkas per pertanyaan")
    await asyncio.to_thread(FileStore.of(settings).put, upload.content)
    async with write_gate(session.bind):
        row = await _answer_row(session, round_.id, body.id, question_id)
        entry = {"sha256": upload.sha256, "filename": upload.filename, "content_type": upload.content_type,
                 "size": upload.size}  # fmt: skip
        row.files = [*(row.files or []), entry]  # a new list: the JSON column sees the change
        row.updated_by = staff.email
        await session.commit()


@router.get("/{komisi}/{year}/bodies/{body}/answers/{question_id}/files/{index}", summary="An evidence file")
async def get_file(
    komisi: KomisiPath, year: YearPath, body: BodyPath, question_id: QuestionPath, session: SessionDep,
    staff: StaffDep, state: StateDep, index: Annotated[int, Path(ge=0, le=100)],
) -> Response:  # fmt: skip
    return await evidence_file(session, staff, state.settings, komisi, year, body, question_id, index)


async def evidence_file(
    session: AsyncSession, staff: Staff, settings: Any, komisi: str, year: int, body_slug: str, question_id: int,
    index: int,
) -> Response:  # fmt: skip
    round_, found = await load_round(session, komisi, year)
    body = await load_body(session, staff, found, body_slug)
    answer = (await registers.answers_of(session, round_.id, body.id)).get((body.id, question_id))
    files = (answer.files or []) if answer else []
    if index >= len(files):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Berkas ini tidak ada")
    entry = files[index]
    try:
        content = await asyncio.to_thread(FileStore.of(settings).get, entry["sha256"], entry["size"])
    except FileStoreError:
        raise HTTPException(503, "Berkas ini sedang tidak dapat dibaca; coba lagi nanti") from None

    class _Doc:  # download() reads these two attributes
        filename = entry["filename"]
        content_type = entry["content_type"]

    return download(_Doc(), content)  # type: ignore[arg-type]


@router.post(
    "/{komisi}/{year}/bodies/{body}/submission", response_model=SelfAssessmentOut,
    summary="The body's PPID Utama submits the self-assessment (within the window)",
)  # fmt: skip
async def post_submission(
    komisi: KomisiPath, year: YearPath, body: BodyPath, session: SessionDep, staff: StaffDep, state: StateDep
) -> SelfAssessmentOut:
    now = await state.now()
    await submit(session, staff, komisi, year, body, now=now, public_url=state.settings.public_url)
    round_, found = await load_round(session, komisi, year)
    target = await load_body(session, staff, found, body)
    return await self_assessment(
        session, round_, found, target, now=now, public_url=state.settings.public_url
    )


async def submit(
    session: AsyncSession,
    staff: Staff,
    komisi: str,
    year: int,
    body_slug: str,
    *,
    now: datetime,
    public_url: str,
) -> None:
    """Every question needs an answer, evidence or a pre-filled figure; the pre-filled figures are kept as they
    stood at the submission (the KI verifies what the body sent)."""
    round_, _, body = await _writable(session, staff, komisi, year, body_slug, now)
    answers = await registers.answers_of(session, round_.id, body.id)
    live = await registers.prefill(session, round_, body, now, public_url)
    missing = []
    for indicator in await registers.questionnaire(session, round_.id):
        for q in indicator.questions:
            a = answers.get((body.id, q.id))
            filled = a is not None and (a.answer or a.links or a.files)
            if not filled and not (q.prefill and q.prefill in live):
                missing.append(f"{indicator.row.code}.{q.position}")
    if missing:
        raise conflict(f"Kuesioner belum lengkap: pertanyaan {', '.join(missing)} belum dijawab")
    async with write_gate(session.bind):
        for indicator in await registers.questionnaire(session, round_.id):
            for q in indicator.questions:
                if q.prefill and q.prefill in live:
                    row = await _answer_row(session, round_.id, body.id, q.id)
                    row.prefilled = live[q.prefill]
        session.add(
            MonevSubmission(round_id=round_.id, body_id=body.id, submitted_at=now, submitted_by=staff.email)
        )
        await session.commit()


# --- the KI: verification, publication, results --------------------------------------------------------------


@router.post(
    "/{komisi}/{year}/bodies/{body}/verification", response_model=SelfAssessmentOut,
    summary="KI: verify and score (0-100) the body's answers",
)  # fmt: skip
async def post_verification(
    komisi: KomisiPath, year: YearPath, body: BodyPath, payload: VerificationIn, session: SessionDep,
    staff: StaffDep, state: StateDep,
) -> SelfAssessmentOut:  # fmt: skip
    now = await state.now()
    await verify(session, staff, komisi, year, body, payload, now=now)
    round_, found = await load_round(session, komisi, year)
    target = await load_body(session, staff, found, body)
    return await self_assessment(
        session, round_, found, target, now=now, public_url=state.settings.public_url
    )


async def verify(
    session: AsyncSession, staff: Staff, komisi: str, year: int, body_slug: str, payload: VerificationIn, *,
    now: datetime,
) -> None:  # fmt: skip
    round_, found = await load_round(session, komisi, year)
    require_clerk(staff, found)
    body = await load_body(session, staff, found, body_slug)
    if round_.status == registers.PUBLISHED:
        raise conflict(f"Hasil monev {year} sudah diumumkan; nilai tidak dapat diubah lagi")
    if body.id not in await registers.submissions(session, round_.id):
        raise conflict(
            f"{body.name} belum mengirim kuesionernya; yang dinilai hanya kuesioner yang sudah dikirim"
        )
    for score in payload.scores:
        await _question_of(session, round_, score.question_id)
    async with write_gate(session.bind):
        for score in payload.scores:
            row = await _answer_row(session, round_.id, body.id, score.question_id)
            row.score, row.note = score.score, (score.note or "").strip() or None
            row.verified_by, row.verified_at = staff.email, now
        await session.commit()


@router.post("/{komisi}/{year}/publication", response_model=ResultsOut, summary="KI: publish the ranking")
async def post_publication(
    komisi: KomisiPath, year: YearPath, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> ResultsOut:
    return await publish(session, temporal, staff, komisi, year)


async def publish(
    session: AsyncSession, temporal: Client, staff: Staff, komisi: str, year: int
) -> ResultsOut:
    round_, found = await load_round(session, komisi, year)
    require_clerk(staff, found)
    if round_.status == registers.PUBLISHED:
        raise conflict(f"Hasil monev {year} sudah diumumkan")
    if round_.status != registers.CLOSED or round_.workflow_id is None:
        raise conflict(
            f"Hasil monev {year} belum dapat diumumkan: masa pengisian kuesioner berakhir "
            f"{registers.closes_text(round_, found.timezone)}"
        )
    unscored = [r.name for r in await registers.results(session, round_) if not r.complete]
    if unscored:
        raise conflict(f"Hasil belum dapat diumumkan: kuesioner {', '.join(unscored)} belum selesai dinilai")
    await run_update(
        temporal, round_.workflow_id, MonevRoundWorkflow.publish, MonevPublish(actor=staff.email)
    )
    session.expire_all()
    round_, found = await load_round(session, komisi, year)
    return await results_view(session, round_, found)


async def results_view(session: AsyncSession, round_: MonevRound, komisi: KomisiInformasi) -> ResultsOut:
    tz = ZoneInfo(komisi.timezone)
    return ResultsOut(
        komisi=komisi.slug, komisi_name=komisi.name, year=round_.year, status=round_.status,
        published_at=round_.published_at.astimezone(tz) if round_.published_at else None,
        results=[
            ResultOut(
                rank=r.rank, body=r.slug, name=r.name, score=float(r.score), qualification=r.qualification.value,
                band=BAND_TEXT[r.qualification], submitted=r.submitted_at is not None, complete=r.complete,
                indicators=[IndicatorScoreOut(code=i.code, name=i.name, weight=i.weight, score=float(i.score))
                            for i in r.indicators],
            )
            for r in await registers.results(session, round_)
        ],
    )  # fmt: skip


async def readable_results(
    session: AsyncSession, staff: Staff | None, komisi: str, year: int
) -> tuple[MonevRound, KomisiInformasi, ResultsOut]:
    """Public once published; before that the KI's clerk sees the ranking as it stands."""
    round_, found = await load_round(session, komisi, year)
    if round_.status != registers.PUBLISHED and not is_clerk(staff, found):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Hasil monev {year} {found.name} belum diumumkan")
    return round_, found, await results_view(session, round_, found)


@router.get(
    "/{komisi}/{year}/results", response_model=ResultsOut, summary="The ranking (public once published)"
)
async def get_results(
    komisi: KomisiPath, year: YearPath, session: SessionDep, staff: OptionalStaffDep
) -> ResultsOut:
    return (await readable_results(session, staff, komisi, year))[2]


CSV_COLUMNS = ["Peringkat", "Badan publik", "Nilai", "Kualifikasi", "Kuesioner dikirim"]


def results_csv(results: ResultsOut) -> Response:
    """The ranking as CSV (UTF-8 with a byte-order mark for spreadsheet programs; the decimal comma)."""
    codes = [(i.code, i.name, i.weight) for i in results.results[0].indicators] if results.results else []
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + [f"{name} ({weight} %)" for _, name, weight in codes])
    for r in results.results:
        writer.writerow(
            [r.rank, r.name, format_number(r.score), r.qualification, "ya" if r.submitted else "tidak"]
            + [format_number(i.score) for i in r.indicators]
        )
    filename = f"monev-{results.komisi}-{results.year}.csv"
    return Response(
        "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


@router.get("/{komisi}/{year}/results.csv", summary="The ranking as CSV (public once published)")
async def get_results_csv(
    komisi: KomisiPath, year: YearPath, session: SessionDep, staff: OptionalStaffDep
) -> Response:
    return results_csv((await readable_results(session, staff, komisi, year))[2])
