"""A fast generator of registered cases for the statistics tests and bench: the rows the request, objection
and dispute workflows' activities leave in the registers (activities/requests.py, objections.py,
disputes.py), written directly with SQLAlchemy Core inserts instead of running each case through Temporal.

A case is described by its local moments (the body's time zone) and what happened to it; the generator fills
in what the workflows compute: the T1/T2 due date on the body's calendar and its explanation (`deadline`),
`decided_late`, the objection window T3, T4 and T5, the registration numbers, the statuses (a request
follows its latest objection, domain/delivery.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.calendar_repo import load_calendar
from db.intake import workflow_id_of
from db.models import Body, Dispute, InfoRequest, Objection, Unit
from domain.calendar import Deadline, WorkingCalendar, add_working_days
from domain.delivery import REQUEST_STATUS_OF_OBJECTION
from domain.registration import Register, registration_number

T1, T2_EXTRA, T3, T4, T5 = 10, 7, 30, 30, 14  # Pasal 22(7), 22(8), 36(1), 36(2), 37(2)


@dataclass(frozen=True)
class DisputeSpec:
    submitted: datetime  # local, naive
    stage: str | None = None  # mediation | adjudication
    outcome: str | None = None  # e.g. mediation_agreement, adjudication_rejected
    status: str = "submitted"


@dataclass(frozen=True)
class ObjectionSpec:
    registered: datetime  # local, naive
    reasons: tuple[str, ...] = ("a",)
    responded: datetime | None = None
    outcome: str | None = None  # granted | partially_granted | upheld
    status: str | None = None  # default: answered when responded, else registered/overdue
    dispute: DisputeSpec | None = None


@dataclass(frozen=True)
class CaseSpec:
    received: datetime  # local, naive
    channel: str = "web"
    kind: str = "individual"
    unit: str | None = "dinkes"
    extension: str | None = None  # the reason, when extended (before T1)
    decided: datetime | None = None  # local, naive
    outcome: str = "granted"
    article: str | None = None  # the Pasal 17 exemption of a refusal
    objections: tuple[ObjectionSpec, ...] = ()


@dataclass
class Generated:
    requests: list[dict[str, Any]] = field(default_factory=list)
    objections: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)


class RegisterWriter:
    """Rows for one body, on its calendar, as of `now` (a deadline passed by then is an overdue case)."""

    def __init__(self, body: Body, units: dict[str, int], komisi_id: int, calendar: WorkingCalendar,
                 now: datetime) -> None:  # fmt: skip
        self.body, self.units, self.komisi_id, self.calendar, self.now = body, units, komisi_id, calendar, now
        self.zone = ZoneInfo(body.timezone)
        self.seq: dict[tuple[str, int], int] = {}
        # Many cases share a day: a deadline depends only on the local day it counts from.
        self._deadline = lru_cache(maxsize=4096)(self._deadline_uncached)

    @classmethod
    async def load(cls, session: AsyncSession, body_slug: str, now: datetime) -> RegisterWriter:
        body = await session.scalar(select(Body).where(Body.slug == body_slug))
        assert body is not None, body_slug
        rows = (await session.execute(select(Unit.slug, Unit.id).where(Unit.body_id == body.id))).all()
        units = {slug: unit_id for slug, unit_id in rows}
        return cls(body, units, body.komisi_id, await load_calendar(session, body_slug), now)

    def _deadline_uncached(self, day: datetime, n: int) -> Deadline:
        return add_working_days(day, n, self.body.timezone, self.calendar)

    def deadline(self, start: datetime, n: int) -> Deadline:
        local = start.astimezone(self.zone)
        found = self._deadline(local.replace(hour=12, minute=0, second=0, microsecond=0), n)
        return found.model_copy(update={"start": start})

    def local(self, moment: datetime) -> datetime:
        return moment.replace(tzinfo=self.zone)

    def number(self, register: Register, at: datetime) -> str:
        local = at.astimezone(self.zone)
        key = (register.value, local.year)
        self.seq[key] = self.seq.get(key, 0) + 1
        return registration_number(self.seq[key], register, self.body.code, local.month, local.year)

    def rows(self, specs: Sequence[CaseSpec]) -> Generated:
        out = Generated()
        for spec in specs:
            self._case(spec, out)
        return out

    def _case(self, spec: CaseSpec, out: Generated) -> None:
        request_id = uuid.uuid4().hex
        received = self.local(spec.received)
        t1 = self.deadline(received, T1)
        due, deadline = t1.due_at, t1.model_dump(mode="json")
        if spec.extension is not None:
            t2 = self.deadline(t1.due_at, T2_EXTRA)
            due, deadline = t2.due_at, t2.model_dump(mode="json")
        decided = self.local(spec.decided) if spec.decided else None
        decision: dict[str, Any] | None = None
        if decided is not None:
            exemption = {"article": spec.article, "consequence_test": "Uji konsekuensi terlampir"}
            decision = {
                "outcome": spec.outcome, "exemption": exemption if spec.article else None, "redactions": None,
                "holder_body": None, "fee_idr": None, "note": None, "document_ids": [],
            }  # fmt: skip
        # T3 runs from the written notice, or from the T1/T2 expiry when there is none (Pasal 36(1)).
        t3_start = decided or (due if due < self.now else None)
        status = "decided" if decided else ("overdue" if due < self.now else ("extended" if spec.extension
                                                                             else "received"))  # fmt: skip
        row: dict[str, Any] = {
            "id": request_id, "registration_number": self.number(Register.REQUEST, received),
            "body_id": self.body.id, "unit_id": self.units[spec.unit] if spec.unit else None, "status": status,
            "channel": spec.channel, "requester_kind": spec.kind, "requester_name": "Pemohon Uji",
            "nik": "6103014501900003" if spec.kind != "legal_entity" else None,
            "legal_entity_number": "AHU-0001.AH.01.01" if spec.kind == "legal_entity" else None,
            "address": "Jl. Jenderal Sudirman No. 1, Sanggau", "email": "pemohon@example.org", "phone": None,
            "occupation": None, "proxy": None, "information": "Salinan dokumen anggaran", "purpose": "Penelitian",
            "obtain_method": "copy", "copy_format": "softcopy", "delivery_method": "email",
            "tracking_code_hash": "x" * 64, "idempotency_key": None, "idempotency_fingerprint": None,
            "received_at": received, "due_at": due, "deadline": deadline, "extended": spec.extension is not None,
            "extension_reason": spec.extension, "decision": decision, "decided_at": decided,
            "decided_late": bool(decided and decided > due),
            "objection_deadline": self.deadline(t3_start, T3).due_at if t3_start else None,
            "workflow_id": workflow_id_of(request_id), "created_at": received, "updated_at": decided or received,
        }  # fmt: skip
        out.requests.append(row)
        for objection in spec.objections:
            status = self._objection(objection, row, out)
            row["status"] = REQUEST_STATUS_OF_OBJECTION.get(status, row["status"])

    def _objection(self, spec: ObjectionSpec, request: dict[str, Any], out: Generated) -> str:
        objection_id = uuid.uuid4().hex
        registered = self.local(spec.registered)
        t4 = self.deadline(registered, T4)
        responded = self.local(spec.responded) if spec.responded else None
        status = spec.status or (
            "answered" if responded else ("overdue" if t4.due_at < self.now else "registered")
        )
        response = None
        if responded is not None:
            response = {"outcome": spec.outcome, "reasons": "Pertimbangan Atasan PPID", "order": None,
                        "late": responded > t4.due_at}  # fmt: skip
        t5_start = responded or (t4.due_at if t4.due_at < self.now else None)
        out.objections.append({
            "id": objection_id, "request_id": request["id"],
            "registration_number": self.number(Register.OBJECTION, registered), "status": status,
            "reasons": list(spec.reasons), "case_position": "Kasus posisi", "purpose": "Penelitian",
            "filed_by_staff": False, "late_override_reason": None, "registered_at": registered,
            "due_at": t4.due_at, "deadline": t4.model_dump(mode="json"), "response": response,
            "responded_at": responded, "dispute_deadline": self.deadline(t5_start, T5).due_at if t5_start else None,
            "workflow_id": f"keberatan-{objection_id}", "created_at": registered, "updated_at": responded or registered,
        })  # fmt: skip
        if spec.dispute is not None:
            self._dispute(spec.dispute, objection_id, request, out)
        return status

    def _dispute(self, spec: DisputeSpec, objection_id: str, request: dict[str, Any], out: Generated) -> None:
        dispute_id = uuid.uuid4().hex
        submitted = self.local(spec.submitted)
        outcome = (
            {"outcome": spec.outcome, "decision_number": "001/KI-KB/2027", "summary": None}
            if spec.outcome
            else None
        )
        out.disputes.append({
            "id": dispute_id, "objection_id": objection_id, "request_id": request["id"],
            "komisi_id": self.komisi_id, "status": spec.status, "statement": "Permohonan penyelesaian sengketa",
            "requested_outcome": "Informasi dibuka", "submitted_at": submitted,
            "register_number": "001/REG-PSI/KI-KB/2027" if spec.status != "submitted" else None,
            "registered_at": submitted + timedelta(days=3) if spec.status != "submitted" else None,
            "start_due_at": None, "settle_due_at": None, "stage": spec.stage, "outcome": outcome,
            "decided_at": submitted + timedelta(days=60) if spec.outcome else None, "final_at": None,
            "case_file": None, "workflow_id": f"sengketa-{dispute_id}", "created_at": submitted,
            "updated_at": submitted,
        })  # fmt: skip


async def write_rows(session: AsyncSession, rows: Generated, batch: int = 5000) -> None:
    """Bulk Core inserts (executemany), in the order the foreign keys need."""
    for model, items in (
        (InfoRequest, rows.requests),
        (Objection, rows.objections),
        (Dispute, rows.disputes),
    ):
        for start in range(0, len(items), batch):
            await session.execute(insert(model), items[start : start + batch])
    await session.commit()


async def write_cases(
    session: AsyncSession, body_slug: str, specs: Sequence[CaseSpec], now: datetime
) -> Generated:
    writer = await RegisterWriter.load(session, body_slug, now)
    rows = writer.rows(specs)
    await write_rows(session, rows)
    return rows
