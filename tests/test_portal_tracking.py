"""The citizen's tracking pages (/lacak, /lacak/{id}, documents, "kirim ulang kode") over HTTP against the real
stack: the real app with its worker on the Temporal dev server, a real database and a real SMTP mailbox."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from db.models import Notification, TimelineEvent
from db.session import make_engine, make_session_factory
from domain.dates_id import format_datetime
from tests.conftest import Mailbox, text_of
from tests.requests_support import PPID_SANGGAU, REQUESTER_EMAIL, Stack, real, stack

__all__ = ["real"]  # the fixture

MISMATCH = "Nomor pendaftaran atau kode tidak cocok"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Page logic over the API's own functions: SQLite is enough (the API tests run on both databases)."""
    return sqlite_database_url


@asynccontextmanager
async def browser(s: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Another visitor: the same app, a cookie jar of its own."""
    async with httpx.AsyncClient(
        transport=s.http._transport, base_url="http://ppid.test", timeout=30
    ) as http:
        yield http


def token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def post_form(http: httpx.AsyncClient, form_page: str, action: str, **fields: str) -> httpx.Response:
    page = await http.get(form_page)
    return await http.post(action, data={"csrf_token": token(page), **fields})


def notice(page: httpx.Response) -> str:
    found = re.search(r'<div class="notice[^"]*" role="(?:status|alert)">(.*?)</div>', page.text, re.DOTALL)
    assert found, page.text[-2000:]
    return found.group(1).strip()


async def open_case(http: httpx.AsyncClient, number: str, code: str) -> httpx.Response:
    return await post_form(http, "/lacak", "/lacak", nomor=number, kode=code)


async def test_lacak_opens_the_case_with_the_code_in_any_case_and_without_dashes(real: Stack) -> None:
    created = await real.submit()
    form = await real.http.get("/lacak")
    assert form.status_code == 200
    assert form.headers["referrer-policy"] == "same-origin" and form.headers["cache-control"] == "no-store"
    labels = re.findall(r"<label for=\"f-[a-z]+\">([^<]*)", form.text)
    assert [label.strip() for label in labels] == ["Nomor pendaftaran", "Kode lacak"]
    assert 'href="/lacak/kirim-ulang"' in form.text and "Lupa kode? Kirim ulang kode" in form.text

    # An internal event (as the reminders to staff are) and a staff action with its actor: neither on the page.
    engine = make_engine(real.settings.effective_database_url)
    async with make_session_factory(engine)() as session:
        session.add(
            TimelineEvent(
                key=f"{created['id']}:test-internal", case_id=created["id"], subject_type="request",
                subject_id=created["id"], at=datetime.now(UTC), event="reminder_3",
                label="Pengingat internal untuk petugas", actor=PPID_SANGGAU, internal=True,
            )
        )  # fmt: skip
        await session.commit()
    await engine.dispose()
    ppid = await real.login(PPID_SANGGAU)
    extended = await real.http.post(
        f"/v1/requests/{created['id']}/extension", json={"reason": "Dokumen masih dihimpun dari puskesmas"},
        headers=ppid,
    )  # fmt: skip
    assert extended.status_code == 200, extended.text

    code = created["tracking_code"].lower().replace("-", "")
    number = created["registration_number"].lower()
    opened = await open_case(real.http, f" {number} ", code)
    assert opened.status_code == 303 and opened.headers["location"] == f"/lacak/{created['id']}"
    assert code not in opened.headers["location"] and code not in str(real.http.cookies)

    case = await real.http.get(f"/lacak/{created['id']}")
    assert case.status_code == 200, case.text
    assert case.headers["referrer-policy"] == "same-origin" and case.headers["cache-control"] == "no-store"
    text = case.text
    assert created["registration_number"] in text
    assert "Status: <strong>diperpanjang</strong>" in text
    t1 = format_datetime(datetime.fromisoformat(created["due_at"]), "Asia/Pontianak")
    assert "T1: pemberitahuan tertulis" in text and t1 in text and "Pasal 22 ayat (7)" in text
    assert "T2: pemberitahuan tertulis setelah perpanjangan" in text
    assert "Dokumen masih dihimpun dari puskesmas" in text
    staff_view = await real.case(created["id"], ppid)
    public_labels = [e["label"] for e in staff_view["timeline"] if e["event"] != "reminder_3"]
    assert "Pengingat internal untuk petugas" in [e["label"] for e in staff_view["timeline"]]
    for label in public_labels:
        assert label in text
    assert "Pengingat internal untuk petugas" not in text
    assert PPID_SANGGAU not in text and "6103014501900003" not in text
    assert "Keberatan kepada Atasan PPID dapat diajukan setelah" in text and "Ajukan keberatan" not in text


async def test_wrong_code_and_unknown_number_answer_the_same(real: Stack) -> None:
    created = await real.submit()
    wrong = await open_case(real.http, created["registration_number"], "AAAA-BBBB-CCCC")
    unknown = await open_case(real.http, "9999/PPID/SGU/I/2020", created["tracking_code"])
    assert wrong.status_code == unknown.status_code == 422
    assert notice(wrong) == notice(unknown) == MISMATCH
    assert created["registration_number"] in wrong.text  # the number is kept, the code is not
    assert "AAAA-BBBB-CCCC" not in wrong.text and created["tracking_code"] not in unknown.text
    empty = await open_case(real.http, "", "")
    assert empty.status_code == 422 and "Isi nomor pendaftaran" in empty.text
    assert (await real.http.get(f"/lacak/{created['id']}")).text.count('id="form-kode"') == 1  # not proven
    refused = await real.http.post("/lacak", data={"nomor": created["registration_number"], "kode": "x"})
    assert refused.status_code == 403  # no CSRF token
    # The tracking pages keep Referrer-Policy same-origin, so their forms carry their Origin: a form posted
    # from another site or from an opaque origin (a sandboxed frame) is refused, whatever else it claims.
    fields = {"csrf_token": token(await real.http.get("/lacak")), "nomor": "1/PPID/SGU/I/2020", "kode": "x"}
    for origin, expected in (("null", 403), ("https://evil.example", 403), (str(real.http.base_url), 422)):
        headers = {"Origin": origin.rstrip("/"), "Sec-Fetch-Site": "same-origin"}
        assert (await real.http.post("/lacak", data=fields, headers=headers)).status_code == expected, origin


async def _staff_session(http: httpx.AsyncClient, email: str) -> None:
    signed_in = await post_form(
        http, "/staf/masuk", "/staf/masuk", email=email, kata_sandi="demo-ppid-2026", lanjut="/staf"
    )
    assert signed_in.status_code == 303, signed_in.text


async def _decide_with_attachment(s: Stack, request_id: str, content: bytes) -> str:
    async with browser(s) as desk:
        await _staff_session(desk, PPID_SANGGAU)
        page = await desk.get(f"/staf/permohonan/{request_id}")
        decided = await desk.post(
            f"/staf/permohonan/{request_id}/keputusan",
            data={"csrf_token": token(page), "keputusan": "granted", "catatan": "Salinan terlampir"},
            files={"lampiran": ("anggaran imunisasi.txt", content, "text/plain")},
        )
        assert decided.status_code == 303, decided.text
    for _ in range(100):  # the decision is recorded by the workflow
        case = await s.case(request_id, await s.login(PPID_SANGGAU))
        if case["documents"] and case["status"] == "decided":
            return str(case["documents"][0]["id"])
        await asyncio.sleep(0.1)
    raise AssertionError("the decision was not recorded")


async def test_documents_download_only_in_a_session_that_proved_this_case(real: Stack) -> None:
    mine, other = await real.submit(), await real.submit()
    content = b"Rincian anggaran program imunisasi 2025\n"
    document_id = await _decide_with_attachment(real, mine["id"], content)
    path = f"/lacak/{mine['id']}/dokumen/{document_id}"

    async with browser(real) as stranger:
        assert (
            await open_case(stranger, other["registration_number"], other["tracking_code"])
        ).status_code == 303
        asked = await stranger.get(path)  # proved another case only: the code form of this one
        assert asked.status_code == 200 and 'id="form-kode"' in asked.text and content not in asked.content
        crossed = await stranger.get(f"/lacak/{other['id']}/dokumen/{document_id}")
        assert crossed.status_code == 404 and content not in crossed.content
        assert "Dokumen tidak ditemukan" in crossed.text

    async with browser(real) as owner:
        assert (await open_case(owner, mine["registration_number"], mine["tracking_code"])).status_code == 303
        case = await owner.get(f"/lacak/{mine['id']}")
        assert f'href="{path}"' in case.text and "anggaran imunisasi.txt" in case.text
        assert "Diberikan seluruhnya" in case.text and "Salinan terlampir" in case.text
        assert f'href="/lacak/{mine["id"]}/keberatan"' in case.text and "Ajukan keberatan" in case.text
        staff_view = await real.case(mine["id"], await real.login(PPID_SANGGAU))
        t3 = format_datetime(datetime.fromisoformat(case_t3(staff_view)), "Asia/Pontianak")
        assert t3 in case.text and "Pasal 36 ayat (1)" in case.text
        filed = await real.http.post(
            f"/v1/requests/{mine['id']}/objections",
            json={"reasons": ["d"], "case_position": "Salinan yang diberikan tidak lengkap", "purpose": "Penelitian"},
            headers={"X-Tracking-Code": mine["tracking_code"]},
        )  # fmt: skip
        assert filed.status_code == 201, filed.text
        case = await owner.get(f"/lacak/{mine['id']}")
        assert f"Keberatan {filed.json()['registration_number']}" in case.text
        assert "T4: tanggapan Atasan PPID" in case.text and "Ajukan keberatan" not in case.text
        assert format_datetime(datetime.fromisoformat(filed.json()["due_at"]), "Asia/Pontianak") in case.text
        download = await owner.get(path)
        assert download.status_code == 200 and download.content == content
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["referrer-policy"] == "same-origin"


def case_t3(case: dict[str, Any]) -> str:
    return str(next(d["due_at"] for d in case["deadlines"] if d["clock"] == "T3"))


async def _notifications_to(s: Stack, recipient: str) -> list[Notification]:
    engine = make_engine(s.settings.effective_database_url)
    async with make_session_factory(engine)() as session:
        rows = list(
            (await session.scalars(select(Notification).where(Notification.recipient == recipient))).all()
        )
    await engine.dispose()
    return rows


async def test_resend_sends_the_working_link_and_answers_the_same_for_an_unknown_email(real: Stack) -> None:
    created = await real.submit()
    await real.mail.wait_for(REQUESTER_EMAIL, "Tanda terima")
    sent = await post_form(
        real.http, "/lacak/kirim-ulang", "/lacak/kirim-ulang", email=REQUESTER_EMAIL.upper()
    )
    assert sent.status_code == 200, sent.text
    mail = await real.mail.wait_for(REQUESTER_EMAIL, "Kode lacak")
    assert created["registration_number"] in mail["Subject"] and "Siti" not in mail["Subject"]
    body = text_of(mail)
    link = f"{real.settings.public_url}/lacak/{created['id']}#kode={created['tracking_code']}"
    assert link in body and created["tracking_code"] in body

    unknown = f"tidak-ada-{uuid.uuid4().hex[:6]}@example.org"
    answered = await post_form(real.http, "/lacak/kirim-ulang", "/lacak/kirim-ulang", email=unknown)
    assert answered.status_code == 200 and notice(answered) == notice(sent)
    assert await _notifications_to(real, unknown) == []
    assert len(await _notifications_to(real, REQUESTER_EMAIL)) == 2  # the receipt and the resend
    wrong_number = await post_form(
        real.http,
        "/lacak/kirim-ulang",
        "/lacak/kirim-ulang",
        email=REQUESTER_EMAIL,
        nomor="9999/PPID/SGU/I/2020",
    )
    assert wrong_number.status_code == 200 and len(await _notifications_to(real, REQUESTER_EMAIL)) == 2
    bad = await post_form(real.http, "/lacak/kirim-ulang", "/lacak/kirim-ulang", email="bukan email")
    assert bad.status_code == 422 and 'value="bukan email"' in bad.text

    # The emailed link: the fragment stays in the browser; lacak.js puts the code in the form and submits it.
    async with browser(real) as citizen:
        path = link.removeprefix(real.settings.public_url).split("#", 1)[0]
        form = await citizen.get(path)
        assert form.status_code == 200 and 'action="/lacak/' + created["id"] + '"' in form.text
        assert '<script src="/static/lacak.js"></script>' in form.text
        script = (await citizen.get("/static/lacak.js")).text
        assert "location.hash" in script and "replaceState" in script and "submit()" in script
        code = link.split("#kode=", 1)[1]
        proved = await citizen.post(
            path, data={"csrf_token": token(form), "kode": code, "kembali": "https://evil.example/"}
        )
        assert proved.status_code == 303 and proved.headers["location"] == path
        assert (await citizen.get(path)).text.count('id="form-kode"') == 0


async def test_rate_limits_answer_429_with_a_sentence(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    async with stack(
        temporal_env.client, mailbox, tmp_path, database_url, task_queue, with_worker=False,
        ppid_rate_limit_tracking=3,
    ) as s:  # fmt: skip
        codes = [
            (await open_case(s.http, "0001/PPID/SGU/I/2020", f"GUES-SCOD-E{i:03d}")).status_code
            for i in range(4)
        ]
        assert codes == [422, 422, 422, 429]
        limited = await open_case(s.http, "0001/PPID/SGU/I/2020", "GUES-SCOD-E999")
        assert limited.status_code == 429 and "coba lagi dalam" in notice(limited)
        guessed = await post_form(s.http, "/lacak", "/lacak/" + "a" * 32, kode="GUES-SCOD-E998")
        assert guessed.status_code == 429

        resends = [
            (
                await post_form(s.http, "/lacak/kirim-ulang", "/lacak/kirim-ulang", email="x@example.org")
            ).status_code
            for _ in range(4)
        ]
        assert resends == [200, 200, 200, 429]
        refused = await post_form(s.http, "/lacak/kirim-ulang", "/lacak/kirim-ulang", email="x@example.org")
        assert "Kode sudah beberapa kali dikirim ulang" in notice(refused)
        assert int(refused.headers["retry-after"]) > 0
