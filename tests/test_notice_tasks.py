"""No citizen is left without notices: a requester who gave no email (a phone instead; the address is always
given) receives every notice by letter or phone. Each becomes a `send_notice` task of the PPID handling the
case, never an email: the outbox row is `manual`, which the dispatcher never claims. The PPID records when and
how it was sent, through the API or the desk page (CSRF form); the task ends, the row is marked sent and the
requester's timeline says so. A second recording is a 409; a retried activity opens no second task. On the
real stack (real Temporal, worker, SMTP sink) on each database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from activities.requests import RequestActivities
from db.models import Notification, Task
from db.session import make_engine, make_session_factory
from domain.dates_id import format_date
from domain.notice_tasks import MANUAL_RECIPIENT, SEND_NOTICE_TASK
from domain.request_events import RecordRequest, Registered
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, REQUESTER_EMAIL, Stack, real

SANGGAU = ZoneInfo("Asia/Pontianak")
ADDRESS = "Dusun Sungai Mawang RT 02, Kecamatan Kapuas, Sanggau"
PHONE = "+6281234500099"
RECEIPT = "Tanda terima permohonan informasi publik"


async def _submit_without_email(real: Stack) -> dict[str, Any]:
    return await real.submit(requester__email=None, requester__phone=PHONE, requester__address=ADDRESS)


async def _notice_tasks(real: Stack, headers: dict[str, str], case_id: str) -> list[dict[str, Any]]:
    tasks = (await real.http.get("/v1/tasks", headers=headers)).json()
    return [t for t in tasks if t["kind"] == SEND_NOTICE_TASK and t["case_id"] == case_id]


async def _wait_notice_task(real: Stack, headers: dict[str, str], case_id: str) -> dict[str, Any]:
    for _ in range(400):
        if found := await _notice_tasks(real, headers, case_id):
            [task] = found
            return task
        await asyncio.sleep(0.05)
    raise AssertionError(f"no send_notice task for {case_id}")


async def _rows(real: Stack, case_id: str) -> tuple[list[Notification], list[Task]]:
    engine = make_engine(real.settings.effective_database_url)
    try:
        async with make_session_factory(engine)() as session:
            rows = (await session.scalars(select(Notification).where(Notification.case_id == case_id))).all()
            tasks = (await session.scalars(select(Task).where(Task.case_id == case_id))).all()
            return list(rows), list(tasks)
    finally:
        await engine.dispose()


def _today() -> date:
    return datetime.now(SANGGAU).date()


async def _sent(real: Stack, task_id: int, headers: dict[str, str], **fields: Any) -> httpx.Response:
    return await real.http.post(f"/v1/tasks/{task_id}/notice-sent", json=fields, headers=headers)


async def test_a_request_without_email_gets_its_receipt_as_a_task_recorded_through_the_api(
    real: Stack,
) -> None:
    created = await _submit_without_email(real)
    unit = await real.login(PPID_DINKES)  # the request names the unit: its PPID handles it
    task = await _wait_notice_task(real, unit, created["id"])
    assert task["object"] == "request" and task["object_id"] == created["id"]
    assert task["registration_number"] == created["registration_number"] and task["sla"] != "overdue"
    # Due by the end of the working day after the receipt, on Sanggau's calendar.
    expected = (
        await real.http.get(
            "/v1/calendar/deadline",
            params={"body": "kab-sanggau", "start": created["received_at"], "working_days": 1},
        )
    ).json()["due_at"]
    assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat(expected)
    # The body's Utama sees it too; another body's PPID and the Atasan do not.
    assert [t["id"] for t in await _notice_tasks(real, await real.login(PPID_SANGGAU), created["id"])] == [
        task["id"]
    ]
    assert await _notice_tasks(real, await real.login("ppid@kutaitimur.example"), created["id"]) == []
    atasan = await real.login(ATASAN_SANGGAU)
    assert await _notice_tasks(real, atasan, created["id"]) == []

    # No email: the PPID's own notice goes out, the requester's row waits for the PPID, unclaimed.
    await real.mail.wait_for("ppid.dinkes@sanggau.example", created["registration_number"])
    await asyncio.sleep(1.5)  # the dispatcher had its turns
    assert not any(RECEIPT in str(m["Subject"]) for m in real.mail.messages)
    rows, _ = await _rows(real, created["id"])
    [manual] = [r for r in rows if r.recipient_role == "requester"]
    assert manual.status == "manual" and manual.recipient == MANUAL_RECIPIENT and manual.attempts == 0
    assert RECEIPT in manual.subject and created["tracking_code"] in manual.body_text

    # Refusals: not the PPID of the task, a day not yet come, a day before the notice, an unknown method.
    today = _today()
    assert (await _sent(real, task["id"], atasan, sent_on=str(today), method="letter")).status_code == 403
    other = await real.login("ppid@kutaitimur.example")
    assert (await _sent(real, task["id"], other, sent_on=str(today), method="letter")).status_code == 403
    future = await _sent(real, task["id"], unit, sent_on=str(today + timedelta(days=1)), method="letter")
    assert future.status_code == 422 and "belum tiba" in future.text
    early = await _sent(real, task["id"], unit, sent_on=str(today - timedelta(days=2)), method="phone")
    assert early.status_code == 422 and "sebelum pemberitahuan dibuat" in early.text
    assert (await _sent(real, task["id"], unit, sent_on=str(today), method="pos")).status_code == 422
    assert (await _sent(real, 999999, unit, sent_on=str(today), method="letter")).status_code == 404
    decide = [t for t in (await real.http.get("/v1/tasks", headers=unit)).json() if t["case_id"] == created["id"]
              and t["kind"] == "decide_request"]  # fmt: skip
    not_notice = await _sent(real, decide[0]["id"], unit, sent_on=str(today), method="letter")
    assert not_notice.status_code == 409 and "bukan tugas pengiriman" in not_notice.json()["detail"]

    done = await _sent(real, task["id"], unit, sent_on=str(today), method="letter", note="Resi pos RR123")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "done" and body["closed_at"] and body["object_id"] == created["id"]
    assert body["delivery"] == {"delivered_on": str(today), "method": "letter", "note": "Resi pos RR123",
                                "document_id": None, "by": PPID_DINKES}  # fmt: skip
    assert await _notice_tasks(real, unit, created["id"]) == []
    again = await _sent(real, task["id"], unit, sent_on=str(today), method="phone")
    assert again.status_code == 409
    assert f"sudah tercatat disampaikan melalui surat pada {format_date(today)}" in again.json()["detail"]

    timeline = (await real.case(created["id"], {"X-Tracking-Code": created["tracking_code"]}))["timeline"]
    label = f"Pemberitahuan “{RECEIPT}” disampaikan melalui surat pada {format_date(today)}"
    assert [e["label"] for e in timeline].count(label) == 1
    rows, _ = await _rows(real, created["id"])
    [sent] = [r for r in rows if r.recipient_role == "requester"]
    assert sent.status == "sent" and sent.sent_at is not None
    assert not any(RECEIPT in str(m["Subject"]) for m in real.mail.messages)  # still never an email


async def test_a_request_with_email_gets_no_such_task_and_a_retried_activity_opens_none_twice(
    real: Stack,
) -> None:
    with_email = await real.submit()
    await real.mail.wait_for(REQUESTER_EMAIL, RECEIPT)
    rows, tasks = await _rows(real, with_email["id"])
    assert all(r.status != "manual" for r in rows) and not [t for t in tasks if t.kind == SEND_NOTICE_TASK]

    without = await _submit_without_email(real)
    await _wait_notice_task(real, await real.login(PPID_SANGGAU), without["id"])
    # The recording activity runs again for the same event (a retry after a crash before its answer).
    activities = RequestActivities(make_session_factory(engine := make_engine(real.settings.effective_database_url)),
                                   real.settings)  # fmt: skip
    try:
        event = RecordRequest(
            request_id=without["id"], event=Registered(), at=datetime.fromisoformat(without["received_at"])
        )
        for _ in range(2):
            await activities.record(event)
    finally:
        await engine.dispose()
    rows, tasks = await _rows(real, without["id"])
    assert len([r for r in rows if r.recipient_role == "requester"]) == 1
    assert len([t for t in tasks if t.kind == SEND_NOTICE_TASK]) == 1


# --- the desk page ---------------------------------------------------------------------------------------


@asynccontextmanager
async def _signed_in(real: Stack, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client of the same app: its own cookies, signed in through the sign-in form."""
    async with httpx.AsyncClient(
        transport=real.http._transport, base_url="http://ppid.test", timeout=30
    ) as http:
        token = _token((await http.get("/staf/masuk")).text)
        form = {"email": email, "kata_sandi": "demo-ppid-2026", "lanjut": "/staf", "csrf_token": token}
        assert (await http.post("/staf/masuk", data=form)).status_code == 303
        yield http


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _beside(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{name}">(.*?)</p>', html, re.S)
    return re.sub(r"<span class=\"sr\">.*?</span>", "", found.group(1)).strip() if found else ""


async def test_the_desk_page_shows_the_letter_and_records_the_sending(real: Stack) -> None:
    created = await _submit_without_email(real)
    task = await _wait_notice_task(real, await real.login(PPID_DINKES), created["id"])
    url = f"/staf/pemberitahuan/{task['id']}"
    async with _signed_in(real, PPID_DINKES) as ppid:
        inbox = (await ppid.get("/staf")).text
        assert f'href="{url}"' in inbox and "Kirim pemberitahuan lewat surat atau telepon" in inbox
        assert f'href="/staf/permohonan/{created["id"]}"' in inbox  # the number still opens the case
        page = await ppid.get(url)
        assert page.status_code == 200
        for shown in ("Siti Aminah", ADDRESS, PHONE, RECEIPT, created["registration_number"], "Catat pengiriman",
                      "Tanggal dikirim", "/static/cetak.js"):  # fmt: skip
            assert shown in page.text, shown
        token = _token(page.text)
        # Without the CSRF token: refused, nothing recorded.
        bare = await ppid.post(url, data={"sent_on": str(_today()), "method": "phone"})
        assert bare.status_code == 403
        # Bad input: messages beside the fields, what was typed kept, 422.
        future = str(_today() + timedelta(days=3))
        bad = await ppid.post(
            url, data={"csrf_token": token, "sent_on": future, "method": "", "note": "Bu Siti"}
        )
        assert bad.status_code == 422
        assert "Pilih cara pengiriman" in _beside(bad.text, "method") and "belum tiba" in _beside(
            bad.text, "sent_on"
        )
        bad = await ppid.post(
            url, data={"csrf_token": token, "sent_on": future, "method": "phone", "note": "Bu Siti"}
        )
        assert bad.status_code == 422 and "belum tiba" in _beside(bad.text, "sent_on")
        assert (
            f'value="{future}"' in bad.text
            and 'value="phone" selected' in bad.text
            and "Bu Siti</textarea>" in bad.text
        )
        # Done: back to the page, which now says when and how.
        today = str(_today())
        done = await ppid.post(
            url, data={"csrf_token": token, "sent_on": today, "method": "phone", "note": ""}
        )
        assert done.status_code == 303 and done.headers["location"].startswith(url)
        after = (await ppid.get(done.headers["location"])).text
        assert (
            "Pengiriman tercatat" in after and "Sudah disampaikan" in after and 'id="f-sent_on"' not in after
        )
        again = await ppid.post(url, data={"csrf_token": token, "sent_on": today, "method": "letter"})
        assert again.status_code == 409 and "sudah tercatat disampaikan melalui telepon" in again.text
    async with _signed_in(real, ATASAN_SANGGAU) as atasan:  # the Atasan of the body reads it, without a form
        page = await atasan.get(url)
        assert page.status_code == 200 and 'id="f-sent_on"' not in page.text
    async with _signed_in(real, "ppid@kutaitimur.example") as other:  # another body: not theirs
        assert (await other.get(url)).status_code == 403
    timeline = (await real.case(created["id"], {"X-Tracking-Code": created["tracking_code"]}))["timeline"]
    assert any(e["label"] == f"Pemberitahuan “{RECEIPT}” disampaikan melalui telepon pada {format_date(_today())}"
               for e in timeline)  # fmt: skip


__all__ = ["real"]  # the stack fixture
