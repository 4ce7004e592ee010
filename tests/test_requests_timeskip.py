"""The request workflow's clocks on Temporal's time-skipping server, through the API (simulated clock),
with real activities, a real database and real SMTP: T1 missed, T2 missed, late decision, reminders,
closing after T3, and a replay of the recorded history."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain import law
from domain.dates_id import format_date
from tests.conftest import text_of
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, REQUESTER_EMAIL, Stack
from tests.timeskip_support import sleep_until, wait_status
from workflows.registry import history_replayer


async def test_ignored_request_is_escalated_and_requester_told_their_rights(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    await sim.mail.wait_for(REQUESTER_EMAIL, "Tanda terima")
    await sleep_until(timeskip, created["due_at"])

    notice = await sim.mail.wait_for(REQUESTER_EMAIL, "tidak ditanggapi")
    ppid = await sim.login(PPID_SANGGAU)
    case = await sim.case(created["id"], ppid)
    assert case["status"] == "overdue"
    t3 = (
        await sim.http.get(
            "/v1/calendar/deadline",
            params={"body": "kab-sanggau", "start": created["due_at"], "working_days": law.T3.working_days},
        )
    ).json()
    assert case["objection_deadline"] == t3["due_at"]
    assert "Pasal 35 ayat (1) huruf c" in text_of(notice)
    assert format_date(datetime.fromisoformat(t3["due_at"]).date()) in text_of(notice)
    await sim.mail.wait_for(ATASAN_SANGGAU, "Eskalasi")
    await sim.mail.wait_for(PPID_DINKES, "Eskalasi")
    # The reminders came first, once each: -3, the extension prompt at -2, and -1 working days.
    subjects = [str(m["Subject"]) for m in sim.mail.to(PPID_DINKES)]
    for reminder in law.T1.reminders:
        subject = "Perlu perpanjangan" if reminder.kind == "extension_prompt" else "tinggal {} hari kerja"
        assert sum(subject.format(reminder.working_days_before) in s for s in subjects) == 1
    assert len(sim.mail.to(REQUESTER_EMAIL)) == 2  # receipt and the overdue notice, nothing twice

    atasan = await sim.login(ATASAN_SANGGAU)
    tasks = (await sim.http.get("/v1/tasks", headers=atasan)).json()
    assert [t["kind"] for t in tasks] == ["escalated_request"]
    decide = [
        t for t in (await sim.http.get("/v1/tasks", headers=ppid)).json() if t["kind"] == "decide_request"
    ]
    assert decide[0]["sla"] == "overdue"

    # An extension after the deadline is refused with the date that passed.
    late_extension = await sim.http.post(
        f"/v1/requests/{created['id']}/extension",
        json={"reason": "Terlambat meminta perpanjangan"},
        headers=ppid,
    )
    assert late_extension.status_code == 409
    # A late decision is still accepted, marked late, and never shortens the window already told.
    await timeskip.sleep(timedelta(days=3))
    late = await sim.http.post(
        f"/v1/requests/{created['id']}/decision", json={"outcome": "granted"}, headers=ppid
    )
    assert late.status_code == 200, late.text
    assert late.json()["decided_late"] is True
    assert late.json()["objection_deadline"] >= case["objection_deadline"]
    assert "terlambat" in late.json()["timeline"][-1]["label"]
    letter = await sim.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis")
    assert "setelah batas waktu" in text_of(letter)

    # After T3 the case closes.
    await sleep_until(timeskip, late.json()["objection_deadline"])
    await wait_status(sim, created["id"], ppid, "closed")
    assert (await sim.http.get("/v1/tasks", headers=atasan)).json() == []


async def test_extension_then_t2_missed(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    created = await sim.submit(unit=None)
    ppid = await sim.login(PPID_SANGGAU)
    await timeskip.sleep(timedelta(days=2))
    extended = await sim.http.post(
        f"/v1/requests/{created['id']}/extension",
        json={"reason": "Data tersebar di beberapa dinas"},
        headers=ppid,
    )
    assert extended.status_code == 200, extended.text
    t2 = extended.json()["due_at"]
    assert t2 > created["due_at"]
    await sleep_until(timeskip, t2)
    notice = await sim.mail.wait_for(REQUESTER_EMAIL, "tidak ditanggapi")
    assert law.T2.article in text_of(notice)
    assert (await sim.case(created["id"], ppid))["status"] == "overdue"
    # No extension prompt in the extended round; reminders of T2 went to the body's PPID.
    subjects = [str(m["Subject"]) for m in sim.mail.to(PPID_SANGGAU)]
    assert sum("Perlu perpanjangan" in s for s in subjects) == 0
    assert any(f"tinggal {law.T2.reminders[-1].working_days_before} hari kerja" in s for s in subjects)


async def test_decided_in_time_then_closed_and_replayable(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    created = await sim.submit()
    ppid = await sim.login(PPID_DINKES)
    await timeskip.sleep(timedelta(days=4))
    decided = await sim.http.post(
        f"/v1/requests/{created['id']}/decision",
        json={"outcome": "not_held", "holder_body": "Dinas Kesehatan Provinsi Kalimantan Barat"},
        headers=ppid,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_late"] is False
    letter = await sim.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis")
    assert "Dinas Kesehatan Provinsi Kalimantan Barat" in text_of(letter)
    assert not any("tidak ditanggapi" in str(m["Subject"]) for m in sim.mail.messages)
    await sleep_until(timeskip, decided.json()["objection_deadline"])
    await wait_status(sim, created["id"], ppid, "closed")

    handle = timeskip.client.get_workflow_handle(f"permohonan-{created['id']}")
    await timeskip.sleep(timedelta(days=91))  # the case stays reachable for a late objection, then ends
    assert await handle.result() == "closed"
    history = await handle.fetch_history()
    if os.environ.get("PPID_RECORD_HISTORY"):  # to add a recorded history for tests/test_replay.py
        Path(os.environ["PPID_RECORD_HISTORY"]).write_text(history.to_json())
    await history_replayer().replay_workflow(history)


async def test_simulated_clock_endpoints(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    before = (await sim.http.get("/v1/dev/clock")).json()["now"]
    created = await sim.submit()
    ppid = await sim.login(PPID_SANGGAU)
    admin = await sim.login("admin@ppid.example")
    assert (await sim.http.post("/v1/dev/clock/advance", json={"days": 1}, headers=ppid)).status_code == 403
    assert (await sim.http.post("/v1/dev/clock/advance", json={"days": 1})).status_code == 401
    bad = await sim.http.post("/v1/dev/clock/advance", json={"days": 1, "hours": 2}, headers=admin)
    assert bad.status_code == 422
    past = await sim.http.post("/v1/dev/clock/advance", json={"until": "2020-01-01T00:00:00Z"}, headers=admin)
    assert past.status_code == 409
    moved = await sim.http.post("/v1/dev/clock/advance", json={"until": created["due_at"]}, headers=admin)
    assert moved.status_code == 200 and moved.json()["settled"] is True
    assert moved.json()["now"] > before
    assert (await sim.case(created["id"], ppid))["status"] == "received"  # 23:59:59 is still in time
    moved = await sim.http.post("/v1/dev/clock/advance", json={"hours": 1}, headers=admin)
    assert moved.json()["settled"] is True
    # Returned only after the expiry's work finished: status, escalation and notices are all there.
    assert (await sim.case(created["id"], ppid))["status"] == "overdue"
    assert any("tidak ditanggapi" in str(m["Subject"]) for m in sim.mail.to(REQUESTER_EMAIL))
