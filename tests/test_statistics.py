"""The service figures (db/statistics.py) and GET /v1/statistics on a generated year of Sanggau's cases with
figures derived by hand, on SQLite and PostgreSQL: requests decided in time, late, extended, objected and
disputed, some across Idul Fitri 2027; the staff's and the public's (suppressed) views; the 422s and 404.

Sanggau is on Asia/Pontianak (WIB, UTC+7). The 2027 holidays on weekdays that the hand counts below skip
(the `holidays` package, public + government): 1 Jan, 5 Jan, 5 Feb, 8-12 Mar and 15 Mar (Nyepi, Idul Fitri
with its cuti bersama), 25-26 Mar, 6 May, 17-20 May, 1 Jun, 17 Aug, 24 Dec. "n HK" is the working day of the
answer counted from the day of receipt as day 0 (the convention of domain/calendar.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.main import create_app
from api.routes.statistics import statistics_now
from db.models import Body, ConsequenceTest, DikEntry, Unit
from db.session import make_engine, make_session_factory
from db.statistics import Scope, Suppressor, histogram_summary, service_figures
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
        assert public["requests"] == {
            "total": 15, "by_channel": {"web": 9, "email": None, "walk_in": None, "letter": None, "phone": None},
            "by_requester_kind": {"individual": 12, "legal_entity": None, "group": None},
            "by_outcome": {"granted": 9, "rejected": None, "not_held": None, "partially_granted": None},
            "decided": 13, "pending": None, "unanswered": None,
        }  # fmt: skip
        assert public["days_to_answer"] == EXPECTED_2027["days_to_answer"]  # 13 cases: shown
        # The base (14) and the numerators (10, 12) are not small: the shares are shown.
        assert (public["within_10_days"], public["within_17_days"]) == (0.7143, 0.8571)
        assert public["extensions"] is None and public["extension_reasons"] == {"lainnya": None}
        assert public["overdue"] is None and set(public["breaches"].values()) == {None}
        assert public["refusals_by_article"] == {"17h": None, "17b": None}
        objections = public["objections"]
        assert objections["total"] is None and set(objections["days_to_response"].values()) == {None}
        assert objections["by_reason"] == {"a": None, "b": 0, "c": None, "d": None, "e": 0, "f": None, "g": 0}
        assert public["disputes"]["total"] is None and public["disputes"]["by_komisi"] == {"ki-kalbar": None}
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
    s = Suppressor()
    # One cell hidden (3): the next smallest (6) goes too, else 15 - 9 - 6 would give it back.
    assert s.breakdown({"web": 9, "walk_in": 3, "email": 6, "phone": 0}) == {
        "web": 9, "walk_in": None, "email": None, "phone": 0
    }  # fmt: skip
    assert s.suppressed is True
    assert Suppressor().breakdown({"web": 9, "email": 5}) == {"web": 9, "email": 5}
