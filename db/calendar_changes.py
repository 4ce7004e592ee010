"""Administrators' calendar changes and the open cases whose clocks they may touch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, CalendarChangeRow, Dispute, InfoRequest, Objection

OPEN_REQUEST = ("received", "extended", "decided", "overdue")
OPEN_OBJECTION = ("registered", "answered", "overdue")
OPEN_DISPUTE = ("submitted", "registered", "mediation", "adjudication", "decided")


async def add_change(
    session: AsyncSession, *, action: str, day: date, name: str, body: Body | None, reason: str, actor: str
) -> CalendarChangeRow:
    row = CalendarChangeRow(
        action=action, date=day, name=name, body_id=body.id if body else None, reason=reason, created_by=actor
    )
    session.add(row)
    await session.flush()
    return row


@dataclass
class AffectedCases:
    """The open cases a change of `day` may touch, as the registers hold them."""

    requests: list[InfoRequest] = field(default_factory=list)
    objections: list[tuple[Objection, InfoRequest]] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)

    def workflow_ids(self) -> list[str]:
        return (
            [r.workflow_id for r in self.requests]
            + [o.workflow_id for o, _ in self.objections]
            + [d.workflow_id for d in self.disputes]
        )


async def affected_cases(session: AsyncSession, day: date, body: Body | None) -> AffectedCases:
    """The open cases with a clock still running on or after `day` (a superset: a case whose dates do not
    change recomputes and records nothing)."""
    since = datetime.combine(day, time.min, tzinfo=UTC) - timedelta(days=1)
    until = datetime.combine(day, time.max, tzinfo=UTC) + timedelta(days=1)
    requests = select(InfoRequest).where(
        InfoRequest.status.in_(OPEN_REQUEST),
        InfoRequest.received_at <= until,
        or_(InfoRequest.due_at >= since, InfoRequest.objection_deadline >= since),
    )
    objections = (
        select(Objection, InfoRequest)
        .join(InfoRequest, InfoRequest.id == Objection.request_id)
        .where(
            Objection.status.in_(OPEN_OBJECTION),
            or_(Objection.due_at >= since, Objection.dispute_deadline >= since),
        )
    )
    if body is not None:
        requests = requests.where(InfoRequest.body_id == body.id)
        objections = objections.where(InfoRequest.body_id == body.id)
    found = AffectedCases(
        requests=list((await session.scalars(requests.order_by(InfoRequest.due_at))).all()),
        objections=[(o, r) for o, r in (await session.execute(objections.order_by(Objection.due_at))).all()],
    )
    if body is None:  # the Komisi Informasi counts on the national calendar: regional days do not touch it
        disputes = select(Dispute).where(
            Dispute.status.in_(OPEN_DISPUTE),
            or_(Dispute.start_due_at >= since, Dispute.settle_due_at >= since, Dispute.final_at >= since),
        )
        found.disputes = list((await session.scalars(disputes.order_by(Dispute.submitted_at))).all())
    return found


async def affected_workflows(session: AsyncSession, day: date, body: Body | None) -> list[str]:
    """Workflow ids of the open cases with a clock still running on or after `day` (see affected_cases)."""
    return (await affected_cases(session, day, body)).workflow_ids()
