"""The monev registers (db/models.py Monev*): a round with its questionnaire, the bodies' answers and the KI's
scores, the results (score, qualification, rank; domain/monev.py) and the answers the registers pre-fill.

Pre-fill reads the other registers only when they exist in this installation (their models are looked up in
db.models, and the service figures in db.statistics, when this module is imported): a question whose register is
missing stays a question the body answers by hand."""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import models
from db.models import (
    Body,
    KomisiInformasi,
    MonevAnswer,
    MonevIndicator,
    MonevQuestion,
    MonevRound,
    MonevSubmission,
)
from domain.calendar import end_of_day
from domain.dates_id import format_date, format_datetime
from domain.monev import (
    DIP_FRESH_MONTHS,
    SEED,
    IndicatorScore,
    Prefill,
    Qualification,
    format_number,
    rank,
    total_score,
)

# The other registers, when this installation has them (no crash, and a manual question, when absent).
DipEntry: Any = getattr(models, "DipEntry", None)
DikEntry: Any = getattr(models, "DikEntry", None)
AnnualReport: Any = getattr(models, "AnnualReport", None)
try:
    statistics: Any = importlib.import_module("db.statistics")
except ImportError:  # pragma: no cover - the figures module is part of this product since issue 17
    statistics = None

DRAFT, OPEN, CLOSED, PUBLISHED = "draft", "open", "closed", "published"
STATUS_LABELS = {
    DRAFT: "Disiapkan (kuesioner dapat diubah)",
    OPEN: "Masa pengisian kuesioner",
    CLOSED: "Verifikasi oleh Komisi Informasi",
    PUBLISHED: "Hasil diumumkan",
}


def workflow_id(komisi_slug: str, year: int) -> str:
    return f"monev-{komisi_slug}-{year}"


def window(round_: MonevRound, tz: str) -> tuple[datetime, datetime, datetime]:
    """(opens, closes, verification due) as instants: 00:00 of the first day, 23:59:59 of the last ones."""
    zone = ZoneInfo(tz)
    opens = datetime.combine(round_.opens_on, time(0), tzinfo=zone)
    return opens, end_of_day(round_.closes_on, tz), end_of_day(round_.verification_due, tz)


def closes_text(round_: MonevRound, tz: str) -> str:
    return format_datetime(window(round_, tz)[1], tz)


async def find_round(
    session: AsyncSession, komisi_slug: str, year: int
) -> tuple[MonevRound, KomisiInformasi] | None:
    row = (
        await session.execute(
            select(MonevRound, KomisiInformasi)
            .join(KomisiInformasi, KomisiInformasi.id == MonevRound.komisi_id)
            .where(KomisiInformasi.slug == komisi_slug, MonevRound.year == year)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def rounds_of(session: AsyncSession, komisi_id: int) -> list[MonevRound]:
    query = select(MonevRound).where(MonevRound.komisi_id == komisi_id).order_by(MonevRound.year.desc())
    return list((await session.scalars(query)).all())


@dataclass
class Indicator:
    row: MonevIndicator
    questions: list[MonevQuestion]


async def questionnaire(session: AsyncSession, round_id: str) -> list[Indicator]:
    indicators = (
        await session.scalars(
            select(MonevIndicator)
            .where(MonevIndicator.round_id == round_id)
            .order_by(MonevIndicator.position)
        )
    ).all()
    ids = [i.id for i in indicators]
    questions = (
        (
            await session.scalars(
                select(MonevQuestion)
                .where(MonevQuestion.indicator_id.in_(ids))
                .order_by(MonevQuestion.indicator_id, MonevQuestion.position)
            )
        ).all()
        if ids
        else []
    )
    by_indicator: dict[int, list[MonevQuestion]] = {i: [] for i in ids}
    for question in questions:
        by_indicator[question.indicator_id].append(question)
    return [Indicator(i, by_indicator[i.id]) for i in indicators]


def seeded_questionnaire() -> list[dict[str, Any]]:
    """The seed (domain/monev.py SEED) in the shape replace_questionnaire takes."""
    return [
        {"code": i.code, "name": i.name, "weight": i.weight,
         "questions": [{"text": q.text, "evidence": q.evidence, "prefill": q.prefill.value if q.prefill else None}
                       for q in i.questions]}
        for i in SEED
    ]  # fmt: skip


async def replace_questionnaire(
    session: AsyncSession, round_id: str, indicators: list[dict[str, Any]]
) -> None:
    """The round's questionnaire replaced (a draft has no answers yet: the rows are simply written again)."""
    await session.execute(delete(MonevIndicator).where(MonevIndicator.round_id == round_id))
    await session.flush()
    for position, indicator in enumerate(indicators, start=1):
        row = MonevIndicator(
            round_id=round_id, position=position, code=indicator["code"], name=indicator["name"],
            weight=int(indicator["weight"]),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        for number, question in enumerate(indicator["questions"], start=1):
            session.add(
                MonevQuestion(
                    indicator_id=row.id,
                    position=number,
                    text=question["text"],
                    evidence=question["evidence"],
                    prefill=question.get("prefill"),
                )
            )
    await session.flush()


def new_round(
    komisi_id: int, year: int, opens_on: date, closes_on: date, due: date, actor: str
) -> MonevRound:
    return MonevRound(
        id=uuid.uuid4().hex, komisi_id=komisi_id, year=year, opens_on=opens_on, closes_on=closes_on,
        verification_due=due, status=DRAFT, created_by=actor,
    )  # fmt: skip


async def bodies_of(session: AsyncSession, komisi_id: int) -> list[Body]:
    query = select(Body).where(Body.komisi_id == komisi_id).order_by(Body.name)
    return list((await session.scalars(query)).all())


async def submissions(session: AsyncSession, round_id: str) -> dict[int, MonevSubmission]:
    rows = await session.scalars(select(MonevSubmission).where(MonevSubmission.round_id == round_id))
    return {row.body_id: row for row in rows.all()}


async def answers_of(
    session: AsyncSession, round_id: str, body_id: int | None = None
) -> dict[tuple[int, int], MonevAnswer]:
    query = select(MonevAnswer).where(MonevAnswer.round_id == round_id)
    if body_id is not None:
        query = query.where(MonevAnswer.body_id == body_id)
    return {(a.body_id, a.question_id): a for a in (await session.scalars(query)).all()}


# --- results ------------------------------------------------------------------------------------------------


@dataclass
class IndicatorResult:
    code: str
    name: str
    weight: int
    score: Decimal


@dataclass
class BodyResult:
    slug: str
    name: str
    submitted_at: datetime | None
    score: Decimal
    qualification: Qualification
    rank: int
    scored: int  # answers the KI has scored
    questions: int
    indicators: list[IndicatorResult] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.submitted_at is None or self.scored == self.questions


async def results(session: AsyncSession, round_: MonevRound) -> list[BodyResult]:
    """Every body under the KI, ranked by its total score. A body that did not submit its self-assessment
    scores 0 (Tidak Informatif); an answer not scored yet counts 0 until the KI scores it."""
    indicators = await questionnaire(session, round_.id)
    answers = await answers_of(session, round_.id)
    submitted = await submissions(session, round_.id)
    questions = sum(len(i.questions) for i in indicators)
    per_body: dict[str, BodyResult] = {}
    totals: list[tuple[str, Decimal]] = []
    for body in await bodies_of(session, round_.komisi_id):
        sub = submitted.get(body.id)
        scores = []
        scored = 0
        for indicator in indicators:
            values: list[Decimal | None] = []
            for question in indicator.questions:
                answer = answers.get((body.id, question.id))
                value = answer.score if answer is not None and sub is not None else None
                scored += value is not None
                values.append(Decimal(value) if value is not None else None)
            scores.append(IndicatorScore(indicator.row.code, Decimal(indicator.row.weight), tuple(values)))
        total = total_score(scores) if scores else Decimal(0)
        per_body[body.slug] = BodyResult(
            body.slug, body.name, sub.submitted_at if sub else None, total, Qualification.TIDAK_INFORMATIF, 0,
            scored, questions if sub else 0,
            [IndicatorResult(i.row.code, i.row.name, i.row.weight, s.score.quantize(Decimal("0.01")))
             for i, s in zip(indicators, scores, strict=True)],
        )  # fmt: skip
        totals.append((body.slug, total))
    ordered = []
    for ranked in rank(totals):
        result = per_body[ranked.key]
        result.rank, result.qualification, result.score = ranked.rank, ranked.qualification, ranked.score
        ordered.append(result)
    return ordered


# --- pre-fill from the registers -----------------------------------------------------------------------------


def _share_text(share: float) -> str:
    return f"{format_number(Decimal(str(round(share * 100, 1))))} %"


async def prefill(
    session: AsyncSession, round_: MonevRound, body: Body, now: datetime, public_url: str
) -> dict[str, dict[str, Any]]:
    """{prefill kind: {"value", "text", "links", "computed_at"}} for the kinds this installation's registers
    answer. The service figures and the report are those of the year before the round's year (the last
    complete year, the one the yearly report covers); the DIP and DIK as they stand now."""
    found: dict[str, dict[str, Any]] = {}
    past = round_.year - 1
    stamp = now.isoformat()
    if statistics is not None:
        figures = await statistics.service_figures(
            session,
            statistics.Scope(
                body_id=body.id, timezone=body.timezone, year=past, now=now, body_slug=body.slug
            ),
        )
        days = figures.get("days_to_answer") or {}
        breaches = figures.get("breaches") or {}
        answered = int(days.get("count") or 0)
        late = int(breaches.get("decided_late") or 0)
        unanswered = int(breaches.get("unanswered") or 0)
        base = answered + unanswered
        if base:
            share = (answered - late) / base
            text = (
                f"Tahun {past}: {answered - late} dari {base} permohonan dijawab dalam jangka waktu Pasal 22 ayat "
                f"(7) dan (8) UU 14/2008 ({_share_text(share)}); {late} dijawab terlambat, {unanswered} tidak dijawab."
            )
            found[Prefill.ANSWERED_ON_TIME] = {
                "value": _share_text(share),
                "text": text,
                "links": [],
                "computed_at": stamp,
            }
        else:
            found[Prefill.ANSWERED_ON_TIME] = {
                "value": "-", "text": f"Tidak ada permohonan yang jangka waktunya berakhir pada tahun {past}.",
                "links": [], "computed_at": stamp,
            }  # fmt: skip
    if DipEntry is not None:
        count, latest = (
            await session.execute(
                select(func.count(), func.max(DipEntry.updated_at)).where(
                    DipEntry.body_id == body.id, DipEntry.published.is_(True)
                )
            )
        ).one()
        fresh = latest is not None and latest >= now - timedelta(days=DIP_FRESH_MONTHS * 31)
        if count:
            text = (
                f"{count} informasi diumumkan dalam Daftar Informasi Publik; terakhir dimutakhirkan "
                f"{format_date(latest.astimezone(ZoneInfo(body.timezone)).date())}"
                + (" (dalam 6 bulan terakhir)." if fresh else " (lebih dari 6 bulan lalu; Pasal 9 ayat (3)).")
            )
        else:
            text = "Belum ada informasi yang diumumkan dalam Daftar Informasi Publik."
        found[Prefill.DIP_PUBLISHED] = {
            "value": "ya" if count and fresh else "tidak", "text": text,
            "links": [f"{public_url}/dip/{body.slug}"] if count else [], "computed_at": stamp,
        }  # fmt: skip
    if DikEntry is not None:
        count = await session.scalar(
            select(func.count())
            .select_from(DikEntry)
            .where(DikEntry.body_id == body.id, DikEntry.status == "in_force")
        )
        text = (
            f"{count} informasi yang dikecualikan berlaku dalam Daftar Informasi yang Dikecualikan."
            if count
            else "Belum ada penetapan informasi yang dikecualikan yang berlaku."
        )
        found[Prefill.DIK_PUBLISHED] = {
            "value": "ya" if count else "tidak", "text": text,
            "links": [f"{public_url}/dik/{body.slug}"] if count else [], "computed_at": stamp,
        }  # fmt: skip
    if AnnualReport is not None:
        report = await session.scalar(
            select(AnnualReport).where(AnnualReport.body_id == body.id, AnnualReport.year == past)
        )
        submitted_at = getattr(report, "submitted_at", None)
        if submitted_at is None:
            text, value = f"Laporan layanan informasi publik tahun {past} belum disampaikan.", "tidak"
        else:
            on_time = not getattr(report, "submitted_late", False)
            day = format_date(submitted_at.astimezone(ZoneInfo(body.timezone)).date())
            text = f"Laporan tahun {past} disampaikan {day}" + (
                " (tepat waktu, paling lambat 31 Maret)." if on_time else " (terlambat; batasnya 31 Maret)."
            )
            value = "ya" if on_time else "tidak"
        found[Prefill.REPORT_ON_TIME] = {"value": value, "text": text, "links": [], "computed_at": stamp}
    return found
