"""The service figures (db/statistics.py) and GET /v1/statistics on a generated year of Sanggau's cases with
figures derived by hand, on SQLite and PostgreSQL: requests decided in time, late, extended, objected and
disputed, some across Idul Fitri 2027; the staff's and the public's (suppressed) views; the 422s and 404.

Sanggau is on Asia/Pontianak (WIB, UTC+7). The 2027 holidays on weekdays that the hand counts below skip
(the `holidays` package, public + government): 1 Jan, 5 Jan, 5 Feb, 8-12 Mar and 15 Mar (Nyepi, Idul Fitri
with its cuti bersama), 25-26 Mar, 6 May, 17-20 May, 1 Jun, 17 Aug, 24 Dec. "n HK" is the working day of the
answer counted from the day of receipt as day 0 (the convention of domain/calendar.py)."""

from __future__ import annotations

import copy
import html
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.main import create_app
from api.reports import charts, csv_text, figure_tables, xlsx_bytes
from api.routes.statistics import statistics_now
from db.calendar_repo import load_calendar
from db.models import Body, ConsequenceTest, DikEntry, Unit
from db.session import make_engine, make_session_factory
from db.statistics import (
    DAY_BANDS,
    LinkedCells,
    Scope,
    StatisticsQueries,
    _bands,
    histogram_summary,
    public_figures,
    service_figures,
)
from tests.conftest import make_settings
from tests.statistics_support import CaseSpec, DisputeSpec, ObjectionSpec, write_cases

NOW = datetime(2028, 1, 7, 5, 0, tzinfo=UTC)  # Friday 7 January 2028, 12:00 WIB
SAME = "Informasi yang diminta tersebar di beberapa unit kerja"
D = datetime

CASES = [
    # R1 Mon 4 Jan -> Wed 6 Jan: 5 Jan is Isra Mikraj, so 6 Jan is the 1st HK.
    CaseSpec(D(2027, 1, 4, 10), decided=D(2027, 1, 6, 14)),
    # R2 Mon 1 Feb -> Mon 15 Feb: 2,3,4 | 5 Feb cuti Imlek | 8-12 | 15 = 9 HK.
    CaseSpec(D(2027, 2, 1, 8), channel="walk_in", decided=D(2027, 2, 15, 9)),
    # R3 across Idul Fitri: Thu 4 Mar -> Mon 22 Mar: 5 Mar (1) | 8-12 and 15 Mar off | 16-19 (5) | 22 = 6 HK
    # for 18 calendar days. Partly granted under 17h.
    CaseSpec(
        D(2027, 3, 4, 9),
        kind="legal_entity",
        decided=D(2027, 3, 22, 10),
        outcome="partially_granted",
        article="17h",
        # Registered Mon 29 Mar, answered Mon 5 Apr: 30, 31 Mar, 1, 2, 5 Apr = 5 HK; accepted.
        objections=(
            ObjectionSpec(
                D(2027, 3, 29, 9),
                reasons=("a", "f"),
                responded=D(2027, 4, 5, 10),
                outcome="partially_granted",
                status="accepted",
            ),
        ),
    ),
    # R4 across Idul Fitri, extended: Fri 5 Mar; T1 = 31 Mar (16-19, 22-24, 29-31 = 10 HK), T2 = 9 Apr
    # (1, 2, 5-9 Apr = 7 more). Decided on 9 Apr = 17 HK, in time (within 17, not within 10). Refused, 17b.
    CaseSpec(
        D(2027, 3, 5, 10),
        channel="letter",
        extension=SAME,
        decided=D(2027, 4, 9, 15),
        outcome="rejected",
        article="17b",
        # Registered Mon 12 Apr; T4 (30 HK): 13-16 (4), 19-23 (9), 26-30 (14), 3-5 May (17), 6 May off, 7 (18),
        # 10-14 (23), 17-20 off, 21 (24), 24-28 (29), 31 May (30). Answered Wed 2 Jun (1 Jun off) = 31 HK:
        # late. Upheld; disputed at KI Kalbar, adjudicated, rejected, taken to court.
        objections=(
            ObjectionSpec(
                D(2027, 4, 12, 9),
                reasons=("a", "d"),
                responded=D(2027, 6, 2, 10),
                outcome="upheld",
                status="disputed",
                dispute=DisputeSpec(
                    D(2027, 6, 10, 9),
                    stage="adjudication",
                    outcome="adjudication_rejected",
                    status="court_objection",
                ),
            ),
        ),
    ),
    # R5 Mon 7 Jun; T1 = Mon 21 Jun. Decided Wed 23 Jun = 12 HK: late (a T1 breach). Refused, 17h.
    CaseSpec(
        D(2027, 6, 7, 9),
        channel="email",
        kind="group",
        decided=D(2027, 6, 23, 11),
        outcome="rejected",
        article="17h",
        # Registered 28 Jun, never answered (T4 long past on 7 Jan 2028); disputed, mediated, agreed.
        objections=(
            ObjectionSpec(
                D(2027, 6, 28, 9),
                reasons=("a",),
                status="disputed",
                dispute=DisputeSpec(
                    D(2027, 8, 20, 9), stage="mediation", outcome="mediation_agreement", status="final"
                ),
            ),
        ),
    ),
    # R6 Mon 2 Aug, extended; T1 = Mon 16 Aug, T2 = Thu 26 Aug (17 Aug off; 18-20, 23-26). Decided Mon 30 Aug
    # (27, 30) = 19 HK: late (a T2 breach). Not held.
    CaseSpec(
        D(2027, 8, 2, 9),
        channel="walk_in",
        kind="legal_entity",
        extension=SAME,
        decided=D(2027, 8, 30, 9),
        outcome="not_held",
    ),
    # R7 Mon 6 Sep, never decided: T1 (20 Sep) passed, a T1 breach.
    CaseSpec(
        D(2027, 9, 6, 9),
        channel="phone",
        # Registered Mon 27 Sep, answered Mon 11 Oct: 28-30 Sep, 1 Oct, 4-8, 11 Oct = 10 HK; granted.
        objections=(
            ObjectionSpec(
                D(2027, 9, 27, 10), reasons=("c",), responded=D(2027, 10, 11, 10), outcome="granted"
            ),
        ),
    ),
    # R8 Thu 30 Dec, not decided yet and still within T1 on 7 Jan 2028: pending.
    CaseSpec(D(2027, 12, 30, 10), channel="email"),
    # R9-R13 at BPKAD, Mon 4 Oct (no holiday in October): same day = 0, 6 Oct = 2, 8 Oct = 4, 13 Oct = 7,
    # Mon 18 Oct = 10 HK (the last day of T1: in time).
    CaseSpec(D(2027, 10, 4, 9), unit="bpkad", decided=D(2027, 10, 4, 15)),
    CaseSpec(D(2027, 10, 4, 9), unit="bpkad", decided=D(2027, 10, 6, 15)),
    CaseSpec(D(2027, 10, 4, 9), unit="bpkad", decided=D(2027, 10, 8, 15)),
    CaseSpec(D(2027, 10, 4, 9), unit="bpkad", decided=D(2027, 10, 13, 15)),
    CaseSpec(D(2027, 10, 4, 9), unit="bpkad", decided=D(2027, 10, 18, 16)),
    # R14 received on Saturday 6 Nov, decided Mon 8 Nov: the 1st HK after day 0.
    CaseSpec(D(2027, 11, 6, 10), unit=None, decided=D(2027, 11, 8, 10)),
    # R15 received Tue 16 Nov 00:30 WIB (Mon 15 Nov 17:30 UTC), decided the same local day: 0 HK (counting
    # by the UTC date would say 1).
    CaseSpec(D(2027, 11, 16, 0, 30), decided=D(2027, 11, 16, 16)),
    # Outside 2027: Thu 31 Dec 2026 23:30 WIB (a 2026 case; Mon 4 Jan 2027 is its 1st HK, 1 Jan a holiday),
    # and Sat 1 Jan 2028 00:30 WIB (still 31 Dec 2027 in UTC, but a 2028 case).
    CaseSpec(D(2026, 12, 31, 23, 30), decided=D(2027, 1, 4, 9)),
    CaseSpec(D(2028, 1, 1, 0, 30)),
]
# Another body's case of 2027 (Kutai Timur, WITA), with an objection: never in Sanggau's figures.
ELSEWHERE = [
    CaseSpec(
        D(2027, 5, 3, 9),
        unit=None,
        decided=D(2027, 5, 4, 9),
        outcome="rejected",
        article="17a",
        objections=(ObjectionSpec(D(2027, 5, 10, 9), reasons=("b",)),),
    ),
]

# Decided in 2027: R1-R6, R9-R15 = 13 requests; their HK sorted: 0 0 1 1 2 4 6 7 9 10 12 17 19 (sum 88).
# Mean 88/13 = 6.77; median the 7th = 6; p90 the ceil(0.9 x 13) = 12th = 17. Within 10 HK: 10; within 17: 12.
# The shares' base: 13 answered + 1 unanswered past T1 (R7) = 14 (R8 is pending): 10/14, 12/14.
EXPECTED_2027: dict[str, Any] = {
    "requests": {
        "total": 15,
        "by_channel": {"web": 9, "email": 2, "walk_in": 2, "letter": 1, "phone": 1},
        "by_requester_kind": {"individual": 12, "legal_entity": 2, "group": 1},
        "by_outcome": {"granted": 9, "rejected": 2, "not_held": 1, "partially_granted": 1},
        "decided": 13,
        "pending": 1,
        "unanswered": 1,
    },
    "days_to_answer": {"count": 13, "mean": 6.77, "median": 6.0, "p90": 17, "within_10": 10, "within_17": 12},
    "within_10_days": 0.7143,
    "within_17_days": 0.8571,
    "extensions": 2,  # R4, R6
    "extension_reasons": {SAME: 2},
    "overdue": 3,  # R5 late (T1), R6 late (T2), R7 never answered (T1)
    "breaches": {"total": 3, "decided_late": 2, "unanswered": 1, "t1": 2, "t2": 1},
    "refusals_by_article": {"17h": 2, "17b": 1},  # R3 (in part) and R5; R4
    "objections": {
        "total": 4,
        "by_reason": {"a": 3, "b": 0, "c": 1, "d": 1, "e": 0, "f": 1, "g": 0},
        "by_outcome": {"granted": 1, "partially_granted": 1, "unanswered": 1, "upheld": 1},
        "by_status": {"disputed": 2, "accepted": 1, "answered": 1},
        # Answered in 5, 10 and 31 HK: mean 15.33, median 10, p90 the 3rd = 31.
        "days_to_response": {
            "count": 3,
            "mean": 15.33,
            "median": 10.0,
            "p90": 31,
            "within_10": 2,
            "within_17": 2,
        },
        "t4_breaches": {"total": 2, "answered_late": 1, "unanswered": 1},  # R4's objection; R5's
    },
    "disputes": {
        "total": 2,
        "by_komisi": {"ki-kalbar": 2},
        "by_stage": {"adjudication": 1, "mediation": 1},
        "by_outcome": {"adjudication_rejected": 1, "mediation_agreement": 1},
        "by_status": {"court_objection": 1, "final": 1},
        "court": 1,
    },
    # _write_dik: three tests submitted in 2027 (two approved), a 2026 entry still in force, one 2027 entry
    # opened when its period ended (PP 61/2010 Pasal 11).
    "dik": {
        "tests_submitted": 3,
        "tests_approved": 2,
        "entries_decided": 2,
        "in_force": 2,
        "opened": 1,
        "opened_by_determination": 0,
        "expired": 1,
        "opened_by_order": 0,
    },
}
# BPKAD alone: R9-R13, answered in 0, 2, 4, 7, 10 HK: mean 4.6, median 4, p90 the 5th = 10; all within T1.
EXPECTED_BPKAD_DAYS = {"count": 5, "mean": 4.6, "median": 4.0, "p90": 10, "within_10": 5, "within_17": 5}


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T03:00:00+00:00")


async def _write_dik(session: AsyncSession, body_slug: str) -> None:
    """Consequence tests and DIK entries as the workflow records them (activities/consequence_tests.py)."""
    body = await session.scalar(select(Body).where(Body.slug == body_slug))
    assert body is not None
    # (id, submitted, status, decided; entry opened at and why)
    specs = [
        ("uk2026a", "2026-11-02", "approved", "2026-11-20", None, None),
        ("uk2027a", "2027-02-01", "approved", "2027-02-19", None, None),
        ("uk2027b", "2027-03-01", "approved", "2027-03-15", "2027-09-30", "expired"),
        ("uk2027c", "2027-04-01", "submitted", None, None, None),
    ]
    for number, (test_id, submitted, status, decided, opened, reason) in enumerate(specs, start=1):
        session.add(ConsequenceTest(
            id=test_id, body_id=body.id, status=status, information=f"Informasi {test_id}", documents="-",
            article="17h", harm="-", public_interest="-", conclusion="closed", submitted_by="ppid@example.id",
            submitted_at=_at(submitted), decided_at=_at(decided) if decided else None,
            number=f"{number:04d}/UK/TEST" if decided else None, dik_entry_id=test_id if decided else None,
            workflow_id=f"uji-konsekuensi-{test_id}", exemption_condition="selama pasien tidak memberi izin",
        ))  # fmt: skip
        await session.flush()
        if decided:
            session.add(DikEntry(
                id=test_id, body_id=body.id, test_id=test_id, number=f"{number:04d}/UK/TEST",
                information=f"Informasi {test_id}", article="17h", consequence="-", decided_at=_at(decided),
                approved_by="atasan@example.id", status="opened" if opened else "in_force",
                exemption_condition="selama pasien tidak memberi izin",
                opened_at=_at(opened) if opened else None, opened_reason=reason,
            ))  # fmt: skip
    await session.commit()


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[FastAPI]:
    """The API on the generated registers, its clock at NOW (the generated year 2027 is still ahead of the
    machine's clock; the route reads the product's clock through `statistics_now`)."""
    engine = make_engine(database_url)
    async with make_session_factory(engine)() as session:
        await write_cases(session, "kab-sanggau", CASES, NOW)
        await write_cases(session, "kab-kutai-timur", ELSEWHERE, NOW)
        await _write_dik(session, "kab-sanggau")
    await engine.dispose()
    application = create_app(make_settings(tmp_path, database_url, "127.0.0.1:1"))

    async def at_now() -> datetime:
        return NOW

    application.dependency_overrides[statistics_now] = at_now
    async with application.router.lifespan_context(application):
        yield application


async def _login(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await http.post("/v1/auth/token", data={"username": email, "password": "demo-ppid-2026"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _figures(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("body", "unit", "year", "period", "as_of", "view",
                                                         "suppressed")}  # fmt: skip


async def test_figures_of_a_generated_year(app: FastAPI) -> None:
    sessions = app.state.ppid.sessions
    async with sessions() as session:
        figures_2027 = await _scope_figures(session, "kab-sanggau", 2027)
        assert figures_2027 == EXPECTED_2027
        bpkad = await _scope_figures(session, "kab-sanggau", 2027, unit="bpkad")
        assert bpkad["days_to_answer"] == EXPECTED_BPKAD_DAYS and bpkad["requests"]["total"] == 5
        assert bpkad["objections"]["total"] == 0 and bpkad["within_10_days"] == 1.0
        # 2026: only the case of 31 Dec 2026 23:30 WIB, answered on the 1st HK.
        y2026 = await _scope_figures(session, "kab-sanggau", 2026)
        assert y2026["requests"]["total"] == 1 and y2026["days_to_answer"]["p90"] == 1

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ppid.test") as http:
        # The body's staff and an administrator: every figure, as computed above.
        for email in ("ppid@sanggau.example", "atasan.ppid@sanggau.example", "admin@ppid.example"):
            answer = await http.get(
                "/v1/statistics?body=kab-sanggau&year=2027", headers=await _login(http, email)
            )
            assert answer.status_code == 200, answer.text
            staff = answer.json()
            assert staff["view"] == "staff" and staff["suppressed"] is False, email
            assert _figures(staff) == EXPECTED_2027, email
        assert staff["period"] == {"start": "2027-01-01T00:00:00+07:00", "end": "2028-01-01T00:00:00+07:00",
                                   "timezone": "Asia/Pontianak"}  # fmt: skip
        unit = (await http.get("/v1/statistics?body=kab-sanggau&year=2027&unit=bpkad",
                               headers=await _login(http, "ppid@sanggau.example"))).json()  # fmt: skip
        assert unit["unit"] == "bpkad" and unit["days_to_answer"] == EXPECTED_BPKAD_DAYS

        # Anyone else (no token, another body's PPID, a Komisi Informasi): counts of 1-4 are null.
        public = (await http.get("/v1/statistics?body=kab-sanggau&year=2027")).json()
        for email in ("ppid@kutaitimur.example", "sengketa@ki-kalbar.example"):
            other = await http.get(
                "/v1/statistics?body=kab-sanggau&year=2027", headers=await _login(http, email)
            )
            assert other.json() == public, email
        assert public["view"] == "public" and public["suppressed"] is True
        # 15 cases: most cells are small, and the linked ones go with them (LinkedCells): pending and
        # unanswered (1 each) would be known from 15 - 13, so `decided` is hidden too, and with it the days'
        # count (the same 13) and within 10 (12 - 10 would give the two answered within T2).
        assert public["requests"] == {
            "total": None, "by_channel": {"web": 9, "email": None, "walk_in": None, "letter": None, "phone": None},
            "by_requester_kind": {"individual": 12, "legal_entity": None, "group": None},
            "by_outcome": {"granted": 9, "rejected": None, "not_held": None, "partially_granted": None},
            "decided": None, "pending": None, "unanswered": None,
        }  # fmt: skip
        assert public["days_to_answer"] == {
            "count": None, "mean": None, "median": None, "p90": None, "within_10": None, "within_17": 12,
        }  # fmt: skip
        assert (public["within_10_days"], public["within_17_days"]) == (None, 0.8571)
        assert_nothing_recomputable(EXPECTED_2027, public)
        assert public["extensions"] is None and public["extension_reasons"] == {"lainnya": None}
        assert public["overdue"] is None and set(public["breaches"].values()) == {None}
        assert public["refusals_by_article"] == {"17h": None, "17b": None}
        objections = public["objections"]
        assert objections["total"] is None and set(objections["days_to_response"].values()) == {None}
        assert objections["by_reason"] == {"a": None, "b": 0, "c": None, "d": None, "e": 0, "f": None, "g": 0}
        assert public["disputes"]["total"] is None and public["disputes"]["by_komisi"] == {"ki-kalbar": None}
        # The public page draws the days-to-answer bands from the cases (suppressed like the rest): a band with
        # cases is never drawn as an empty one.
        page = await http.get("/statistik/kab-sanggau?tahun=2027")
        assert page.status_code == 200, page.text
        table = page.text.split("Waktu menjawab permohonan (hari kerja) (tabel data grafik)")[1].split(
            "</table>"
        )[0]
        rows = re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', table)
        shown = {html.unescape(band): value for band, value in rows}
        histogram = await _days_histogram(app, "kab-sanggau", 2027)
        expected = dict(zip([b[0] for b in DAY_BANDS], _bands(histogram), strict=True))
        assert set(shown) == set(expected)
        assert all(
            shown[b] == (str(n) if n == 0 or n >= 5 else "-") or shown[b] == "-" for b, n in expected.items()
        )
        assert all(shown[b] != "0" for b, n in expected.items() if n), (shown, expected)
        # BPKAD's five cases: nothing small, nothing suppressed.
        bpkad_public = (await http.get("/v1/statistics?body=kab-sanggau&year=2027&unit=bpkad")).json()
        assert bpkad_public["suppressed"] is False and bpkad_public["days_to_answer"] == EXPECTED_BPKAD_DAYS

        # Bad input: 422 naming the field, 404 for an unknown body; never a 500.
        for query, field in [
            ("body=kab-sanggau&year=20x7", "year"), ("body=kab-sanggau&year=27", "year"),
            ("body=kab-sanggau&year=2025", "year"),  # before the first request (31 Dec 2026)
            ("body=kab-sanggau&year=2029", "year"),  # after the current year (2028 at NOW)
            ("body=kab-sanggau&year=2027&unit=dishub", "unit"), ("body=kab-sanggau&year=2027&unit=BAD!", "unit"),
            ("body=kab-sanggau", "year"),
        ]:  # fmt: skip
            response = await http.get(f"/v1/statistics?{query}")
            assert response.status_code == 422, (query, response.text)
            assert [e["loc"] for e in response.json()["detail"]] == [["query", field]], query
        too_late = (await http.get("/v1/statistics?body=kab-sanggau&year=2029")).json()["detail"][0]["msg"]
        assert "tahun 2026 sampai 2028" in too_late
        assert (await http.get("/v1/statistics?body=kab-sanggau&year=2028")).status_code == 200
        for body in ("kab-entah", "BAD%00"):
            missing = await http.get(f"/v1/statistics?body={body}&year=2027")
            assert missing.status_code == 404 and missing.json()["detail"] == "Badan publik tidak ditemukan"
        # A body without any request: only the current year has figures (all zero).
        empty = await http.get("/v1/statistics?body=kab-serdang-bedagai&year=2028")
        assert empty.status_code == 200 and empty.json()["requests"]["total"] == 0
        assert (await http.get("/v1/statistics?body=kab-serdang-bedagai&year=2027")).status_code == 422


async def _days_histogram(app: FastAPI, body: str, year: int) -> dict[int, int]:
    async with app.state.ppid.sessions() as session:
        row = await session.scalar(select(Body).where(Body.slug == body))
        scope = Scope(body_id=row.id, timezone=row.timezone, year=year, now=NOW, body_slug=body)
        return await StatisticsQueries(session, scope, await load_calendar(session, body)).days_to_answer()


async def _scope_figures(
    session: AsyncSession, body: str, year: int, unit: str | None = None
) -> dict[str, Any]:
    row = await session.scalar(select(Body).where(Body.slug == body))
    unit_id = None
    if unit is not None:
        unit_id = await session.scalar(select(Unit.id).where(Unit.body_id == row.id, Unit.slug == unit))
    scope = Scope(body_id=row.id, timezone=row.timezone, year=year, now=NOW, unit_id=unit_id, body_slug=body)
    return await service_figures(session, scope)


def test_summary_and_suppression_rules() -> None:
    # An even count: the median is the mean of the two middle values (2 and 4); p90 by nearest rank.
    assert histogram_summary({1: 1, 2: 1, 4: 1, 11: 1}) == {
        "count": 4, "mean": 4.5, "median": 3.0, "p90": 11, "within_10": 3, "within_17": 4
    }  # fmt: skip
    assert histogram_summary({})["median"] is None
    # One cell hidden (3): the next smallest (6) goes too, else 15 - 9 - 6 would give it back.
    cells = LinkedCells()
    total = cells.add(("total",), 18)
    parts = cells.breakdown(("by",), {"web": 9, "walk_in": 3, "email": 6, "phone": 0})
    cells.rule(total, parts)
    cells.settle()
    assert [cells.get(c) for c in parts] == [9, None, None, 0] and cells.get(total) == 18
    assert cells.suppressed is True
    # Two hidden cells adding up to fewer than 5 (1 + 1) would each be known to be 1: a third goes.
    cells = LinkedCells()
    total = cells.add(("total",), 30)
    parts = cells.breakdown(("by",), {"a": 20, "b": 8, "c": 1, "d": 1})
    cells.rule(total, parts)
    cells.settle()
    assert [cells.get(c) for c in parts] == [20, None, None, None]
    nothing = LinkedCells()
    nothing.rule(nothing.add(("total",), 14), nothing.breakdown(("by",), {"web": 9, "email": 5}))
    nothing.settle()
    assert nothing.suppressed is False and nothing.get(("by", "email")) == 5


def _leaky_figures() -> dict[str, Any]:
    """A body of 30 requests whose small cells each follow from the others by a sum: 2 unanswered =
    30 - (15 + 7) - 6 (total, outcomes, pending), and again from the breaches (7 - 5) and from the shares'
    base; 3 refusals under 17b = 7 - 4 (the rejected by article); the objections' 2 pending = 12 - 10."""
    figures = copy.deepcopy(EXPECTED_2027)
    figures["requests"] = {
        "total": 30, "by_channel": {"web": 20, "email": 10}, "by_requester_kind": {"individual": 24, "group": 6},
        "by_outcome": {"granted": 15, "rejected": 7}, "decided": 22, "pending": 6, "unanswered": 2,
    }  # fmt: skip
    figures["days_to_answer"] = {"count": 22, "mean": 6.1, "median": 6.0, "p90": 12, "within_10": 15,
                                 "within_17": 20}  # fmt: skip
    figures["within_10_days"], figures["within_17_days"] = round(15 / 24, 4), round(20 / 24, 4)
    figures["extensions"], figures["extension_reasons"] = 8, {SAME: 8}
    figures["overdue"] = 7
    figures["breaches"] = {"total": 7, "decided_late": 5, "unanswered": 2, "t1": 7, "t2": 0}
    figures["refusals_by_article"] = {"17h": 4, "17b": 3}
    figures["objections"] = {
        "total": 12, "by_reason": dict.fromkeys("abcdefg", 0) | {"a": 12},
        "by_outcome": {"granted": 10, "pending": 2}, "by_status": {"answered": 10, "registered": 2},
        "days_to_response": {"count": 10, "mean": 8.0, "median": 8.0, "p90": 12, "within_10": 7,
                             "within_17": 10},
        "t4_breaches": {"total": 0, "answered_late": 0, "unanswered": 0},
    }  # fmt: skip
    figures["disputes"] = {"total": 0, "by_komisi": {}, "by_stage": {}, "by_outcome": {}, "by_status": {},
                           "court": 0}  # fmt: skip
    return figures


def _identities(f: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """What a reader of the published figures knows adds up (written here apart from db/statistics.py, as a
    reader would): (total, parts) over paths into the answer; `~name` is a count never published."""
    req, obj, dis = f["requests"], f["objections"], f["disputes"]

    def keys(prefix: str, cells: dict[str, Any]) -> list[str]:
        return [f"{prefix}/{k}" for k in cells]

    answered = [k for k in obj["by_outcome"] if k not in ("pending", "unanswered")]
    return [
        ("requests/total", keys("requests/by_channel", req["by_channel"])),
        ("requests/total", keys("requests/by_requester_kind", req["by_requester_kind"])),
        ("requests/total", ["requests/decided", "requests/pending", "requests/unanswered"]),
        ("requests/decided", keys("requests/by_outcome", req["by_outcome"])),
        ("requests/decided", ["days_to_answer/count"]),
        ("~base", ["days_to_answer/count", "requests/unanswered"]),
        ("days_to_answer/within_17", ["days_to_answer/within_10", "~t2"]),
        ("days_to_answer/count", ["days_to_answer/within_17", "~late"]),
        ("extensions", keys("extension_reasons", f["extension_reasons"])),
        ("overdue", ["breaches/total"]),
        ("breaches/total", ["breaches/decided_late", "breaches/unanswered"]),
        ("breaches/total", ["breaches/t1", "breaches/t2"]),
        ("breaches/unanswered", ["requests/unanswered"]),
        ("~refused", [f"requests/by_outcome/{k}" for k in ("rejected", "partially_granted") if k in req["by_outcome"]]),
        ("~refused", keys("refusals_by_article", f["refusals_by_article"])),
        ("objections/total", keys("objections/by_outcome", obj["by_outcome"])),
        ("objections/total", keys("objections/by_status", obj["by_status"])),
        ("objections/days_to_response/count", [f"objections/by_outcome/{k}" for k in answered]),
        ("objections/t4_breaches/total", ["objections/t4_breaches/answered_late", "objections/t4_breaches/unanswered"]),
        *[("disputes/total", keys(f"disputes/{name}", dis[name]))
          for name in ("by_komisi", "by_stage", "by_outcome", "by_status")],
    ]  # fmt: skip


def _cell(answer: dict[str, Any], path: str) -> Any:
    node: Any = answer
    for key in path.split("/"):
        node = node[key]
    return node


def assert_nothing_recomputable(staff: dict[str, Any], public: dict[str, Any]) -> None:
    """A reader who solves the identities one unknown at a time (and reads the shares' base back from a
    published share and its numerator) recovers no hidden count; no group of hidden parts under a known
    total adds up to fewer than 5 (each would be known to be about 1)."""
    rules = _identities(public)  # the keys the reader sees (the rare extension reasons are one `lainnya`)

    def real(path: str) -> int:
        if path == "extension_reasons/lainnya":
            return sum(n for n in staff["extension_reasons"].values() if 0 < n < 5)
        return 5 if path.startswith("~") else int(_cell(staff, path))

    known: dict[str, int] = {}
    for total, parts in rules:
        for path in (total, *parts):
            if not path.startswith("~") and _cell(public, path) is not None:
                known[path] = _cell(public, path)
    if public["within_10_days"] and public["days_to_answer"]["within_10"]:
        known["~base"] = round(public["days_to_answer"]["within_10"] / public["within_10_days"])
    if public["within_17_days"] and public["days_to_answer"]["within_17"]:
        known["~base"] = round(public["days_to_answer"]["within_17"] / public["within_17_days"])
    changed = True
    while changed:
        changed = False
        for total, parts in rules:
            missing = [p for p in (total, *parts) if p not in known]
            if len(missing) == 1:
                value = known.get(total, 0) - sum(known.get(p, 0) for p in parts)
                known[missing[0]] = value if missing[0] != total else -value
                changed = True
    for total, parts in rules:
        for path in (total, *parts):
            if not path.startswith("~"):
                if _cell(public, path) is None:
                    assert path not in known, f"{path} = {known[path]} can be recomputed"
                else:  # what is published is the true figure
                    assert _cell(public, path) == real(path), path
        hidden = [p for p in parts if p not in known]
        if total in known and hidden:
            assert len(hidden) >= 2, (total, hidden)
            assert sum(real(p) for p in hidden) >= 5, (total, hidden)


def test_linked_cells_are_suppressed_together() -> None:
    staff = _leaky_figures()
    public = public_figures(staff)
    # Before: only the small cells were hidden, and each came back from a sum.
    assert public["requests"]["unanswered"] is None and public["breaches"]["unanswered"] is None
    assert (
        public["refusals_by_article"]["17b"] is None and public["objections"]["by_outcome"]["pending"] is None
    )
    assert public["suppressed"] is True
    assert_nothing_recomputable(staff, public)
    # The large cells that nothing links to a small one stay.
    assert public["requests"]["by_channel"] == {"web": 20, "email": 10}
    assert public["extensions"] == 8 and public["dik"] == staff["dik"]
    # The page's bands and months: the suppressed band 11-17 (3) and month (2) are not left alone.
    histogram = {1: 6, 4: 5, 8: 4, 12: 3, 20: 4}
    months = [10, 2, 6, 4, 8, 0, 0, 0, 0, 0, 0, 0]
    figures = staff | {"requests": staff["requests"] | {"total": 30}}
    paged = public_figures(figures, histogram=histogram, months=months)
    assert [n for _, n in paged["day_bands"]].count(None) != 1
    assert paged["monthly_requests"].count(None) >= 2 or paged["requests"]["total"] is None
    hidden_months = [m for m, shown in zip(months, paged["monthly_requests"], strict=True) if shown is None]
    assert paged["requests"]["total"] is None or sum(hidden_months) >= 5


def test_the_report_spreadsheet_stores_numbers() -> None:
    """The mean and the shares are numbers in the XLSX (with a number format), text only on the page."""
    figures = EXPECTED_2027 | {
        "days_histogram": {"1": 6, "9": 4, "17": 2, "20": 1},
        "monthly_requests": [1] * 12,
    }
    tables = figure_tables(figures)
    book = load_workbook(io.BytesIO(xlsx_bytes(tables, charts(figures), "Laporan 2027")))
    sheet = book["Waktu menjawab (hari kerja)"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=4)}
    assert cells["Rata-rata"].value == 6.77 and cells["Rata-rata"].data_type == "n"
    assert cells["Median"].value == 6.0 and cells["Persentil ke-90"].value == 17
    share = cells["Dijawab dalam 10 hari kerja (Pasal 22 ayat (7))"]
    assert share.value == 0.7143 and share.data_type == "n" and share.number_format == "0.0%"
    assert cells["Dijawab dalam 17 hari kerja (Pasal 22 ayat (8))"].value == 0.8571
    assert cells["Rata-rata"].number_format == "0.0#"
    # The page, the PDF and the CSV still read them the Indonesian way.
    shown = dict(tables[1].rows)
    assert str(shown["Rata-rata"]) == "6,77"
    assert str(shown["Dijawab dalam 10 hari kerja (Pasal 22 ayat (7))"]) == "71,4%"
    assert "71,4%" in csv_text(tables, charts(figures))


def test_the_public_bands_show_the_real_figures() -> None:
    histogram = {1: 20, 4: 8, 7: 9, 12: 6, 25: 5}
    figures = copy.deepcopy(EXPECTED_2027)
    figures["days_to_answer"] = histogram_summary(histogram)
    figures["requests"] |= {"total": 48, "decided": 48, "pending": 0, "unanswered": 0,
                            "by_channel": {"web": 48}, "by_requester_kind": {"individual": 48},
                            "by_outcome": {"granted": 48}}  # fmt: skip
    public = public_figures(figures, histogram=histogram, months=[48] + [0] * 11)
    assert public["day_bands"] == [("0–2", 20), ("3–5", 8), ("6–10", 9), ("11–17", 6), ("> 17", 5)]
    assert charts(public)["days"]["rows"] == public["day_bands"]
    assert public["monthly_requests"] == [48] + [0] * 11
