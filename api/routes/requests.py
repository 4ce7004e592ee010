"""Requests: intake (registration + workflow start), the case view, and the PPID's actions as Updates."""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Header, HTTPException, Query, Response, UploadFile, status
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from activities.records import add_timeline
from api.cases import LoadedCase, case_view, load_case, require_ppid_of, require_view
from api.deps import OptionalStaffDep, SessionDep, Staff, StaffDep, StateDep, TemporalDep, limit_intake
from api.documents import (
    FILES_FIELD,
    PAYLOAD_FIELD,
    MultipartRoute,
    Upload,
    discard_documents,
    multipart_openapi,
    parse_payload,
    read_api_uploads,
    serve_document,
    store_documents,
)
from api.errors import bad_query
from api.schemas import (
    AssignIn,
    CaseOut,
    DecisionIn,
    ExtensionIn,
    RequestCreated,
    RequestIn,
    RequestSummary,
)
from api.state import AppState
from api.updates import run_update
from db.calendar_repo import load_calendar
from db.dik_repo import find_dik_entry
from db.filestore import FileStore
from db.intake import (
    find_by_idempotency_key,
    idempotency_fingerprint,
    insert_request,
    next_registration_number,
    request_start,
    workflow_id_of,
)
from db.models import Body, InfoRequest, Unit
from db.session import write_gate
from domain import law
from domain.calendar import add_working_days
from domain.contracts import (
    AssignCommand,
    DecisionCommand,
    Exemption,
    ExtensionCommand,
)
from domain.dates_id import format_datetime
from domain.enums import Channel, RequestStatus, Role
from domain.exceptions import GROUNDS, period_text
from domain.registration import Register
from domain.tracking import hash_code, tracking_code
from workflows.request import RequestWorkflow
from workflows.starts import start_request_workflow

router = APIRouter(prefix="/v1/requests", tags=["requests"])
log = logging.getLogger("ppid.api.requests")
T1_RESPONSE_DAYS = law.T1.working_days  # Pasal 22(7)
TrackingHeader = Annotated[str | None, Header(alias="X-Tracking-Code", max_length=64)]
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
IdempotencyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]


def _created(request: InfoRequest, body: Body, secret: str) -> RequestCreated:
    return RequestCreated(
        id=request.id,
        registration_number=request.registration_number,
        tracking_code=tracking_code(request.id, secret),
        status=request.status,
        received_at=request.received_at.astimezone(ZoneInfo(body.timezone)),
        due_at=request.due_at.astimezone(ZoneInfo(body.timezone)),
    )


async def _replay(
    session: SessionDep, existing: InfoRequest, fingerprint: str, state: StateDep
) -> RequestCreated | None:
    """A retried submission under the same Idempotency-Key gets its case back (with the tracking code) only
    when it sends the same form from the same caller; another form under a live key is refused (409), and
    an expired key is released so that it can name a new submission (None: register it)."""
    now = await state.now()
    live_until = existing.received_at + timedelta(hours=state.settings.ppid_idempotency_hours)
    if now >= live_until:
        existing.idempotency_key = None
        await session.commit()
        return None
    if existing.idempotency_fingerprint is None or not hmac.compare_digest(
        existing.idempotency_fingerprint, fingerprint
    ):
        body = await session.get(Body, existing.body_id)
        tz = body.timezone if body else "Asia/Jakarta"
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "Idempotency-Key ini sudah dipakai untuk permohonan dengan isi yang berbeda; gunakan kunci baru "
            f"untuk permohonan baru (kunci ini berlaku sampai {format_datetime(live_until, tz)})",
        )
    body = await session.get(Body, existing.body_id)
    assert body is not None
    return _created(existing, body, state.tracking_secret)


@router.post(
    "", status_code=201, response_model=RequestCreated, summary="Submit a request (permohonan)",
    dependencies=[Depends(limit_intake)],
)  # fmt: skip
async def submit_request(
    payload: RequestIn,
    response: Response,
    session: SessionDep,
    state: StateDep,
    staff: OptionalStaffDep,
    idempotency_key: IdempotencyHeader = None,
) -> RequestCreated:
    created, replayed = await register_request(session, state, staff, payload, idempotency_key)
    if replayed:
        response.status_code = status.HTTP_200_OK
    return created


async def register_request(
    session: AsyncSession, state: AppState, staff: Staff | None, payload: RequestIn,
    idempotency_key: str | None = None,
) -> tuple[RequestCreated, bool]:  # fmt: skip
    """The registration of a request (Pasal 22 ayat (4)), for the API and the desk's intake: the number, T1,
    the row, then its workflow. Returns the acknowledgment and whether it is a replay of an earlier one (the
    same Idempotency-Key and form). 403 for a desk channel without a PPID, a PPID of another body or a unit
    PPID recording for another unit; 422 naming `body` or `unit` when they do not exist."""
    if payload.channel != Channel.WEB and (staff is None or staff.role != Role.PPID):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Hanya petugas PPID yang mencatat permohonan yang diterima langsung, lewat surat, email atau telepon",
        )
    fingerprint = idempotency_fingerprint(payload.model_dump(mode="json"), staff.id if staff else None)
    if idempotency_key:
        existing = await find_by_idempotency_key(session, idempotency_key)
        if existing is not None:
            replay = await _replay(session, existing, fingerprint, state)
            if replay is not None:
                return replay, True

    async with write_gate(session.bind):  # the registration and the row: one short write transaction
        body = await session.scalar(select(Body).where(Body.slug == payload.body))
        if body is None:
            raise HTTPException(422, [{"loc": ["body", "body"], "msg": f"badan publik {payload.body!r} tidak ada",
                                       "type": "value_error"}])  # fmt: skip
        if staff is not None and staff.role == Role.PPID and staff.body_id != body.id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "Petugas hanya mencatat permohonan untuk badan publiknya"
            )
        unit_slug = payload.unit
        if staff is not None and staff.role == Role.PPID and staff.unit_id is not None:
            # A PPID Pelaksana records the requests of their own unit only (the PPID Utama forwards others).
            if unit_slug not in (None, staff.unit_slug):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    f"PPID Pelaksana hanya mencatat permohonan untuk unitnya sendiri ({staff.unit_slug})",
                )
            unit_slug = staff.unit_slug
        unit = None
        if unit_slug is not None:
            unit = await session.scalar(select(Unit).where(Unit.body_id == body.id, Unit.slug == unit_slug))
            if unit is None:
                raise HTTPException(422, [{"loc": ["body", "unit"], "msg": f"unit {unit_slug!r} tidak ada di "
                                           f"{body.slug}", "type": "value_error"}])  # fmt: skip

        received_at = await state.now()
        calendar = await load_calendar(session, body.slug)
        t1 = add_working_days(received_at, T1_RESPONSE_DAYS, body.timezone, calendar)
        request_id = uuid.uuid4().hex
        requester = payload.requester
        try:
            request = await insert_request(
                session,
                id=request_id,
                registration_number=await next_registration_number(
                    session, body, Register.REQUEST, received_at
                ),
                body_id=body.id,
                unit_id=unit.id if unit else None,
                status=RequestStatus.RECEIVED.value,
                channel=payload.channel.value,
                requester_kind=requester.kind.value,
                requester_name=requester.name,
                nik=requester.nik,
                legal_entity_number=requester.legal_entity_number,
                address=requester.address,
                email=str(requester.email) if requester.email else None,
                phone=requester.phone,
                occupation=requester.occupation,
                proxy=requester.proxy.model_dump() if requester.proxy else None,
                information=payload.information,
                purpose=payload.purpose,
                obtain_method=payload.obtain_method.value,
                copy_format=payload.copy_format.value if payload.copy_format else None,
                delivery_method=payload.delivery_method.value,
                tracking_code_hash=hash_code(tracking_code(request_id, state.tracking_secret)),
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint if idempotency_key else None,
                received_at=received_at,
                due_at=t1.due_at,
                deadline=t1.model_dump(mode="json"),
                workflow_id=workflow_id_of(request_id),
            )
            await session.commit()
        except IntegrityError:
            # The same Idempotency-Key raced with another call: answer with the case that won.
            await session.rollback()
            existing = await find_by_idempotency_key(session, idempotency_key) if idempotency_key else None
            replay = await _replay(session, existing, fingerprint, state) if existing else None
            if replay is None:
                raise
            return replay, True

    try:
        temporal = await state.temporal()
        await start_request_workflow(
            temporal, request_start(request, body), request.workflow_id, state.settings.temporal_task_queue
        )
    except Exception:
        # The request is registered (committed above): the worker's reconciler starts its workflow as soon
        # as Temporal answers again, so the citizen keeps their acknowledgment.
        log.warning(
            "workflow of request %s not started yet; the reconciler will", request.registration_number
        )
    return _created(request, body, state.tracking_secret), False


PAGE_SIZE = 50  # GET /v1/requests and the desk's list
YEAR_RANGE = (1970, 2200)


@dataclass
class RequestPage:
    items: list[RequestSummary]
    total: int
    page: int
    pages: int


def request_scope(staff: Staff) -> list[Any]:
    """The requests a staff member may list, as api/cases.staff_may_see lets them see one: an admin all, the
    PPID Utama and the Atasan PPID their body's, a PPID Pelaksana its unit's. The Komisi Informasi: 403."""
    match staff.role:
        case Role.ADMIN:
            return []
        case Role.PPID | Role.ATASAN_PPID:
            scope = [InfoRequest.body_id == staff.body_id]
            if staff.unit_id is not None:
                scope.append(InfoRequest.unit_id == staff.unit_id)
            return scope
    raise HTTPException(
        status.HTTP_403_FORBIDDEN,
        "Permohonan ditangani badan publik; Komisi Informasi melihat sengketanya di /v1/disputes",
    )


def searchable(text: str) -> str:
    """`text` without control characters and lone surrogates (no database stores them; PostgreSQL refuses NUL)."""
    return "".join(c for c in text if c.isprintable() or c == " ")


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants that hold every moment of `year` in Indonesia's zones (UTC+7 to UTC+9): a range on the
    indexed `received_at`; the registration number's year then says exactly."""
    return datetime(year - 1, 12, 31, 15, tzinfo=UTC), datetime(year, 12, 31, 17, tzinfo=UTC)


async def scoped_units(session: AsyncSession, staff: Staff, slug: str) -> list[int]:
    """The ids of the units called `slug` in the caller's body (in every body for the admin and the Komisi);
    422 naming `unit` when there is none (GET /v1/requests and GET /v1/tasks)."""
    units = select(Unit.id).where(Unit.slug == slug)
    if staff.body_id is not None:
        units = units.where(Unit.body_id == staff.body_id)
    unit_ids = list((await session.scalars(units)).all())
    if not unit_ids:
        raise bad_query("unit", "tidak ada unit dengan kode ini di badan publik Anda")
    return unit_ids


async def request_list(
    session: AsyncSession, staff: Staff, *, status_is: str | None = None, year: int | None = None,
    unit: str | None = None, q: str | None = None, page: int = 1,
) -> RequestPage:  # fmt: skip
    """The caller's requests, newest first, PAGE_SIZE a page (GET /v1/requests and /staf/permohonan). `year` is
    the register's (the year in `0042/PPID/SGU/XI/2026`), `unit` a unit's slug, `q` a part of the registration
    number or of the requester's name. 422 naming `unit` for a unit the caller has none of."""
    where = request_scope(staff)
    if status_is:
        where.append(InfoRequest.status == status_is)
    if year is not None:
        start, end = _year_bounds(year)
        where += [
            InfoRequest.received_at >= start, InfoRequest.received_at < end,
            InfoRequest.registration_number.like(f"%/{int(year)}"),
        ]  # fmt: skip
    if unit:
        where.append(InfoRequest.unit_id.in_(await scoped_units(session, staff, unit)))
    needle = searchable(q or "").strip().lower()
    if needle:
        where.append(
            or_(
                func.lower(InfoRequest.registration_number).contains(needle, autoescape=True),
                func.lower(InfoRequest.requester_name).contains(needle, autoescape=True),
            )
        )
    total = await session.scalar(select(func.count()).select_from(InfoRequest).where(*where)) or 0
    query = (
        select(InfoRequest, Body.slug, Body.timezone, Unit.slug)
        .join(Body, Body.id == InfoRequest.body_id)
        .outerjoin(Unit, Unit.id == InfoRequest.unit_id)
        .where(*where)
        .order_by(InfoRequest.received_at.desc(), InfoRequest.registration_number.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    items = []
    for r, body, tz, unit_slug in (await session.execute(query)).all():
        zone = ZoneInfo(tz)
        items.append(
            RequestSummary(
                id=r.id, registration_number=r.registration_number, body=body, unit=unit_slug, status=r.status,
                channel=r.channel, received_at=r.received_at.astimezone(zone), due_at=r.due_at.astimezone(zone),
                decided_at=r.decided_at.astimezone(zone) if r.decided_at else None, requester_name=r.requester_name,
            )
        )  # fmt: skip
    return RequestPage(items, total, page, max(1, -(-total // PAGE_SIZE)))


async def request_years(session: AsyncSession, staff: Staff) -> list[int]:
    """The years the caller has requests in, newest first (the year filter's choices)."""
    first, last = (
        await session.execute(
            select(func.min(InfoRequest.received_at), func.max(InfoRequest.received_at)).where(
                *request_scope(staff)
            )
        )
    ).one()
    if first is None or last is None:
        return []
    return list(range((last + timedelta(hours=9)).year, (first + timedelta(hours=7)).year - 1, -1))


def _filter(field: str, value: str | None, allowed: set[str] | None = None) -> str | None:
    """An empty filter is no filter; another value must be one of `allowed`."""
    value = (value or "").strip()
    if not value:
        return None
    if allowed is not None and value not in allowed:
        raise bad_query(field, f"harus salah satu dari: {', '.join(sorted(allowed))}")
    return value


@router.get(
    "", response_model=list[RequestSummary],
    summary="Requests of the caller's scope, newest first, 50 a page (staff); X-Total-Count gives the number",
)  # fmt: skip
async def list_requests(
    session: SessionDep, staff: StaffDep, response: Response,
    status_is: Annotated[str | None, Query(alias="status", max_length=32, description="a request status")] = None,
    year: Annotated[str | None, Query(max_length=4, description="the register year, e.g. 2026")] = None,
    unit: Annotated[str | None, Query(max_length=64, description="a unit's slug, e.g. dinkes")] = None,
    q: Annotated[str | None, Query(max_length=120, description="part of the number or the name")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> list[RequestSummary]:  # fmt: skip
    chosen = _filter("status", status_is, {s.value for s in RequestStatus})
    year_text = _filter("year", year)
    if year_text is not None and not (
        year_text.isascii() and year_text.isdecimal() and YEAR_RANGE[0] <= int(year_text) <= YEAR_RANGE[1]
    ):
        raise bad_query("year", f"tahun harus di antara {YEAR_RANGE[0]} dan {YEAR_RANGE[1]}")
    if q and searchable(q) != q:
        raise bad_query("q", "berisi karakter yang tidak sah")
    unit_slug = _filter("unit", unit)
    if unit_slug is not None and not SLUG.fullmatch(unit_slug):
        raise bad_query("unit", "harus berupa kode unit, misalnya dinkes")
    found = await request_list(
        session, staff, status_is=chosen, year=int(year_text) if year_text else None, unit=unit_slug, q=q,
        page=page,
    )  # fmt: skip
    response.headers["X-Total-Count"] = str(found.total)
    return found.items


@router.get("/{request_id}", response_model=CaseOut, summary="The case, for its staff or its requester")
async def get_request(
    request_id: str, session: SessionDep, staff: OptionalStaffDep, x_tracking_code: TrackingHeader = None
) -> CaseOut:
    case = await load_case(session, request_id)
    view = require_view(staff, x_tracking_code, case)
    return await case_view(session, case, view)


@router.get(
    "/{request_id}/documents/{document_id}", summary="A document given to the requester, as a download",
    response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}},
)  # fmt: skip
async def get_document(
    request_id: str, document_id: str, session: SessionDep, staff: OptionalStaffDep, state: StateDep,
    x_tracking_code: TrackingHeader = None,
) -> Response:  # fmt: skip
    case = await load_case(session, request_id)
    require_view(staff, x_tracking_code, case)
    return await serve_document(state.settings, session, case.request.id, document_id)


@router.post(
    "/{request_id}/extension",
    response_model=CaseOut,
    summary=f"Extend once by {law.T2.working_days} working days",
)
async def extend(request_id: str, payload: ExtensionIn, session: SessionDep, staff: StaffDep,
                 temporal: TemporalDep) -> CaseOut:  # fmt: skip
    return await extend_request(session, temporal, staff, request_id, payload)


async def extend_request(
    session: AsyncSession, temporal: Client, staff: Staff, request_id: str, payload: ExtensionIn
) -> CaseOut:
    """The extension (Pasal 22 ayat (8)), for the API and the desk: 403 for anyone but the case's PPID, 409
    with the workflow's reason (already extended, decided, past T1)."""
    case = await load_case(session, request_id)
    require_ppid_of(staff, case)
    command = ExtensionCommand(reason=payload.reason, actor=staff.email)
    await run_update(temporal, case.request.workflow_id, RequestWorkflow.extend, command)
    return await _fresh_view(session, case)


async def decide_with_documents(
    request_id: str, session: SessionDep, staff: StaffDep, temporal: TemporalDep, state: StateDep,
    payload: Annotated[str, Form(alias=PAYLOAD_FIELD, max_length=20_000)],
    documents: Annotated[list[UploadFile] | None, File(alias=FILES_FIELD)] = None,
) -> CaseOut:  # fmt: skip
    """The decision as a multipart form: `payload` (the JSON of DecisionIn) and its `documents`."""
    decision = parse_payload(DecisionIn, payload)
    uploads = await read_api_uploads(documents)
    return await decide_request(
        session, temporal, staff, request_id, decision, uploads, await state.now(),
        store=FileStore.of(state.settings),
    )  # fmt: skip


router.add_api_route(
    "/{request_id}/decision", decide_with_documents, methods=["POST"], response_model=CaseOut,
    include_in_schema=False, route_class_override=MultipartRoute,
)  # fmt: skip


@router.post(
    "/{request_id}/decision", response_model=CaseOut, openapi_extra=multipart_openapi(DecisionIn),
    summary="The written notice (Pasal 22(7)); JSON, or a multipart form with its documents",
)  # fmt: skip
async def decide(request_id: str, payload: DecisionIn, session: SessionDep, staff: StaffDep,
                 temporal: TemporalDep, state: StateDep) -> CaseOut:  # fmt: skip
    now, store = await state.now(), FileStore.of(state.settings)
    return await decide_request(session, temporal, staff, request_id, payload, at=now, store=store)


async def decide_request(
    session: AsyncSession, temporal: Client, staff: Staff, request_id: str, payload: DecisionIn,
    attachments: Sequence[Upload] | Upload | None = None, at: datetime | None = None, *, store: FileStore,
) -> CaseOut:  # fmt: skip
    """The written notice (Pasal 22 ayat (7)), for the API and the desk. `attachments` (the desk's "Lampiran":
    the documents given to the requester) are stored with the case before the workflow records the decision,
    which carries their ids (the grant's notice sends them by email when the requester asked for that), and
    removed again when the workflow refuses it (409: already decided, closed)."""
    case = await load_case(session, request_id)
    require_ppid_of(staff, case)
    uploads = [attachments] if isinstance(attachments, Upload) else list(attachments or [])
    documents = await store_documents(
        session,
        store,
        case_id=case.request.id,
        kind="decision",
        uploads=uploads,
        uploaded_by=staff.email,
        at=at,
    )
    exemption = await cited_exemption(session, case, payload, at) if payload.exemption else None
    command = DecisionCommand(
        outcome=payload.outcome.value,
        exemption=exemption,
        redactions=payload.redactions,
        holder_body=payload.holder_body,
        fee_idr=payload.fee_idr,
        note=payload.note,
        document_ids=[d.id for d in documents],
        actor=staff.email,
    )
    try:
        await run_update(temporal, case.request.workflow_id, RequestWorkflow.decide, command)
    except Exception:
        await discard_documents(session, [d.id for d in documents])
        raise
    if exemption is not None and exemption.dik_entry is None and payload.outcome.value in NEEDS_TESTED_GROUND:
        await warn_untested_refusal(session, case, exemption, staff.email, at)
    return await _fresh_view(session, case)


# A refusal rests on tested ground (UU Pasal 19; PP 61/2010 Pasal 3): these outcomes cite an entry of the DIK.
NEEDS_TESTED_GROUND = {"rejected", "partially_granted"}


async def cited_exemption(
    session: AsyncSession, case: LoadedCase, payload: DecisionIn, at: datetime | None
) -> Exemption:
    """The decision's exemption. Citing `dik_entry`: the entry must be of the case's body and in force (409 with
    the reason otherwise, 422 naming `exemption.dik_entry` when there is none); its article and consequence are
    copied, with the public summary the requester is shown (the notice and the tracking page)."""
    assert payload.exemption is not None
    given = payload.exemption
    if not given.dik_entry:
        assert given.article is not None and given.consequence_test is not None
        return Exemption(article=given.article, consequence_test=given.consequence_test)
    entry = await find_dik_entry(session, given.dik_entry)
    if entry is None:
        raise HTTPException(422, [{"loc": ["body", "exemption", "dik_entry"], "msg": "entri DIK tidak ditemukan",
                                   "type": "value_error"}])  # fmt: skip
    tz = case.body.timezone
    if entry.body_id != case.body.id:
        other = f"Entri DIK {entry.number} milik badan publik lain; rujuk DIK {case.body.name}."
        raise HTTPException(status.HTTP_409_CONFLICT, other)
    if entry.status != "in_force":
        when = f" pada {format_datetime(entry.opened_at, tz)}" if entry.opened_at else ""
        state = "telah dibuka" if entry.status == "opened" else "telah digantikan uji konsekuensi yang baru"
        raise HTTPException(status.HTTP_409_CONFLICT, f"Entri DIK {entry.number} {state}{when}; tidak dapat "
                            "menjadi dasar penolakan.")  # fmt: skip
    today = (at or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()
    if entry.exemption_until is not None and entry.exemption_until < today:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Jangka waktu pengecualian entri DIK {entry.number} "
                            f"berakhir {period_text(entry.exemption_until, None)}.")  # fmt: skip
    ground = GROUNDS[entry.article]
    summary = (
        f"{entry.information}: dikecualikan berdasarkan {ground.cite(entry.point)} ({ground.title}), "
        f"{period_text(entry.exemption_until, entry.exemption_condition)}; uji konsekuensi disahkan Atasan PPID, "
        f"berita acara nomor {entry.number}, tercatat dalam Daftar Informasi yang Dikecualikan {case.body.name}"
    )
    return Exemption(
        article=entry.article, consequence_test=f"{entry.consequence} ({summary}.)", dik_entry=entry.id,
        dik_number=entry.number, dik_summary=summary,
    )  # fmt: skip


async def warn_untested_refusal(
    session: AsyncSession, case: LoadedCase, exemption: Exemption, actor: str, at: datetime | None
) -> None:
    """A refusal on a Pasal 17 article that cites no DIK entry stays valid (the contract allows it), but the
    timeline says no approved consequence test stands behind it (UU Pasal 19; PP 61/2010 Pasal 3)."""
    ground = GROUNDS.get(exemption.article)
    article = ground.article if ground else exemption.article
    await add_timeline(
        session, key=f"{case.request.id}:exemption_untested", case_id=case.request.id,
        at=at or datetime.now(UTC), event="exemption_untested", actor=actor, internal=True,
        label=f"Peringatan: penolakan berdasarkan {article} tanpa merujuk entri Daftar Informasi yang "
        "Dikecualikan yang uji konsekuensinya disahkan Atasan PPID (Pasal 19 UU No. 14 Tahun 2008; PP No. 61 "
        "Tahun 2010 Pasal 3)",
    )  # fmt: skip
    await session.commit()


@router.post("/{request_id}/assignment", response_model=CaseOut, summary="Forward to a PPID Pelaksana unit")
async def assign(request_id: str, payload: AssignIn, session: SessionDep, staff: StaffDep,
                 temporal: TemporalDep) -> CaseOut:  # fmt: skip
    return await assign_request(session, temporal, staff, request_id, payload)


async def assign_request(
    session: AsyncSession, temporal: Client, staff: Staff, request_id: str, payload: AssignIn
) -> CaseOut:
    """Forwarding to a unit of the body, for the API and the desk: 403 for anyone but the case's PPID, 422
    naming `unit` for a unit the body has not, 409 once the request is decided."""
    case = await load_case(session, request_id)
    require_ppid_of(staff, case)
    unit = await session.scalar(select(Unit).where(Unit.body_id == case.body.id, Unit.slug == payload.unit))
    if unit is None:
        raise HTTPException(422, [{"loc": ["body", "unit"], "msg": f"unit {payload.unit!r} tidak ada",
                                   "type": "value_error"}])  # fmt: skip
    command = AssignCommand(unit=unit.slug, actor=staff.email)
    await run_update(temporal, case.request.workflow_id, RequestWorkflow.assign, command)
    return await _fresh_view(session, case)


async def _fresh_view(session: AsyncSession, case: LoadedCase) -> CaseOut:
    """The case as the workflow's activity just wrote it. The body is unchanged; the unit is re-read only
    when the action moved the request to another one."""
    await session.refresh(case.request)
    unit = case.unit
    if case.request.unit_id != (unit.id if unit else None):
        unit = await session.get(Unit, case.request.unit_id) if case.request.unit_id else None
    return await case_view(session, LoadedCase(case.request, case.body, unit), "staff")
