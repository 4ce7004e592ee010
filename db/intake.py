"""Registration of a request in the registers (the transactional outbox's first half).

The row and its registration number are committed in one transaction; the API then starts the workflow,
whose first activity records the registration on the timeline. Should Temporal be away or the API die in
between, the worker's reconciler starts the workflow of every row whose registration was never recorded
(starting is idempotent), so no acknowledged request is lost and none stays without its workflow."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, InfoRequest, RegistrationCounter
from domain.contracts import RequestStart
from domain.registration import Register, local_year_month, registration_number


async def next_registration_number(
    session: AsyncSession, body: Body, register: Register, at: datetime
) -> str:
    """Atomic per body, register and year (in the body's time zone): concurrent intakes never share one."""
    year, month = local_year_month(at, body.timezone)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(RegistrationCounter)
        .values(body_id=body.id, year=year, register=register.value, last_seq=0)
        .on_conflict_do_nothing()
    )
    seq = await session.scalar(
        update(RegistrationCounter)
        .where(
            RegistrationCounter.body_id == body.id,
            RegistrationCounter.year == year,
            RegistrationCounter.register == register.value,
        )
        .values(last_seq=RegistrationCounter.last_seq + 1)
        .returning(RegistrationCounter.last_seq)
    )
    assert seq is not None
    return registration_number(seq, register, body.code, month, year)


def request_start(request: InfoRequest, body: Body) -> RequestStart:
    """The request workflow's input: ids and dates only, never personal data."""
    return RequestStart(
        request_id=request.id,
        registration_number=request.registration_number,
        body=body.slug,
        timezone=body.timezone,
        received_at=request.received_at,
        due_at=request.due_at,
    )


def workflow_id_of(request_id: str) -> str:
    return f"permohonan-{request_id}"


async def insert_request(session: AsyncSession, **fields: Any) -> InfoRequest:
    request = InfoRequest(**fields)
    session.add(request)
    await session.flush()
    return request


async def find_by_idempotency_key(session: AsyncSession, key: str) -> InfoRequest | None:
    return await session.scalar(select(InfoRequest).where(InfoRequest.idempotency_key == key))


def idempotency_fingerprint(form: dict[str, Any], staff_id: int | None) -> str:
    """What a retried submission must repeat to get its case back: the whole form and the same caller."""
    caller = f"staff:{staff_id}" if staff_id is not None else "public"
    canonical = json.dumps({"caller": caller, "form": form}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
