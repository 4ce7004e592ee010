"""What the yearly report and the PPID Pelaksana evaluation read from the registers, on top of the service
figures of db/statistics.py: the requests per month (the report's chart), the working days to answer as a
histogram, and per unit the on-time share, the median days to answer, the open overdue tasks, the deliveries
outstanding and the deadline state per month (the evaluation's heatmap).

All of it aggregated in the database (GROUP BY on the local day of receipt, a few hundred rows at most for a
body-year), the same SQL on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.calendar_repo import load_calendar
from db.models import Body, InfoRequest, Task, Unit
from db.statistics import EPOCH, Scope, StatisticsQueries, histogram_summary, local_day, share, year_bounds
from domain.delivery import DELIVERY_TASK_KINDS

# The deadline state of a request of the year, worst first (the heatmap's colour is the worst in the cell).
STATES = ("overdue", "late", "pending", "on_time")
STATE_LABELS = {
    "on_time": "tepat waktu", "late": "terlambat", "overdue": "lewat tenggat, belum dijawab",
    "pending": "masih berjalan",
}  # fmt: skip


def _offset_s(tz: str, year: int) -> int:
    offset = datetime(year, 7, 1, tzinfo=ZoneInfo(tz)).utcoffset() or timedelta(0)
    return int(offset.total_seconds())


def _month_of(day_number: int) -> int:
    return (EPOCH + timedelta(days=int(day_number))).month


def _requests_where(body_id: int, tz: str, year: int) -> list[Any]:
    start, end = year_bounds(year, tz)
    return [InfoRequest.body_id == body_id, InfoRequest.received_at >= start, InfoRequest.received_at < end]


def _state(now: datetime) -> Any:
    return case(
        (InfoRequest.decided_at.isnot(None) & InfoRequest.decided_late.is_(True), "late"),
        (InfoRequest.decided_at.isnot(None), "on_time"),
        (InfoRequest.due_at < now, "overdue"),
        else_="pending",
    )


async def monthly_requests(session: AsyncSession, body: Body, year: int) -> list[int]:
    """Requests received in each month of `year` (January first), in the body's time zone."""
    day = local_day(InfoRequest.received_at, literal_column(str(_offset_s(body.timezone, year)))).label("day")
    inner = select(day).where(*_requests_where(body.id, body.timezone, year)).subquery()
    rows = (await session.execute(select(inner.c.day, func.count()).group_by(inner.c.day))).all()
    months = [0] * 12
    for day_number, count in rows:
        months[_month_of(day_number) - 1] += int(count)
    return months


async def report_figures(session: AsyncSession, body: Body, year: int, now: datetime) -> dict[str, Any]:
    """The service figures of the year (db/statistics.py) with what the report's charts need: requests per
    month and the histogram {working days: requests} of the time to answer."""
    scope = Scope(body_id=body.id, timezone=body.timezone, year=year, now=now, body_slug=body.slug)
    queries = StatisticsQueries(session, scope, await load_calendar(session, body.slug))
    figures = await queries.figures()
    histogram = await queries.days_to_answer()
    figures["days_histogram"] = {str(days): count for days, count in sorted(histogram.items())}
    figures["monthly_requests"] = await monthly_requests(session, body, year)
    figures["as_of"] = now.astimezone(UTC).isoformat()
    return figures


@dataclass
class UnitScore:
    """One row of the PPID Pelaksana evaluation."""

    slug: str  # "" for the requests no unit holds (the PPID Utama's own)
    name: str
    requests: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0
    median_days: float | None = None
    open_overdue_tasks: int = 0
    deliveries_outstanding: int = 0
    months: list[dict[str, int]] = field(default_factory=lambda: [{} for _ in range(12)])

    @property
    def on_time_share(self) -> float | None:
        """Answered within the deadline, of the requests answered or past their deadline."""
        return share(self.on_time, self.on_time + self.late + self.overdue)

    def month_state(self, index: int) -> str | None:
        cell = self.months[index]
        return next((s for s in STATES if cell.get(s)), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.slug or None, "name": self.name, "requests": self.requests, "on_time": self.on_time,
            "late": self.late, "overdue": self.overdue, "pending": self.pending,
            "on_time_share": self.on_time_share, "median_days_to_answer": self.median_days,
            "open_overdue_tasks": self.open_overdue_tasks, "deliveries_outstanding": self.deliveries_outstanding,
            "months": [{"month": i + 1, **cell} for i, cell in enumerate(self.months)],
        }  # fmt: skip


def ranked(rows: list[UnitScore]) -> list[UnitScore]:
    """Best first: the on-time share (units without a measured request last), the median days to answer,
    then the fewest open overdue tasks and deliveries outstanding."""

    def key(row: UnitScore) -> tuple[Any, ...]:
        share_ = row.on_time_share
        return (share_ is None, -(share_ or 0.0), row.median_days if row.median_days is not None else 1e9,
                row.open_overdue_tasks, row.deliveries_outstanding, row.name)  # fmt: skip

    return sorted(rows, key=key)


async def unit_evaluation(session: AsyncSession, body: Body, year: int, now: datetime) -> list[UnitScore]:
    """The body's units (and the requests held by no unit, when there are any), ranked."""
    units = (
        await session.execute(select(Unit.id, Unit.slug, Unit.name).where(Unit.body_id == body.id))
    ).all()
    rows: dict[int | None, UnitScore] = {uid: UnitScore(slug, name) for uid, slug, name in units}
    day = local_day(InfoRequest.received_at, literal_column(str(_offset_s(body.timezone, year))))
    inner = (
        select(InfoRequest.unit_id, day.label("day"), _state(now).label("state"))
        .where(*_requests_where(body.id, body.timezone, year))
        .subquery()
    )
    grouped = select(inner.c.unit_id, inner.c.day, inner.c.state, func.count()).group_by(*inner.c)
    for unit_id, day_number, state, count in (await session.execute(grouped)).all():
        row = rows.get(unit_id)
        if row is None:
            row = rows[unit_id] = UnitScore("", "PPID Utama (tanpa unit)")
        setattr(row, state, getattr(row, state) + int(count))
        row.requests += int(count)
        cell = row.months[_month_of(day_number) - 1]
        cell[state] = cell.get(state, 0) + int(count)
    tasks = (
        select(
            Task.unit_id,
            func.sum(case((Task.due_at < now, 1), else_=0)),
            func.sum(case((Task.kind.in_(sorted(DELIVERY_TASK_KINDS)), 1), else_=0)),
        )
        .where(Task.body_id == body.id, Task.status == "open", Task.case_type != "report")
        .group_by(Task.unit_id)
    )
    for unit_id, overdue, deliveries in (await session.execute(tasks)).all():
        if unit_id in rows:
            rows[unit_id].open_overdue_tasks = int(overdue or 0)
            rows[unit_id].deliveries_outstanding = int(deliveries or 0)
    calendar = await load_calendar(session, body.slug)
    for unit_id, row in rows.items():
        if unit_id is None or not (row.on_time or row.late):
            continue
        scope = Scope(body_id=body.id, timezone=body.timezone, year=year, now=now, unit_id=unit_id,
                      body_slug=body.slug)  # fmt: skip
        row.median_days = histogram_summary(
            await StatisticsQueries(session, scope, calendar).days_to_answer()
        )["median"]
    return ranked(list(rows.values()))
