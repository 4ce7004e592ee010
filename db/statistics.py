"""The service figures of one body (or one of its units) and year, computed from the registers (docs/domain.md
"Service figures"): what the yearly report (Laporan Layanan Informasi Publik, Pasal 12 UU 14/2008) and the
KI's monev read.

Everything is aggregated in the database (SQLAlchemy Core, the same SQL on SQLite and PostgreSQL): four
GROUP BY queries over the body's requests of the year (the requests' counts, the days to answer, the
objections, the disputes), each answering grouped rows (at most a few hundred, more only when many
extensions give distinct reasons), never one row per case. The year's rows are scanned once per query
through `ix_requests_body_received`; 50,000 requests take well under the 2 s target (bench/statistics.py).

The period is the requests' `received_at` in the body's time zone: a case belongs to the year it was
received in, with its whole chain (its decision, its objections and their disputes, even when they come in
the next year), so that the figures of a year do not move once its cases are settled.

Working days. The registers hold `received_at` and `decided_at` as instants; the days to answer count the
working days of the body's calendar (Pasal 22 ayat (7) counts in working days). A working-day ordinal table
is built in memory for the body's calendar, one row per local day from 1 January of the year to today
(`ordinal` = the working days up to and including that day), and passed to the query as a VALUES common
table expression of integers. Each case then needs two equality joins on its local day number, and its days
to answer are `ordinal(decided day) - ordinal(received day)`: the calendar's own convention (the day of
receipt is day 0; an answer on the 10th working day after it is within T1). The calendar is consulted once
per day of the table (a few hundred), not once per case. Storing the count at decision time would need the
workflow's activity to write it (and would be missing on every case decided before); the `deadline` JSON of
a request explains its due date, not the day it was answered.

Median and p90. The days-to-answer query returns the histogram `(days, count)` (GROUP BY days): working days
to answer are small integers, so it has at most a few dozen rows whatever the number of cases, and mean,
median, p90 and the shares within 10 and 17 working days follow from it exactly in Python. That keeps one
portable query (no PERCENTILE_CONT, which SQLite lacks; no window function over 50,000 rows) and moves
neither the cases nor even one integer per case out of the database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    values,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from db.calendar_repo import load_calendar
from db.models import Body, ConsequenceTest, DikEntry, Dispute, InfoRequest, KomisiInformasi, Objection
from domain import law
from domain.calendar import MAX_SCAN_DAYS, WorkingCalendar, local_date

EPOCH = date(1970, 1, 1)
T1_DAYS = law.T1.working_days  # Pasal 22 ayat (7): the written notice within T1
T2_DAYS = law.T1.working_days + law.T2.working_days  # Pasal 22 ayat (8): T1 extended once by T2
REFUSING_OUTCOMES = ("rejected", "partially_granted")  # a Pasal 17 exemption withholds all or part
OBJECTION_REASONS = law.OBJECTION_REASONS  # Pasal 35 ayat (1)


@dataclass(frozen=True)
class Scope:
    """Whose figures: a body, optionally one of its units, the year of receipt, and the product's `now` (the
    requests still unanswered after their deadline at that moment are T1/T2 breaches)."""

    body_id: int
    timezone: str
    year: int
    now: datetime
    unit_id: int | None = None
    body_slug: str | None = None


def year_bounds(year: int, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants of 1 January 00:00 of `year` and of the next year in the body's zone."""
    zone = ZoneInfo(tz)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)


class local_day(FunctionElement[int]):
    """The number of the local day (days since 1970-01-01) of a UTC instant, at a fixed UTC offset."""

    type = Integer()
    inherit_cache = True
    name = "local_day"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    moment, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"((CAST(strftime('%s', {moment}) AS INTEGER) + {offset}) / 86400)"


@compiles(local_day)
def _local_day_default(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    moment, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(floor((EXTRACT(EPOCH FROM {moment}) + {offset}) / 86400) AS INTEGER)"


def _day_of(moment: Any, offset_s: int) -> ColumnElement[int]:
    # The offset is inlined (an integer literal, part of the statement's cache key), not a bound parameter:
    # the same expression then appears identically wherever it is used.
    return local_day(moment, literal_column(str(int(offset_s))))


def _fixed_offset(tz: str, first: date, last: date) -> int:
    """The zone's UTC offset in seconds, which must hold over the whole table. Indonesia's zones (WIB, WITA,
    WIT) have had no daylight saving or offset change since 1988; another zone is refused, not miscounted."""
    zone = ZoneInfo(tz)
    offsets = {
        datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset()
        for d in (first, last, date(first.year, 7, 1))
    }
    if len(offsets) != 1 or None in offsets:
        raise ValueError(f"time zone {tz} has no fixed UTC offset over {first}..{last}")
    offset = offsets.pop()
    assert offset is not None
    return int(offset.total_seconds())


@dataclass(frozen=True)
class OrdinalTable:
    """The working-day ordinals of the local days first..last of one body's calendar, as a VALUES CTE."""

    first: date
    last: date
    offset_s: int
    rows: list[tuple[int, int]]

    @classmethod
    def build(cls, calendar: WorkingCalendar, tz: str, first: date, last: date) -> OrdinalTable:
        rows: list[tuple[int, int]] = []
        ordinal, day = 0, first
        while day <= last:
            if calendar.is_working_day(day):
                ordinal += 1
            rows.append(((day - EPOCH).days, ordinal))
            day += timedelta(days=1)
        return cls(first, last, _fixed_offset(tz, first, last), rows)

    def cte(self, name: str) -> Any:
        table = values(column("day", Integer), column("ordinal", Integer), name=name, literal_binds=True)
        return table.data(self.rows).cte(name)


def histogram_summary(histogram: Mapping[int, int]) -> dict[str, Any]:
    """Count, mean, median and p90 of a histogram {days: cases}, and the cases within T1 and T2.
    Median: the middle value (the mean of the two middle ones for an even count). p90: nearest rank, the
    smallest value that at least 90% of the cases do not exceed."""
    count = sum(histogram.values())
    within = {n: sum(c for d, c in histogram.items() if d <= n) for n in (T1_DAYS, T2_DAYS)}
    if count == 0:
        return {"count": 0, "mean": None, "median": None, "p90": None, "within_10": 0, "within_17": 0}
    ordered = sorted(histogram.items())

    def at_rank(rank: int) -> int:  # 1-based
        seen = 0
        for days, cases in ordered:
            seen += cases
            if seen >= rank:
                return days
        raise AssertionError("rank beyond the count")  # pragma: no cover

    middle = (at_rank((count + 1) // 2) + at_rank(count // 2 + 1)) / 2
    return {
        "count": count,
        "mean": round(sum(d * c for d, c in ordered) / count, 2),
        "median": middle,
        "p90": at_rank(math.ceil(0.9 * count)),
        "within_10": within[T1_DAYS],
        "within_17": within[T2_DAYS],
    }


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _tally(rows: Sequence[Any]) -> dict[str, int]:
    """{key: count} of (key, count) rows, NULL keys left out, largest first then by key."""
    found = [(str(key), int(count)) for key, count in rows if key is not None]
    return dict(sorted(found, key=lambda kv: (-kv[1], kv[0])))


@dataclass
class RequestCounts:
    """The requests section summed from the grouped rows."""

    channel: dict[str, int] = field(default_factory=dict)
    kind: dict[str, int] = field(default_factory=dict)
    outcome: dict[str, int] = field(default_factory=dict)
    articles: dict[str, int] = field(default_factory=dict)
    state: dict[str, int] = field(default_factory=dict)
    extended: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # of the extensions, by the PPID's text
    # T1/T2 breaches (Pasal 22 ayat (7)-(8)): decided after the due date, or still unanswered past it; T2
    # when the request was extended.
    breaches: dict[str, int] = field(
        default_factory=lambda: {"decided_late": 0, "unanswered": 0, "t1": 0, "t2": 0}
    )

    def add(self, *, channel: str, kind: str, outcome: str | None, article: str | None, state: str,
            extended: bool, reason: str | None, late: bool, count: int) -> None:  # fmt: skip
        for cells, key in ((self.channel, channel), (self.kind, kind), (self.outcome, outcome),
                           (self.articles, article), (self.state, state), (self.reasons, reason)):  # fmt: skip
            if key is not None:
                cells[key] = cells.get(key, 0) + count
        self.extended += count if extended else 0
        if late or state == "unanswered":
            self.breaches["decided_late" if late else "unanswered"] += count
            self.breaches["t2" if extended else "t1"] += count

    def section(self) -> dict[str, Any]:
        return {
            "total": sum(self.state.values()),
            "by_channel": _tally(list(self.channel.items())),
            "by_requester_kind": _tally(list(self.kind.items())),
            "by_outcome": _tally(list(self.outcome.items())),
            "decided": self.state.get("decided", 0),
            "pending": self.state.get("pending", 0),
            "unanswered": self.state.get("unanswered", 0),
        }


class StatisticsQueries:
    """The queries of one scope; `figures()` runs them all."""

    def __init__(self, session: AsyncSession, scope: Scope, calendar: WorkingCalendar) -> None:
        self.session = session
        self.scope = scope
        zone = ZoneInfo(scope.timezone)
        first = date(scope.year, 1, 1)
        today = local_date(scope.now, scope.timezone)
        # To today (no answer is later), at least to the end of the year, and never past the calendar's own
        # scan limit: a case answered more than five years after receipt drops out of the days figures only.
        last = min(max(today, date(scope.year, 12, 31)), first + timedelta(days=MAX_SCAN_DAYS))
        self.ordinals = OrdinalTable.build(calendar, str(zone), first, last)
        self.start, self.end = year_bounds(scope.year, scope.timezone)

    def _requests_where(self) -> list[ColumnElement[bool]]:
        where = [
            InfoRequest.body_id == self.scope.body_id,
            InfoRequest.received_at >= self.start,
            InfoRequest.received_at < self.end,
        ]
        if self.scope.unit_id is not None:
            where.append(InfoRequest.unit_id == self.scope.unit_id)
        return where

    async def _rows(self, query: Select[Any]) -> Sequence[Any]:
        return (await self.session.execute(query)).all()

    async def _grouped(self, inner: Select[Any]) -> Sequence[Any]:
        """GROUP BY every column of `inner`, with a count: the per-case expressions (JSON fields, CASEs with
        bound parameters) are computed once in the subquery, so PostgreSQL sees plain columns to group."""
        sub = inner.subquery()
        return await self._rows(select(*sub.c, func.count()).group_by(*sub.c))

    async def _working_days_histogram(self, table: Any, start: Any, end: Any, *where: Any) -> dict[int, int]:
        begin, finish = self.ordinals.cte("ordinals_start"), self.ordinals.cte("ordinals_end")
        offset = self.ordinals.offset_s
        days = (finish.c.ordinal - begin.c.ordinal).label("days")
        inner = (
            select(days)
            .select_from(table)
            .join(begin, begin.c.day == _day_of(start, offset))
            .join(finish, finish.c.day == _day_of(end, offset))
            .where(end.isnot(None), *where)
        )
        return {int(d): int(c) for d, c in await self._grouped(inner)}

    async def requests(self) -> RequestCounts:
        """One grouped scan of the year's requests: every count of the requests section, the extensions and
        their reasons, the T1/T2 breaches and the refusals by article. (Each scan of the year's rows costs
        about as much as all the grouping: one scan here, one for the days to answer, one for the
        objections.)"""
        now = self.scope.now
        state = case(
            (InfoRequest.decided_at.isnot(None), "decided"),
            (InfoRequest.due_at < now, "unanswered"),
            else_="pending",
        )
        outcome = InfoRequest.decision["outcome"].as_string()
        # The exemption's article of a refusal (all or part withheld); NULL for every other case, so it
        # multiplies the groups only by the articles actually cited.
        article = case(
            (outcome.in_(REFUSING_OUTCOMES), InfoRequest.decision[("exemption", "article")].as_string())
        )
        inner = select(
            InfoRequest.channel,
            InfoRequest.requester_kind,
            outcome.label("outcome"),
            article.label("article"),
            state.label("state"),
            InfoRequest.extended,
            # NULL unless extended: the groups multiply only by the reasons of the extended requests.
            case((InfoRequest.extended.is_(True), func.trim(InfoRequest.extension_reason))).label("reason"),
            InfoRequest.decided_late,
        ).where(*self._requests_where())
        counts = RequestCounts()
        for (
            channel,
            kind,
            decided,
            cited,
            row_state,
            was_extended,
            reason,
            late,
            count,
        ) in await self._grouped(inner):
            counts.add(channel=channel, kind=kind, outcome=decided, article=cited, state=row_state, count=count,
                       extended=bool(was_extended), reason=reason, late=bool(late))  # fmt: skip
        return counts

    async def days_to_answer(self) -> dict[int, int]:
        return await self._working_days_histogram(
            InfoRequest, InfoRequest.received_at, InfoRequest.decided_at, *self._requests_where()
        )

    async def objections(self) -> dict[str, Any]:
        """One grouped query over the objections of the year's requests: by outcome, status, T4 state and
        working days to the Atasan's answer (a few hundred groups at most), with the reasons summed."""
        now = self.scope.now
        begin, finish = self.ordinals.cte("ordinals_start"), self.ordinals.cte("ordinals_end")
        offset = self.ordinals.offset_s
        # Tested on the JSON field, not the column: an absent answer is SQL NULL or JSON null, by how written.
        answered = Objection.response["outcome"].as_string()
        outcome = case(
            (answered.isnot(None), answered), (Objection.due_at < now, "unanswered"), else_="pending"
        )
        t4 = case(
            (
                and_(Objection.responded_at.isnot(None), Objection.responded_at > Objection.due_at),
                "answered_late",
            ),
            (and_(Objection.responded_at.is_(None), Objection.due_at < now), "unanswered"),
            else_="kept",
        )
        # The reasons are a JSON list of the single letters a-g: its text holds `"a"` exactly when `a` is
        # one of them, the same on both databases (no json_each / json_array_elements, which differ).
        reasons_text = cast(Objection.reasons, String)
        has_reason = [case((reasons_text.like(f'%"{code}"%'), 1), else_=0) for code in OBJECTION_REASONS]
        inner = (
            select(
                outcome.label("outcome"), Objection.status, t4.label("t4"),
                (finish.c.ordinal - begin.c.ordinal).label("days"),
                *(flag.label(f"reason_{code}") for flag, code in zip(has_reason, OBJECTION_REASONS, strict=True)),
            )
            .select_from(Objection)
            .join(InfoRequest, InfoRequest.id == Objection.request_id)
            .join(begin, begin.c.day == _day_of(Objection.registered_at, offset))
            # An outer join: an objection not answered yet has no day of answer (days NULL).
            .outerjoin(finish, finish.c.day == _day_of(Objection.responded_at, offset))
            .where(*self._requests_where())
        )  # fmt: skip
        sub = inner.subquery()
        keys = [sub.c.outcome, sub.c.status, sub.c.t4, sub.c.days]
        reason_sums = [func.sum(sub.c[f"reason_{code}"]) for code in OBJECTION_REASONS]
        rows = await self._rows(select(*keys, func.count(), *reason_sums).group_by(*keys))
        by_outcome: dict[str, int] = {}
        by_status: dict[str, int] = {}
        t4_state = {"answered_late": 0, "unanswered": 0}
        days: dict[int, int] = {}
        by_reason = dict.fromkeys(OBJECTION_REASONS, 0)
        for row_outcome, status, row_t4, row_days, count, *reasons in rows:
            by_outcome[row_outcome] = by_outcome.get(row_outcome, 0) + count
            by_status[status] = by_status.get(status, 0) + count
            if row_t4 in t4_state:
                t4_state[row_t4] += count
            if row_days is not None:
                days[int(row_days)] = days.get(int(row_days), 0) + count
            for code, n in zip(OBJECTION_REASONS, reasons, strict=True):
                by_reason[code] += int(n or 0)
        return {
            "total": sum(by_status.values()),
            "by_reason": by_reason,
            "by_outcome": _tally(list(by_outcome.items())),
            "by_status": _tally(list(by_status.items())),
            "days_to_response": histogram_summary(days),
            "t4_breaches": {"total": sum(t4_state.values()), **t4_state},
        }

    async def disputes(self) -> dict[str, Any]:
        joined = Dispute.__table__.join(InfoRequest.__table__, InfoRequest.id == Dispute.request_id).join(
            KomisiInformasi.__table__, KomisiInformasi.id == Dispute.komisi_id
        )
        stage = func.coalesce(Dispute.stage, "none")
        decided = Dispute.outcome["outcome"].as_string()
        outcome = case((decided.isnot(None), decided), else_="pending")
        rows = await self._grouped(
            select(KomisiInformasi.slug, stage.label("stage"), outcome.label("outcome"), Dispute.status)
            .select_from(joined)
            .where(*self._requests_where())
        )
        by: dict[str, dict[str, int]] = {k: {} for k in ("komisi", "stage", "outcome", "status")}
        for komisi, row_stage, row_outcome, status, count in rows:
            for name, key in (("komisi", komisi), ("stage", row_stage), ("outcome", row_outcome),
                              ("status", status)):  # fmt: skip
                by[name][key] = by[name].get(key, 0) + count
        return {
            "total": sum(by["status"].values()),
            "by_komisi": _tally(list(by["komisi"].items())),
            "by_stage": _tally(list(by["stage"].items())),
            "by_outcome": _tally(list(by["outcome"].items())),
            "by_status": _tally(list(by["status"].items())),
            # Pasal 47-48: a keberatan against the KI's decision taken to court.
            "court": by["status"].get("court_objection", 0),
        }

    async def dik(self) -> dict[str, int]:
        """The excepted-information register in the period (PP 61/2010; Perki 1/2021 Pasal 49): consequence
        tests submitted and approved, entries decided, entries in force at the end of the period (or today),
        and entries opened in it, by why (a determination, the period's end (Pasal 11), an Atasan's answer or
        a KI decision). Tests are counted by their unit when a unit is asked for."""
        tests_where = [
            ConsequenceTest.body_id == self.scope.body_id,
            ConsequenceTest.submitted_at >= self.start,
            ConsequenceTest.submitted_at < self.end,
        ]
        entry_scope = [DikEntry.body_id == self.scope.body_id]
        if self.scope.unit_id is not None:
            tests_where.append(ConsequenceTest.unit_id == self.scope.unit_id)
            entry_scope.append(DikEntry.unit_id == self.scope.unit_id)
        cutoff = min(self.end, self.scope.now)
        approved = ConsequenceTest.status == "approved"
        decided_in = and_(DikEntry.decided_at >= self.start, DikEntry.decided_at < self.end)
        opened_in = and_(DikEntry.opened_at >= self.start, DikEntry.opened_at < self.end)
        # In force at the cutoff: decided before it, and neither opened nor superseded by then (a superseded
        # entry's successor counts instead; its own decided_at is the supersession).
        in_force = and_(
            DikEntry.decided_at < cutoff,
            or_(DikEntry.opened_at.is_(None), DikEntry.opened_at >= cutoff),
            DikEntry.status != "superseded",
        )
        tests = (
            await self._rows(
                select(func.count(), func.coalesce(func.sum(case((approved, 1), else_=0)), 0)).where(
                    *tests_where
                )
            )
        )[0]
        entries = (
            await self._rows(
                select(
                    func.coalesce(func.sum(case((decided_in, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((in_force, 1), else_=0)), 0),
                ).where(*entry_scope)
            )
        )[0]
        by_reason = await self.session.execute(
            select(DikEntry.opened_reason, func.count())
            .where(*entry_scope, opened_in)
            .group_by(DikEntry.opened_reason)
        )
        reasons = {reason or "determination": count for reason, count in by_reason.all()}
        return {
            "tests_submitted": int(tests[0]),
            "tests_approved": int(tests[1]),
            "entries_decided": int(entries[0]),
            "in_force": int(entries[1]),
            "opened": sum(reasons.values()),
            "opened_by_determination": reasons.get("determination", 0),
            "expired": reasons.get("expired", 0),
            "opened_by_order": reasons.get("objection", 0) + reasons.get("dispute", 0),
        }

    async def figures(self) -> dict[str, Any]:
        counts = await self.requests()
        days = histogram_summary(await self.days_to_answer())
        # The shares' base: the requests answered, and those whose deadline passed without an answer (the
        # ones still within their deadline are not counted yet).
        base = days["count"] + counts.state.get("unanswered", 0)
        breaches = counts.breaches
        return {
            "requests": counts.section(),
            "days_to_answer": days,
            "within_10_days": share(days["within_10"], base),
            "within_17_days": share(days["within_17"], base),
            "extensions": counts.extended,
            "extension_reasons": _tally(list(counts.reasons.items())),
            "overdue": breaches["decided_late"] + breaches["unanswered"],
            "breaches": {"total": breaches["decided_late"] + breaches["unanswered"], **breaches},
            "refusals_by_article": _tally(list(counts.articles.items())),
            "objections": await self.objections(),
            "disputes": await self.disputes(),
            "dik": await self.dik(),
        }


async def service_figures(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """The figures of one body (or unit) and year: counts, and the working-day measures on the body's
    calendar (db/calendar_repo.py). The section names and their meaning: docs/domain.md."""
    body_slug = scope.body_slug or await session.scalar(select(Body.slug).where(Body.id == scope.body_id))
    calendar = await load_calendar(session, body_slug)
    return await StatisticsQueries(session, scope, calendar).figures()


async def first_request_year(session: AsyncSession, body_id: int, tz: str) -> int | None:
    """The local year of the body's first request (None without any): the figures start there."""
    first = await session.scalar(
        select(func.min(InfoRequest.received_at)).where(InfoRequest.body_id == body_id)
    )
    return local_date(first, tz).year if first is not None else None


SUPPRESS_BELOW = 5  # a count of 1 to 4 could single out a requester (public view)
# The bands of the working days to answer that the public page draws: three within T1 (Pasal 22 ayat (7)),
# the extension's days up to T1 + T2 (ayat (8)), and later. Their edges are `within_10` and `within_17`.
DAY_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0–2", 0, 2), ("3–5", 3, 5), (f"6–{T1_DAYS}", 6, T1_DAYS),
    (f"{T1_DAYS + 1}–{T2_DAYS}", T1_DAYS + 1, T2_DAYS), (f"> {T2_DAYS}", T2_DAYS + 1, 1_000_000),
)  # fmt: skip

Cell = tuple[str, ...]
DISPUTE_BREAKDOWNS = ("by_komisi", "by_stage", "by_outcome", "by_status")


@dataclass(frozen=True)
class SumRule:
    """`total` is the sum of `parts`: with all but one of these cells known, the last one follows."""

    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (*self.parts, self.total)


def _axpy(row: dict[Cell, Fraction], factor: Fraction, other: dict[Cell, Fraction]) -> dict[Cell, Fraction]:
    """row + factor * other, without the zero entries."""
    out = dict(row)
    for cell, value in other.items():
        out[cell] = out.get(cell, Fraction(0)) + factor * value
    return {c: v for c, v in out.items() if v}


def _reduce(row: dict[Cell, Fraction], basis: Mapping[Cell, dict[Cell, Fraction]]) -> dict[Cell, Fraction]:
    for pivot, pivot_row in basis.items():
        if pivot in row:
            row = _axpy(row, -row[pivot], pivot_row)
    return row


class LinkedCells:
    """The published counts of the public view and the sums that tie them (a table and its total, a total
    and its breakdown by state, a cumulative count and its bands). Every count of 1-4 is hidden (primary
    suppression); then, while a hidden cell can still be worked out from the published ones through the sums
    (by difference, or by a chain of differences), or the hidden cells of a sum add up to fewer than
    SUPPRESS_BELOW (two hidden cells of 1 each under a published total are both known to be 1), one more
    cell of that sum is hidden: its smallest published part, or its total (complementary suppression).
    Among the possible cells the one that costs the fewest other hidden cells is chosen.

    A virtual cell is a difference that is never published itself (the cases answered after T1 but within
    T2 when only the cumulative counts are shown): it can be primarily suppressed (it must not be
    derivable) but is never chosen to hide."""

    def __init__(self) -> None:
        self.values: dict[Cell, int] = {}
        self.primary: set[Cell] = set()
        self.virtual: set[Cell] = set()
        self.weight: dict[Cell, int] = {}
        self.rules: list[SumRule] = []
        self.hidden: set[Cell] = set()

    def add(self, cell: Cell, value: int, *, weight: int = 1, virtual: bool = False) -> Cell:
        self.values[cell] = int(value)
        if 0 < value < SUPPRESS_BELOW:
            self.primary.add(cell)
        if virtual:
            self.virtual.add(cell)
        self.weight[cell] = weight
        return cell

    def breakdown(self, prefix: Cell, cells: Mapping[str, int]) -> list[Cell]:
        return [self.add((*prefix, str(key)), value) for key, value in cells.items()]

    def rule(self, total: Cell, parts: Sequence[Cell]) -> None:
        self.rules.append(SumRule(total, tuple(parts)))

    def _known(self, hidden: set[Cell]) -> set[Cell]:
        """Every cell a reader can work out: the published ones, and every unknown one that the sums
        determine (in their linear span, by Gauss-Jordan elimination over the unknowns: a chain of
        differences across several tables counts, not only a difference within one)."""
        published = {c for c in self.values if c not in hidden and c not in self.virtual}
        basis: dict[Cell, dict[Cell, Fraction]] = {}  # pivot -> its row, reduced
        for rule in self.rules:
            row: dict[Cell, Fraction] = {}
            for cell, sign in ((rule.total, 1), *((p, -1) for p in rule.parts)):
                if cell not in published:
                    row[cell] = row.get(cell, Fraction(0)) + sign
            row = _reduce({c: v for c, v in row.items() if v}, basis)
            if row:
                pivot = next(iter(row))
                row = {c: v / row[pivot] for c, v in row.items()}
                for other, other_row in basis.items():
                    if pivot in other_row:
                        basis[other] = _axpy(other_row, -other_row[pivot], row)
                basis[pivot] = row
        unknown = [c for c in self.values if c not in published]
        return published | {c for c in unknown if not _reduce({c: Fraction(1)}, basis)}

    def _published(self, cells: Sequence[Cell], hidden: set[Cell]) -> list[Cell]:
        """The cells of a sum that could be hidden: published, not zero (hiding a 0 protects nothing), the
        smallest parts first and the total last."""
        parts = sorted((self.values[c], i) for i, c in enumerate(cells[:-1]))
        order = [cells[i] for _, i in parts] + [cells[-1]]
        return [c for c in order if c not in hidden and c not in self.virtual and self.values[c] > 0]

    def _around(self, cell: Cell, hidden: set[Cell]) -> list[Cell]:
        """The published cells of the sums through `cell`, then of the sums joined to those by unknown
        cells: what could be hidden so that `cell` is no longer determined."""
        found: list[Cell] = []
        reached, frontier = {cell}, [cell]
        while frontier:
            rules = [r for r in self.rules if set(r.cells) & set(frontier)]
            for rule in rules:
                found += [c for c in self._published(rule.cells, hidden) if c not in found]
            frontier = [
                c for r in rules for c in r.cells if c not in reached and (c in hidden or c in self.virtual)
            ]
            reached |= set(frontier)
        return found

    def _candidates(self, hidden: set[Cell]) -> list[Cell] | None:
        """The cells that would close the first leak, or None when nothing leaks."""
        known = self._known(hidden)
        for cell in self.values:
            if cell in hidden and cell in known and (found := self._around(cell, hidden)):
                return found
        for rule in self.rules:
            missing = [c for c in rule.parts if c not in known]
            if (
                rule.total in known and set(missing) & hidden
                and sum(self.values[c] for c in missing) < SUPPRESS_BELOW
            ):  # fmt: skip
                found = self._published(rule.cells, hidden)
                if found:
                    return found
        return None

    def _settle(self, hidden: set[Cell], *, look_ahead: bool) -> set[Cell]:
        hidden = set(hidden)
        while (candidates := self._candidates(hidden)) is not None:
            if look_ahead and len(candidates) > 1:
                costs = [self._cost(self._settle(hidden | {c}, look_ahead=False)) for c in candidates]
                hidden.add(candidates[costs.index(min(costs))])
            else:
                hidden.add(candidates[0])
        return hidden

    def _cost(self, hidden: set[Cell]) -> int:
        return sum(self.weight[c] for c in hidden if c not in self.virtual)

    def settle(self) -> None:
        self.hidden = self._settle(set(self.primary), look_ahead=True)

    def get(self, cell: Cell) -> int | None:
        return None if cell in self.hidden else self.values[cell]

    @property
    def suppressed(self) -> bool:
        return any(c not in self.virtual for c in self.hidden)


def _bands(histogram: Mapping[int, int]) -> list[int]:
    return [sum(n for d, n in histogram.items() if low <= int(d) <= high) for _, low, high in DAY_BANDS]


def _measure_cells(
    cells: LinkedCells, name: str, block: Mapping[str, Any], histogram: Mapping[int, int] | None
) -> tuple[Cell, Cell, Cell, list[Cell]]:
    """The count, within T1 and within T1 + T2 of a days block, tied by their differences: the cases
    answered after T1 within T2, and those answered later (the bands, when the page draws them)."""
    count = cells.add((name, "count"), block["count"], weight=4)  # hiding it hides the mean, median, p90
    w10 = cells.add((name, "within_10"), block["within_10"])
    w17 = cells.add((name, "within_17"), block["within_17"])
    bands: list[Cell] = []
    if histogram is None:
        mid = cells.add((name, "t2_band"), block["within_17"] - block["within_10"], virtual=True)
        late = cells.add((name, "late_band"), block["count"] - block["within_17"], virtual=True)
    else:
        bands = [cells.add((name, "band", label), n) for (label, _, _), n in zip(DAY_BANDS, _bands(histogram),
                                                                                 strict=True)]  # fmt: skip
        cells.rule(w10, bands[:3])
        mid, late = bands[3], bands[4]
    cells.rule(w17, [w10, mid])
    cells.rule(count, [w17, late])
    return count, w10, w17, bands


def public_figures(
    figures: Mapping[str, Any],
    *,
    histogram: Mapping[int, int] | None = None,
    months: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The figures for anyone (no staff token of the body): small counts suppressed, with the cells that
    would give them back (LinkedCells), `suppressed` true when any was. With `histogram` (days to answer:
    cases) the answer has the `day_bands`, with `months` the `monthly_requests`, suppressed together with the
    rest."""
    t = LinkedCells()
    req, obj, dis = figures["requests"], figures["objections"], figures["disputes"]
    R, OB, D = ("requests",), ("objections",), ("disputes",)
    total = t.add((*R, "total"), req["total"])
    for name in ("by_channel", "by_requester_kind"):
        t.rule(total, t.breakdown((*R, name), req[name]))
    outcomes = dict(zip(req["by_outcome"], t.breakdown((*R, "by_outcome"), req["by_outcome"]), strict=True))
    decided, pending, unanswered = (t.add((*R, k), req[k]) for k in ("decided", "pending", "unanswered"))
    t.rule(total, [decided, pending, unanswered])
    t.rule(decided, list(outcomes.values()))
    days = figures["days_to_answer"]
    count, w10, w17, bands = _measure_cells(t, "days_to_answer", days, histogram)
    t.rule(decided, [count])  # every answered request has its working days to answer
    # The shares' base (answered + unanswered past the deadline) is published through the shares.
    base = t.add(("share_base",), days["count"] + req["unanswered"])
    t.rule(base, [count, unanswered])
    if months is not None:
        month_cells = [t.add(("monthly_requests", str(i)), m) for i, m in enumerate(months)]
        t.rule(total, month_cells)

    extensions = t.add(("extensions",), figures["extensions"])
    # The reasons are staff-written texts: a rare one could name the case, so the rare ones are one cell.
    reasons = figures["extension_reasons"]
    common = {k: v for k, v in reasons.items() if not 0 < v < SUPPRESS_BELOW}
    reason_cells = t.breakdown(("extension_reasons",), common)
    rare = sum(v for v in reasons.values() if 0 < v < SUPPRESS_BELOW)
    other = t.add(("extension_reasons_other",), rare) if rare else None
    t.rule(extensions, [*reason_cells, *([other] if other else [])])

    overdue = t.add(("overdue",), figures["overdue"])
    breach = {k: t.add(("breaches", k), v) for k, v in figures["breaches"].items()}
    t.rule(overdue, [breach["total"]])
    t.rule(breach["total"], [breach["decided_late"], breach["unanswered"]])
    t.rule(breach["total"], [breach["t1"], breach["t2"]])
    t.rule(breach["unanswered"], [unanswered])
    articles = t.breakdown(("refusals_by_article",), figures["refusals_by_article"])
    # The refusals (all or part withheld, Pasal 17) are the cells of the outcomes and, by article, again.
    refusing = [outcomes[k] for k in REFUSING_OUTCOMES if k in outcomes]
    refused = t.add(("refused",), sum(t.values[c] for c in refusing), virtual=True)
    t.rule(refused, refusing)
    t.rule(refused, articles)

    o_total = t.add((*OB, "total"), obj["total"])
    t.breakdown((*OB, "by_reason"), obj["by_reason"])  # several reasons per objection: no sum
    o_outcomes = dict(
        zip(obj["by_outcome"], t.breakdown((*OB, "by_outcome"), obj["by_outcome"]), strict=True)
    )
    t.rule(o_total, list(o_outcomes.values()))
    t.rule(o_total, t.breakdown((*OB, "by_status"), obj["by_status"]))
    o_count, o_w10, o_w17, _ = _measure_cells(t, "days_to_response", obj["days_to_response"], None)
    answered = [c for k, c in o_outcomes.items() if k not in ("pending", "unanswered")]
    if answered:
        t.rule(o_count, answered)
    t4 = {k: t.add((*OB, "t4_breaches", k), v) for k, v in obj["t4_breaches"].items()}
    t.rule(t4["total"], [t4["answered_late"], t4["unanswered"]])
    if "unanswered" in o_outcomes:
        t.rule(t4["unanswered"], [o_outcomes["unanswered"]])

    d_total = t.add((*D, "total"), dis["total"])
    d_status = dict(zip(dis["by_status"], t.breakdown((*D, "by_status"), dis["by_status"]), strict=True))
    t.rule(d_total, list(d_status.values()))
    for name in DISPUTE_BREAKDOWNS[:-1]:
        t.rule(d_total, t.breakdown((*D, name), dis[name]))
    court = t.add((*D, "court"), dis["court"])
    if "court_objection" in d_status:
        t.rule(court, [d_status["court_objection"]])

    t.settle()
    get = t.get

    def cells(prefix: Cell, keys: Mapping[str, Any]) -> dict[str, int | None]:
        return {k: get((*prefix, k)) for k in keys}

    def measures(name: str, block: Mapping[str, Any], count: Cell, w10: Cell, w17: Cell) -> dict[str, Any]:
        hide = count in t.hidden  # the mean, median and p90 of a hidden count would describe its cases
        return {
            "count": get(count), "mean": None if hide else block["mean"],
            "median": None if hide else block["median"], "p90": None if hide else block["p90"],
            "within_10": get(w10), "within_17": get(w17),
        }  # fmt: skip

    def share(value: float | None, numerator: Cell) -> float | None:
        return None if base in t.hidden or numerator in t.hidden else value

    shown_reasons: dict[str, int | None] = cells(("extension_reasons",), common)
    if other is not None:
        shown_reasons["lainnya"] = None if other in t.hidden else rare
    out: dict[str, Any] = {
        "requests": {
            "total": get(total),
            "by_channel": cells((*R, "by_channel"), req["by_channel"]),
            "by_requester_kind": cells((*R, "by_requester_kind"), req["by_requester_kind"]),
            "by_outcome": cells((*R, "by_outcome"), req["by_outcome"]),
            "decided": get(decided),
            "pending": get(pending),
            "unanswered": get(unanswered),
        },
        "days_to_answer": measures("days_to_answer", days, count, w10, w17),
        "within_10_days": share(figures["within_10_days"], w10),
        "within_17_days": share(figures["within_17_days"], w17),
        "extensions": get(extensions),
        "extension_reasons": shown_reasons,
        "overdue": get(overdue),
        "breaches": cells(("breaches",), figures["breaches"]),
        "refusals_by_article": cells(("refusals_by_article",), figures["refusals_by_article"]),
        "objections": {
            "total": get(o_total),
            "by_reason": cells((*OB, "by_reason"), obj["by_reason"]),
            "by_outcome": cells((*OB, "by_outcome"), obj["by_outcome"]),
            "by_status": cells((*OB, "by_status"), obj["by_status"]),
            "days_to_response": measures("days_to_response", obj["days_to_response"], o_count, o_w10, o_w17),
            "t4_breaches": cells((*OB, "t4_breaches"), obj["t4_breaches"]),
        },
        "disputes": {
            "total": get(d_total),
            **{name: cells((*D, name), dis[name]) for name in DISPUTE_BREAKDOWNS},
            "court": get(court),
        },
        # The DIK is a public register of documents, not of people (every entry is on /dik/{body}): its counts
        # are shown whole.
        "dik": figures["dik"],
    }
    if histogram is not None:
        out["day_bands"] = [(label, get(c)) for (label, _, _), c in zip(DAY_BANDS, bands, strict=True)]
    if months is not None:
        out["monthly_requests"] = [get(c) for c in month_cells]
    return out | {"suppressed": t.suppressed}
