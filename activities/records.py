"""Idempotent writes of a case's side records: timeline entries, tasks and outbox notices.

Every write is keyed, so an activity retried after a crash writes nothing twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.exceptions import ApplicationError

from activities.notices import Notice
from db.calendar_repo import load_calendar
from db.models import Body, Dispute, InfoRequest, Notification, Objection, Task, TimelineEvent
from domain import law
from domain.calendar import WorkingCalendar, add_working_days, working_day_before
from domain.contracts import Alarm
from domain.dates_id import format_date
from domain.delivery import DELIVERY_TASK_KINDS, HANDOVER_LABELS, REQUEST_STATUS_OF_OBJECTION
from domain.enums import Role
from domain.notice_tasks import DUE_WORKING_DAYS, MANUAL_RECIPIENT, MANUAL_STATUS, SEND_NOTICE_TASK, task_key


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


async def close_tasks(session: AsyncSession, *, case_id: str, at: datetime, kinds: list[str]) -> None:
    """Close the case's open tasks of these kinds (the case chain shares `case_id`: always name the kinds).
    A delivery or compliance task is never closed here: only recording the delivery ends it."""
    if set(kinds) & DELIVERY_TASK_KINDS:
        raise ValueError("delivery tasks end only when the delivery is recorded")
    query = update(Task).where(Task.case_id == case_id, Task.status == "open", Task.kind.in_(kinds))
    await session.execute(query.values(status="done", closed_at=at))


async def close_task(
    session: AsyncSession, *, key: str, at: datetime, status: str = "done", **fields: Any
) -> Task | None:
    """End the open task with this key (done, or cancelled with a reason in `close_reason`)."""
    task = await session.scalar(select(Task).where(Task.key == key))
    if task is None or task.status != "open":
        return task
    task.status, task.closed_at = status, at
    for name, value in fields.items():
        setattr(task, name, value)
    return task


async def record_handover(session: AsyncSession, *, key: str, at: datetime, actor: str | None,
                          delivery: dict[str, Any]) -> Task | None:  # fmt: skip
    """The delivery or compliance task `key` done, with what the PPID recorded."""
    return await close_task(
        session, key=key, at=at, delivered_on=date.fromisoformat(str(delivery["delivered_on"])),
        delivery_method=str(delivery["method"]), delivery_note=delivery.get("note"),
        document_id=delivery.get("document_id"), completed_by=actor,
    )  # fmt: skip


def handover_text(delivery: dict[str, Any]) -> str:
    """`pada 4 Desember 2026, dikirim melalui email`."""
    day = format_date(date.fromisoformat(str(delivery["delivered_on"])))
    method = str(delivery["method"])
    return f"pada {day}, {HANDOVER_LABELS.get(method, method)}"


def delivered_context(delivery: dict[str, Any], *, basis: str) -> dict[str, Any]:
    """What the notice of a delivery says: when and how, on what basis, the PPID's note, a document."""
    return {
        "handover": handover_text(delivery), "basis": basis, "delivery_note": delivery.get("note"),
        "with_document": bool(delivery.get("document_id")), "recipient_role": "requester",
    }  # fmt: skip


async def follow_objection(session: AsyncSession, request: InfoRequest) -> None:
    """The request's status in the registers follows its latest objection while that objection is under way
    or was accepted or disputed (every view and list reads `requests.status`)."""
    objection_status = await session.scalar(
        select(Objection.status)
        .where(Objection.request_id == request.id)
        .order_by(Objection.registered_at.desc(), Objection.created_at.desc())
        .limit(1)
    )
    followed = REQUEST_STATUS_OF_OBJECTION.get(str(objection_status)) if objection_status else None
    if followed is not None:
        request.status = followed


async def enqueue(
    session: AsyncSession, *, case_id: str, event: str, key_suffix: str, notices: list[Notice],
    at: datetime | None = None,
) -> list[int]:  # fmt: skip
    """Outbox rows keyed by case + event + recipient; existing rows are kept as they are. The keys are
    looked up first and the new rows written in one flush at the end. `at` is the moment of the event that
    causes the notices (workflow time, simulated under PPID_CLOCK=simulated): the rows' `created_at`, which
    dates the emails in simulated mode (activities/mail.py). A notice to a requester without email
    (recipient MANUAL_RECIPIENT) is a `manual` row the dispatcher never sends, with a task for the PPID."""
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
                status=MANUAL_STATUS if notice.recipient == MANUAL_RECIPIENT else "pending",
                attempts=0,
            )
            if at is not None:
                row.created_at = at
            session.add(row)
            existing[key] = row
        rows.append(row)
    await session.flush()
    manual = [row for row in rows if row.status == MANUAL_STATUS]
    if manual:
        await _open_notice_tasks(session, case_id=case_id, key_suffix=key_suffix, rows=manual, at=at)
    return [row.id for row in rows]


async def _open_notice_tasks(
    session: AsyncSession, *, case_id: str, key_suffix: str, rows: list[Notification], at: datetime | None
) -> None:
    """One task per `manual` row (keyed by the row, so a retried activity opens none twice): the PPID who
    handles the case (the unit's when the request is assigned, else the body's Utama) sends the notice by
    letter or phone by the end of the next working day. It is about the objection or the dispute whose event
    caused the notice (the event's key suffix is its id), else the request."""
    request = await session.get(InfoRequest, case_id)
    if request is None:
        return
    body = await session.get(Body, request.body_id)
    assert body is not None
    moment = at or datetime.now(UTC)
    due = add_working_days(moment, DUE_WORKING_DAYS, body.timezone, await load_calendar(session, body.slug))
    object_type, object_id, number = "request", request.id, request.registration_number
    if (dispute := await session.get(Dispute, key_suffix)) is not None:
        object_type, object_id = "dispute", dispute.id
    elif (objection := await session.get(Objection, key_suffix)) is not None:
        object_type, object_id, number = "objection", objection.id, objection.registration_number
    for row in rows:
        await open_task(
            session, key=task_key(object_id, row.id), kind=SEND_NOTICE_TASK, case_type=object_type,
            case_id=request.id, registration_number=number, role=Role.PPID.value, body_id=request.body_id,
            unit_id=request.unit_id, due_at=due.due_at, opened_at=moment,
        )  # fmt: skip


class ReminderLike(Protocol):
    """A reminder `working_days_before` a deadline: law.Reminder, or its wire form ReminderSpec."""

    @property
    def kind(self) -> str: ...
    @property
    def working_days_before(self) -> int: ...


def reminder_alarms(
    schedule: Iterable[ReminderLike],
    due_at: datetime,
    tz: str,
    calendar: WorkingCalendar,
    *,
    prefix: str = "",
) -> list[Alarm]:
    """The reminders of `schedule` before `due_at`, the one planner of every workflow's reminders: at
    law.REMINDER_HOUR local time on the working day each names (e.g. law.T4.reminders: the Atasan's 10, 5
    and 1 working days before T4). `prefix` goes before each alarm's kind."""
    zone = ZoneInfo(tz)
    due_day = due_at.astimezone(zone).date()
    return [
        Alarm(
            kind=f"{prefix}{s.kind}",
            at=datetime.combine(
                working_day_before(due_day, s.working_days_before, calendar), law.REMINDER_HOUR, zone
            ),
        )
        for s in schedule
    ]


RowT = TypeVar("RowT")


async def get_or_fail(session: AsyncSession, model: type[RowT], key: str, what: str) -> RowT:
    """The row a workflow names: when it is missing a retry would not find it either, so the activity fails for
    good."""
    row = await session.get(model, key)
    if row is None:
        raise ApplicationError(f"{what} {key} not found", non_retryable=True)
    return row


async def objection_rows(session: AsyncSession, objection_id: str) -> tuple[Objection, InfoRequest, Body]:
    """An objection with the request it objects to and the request's body (whose calendar and time zone its
    clocks count in)."""
    objection = await get_or_fail(session, Objection, objection_id, "objection")
    request = await session.get(InfoRequest, objection.request_id)
    assert request is not None
    body = await session.get(Body, request.body_id)
    assert body is not None
    return objection, request, body
