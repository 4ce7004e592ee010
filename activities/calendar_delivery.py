"""Every calendar change reaches every running workflow whose clocks it may move, even when the API dies or
Temporal is away between the change's commit and its signals.

The change row is committed with the ids of the running workflows it must reach (`undelivered`), in the
transaction that makes the change. The API signals them right after its commit; a workflow that accepted the
signal, or that no longer exists (it ended: nothing left to move), is taken off the list, and the row is
marked delivered once the list is empty. The worker (worker.py) runs `deliver_forever`, which signals what
is left of every undelivered change until it is empty. A workflow may therefore receive the same change
twice; it applies each calendar version once (workflows/common.py `calendar_changed`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from db.calendar_changes import affected_cases
from db.models import AnnualReport, Body, CalendarChangeRow, ConsequenceTest, DikEntry
from db.session import write_gate
from domain.annual_report import workflow_id as report_workflow_id
from domain.contracts import CalendarChanged
from workflows.common import CaseWorkflow

log = logging.getLogger("ppid.calendar_delivery")
SIGNAL_BATCH = 50
# The API signals right after its commit; the worker leaves it that long before signalling again.
GRACE = timedelta(seconds=30)
INTERVAL_S = 15.0
CHANGES_PER_PASS = 100
OPEN_TEST_STEPS = ("submitted", "returned", "forwarded")  # a review or approval step with its SLA running


async def _consequence_tests(session: AsyncSession, day: date, body: Body | None) -> list[str]:
    """The consequence tests with a working-day clock on or after `day`: a step waiting with its SLA, or an
    approved entry in force whose period ends on or after it (the PP 61/2010 Pasal 11 determination date is
    counted back from that end)."""
    since = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    in_force = select(DikEntry.test_id).where(DikEntry.status == "in_force", DikEntry.exemption_until >= day)
    query = select(ConsequenceTest.workflow_id).where(
        or_(
            ConsequenceTest.status.in_(OPEN_TEST_STEPS) & (ConsequenceTest.due_at >= since),
            (ConsequenceTest.status == "approved") & ConsequenceTest.id.in_(in_force),
        )
    )
    if body is not None:
        query = query.where(ConsequenceTest.body_id == body.id)
    return list((await session.scalars(query.order_by(ConsequenceTest.submitted_at))).all())


async def _annual_reports(session: AsyncSession, day: date, body: Body | None, now: datetime) -> list[str]:
    """The yearly report workflows whose dates may fall on `day`: the report on year Y is prepared on the first
    working day of Y+1 and its reminders are counted back from 31 March of Y+1 (Perki 1/2021 Pasal 56), so a
    change in Y+1 touches the report on Y, for every body in scope whose report is not submitted. One that
    was never started is not found, and so does not hold the delivery up."""
    year = day.year - 1
    if year > now.year:
        return []
    bodies = select(Body.id, Body.slug).order_by(Body.slug)
    if body is not None:
        bodies = bodies.where(Body.id == body.id)
    submitted = set(
        (
            await session.scalars(
                select(AnnualReport.body_id).where(
                    AnnualReport.year == year, AnnualReport.status == "submitted"
                )
            )
        ).all()
    )
    return [
        report_workflow_id(slug, year)
        for body_id, slug in (await session.execute(bodies)).all()
        if body_id not in submitted
    ]


async def running_workflows(session: AsyncSession, day: date, body: Body | None, now: datetime) -> list[str]:
    """Every running workflow a change of `day` must reach (a superset: a workflow whose dates do not move
    recomputes and records nothing): the open requests, objections and disputes, the consequence tests and
    the yearly reports."""
    found = [
        *(await affected_cases(session, day, body)).workflow_ids(),
        *await _consequence_tests(session, day, body),
        *await _annual_reports(session, day, body, now),
    ]
    return list(dict.fromkeys(found))


def change_of(row: CalendarChangeRow) -> CalendarChanged:
    """The signal of a change row."""
    return CalendarChanged(
        version=row.id, action=row.action, date=row.date, name=row.name, confirm_earlier=row.confirm_earlier
    )


async def signal_change(client: Client, change: CalendarChanged, workflow_ids: Iterable[str]) -> set[str]:
    """Signal each workflow; the ids that accepted it, or that do not exist any more (ended: nothing left to
    move). Any other failure (Temporal away) leaves the id for the next attempt."""

    async def one(workflow_id: str) -> str | None:
        try:
            await client.get_workflow_handle(workflow_id).signal(CaseWorkflow.calendar_changed, change)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return workflow_id
            log.warning("calendar change v%s not delivered to %s: %s", change.version, workflow_id, exc)
            return None
        return workflow_id

    ids = list(workflow_ids)
    delivered: set[str] = set()
    for start in range(0, len(ids), SIGNAL_BATCH):
        answers = await asyncio.gather(*(one(w) for w in ids[start : start + SIGNAL_BATCH]))
        delivered |= {w for w in answers if w is not None}
    return delivered


async def record_delivered(session: AsyncSession, change_id: int, delivered: set[str]) -> bool:
    """Take the delivered ids off the change's list (re-read: the API and a worker may both deliver); the row
    is marked delivered when none is left. True once it is."""
    async with write_gate(session.bind):
        row = await session.get(CalendarChangeRow, change_id, populate_existing=True)
        if row is None:
            return True
        if row.delivered_at is None:
            left = [w for w in row.undelivered if w not in delivered]
            row.undelivered = left
            if not left:
                row.delivered_at = datetime.now(UTC)
            await session.commit()
        return row.delivered_at is not None


async def deliver(session: AsyncSession, client: Client, change_id: int) -> bool:
    """Signal what is left of one change and record what was accepted. True once it is delivered."""
    row = await session.get(CalendarChangeRow, change_id, populate_existing=True)
    if row is None or row.delivered_at is not None:
        return True
    delivered = await signal_change(client, change_of(row), list(row.undelivered))
    return await record_delivered(session, change_id, delivered)


async def deliver_pending_changes(
    sessions: async_sessionmaker[AsyncSession], client: Client, *, grace: timedelta = GRACE
) -> int:
    """One pass over the undelivered changes older than `grace`, oldest first; how many are now delivered."""
    async with sessions() as session:
        pending = (
            await session.scalars(
                select(CalendarChangeRow.id)
                .where(
                    CalendarChangeRow.delivered_at.is_(None),
                    CalendarChangeRow.created_at <= datetime.now(UTC) - grace,
                )
                .order_by(CalendarChangeRow.id)
                .limit(CHANGES_PER_PASS)
            )
        ).all()
        done = 0
        for change_id in pending:
            if await deliver(session, client, change_id):
                done += 1
                log.info("calendar change v%s delivered by the worker", change_id)
        return done


async def deliver_forever(
    sessions: async_sessionmaker[AsyncSession], client: Client, *, interval_s: float = INTERVAL_S,
    grace: timedelta = GRACE,
) -> None:  # fmt: skip
    while True:
        try:
            await deliver_pending_changes(sessions, client, grace=grace)
        except Exception:  # the database or Temporal may be away for a while: try again later
            log.exception("calendar change delivery failed; retrying")
        await asyncio.sleep(interval_s)
