"""Declaring and cancelling a holiday (admin): the checks, the preview of the open cases whose clocks would
move, and the change itself, recorded with the running workflows it must reach and then signalled to them
(activities/calendar_delivery.py). The API (api/routes/calendar.py) and the admin page
(api/web/admin/calendar.py) both go through these functions.

The preview computes, without changing anything, what each case's workflow does when the change reaches it
(workflows/common.py `_move_clock` and the `_recompute_clocks` of each workflow): the running clock is
recomputed from its recorded start and number of working days on the calendar with the change applied; an
expired clock does not move; a date that would move earlier is kept unless the admin confirms it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from activities.calendar_delivery import deliver, running_workflows
from api.cases import CLOCK_OF_EVENT
from db.calendar_changes import AffectedCases, add_change, affected_cases
from db.calendar_repo import load_calendar
from db.models import (
    Body,
    CalendarChangeRow,
    Dispute,
    InfoRequest,
    KomisiInformasi,
    Objection,
    Task,
    TimelineEvent,
)
from domain import law
from domain.calendar import CalendarChange, Deadline, WorkingCalendar, add_working_days
from domain.dates_id import format_date
from domain.enums import CalendarAction

log = logging.getLogger("ppid.api.calendar")
Action = Literal["add", "cancel"]
CaseType = Literal["request", "objection", "dispute"]
IN_PROGRESS_DISPUTE = ("registered", "mediation", "adjudication")


class CalendarChangeError(Exception):
    """A change that cannot be made: the HTTP status, the field it is about (date, name, body) and why."""

    def __init__(self, status_code: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.field, self.message = status_code, field, message


@dataclass(frozen=True)
class ProposedChange:
    action: Action
    date: date
    name: str
    body: Body | None
    reason: str = ""

    @property
    def body_slug(self) -> str | None:
        return self.body.slug if self.body else None


class CalendarChangeOut(BaseModel):
    version: int
    action: Literal["add", "cancel"]
    date: date
    name: str
    body: str | None
    affected_cases: int
    # Every running workflow the change must reach has accepted it; false while Temporal is away (the worker
    # signals the rest until they have).
    delivered: bool


class MovedClock(BaseModel):
    """One running clock of an open case that the change moves (old and new in the case's time zone)."""

    case_type: CaseType
    case_id: str
    request_id: str
    registration_number: str
    clock: str
    timezone: str
    old_due_at: datetime
    new_due_at: datetime
    earlier: bool  # the date already told would move earlier: kept unless the admin confirms


class CalendarPreviewOut(BaseModel):
    action: Literal["add", "cancel"]
    date: date
    name: str
    body: str | None
    calendar_version: int  # the current version; the change would be the next
    open_cases_checked: int
    moved: list[MovedClock]
    moves_earlier: bool  # some told date would move earlier: `confirm_earlier` decides


# --- the checks --------------------------------------------------------------------------------------------


async def _scope(session: AsyncSession, slug: str | None) -> Body | None:
    if not slug:
        return None
    body = await session.scalar(select(Body).where(Body.slug == slug))
    if body is None:
        raise CalendarChangeError(422, "body", f"badan publik {slug!r} tidak ada")
    return body


async def check_add(
    session: AsyncSession, day: date, name: str, body_slug: str | None, reason: str = ""
) -> ProposedChange:
    """A new non-working day: refused (409) when the day is already one for that calendar."""
    body = await _scope(session, body_slug)
    calendar = await load_calendar(session, body_slug or None)
    existing = calendar.non_working_reason(day)
    if existing is not None:
        raise CalendarChangeError(409, "date", f"{format_date(day)} sudah bukan hari kerja ({existing})")
    return ProposedChange("add", day, name, body, reason)


async def check_cancel(
    session: AsyncSession, day: date, body_slug: str | None, reason: str = ""
) -> ProposedChange:
    """A holiday of that calendar made a working day again: refused (404) when it is not one."""
    body = await _scope(session, body_slug)
    calendar = await load_calendar(session, body_slug or None)
    name = calendar.holidays_of(day.year).get(day)
    if name is None:
        raise CalendarChangeError(404, "date", f"{format_date(day)} bukan hari libur dalam kalender ini")
    return ProposedChange("cancel", day, name, body, reason)


# --- the preview -------------------------------------------------------------------------------------------


class _Recorded:
    """Every recorded computation of each clock of a set of cases (the registers and their timelines)."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], list[Deadline]] = {}

    def add(self, subject_id: str, clock: str, data: object) -> None:
        if isinstance(data, dict) and data:
            self.found.setdefault((subject_id, clock), []).append(Deadline.model_validate(data))

    def of(self, subject_id: str, clock: str, current: datetime) -> Deadline | None:
        """The computation behind the clock's current date (else the latest one)."""
        candidates = self.found.get((subject_id, clock), [])
        return next((d for d in reversed(candidates) if d.due_at == current), None) or (
            candidates[-1] if candidates else None
        )


async def _recorded(session: AsyncSession, cases: AffectedCases) -> _Recorded:
    recorded = _Recorded()
    for request in cases.requests:
        recorded.add(request.id, "T2" if request.extended else "T1", request.deadline)
    for objection, _ in cases.objections:
        recorded.add(objection.id, "T4", objection.deadline)
    case_ids = sorted(
        {r.id for r in cases.requests}
        | {r.id for _, r in cases.objections}
        | {d.request_id for d in cases.disputes}
    )
    for start in range(0, len(case_ids), 500):
        events = await session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.case_id.in_(case_ids[start : start + 500]),
                or_(TimelineEvent.event.in_(CLOCK_OF_EVENT), TimelineEvent.event.like("deadline_moved%")),
            )
            .order_by(TimelineEvent.id)
        )
        for event in events:
            data = event.data or {}
            if "deadline_moved" in event.event:
                if not data.get("kept"):
                    recorded.add(event.subject_id, str(data.get("clock")), data.get("deadline"))
                continue
            for clock, key in CLOCK_OF_EVENT[event.event]:
                recorded.add(event.subject_id, clock, data.get(key))
    return recorded


class _Preview:
    """Each running clock recomputed on the calendar with the change applied, as its workflow would."""

    def __init__(
        self, session: AsyncSession, proposed: CalendarChange, recorded: _Recorded, now: datetime
    ) -> None:
        self.session, self.proposed, self.recorded, self.now = session, proposed, recorded, now
        self.calendars: dict[str | None, WorkingCalendar] = {}
        self.moved: list[MovedClock] = []

    async def calendar(self, slug: str | None) -> WorkingCalendar:
        if slug not in self.calendars:
            current = await load_calendar(self.session, slug)
            self.calendars[slug] = WorkingCalendar(changes=[*current.changes, self.proposed], body=slug)
        return self.calendars[slug]

    # A case whose registers hold no recorded computation of a clock counts its days from domain/law.py.
    async def clock(
        self, case: tuple[CaseType, str, InfoRequest, str], name: str, current: datetime | None,
        fallback_start: datetime | None, tz: str, slug: str | None, *, start: datetime | None = None,
    ) -> None:  # fmt: skip
        """One clock of `case` (type, subject id, request, registration number); noted when it moves."""
        if current is None or current < self.now:
            return  # no such clock, or an expired one: it has fired and is not re-run
        known = self.recorded.of(case[1], name, current)
        begin = start or (known.start if known else fallback_start)
        if begin is None:
            return
        zone = known.timezone if known else tz
        days = known.working_days if known else law.clock(name).working_days
        new = add_working_days(begin, days, zone, await self.calendar(slug)).due_at
        if new != current:
            local = ZoneInfo(zone)
            self.moved.append(
                MovedClock(
                    case_type=case[0], case_id=case[1], request_id=case[2].id, registration_number=case[3],
                    clock=name, timezone=zone, old_due_at=current.astimezone(local),
                    new_due_at=new.astimezone(local), earlier=new < current,
                )
            )  # fmt: skip

    async def request(self, request: InfoRequest, body: Body) -> None:
        case: tuple[CaseType, str, InfoRequest, str] = (
            "request",
            request.id,
            request,
            request.registration_number,
        )
        tz, slug = body.timezone, body.slug
        if request.status not in ("received", "extended"):
            fallback = request.decided_at or request.due_at
            await self.clock(case, "T3", request.objection_deadline, fallback, tz, slug)
        elif not request.extended:
            await self.clock(case, "T1", request.due_at, request.received_at, tz, slug)
        else:  # T2 is the T1 day plus 7: both on the changed calendar (workflows/request.py)
            t1 = self.recorded.of(request.id, "T1", request.due_at)
            t1_start, t1_days = (
                (t1.start, t1.working_days) if t1 else (request.received_at, law.T1.working_days)
            )
            t1_due = add_working_days(t1_start, t1_days, tz, await self.calendar(slug)).due_at
            await self.clock(case, "T2", request.due_at, None, tz, slug, start=t1_due)

    async def objection(self, objection: Objection, request: InfoRequest, body: Body) -> None:
        case: tuple[CaseType, str, InfoRequest, str] = (
            "objection",
            objection.id,
            request,
            objection.registration_number,
        )
        if objection.status == "registered":
            await self.clock(case, "T4", objection.due_at, objection.registered_at, body.timezone, body.slug)
        else:
            fallback = objection.responded_at or objection.due_at
            await self.clock(case, "T5", objection.dispute_deadline, fallback, body.timezone, body.slug)

    async def dispute(self, dispute: Dispute, request: InfoRequest, tz: str) -> None:
        """T6 and T7 while in progress, T8 once decided; on the KI's national calendar, in its time zone."""
        number = dispute.register_number or request.registration_number
        case: tuple[CaseType, str, InfoRequest, str] = ("dispute", dispute.id, request, number)
        if dispute.status in IN_PROGRESS_DISPUTE and dispute.registered_at:
            if dispute.stage is None:
                await self.clock(case, "T6", dispute.start_due_at, dispute.registered_at, tz, None)
            await self.clock(case, "T7", dispute.settle_due_at, dispute.registered_at, tz, None)
        elif dispute.status == "decided":
            await self.clock(case, "T8", dispute.final_at, dispute.decided_at, tz, None)


async def preview_change(session: AsyncSession, change: ProposedChange, now: datetime) -> CalendarPreviewOut:
    """The running clocks the change would move, old and new date, computed without changing anything."""
    cases = await affected_cases(session, change.date, change.body)
    version = int(await session.scalar(select(func.max(CalendarChangeRow.id))) or 0)
    proposed = CalendarChange(
        version=version + 1, action=CalendarAction(change.action), date=change.date, name=change.name,
        body=change.body_slug,
    )  # fmt: skip
    preview = _Preview(session, proposed, await _recorded(session, cases), now)
    bodies = {b.id: b for b in (await session.scalars(select(Body))).all()}
    for request in cases.requests:
        await preview.request(request, bodies[request.body_id])
    for objection, request in cases.objections:
        await preview.objection(objection, request, bodies[request.body_id])
    if cases.disputes:
        ids = {d.request_id for d in cases.disputes}
        requests = {
            r.id: r for r in (await session.scalars(select(InfoRequest).where(InfoRequest.id.in_(ids))))
        }
        zones = dict(
            (await session.execute(select(KomisiInformasi.id, KomisiInformasi.timezone))).tuples().all()
        )
        for dispute in cases.disputes:
            await preview.dispute(dispute, requests[dispute.request_id], zones[dispute.komisi_id])
    moved = sorted(preview.moved, key=lambda m: (m.old_due_at, m.registration_number))
    return CalendarPreviewOut(
        action=change.action, date=change.date, name=change.name, body=change.body_slug,
        calendar_version=version, open_cases_checked=len(cases.workflow_ids()), moved=moved,
        moves_earlier=any(m.earlier for m in moved),
    )  # fmt: skip


# --- the change --------------------------------------------------------------------------------------------


async def apply_change(
    session: AsyncSession, temporal: Callable[[], Awaitable[Client]], change: ProposedChange, *, actor: str,
    now: datetime, confirm_earlier: bool = False,
) -> CalendarChangeOut:  # fmt: skip
    """Record the change (a new calendar version) with the running workflows it must reach, in one
    transaction; then signal them. What Temporal did not accept (it is away, or this process dies first) the
    worker signals again until every one has (activities/calendar_delivery.py)."""
    row = await add_change(
        session, action=change.action, day=change.date, name=change.name, body=change.body,
        reason=change.reason, actor=actor,
    )  # fmt: skip
    if change.action == "add" and "cuti bersama" in change.name.lower():  # the year's SKB days are confirmed
        for task in await session.scalars(
            select(Task).where(Task.key == f"calendar:confirm:{change.date.year}")
        ):
            task.status, task.closed_at = "done", now
    affected = len((await affected_cases(session, change.date, change.body)).workflow_ids())
    workflow_ids = await running_workflows(session, change.date, change.body, now)
    row.confirm_earlier, row.undelivered = confirm_earlier, workflow_ids
    if not workflow_ids:
        row.delivered_at = datetime.now(UTC)
    await session.commit()
    delivered = row.delivered_at is not None
    if not delivered:
        try:
            delivered = await deliver(session, await temporal(), row.id)
        except Exception:  # Temporal away: the change is committed, the worker delivers it
            log.warning(
                "calendar change v%s committed; its signals are left to the worker", row.id, exc_info=True
            )
    return CalendarChangeOut(
        version=row.id, action=change.action, date=change.date, name=change.name, body=change.body_slug,
        affected_cases=affected, delivered=delivered,
    )  # fmt: skip
