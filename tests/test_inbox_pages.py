"""The inbox paged and filtered in SQL: GET /v1/tasks (filters, X-Total-Count, Link, 422s), the /staf page
(50 rows a page, a pager that keeps the filters) and the SQL SLA filter, which must say what `sla()` says for
every task. The tasks are written straight into the database: no workflow is needed to list them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, get_args
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Staff, load_staff
from api.routes.tasks import SlaState, TaskFilter, due_soon_bound, open_tasks, sla
from db.calendar_repo import load_calendar
from db.models import Body, CalendarChangeRow, InfoRequest, Task, Unit, User
from db.session import make_engine, make_session_factory
from domain.calendar import END_OF_DAY
from tests.conftest import login

PPID = "ppid@sanggau.example"
DINKES = "ppid.dinkes@sanggau.example"
KUTAI = "ppid@kutaitimur.example"
ADMIN = "admin@ppid.example"
NAMED = "0004/PPID/SGU/III/2026"
STATES: tuple[SlaState, ...] = get_args(SlaState)


@asynccontextmanager
async def _session(url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def _body(session: AsyncSession, slug: str) -> tuple[int, dict[str, int]]:
    body_id = await session.scalar(select(Body.id).where(Body.slug == slug))
    assert body_id is not None
    units = (await session.execute(select(Unit.slug, Unit.id).where(Unit.body_id == body_id))).all()
    return body_id, dict(units)


def _task(
    n: int, due_at: datetime | None, body_id: int | None, unit_id: int | None = None, **extra: Any
) -> Task:
    values: dict[str, Any] = {
        "key": f"t{n}:decide", "kind": "decide_request", "case_type": "request", "case_id": f"case{n:05d}",
        "registration_number": f"{n:04d}/PPID/TEST/2026", "body_id": body_id, "unit_id": unit_id,
        "role": "ppid", "due_at": due_at, "status": "open", **extra,
    }  # fmt: skip
    return Task(**values)


def _request(case_id: str, number: str, body_id: int, name: str, now: datetime) -> InfoRequest:
    return InfoRequest(
        id=case_id, registration_number=number, body_id=body_id, status="received", channel="web",
        requester_kind="individual", requester_name=name, address="Jl. Uji 1", information="Data uji",
        purpose="Uji", obtain_method="copy", delivery_method="email", tracking_code_hash="x",
        received_at=now, due_at=now, workflow_id=f"request-{case_id}",
    )  # fmt: skip


async def _staff(session: AsyncSession, email: str) -> Staff:
    user = await session.scalar(select(User).where(User.email == email))
    assert user is not None
    staff = await load_staff(session, user.id, user.token_version)
    assert staff is not None
    return staff


# --- The SQL SLA filter is Python's sla() --------------------------------------------------------------------

NOWS = [
    datetime(2026, 3, 13, 3, 0, tzinfo=UTC),  # Friday in every zone, the week before Nyepi and Idul Fitri
    datetime(2026, 3, 16, 16, 30, tzinfo=UTC),  # Tuesday in WITA, still Monday in WIB
    datetime(2026, 3, 17, 16, 59, 59, tzinfo=UTC),  # one second before Wednesday in WIB
]


def _due_dates(start: datetime, tz: str) -> list[datetime]:
    """Every 5 hours over three weeks, each local day's first and last moments, and the instants around `NOWS`."""
    zone = ZoneInfo(tz)
    dues = [start - timedelta(hours=30) + timedelta(hours=5 * i) for i in range(21 * 24 // 5)]
    first = start.astimezone(zone).date() - timedelta(days=1)
    for day in (first + timedelta(days=d) for d in range(22)):
        midnight = datetime.combine(day, time(), zone)
        dues += [midnight - timedelta(microseconds=1), midnight, datetime.combine(day, END_OF_DAY, zone)]
    for now in NOWS:
        dues += [now - timedelta(microseconds=1), now, now + timedelta(microseconds=1)]
    return dues


async def test_the_sql_sla_filter_says_what_sla_says(database_url: str) -> None:
    async with _session(database_url) as session:
        sanggau, units = await _body(session, "kab-sanggau")
        kutai, _ = await _body(session, "kab-kutai-timur")
        # A holiday of Sanggau's own (Monday) and one for every body (Wednesday after Idul Fitri's week).
        session.add_all([
            CalendarChangeRow(action="add", date=date(2026, 3, 16), name="Hari jadi uji", body_id=sanggau,
                              created_by="uji"),
            CalendarChangeRow(action="add", date=date(2026, 3, 25), name="Libur uji", created_by="uji"),
        ])  # fmt: skip
        n = 0
        for body_id, unit_id, tz in [
            (sanggau, units["dinkes"], "Asia/Pontianak"),
            (kutai, None, "Asia/Makassar"),
        ]:
            for due in _due_dates(NOWS[0], tz):
                n += 1
                session.add(_task(n, due, body_id, unit_id))
        bodiless: list[datetime | None] = [*_due_dates(NOWS[0], "Asia/Jakarta")[::3], None]
        for due_or_none in bodiless:  # tasks of no body (the admin's), counted in WIB
            n += 1
            session.add(_task(n, due_or_none, None, role="admin", kind="confirm_cuti_bersama"))
        await session.commit()
        for email in (ADMIN, PPID, KUTAI):
            staff = await _staff(session, email)
            for now in NOWS:
                every = await open_tasks(session, staff, now)
                assert every.total == len(every.items) > 50
                said = {t.id: t.sla for t in every.items}
                for state in STATES:
                    found = await open_tasks(session, staff, now, TaskFilter(sla=state))
                    expected = {i for i, s in said.items() if s == state}
                    assert {t.id for t in found.items} == expected, (email, now, state)
                    assert found.total == len(expected) and expected, (email, now, state)


async def test_the_bound_is_where_sla_changes(database_url: str) -> None:
    async with _session(database_url) as session:
        calendar = await load_calendar(session, "kab-sanggau")
    now = datetime(2026, 3, 17, 2, tzinfo=UTC)  # Tuesday; Nyepi (Thu 19), Idul Fitri and cuti bersama follow
    bound = due_soon_bound(now, "Asia/Pontianak", calendar)
    assert bound.utcoffset() == timedelta(hours=7) and (bound.hour, bound.minute) == (0, 0)
    assert sla(bound - timedelta(microseconds=1), now, "Asia/Pontianak", calendar) == "due_soon"
    assert sla(bound, now, "Asia/Pontianak", calendar) == "on_track"


# --- GET /v1/tasks ------------------------------------------------------------------------------------------


async def _seed_api(database_url: str) -> dict[str, int]:
    """Five open Sanggau tasks (dinkes: overdue, due soon, far; bpkad: far with a name, no due date) and one of
    Kutai Timur; their ids by name."""
    now = datetime.now(UTC)
    async with _session(database_url) as session:
        sanggau, units = await _body(session, "kab-sanggau")
        kutai, _ = await _body(session, "kab-kutai-timur")
        session.add(_request("case00004", NAMED, sanggau, "Siti Aminah", now))
        tasks = {
            "overdue": _task(1, now - timedelta(days=1), sanggau, units["dinkes"]),
            "soon": _task(2, now + timedelta(hours=1), sanggau, units["dinkes"], kind="extension_prompt"),
            "far": _task(3, now + timedelta(days=30), sanggau, units["dinkes"]),
            "named": _task(4, now + timedelta(days=31), sanggau, units["bpkad"], registration_number=NAMED),
            "undated": _task(5, None, sanggau, units["bpkad"]),
            "kutai": _task(6, now, kutai),
        }  # fmt: skip
        session.add_all(tasks.values())
        await session.commit()
        return {name: task.id for name, task in tasks.items()}


async def _get(client: httpx.AsyncClient, headers: dict[str, str], query: str = "") -> httpx.Response:
    response = await client.get(f"/v1/tasks{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_pages_headers_and_filters(client: httpx.AsyncClient, database_url: str) -> None:
    ids = await _seed_api(database_url)
    ppid = await login(client, PPID)

    async def found(query: str) -> list[int]:
        return [t["id"] for t in (await _get(client, ppid, query)).json()]

    everything = await _get(client, ppid)
    order = [ids[k] for k in ("overdue", "soon", "far", "named", "undated")]  # soonest first, undated last
    assert [t["id"] for t in everything.json()] == order
    assert everything.headers["X-Total-Count"] == "5" and "Link" not in everything.headers
    first = await _get(client, ppid, "?per_page=2")
    assert [t["id"] for t in first.json()] == order[:2] and first.headers["X-Total-Count"] == "5"
    assert first.headers["Link"] == '<http://ppid.test/v1/tasks?per_page=2&page=2>; rel="next"'
    second = await _get(client, ppid, "?per_page=2&page=2&sla=on_track")
    assert [t["id"] for t in second.json()] == order[4:] and second.headers["X-Total-Count"] == "3"
    assert "Link" not in second.headers  # the last page
    assert "page=3" in (await _get(client, ppid, "?per_page=2&page=2")).headers["Link"]
    assert await found("?per_page=2&page=3") == order[4:]
    beyond = await _get(client, ppid, "?per_page=2&page=9")
    assert beyond.json() == [] and beyond.headers["X-Total-Count"] == "5" and "Link" not in beyond.headers
    assert await found("?sla=overdue") == [ids["overdue"]]
    assert await found("?sla=due_soon") == [ids["soon"]]
    assert await found("?sla=on_track") == [ids["far"], ids["named"], ids["undated"]]
    assert await found("?kind=extension_prompt") == [ids["soon"]]
    assert await found("?unit=bpkad") == [ids["named"], ids["undated"]]
    # A unit of another body is not one of the caller's: 422, as GET /v1/requests answers it.
    assert (await client.get("/v1/tasks?unit=dpmd", headers=ppid)).status_code == 422
    assert await found("?q=siti") == [ids["named"]]  # the requester's name, in any case
    assert await found("?q=0001/ppid") == [ids["overdue"]]  # a part of the number
    assert (
        await found("?q=%25") == [] and await found("?q=") == order
    )  # % is a plain character; empty: no filter
    assert await found("?case_id=case00003") == [ids["far"]]
    assert await found("?unit=dinkes&sla=on_track&kind=decide_request") == [ids["far"]]
    unit_ppid = await login(client, DINKES)
    assert [t["id"] for t in (await _get(client, unit_ppid, "?unit=bpkad")).json()] == []
    assert [t["id"] for t in (await _get(client, unit_ppid)).json()] == order[:3]
    admin = await login(client, ADMIN)
    assert (await _get(client, admin, "?per_page=1")).headers["X-Total-Count"] == "6"


BAD_QUERIES = [
    ("sla=bogus", "sla"),
    ("sla=", "sla"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("per_page=0", "per_page"),
    ("per_page=1001", "per_page"),
    ("kind=BAD!", "kind"),
    ("unit=BAD!", "unit"),
    ("unit=tidak-ada", "unit"),
    ("case_id=a%00b", "case_id"),
    ("q=a%00b", "q"),  # no database stores NUL
    ("q=" + "x" * 121, "q"),
]


async def test_a_bad_query_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    ppid = await login(client, PPID)
    for query, field in BAD_QUERIES:
        response = await client.get(f"/v1/tasks?{query}", headers=ppid)
        assert response.status_code == 422, (query, response.text)
        assert [e["loc"] for e in response.json()["detail"]] == [["query", field]], query


# --- The /staf page -------------------------------------------------------------------------------------------


async def _sign_in(client: httpx.AsyncClient, email: str) -> None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', (await client.get("/staf/masuk")).text)
    assert found
    form = {"email": email, "kata_sandi": "demo-ppid-2026", "lanjut": "/staf", "csrf_token": found.group(1)}
    assert (await client.post("/staf/masuk", data=form)).status_code == 303


def _numbers(html: str) -> list[str]:
    return re.findall(r">(\d{4}/PPID/TEST/2026)</a>", html)


def _pager(html: str) -> str:
    found = re.search(r'<nav class="pager".*?</nav>', html, re.S)
    return found.group(0) if found else ""


def _in_order(numbers: list[int]) -> list[str]:
    """The inbox's order of the page test's tasks: the overdue ones (every third) first, then by due date."""
    return [f"{n:04d}/PPID/TEST/2026" for n in sorted(numbers, key=lambda n: (n % 3 != 0, n))]


async def test_the_inbox_page_pages_and_keeps_its_filters(
    client: httpx.AsyncClient, database_url: str
) -> None:
    now = datetime.now(UTC)
    async with _session(database_url) as session:
        sanggau, units = await _body(session, "kab-sanggau")
        # 120 tasks: the even ones dinkes's, the others bpkad's; every third overdue, the rest a month away.
        session.add_all(
            _task(n, now + timedelta(days=n - 1000 if n % 3 == 0 else n + 30), sanggau,
                  units["dinkes"] if n % 2 == 0 else units["bpkad"])
            for n in range(1, 121)
        )  # fmt: skip
        await session.commit()
    await _sign_in(client, PPID)
    first = await client.get("/staf")
    assert first.status_code == 200 and "120 tugas terbuka," in first.text
    assert _numbers(first.text) == _in_order(list(range(1, 121)))[:50]
    pager = _pager(first.text)
    assert "Halaman 1 dari 3" in pager and "Sebelumnya" not in pager
    assert '<a href="/staf?halaman=2" rel="next">Berikutnya</a>' in pager
    # The filter choices are the kinds and units among the caller's tasks.
    assert 'value="decide_request"' in first.text and 'value="extension_prompt"' not in first.text
    assert (
        'value="dinkes"' in first.text
        and 'value="bpkad"' in first.text
        and 'value="disdikbud"' not in first.text
    )

    dinkes = await client.get("/staf?unit=dinkes&halaman=2")
    assert "60 tugas terbuka yang cocok dengan saringan" in dinkes.text
    assert _numbers(dinkes.text) == _in_order(list(range(2, 121, 2)))[50:]
    pager = _pager(dinkes.text)
    assert "Halaman 2 dari 2" in pager and "Berikutnya" not in pager
    assert '<a href="/staf?unit=dinkes&amp;halaman=1" rel="prev">Sebelumnya</a>' in pager
    assert 'option value="dinkes" selected' in dinkes.text

    overdue = await client.get("/staf?unit=dinkes&sla=overdue&q=PPID/test")
    assert "20 tugas terbuka yang cocok dengan saringan" in overdue.text and _pager(overdue.text) == ""
    assert _numbers(overdue.text) == _in_order(list(range(6, 121, 6)))

    beyond = await client.get("/staf?sla=on_track&halaman=7")  # 80 on track: two pages
    assert (
        beyond.status_code == 200 and "Halaman 7 tidak ada; yang ditampilkan halaman terakhir." in beyond.text
    )
    assert _numbers(beyond.text) == _in_order([n for n in range(1, 121) if n % 3])[50:]
    assert "Halaman 2 dari 2" in _pager(beyond.text)
    assert '<a href="/staf?sla=on_track&amp;halaman=1" rel="prev">Sebelumnya</a>' in _pager(beyond.text)
    for bad in ("abc", "0", "%C2%B2", "-1", "100001"):
        page = await client.get(f"/staf?halaman={bad}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"], bad
        assert "Nomor halaman tidak sah; yang ditampilkan halaman pertama." in page.text, bad
        assert "Halaman 1 dari 3" in _pager(page.text), bad
    ignored = await client.get("/staf?jenis=bogus&sla=bogus&unit=dpmd&q=%00")
    assert ignored.status_code == 200 and "120 tugas terbuka," in ignored.text
    empty = await client.get("/staf?q=tidak-ada")
    assert "Tidak ada tugas yang cocok dengan saringan." in empty.text and _pager(empty.text) == ""
