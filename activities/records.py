"""Idempotent writes of a case's side records: timeline entries, tasks and outbox notices.

Every write is keyed, so an activity retried after a crash writes nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activities.notices import Notice
from db.models import Notification, Task, TimelineEvent


async def add_timeline(
    session: AsyncSession,
    *,
    key: str,
    case_id: str,
    at: datetime,
    event: str,
    label: str,
    subject_type: str = "request",
    subject_id: str | None = None,
    actor: str | None = None,
    internal: bool = False,
    data: dict[str, Any] | None = None,
) -> bool:
    """Add the entry unless its key exists; True when added."""
    if await session.scalar(select(TimelineEvent.id).where(TimelineEvent.key == key)) is not None:
        return False
    session.add(
        TimelineEvent(
            key=key,
            case_id=case_id,
            subject_type=subject_type,
            subject_id=subject_id or case_id,
            at=at,
            event=event,
            label=label,
            actor=actor,
            internal=internal,
            data=data,
        )
    )
    return True


async def open_task(session: AsyncSession, *, key: str, **fields: Any) -> Task:
    task = await session.scalar(select(Task).where(Task.key == key))
    if task is None:
        task = Task(key=key, status="open", **fields)
        session.add(task)
    return task


async def close_tasks(
    session: AsyncSession, *, case_id: str, at: datetime, kinds: list[str] | None = None
) -> None:
    query = update(Task).where(Task.case_id == case_id, Task.status == "open")
    if kinds is not None:
        query = query.where(Task.kind.in_(kinds))
    await session.execute(query.values(status="done", closed_at=at))


async def enqueue(
    session: AsyncSession, *, case_id: str, event: str, key_suffix: str, notices: list[Notice],
    at: datetime | None = None,
) -> list[int]:  # fmt: skip
    """Outbox rows keyed by case + event + recipient; existing rows are kept as they are. The keys are
    looked up first and the new rows written in one flush at the end. `at` is the moment of the event that
    causes the notices (workflow time, simulated under PPID_CLOCK=simulated): the rows' `created_at`, which
    dates the emails in simulated mode (activities/mail.py)."""
    keys = [f"{case_id}:{event}:{key_suffix}:{n.recipient_role}:{n.recipient}" for n in notices]
    with session.no_autoflush:
        existing = {
            row.idempotency_key: row
            for row in (
                await session.scalars(select(Notification).where(Notification.idempotency_key.in_(keys)))
            ).all()
        }
    rows = []
    for key, notice in zip(keys, notices, strict=True):
        row = existing.get(key)
        if row is None:
            row = Notification(
                idempotency_key=key,
                case_id=case_id,
                event=event,
                recipient=notice.recipient,
                recipient_role=notice.recipient_role,
                subject=notice.subject,
                body_text=notice.text,
                status="pending",
                attempts=0,
            )
            if at is not None:
                row.created_at = at
            session.add(row)
            existing[key] = row
        rows.append(row)
    await session.flush()
    return [row.id for row in rows]
