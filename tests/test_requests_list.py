"""GET /v1/requests: every request of the caller's scope, newest first, with filters, on the real stack (Temporal
dev server, SQLite and PostgreSQL); the documents of a case and the size limit of the desk's upload forms."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import HTTPException
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from api.deps import load_staff
from api.documents import check_upload
from api.limits import MAX_UPLOAD_BODY_BYTES
from api.routes.requests import decide_request
from api.schemas import DecisionIn
from db.filestore import FileStore
from db.models import User
from db.session import make_engine, make_session_factory
from domain.enums import DecisionOutcome
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, Stack, real

__all__ = ["real"]  # the fixture
KUTAI = "ppid@kutaitimur.example"


async def _list(real: Stack, headers: dict[str, str], query: str = "") -> tuple[list[dict[str, Any]], int]:
    response = await real.http.get(f"/v1/requests{query}", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items, int(response.headers["X-Total-Count"])


async def test_each_role_lists_its_scope_newest_first(real: Stack) -> None:
    first = await real.submit()  # dinkes
    second = await real.submit(unit=None, requester__name="Budi Santoso")
    third = await real.submit(unit="bpkad")
    elsewhere = await real.submit(body="kab-kutai-timur", unit="dinkes")
    utama, unit = await real.login(PPID_SANGGAU), await real.login(PPID_DINKES)
    items, total = await _list(real, utama)
    assert [i["id"] for i in items] == [third["id"], second["id"], first["id"]] and total == 3
    assert items[1] == {
        "id": second["id"], "registration_number": second["registration_number"], "body": "kab-sanggau",
        "unit": None, "status": "received", "channel": "web", "received_at": second["received_at"],
        "due_at": second["due_at"], "decided_at": None, "requester_name": "Budi Santoso",
    }  # fmt: skip
    assert [i["id"] for i in (await _list(real, unit))[0]] == [first["id"]]  # a unit PPID: its unit's only
    assert [i["id"] for i in (await _list(real, await real.login(ATASAN_SANGGAU)))[0]] == [
        third["id"], second["id"], first["id"]
    ]  # fmt: skip
    assert [i["id"] for i in (await _list(real, await real.login(KUTAI)))[0]] == [elsewhere["id"]]
    admin, total = await _list(real, await real.login("admin@ppid.example"))
    assert total == 4 and admin[0]["id"] == elsewhere["id"] and admin[0]["body"] == "kab-kutai-timur"
    komisi = await real.http.get("/v1/requests", headers=await real.login("sengketa@ki-kalbar.example"))
    assert komisi.status_code == 403
    assert (await real.http.get("/v1/requests")).status_code == 401
    # Each listed case opens for the same caller: the list and the case page share one scope.
    for item in (await _list(real, unit))[0]:
        assert (await real.http.get(f"/v1/requests/{item['id']}", headers=unit)).status_code == 200


async def test_filters_search_and_pages(real: Stack) -> None:
    first = await real.submit(requester__name="Siti Aminah")
    second = await real.submit(unit=None, requester__name="Budi Santoso")
    ppid = await real.login(PPID_SANGGAU)
    decided = await real.http.post(
        f"/v1/requests/{first['id']}/decision", json={"outcome": "granted"}, headers=ppid
    )
    assert decided.status_code == 200, decided.text
    year = first["registration_number"].rsplit("/", 1)[1]

    async def ids(query: str) -> list[str]:
        return [i["id"] for i in (await _list(real, ppid, query))[0]]

    assert await ids("?status=decided") == [first["id"]]
    assert await ids("?status=received") == [second["id"]]
    assert (await _list(real, ppid, "?status=decided"))[0][0]["decided_at"] is not None
    assert await ids(f"?year={year}") == [second["id"], first["id"]]
    assert await ids(f"?year={int(year) - 1}") == []
    assert await ids("?unit=dinkes") == [first["id"]]
    assert await ids("?q=BUDI") == [second["id"]]  # the name, in any case
    assert await ids(f"?q={second['registration_number'][:4]}") == [second["id"]]  # a part of the number
    assert await ids("?q=%25") == [] and await ids("?q=_") == []  # LIKE wildcards are plain characters
    assert await ids("?status=&year=&unit=&q=&page=1") == [second["id"], first["id"]]  # empty: no filter
    assert await ids(f"?status=decided&year={year}&unit=dinkes&q=siti") == [first["id"]]
    page_two, total = await _list(real, ppid, "?page=2")
    assert page_two == [] and total == 2


BAD_FILTERS = [
    ("status=bogus", "status"),
    ("year=20x6", "year"),
    ("year=1800", "year"),
    ("unit=dishub", "unit"),  # no such unit in the body
    ("unit=BAD!", "unit"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("q=" + "x" * 121, "q"),
    ("q=a%00b", "q"),  # no database stores NUL
]


async def test_a_bad_filter_is_422_naming_the_field(real: Stack) -> None:
    ppid = await real.login(PPID_SANGGAU)
    for query, field in BAD_FILTERS:
        response = await real.http.get(f"/v1/requests?{query}", headers=ppid)
        assert response.status_code == 422, (query, response.text)
        assert [e["loc"] for e in response.json()["detail"]] == [["query", field]], query
        assert "x" * 20 not in response.text and "bogus" not in response.text  # the value is not echoed


async def test_documents_of_a_case_and_the_upload_size_limit(real: Stack) -> None:
    created = await real.submit()
    ppid = await real.login(PPID_SANGGAU)
    case = await real.case(created["id"], ppid)
    assert case["documents"] == []
    url = f"/v1/requests/{created['id']}/documents/{'a' * 32}"
    assert (await real.http.get(url, headers=ppid)).status_code == 404
    assert (await real.http.get(url)).status_code == 401
    assert (await real.http.get(url, headers={"X-Tracking-Code": "AAAA-BBBB-CCCC"})).status_code == 404
    other = await real.login(KUTAI)
    assert (await real.http.get(url, headers=other)).status_code == 403
    # The API refuses bodies over 256 KB; only a multipart post to a desk form that carries a document may be
    # larger (up to the document limit), and beyond it the desk gets a page, not JSON.
    two_mb = {"lampiran": ("a.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024), "application/pdf")}
    assert (await real.http.post("/v1/requests", files=two_mb)).status_code == 413
    desk = await real.http.post(f"/staf/permohonan/{created['id']}/keputusan", files=two_mb)
    assert desk.status_code == 403  # through the size limit, then refused without the CSRF token
    assert (
        await real.http.post(f"/staf/permohonan/{created['id']}/perpanjangan", files=two_mb)
    ).status_code == 413
    huge = {"lampiran": ("a.pdf", b"%PDF-" + b"0" * MAX_UPLOAD_BODY_BYTES, "application/pdf")}
    refused = await real.http.post(f"/staf/permohonan/{created['id']}/keputusan", files=huge)
    assert refused.status_code == 413 and "text/html" in refused.headers["content-type"]
    assert "Isian terlalu besar" in refused.text


async def test_a_decision_refused_by_the_workflow_keeps_no_attachment(
    real: Stack, temporal_env: WorkflowEnvironment
) -> None:
    """The desk's decision with its "Lampiran" goes through the API's own decide_request: the document is kept
    with the decision, and removed again when the workflow refuses the decision."""
    created = await real.submit()
    engine = make_engine(real.settings.effective_database_url)
    try:
        async with make_session_factory(engine)() as session:
            user = await session.scalar(select(User).where(User.email == PPID_DINKES))
            assert user is not None
            staff = await load_staff(session, user.id, user.token_version)
            assert staff is not None
            upload = check_upload("Salinan.pdf", b"%PDF-1.4 salinan")
            payload = DecisionIn(outcome=DecisionOutcome.GRANTED, note="Terlampir.")
            store = FileStore.of(real.settings)
            case = await decide_request(
                session, temporal_env.client, staff, created["id"], payload, upload, store=store
            )
            [document] = case.documents
            assert (document.filename, document.kind, document.size) == ("Salinan.pdf", "decision", 16)
            with pytest.raises(HTTPException) as refused:  # decided already: 409, and this file is not kept
                await decide_request(
                    session, temporal_env.client, staff, created["id"], payload, upload, store=store
                )
            assert refused.value.status_code == 409
    finally:
        await engine.dispose()
    mine = await real.case(created["id"], {"X-Tracking-Code": created["tracking_code"]})
    assert [d["id"] for d in mine["documents"]] == [document.id]
    got = await real.http.get(
        mine["documents"][0]["url"], headers={"X-Tracking-Code": created["tracking_code"]}
    )
    assert got.status_code == 200 and got.content == b"%PDF-1.4 salinan"
