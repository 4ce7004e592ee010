"""The consequence test (uji konsekuensi) and the DIK on the time-skipping server, through the API with real
activities, database and SMTP: Dinas Kesehatan tests "rekam medis pasien puskesmas" under Pasal 17 huruf h, the
PPID Utama returns it and forwards the correction, the Atasan PPID approves it, the entry is in the public DIK,
a request is refused citing it and the requester sees its summary; 30 working days before the period ends (on
the 2027 calendar) the PPID has the determination task, and with nobody deciding the entry opens by itself.
Then: a determination that opens, a retest that supersedes, and an entry opened by a KI decision.

One stack for the module (one time-skipping server, its clock moving forward through the tests in order)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.contracts import CalendarChanged
from tests.conftest import BIN, Mailbox, free_port, text_of
from tests.history_support import RECORDED_VERSION, replay_and_record
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, REQUESTER_EMAIL, Stack, stack
from tests.timeskip_support import sleep_until
from workflows.consequence_test import ConsequenceTestWorkflow

WIB = ZoneInfo("Asia/Pontianak")  # Kabupaten Sanggau
KI_KALBAR = "sengketa@ki-kalbar.example"
TEST: dict[str, Any] = {
    "body": "kab-sanggau",
    "unit": "dinkes",
    "information": "Rekam medis pasien puskesmas",
    "documents": "Berkas rekam medis pasien di 19 puskesmas Kabupaten Sanggau",
    "article": "17h",
    "point": 2,
    "harm": "Membuka rekam medis mengungkap riwayat, kondisi dan pengobatan pasien (rahasia pribadi).",
    "public_interest": "Kepentingan publik terpenuhi melalui data agregat yang dibuka; privasi pasien lebih berat.",
    "conclusion": "closed",
    "exemption_until": "2027-04-30",
}


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    path = shutil.which("temporal-test-server", path=str(BIN)) or shutil.which("temporal-test-server")
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=path, data_converter=pydantic_data_converter
    )
    try:
        yield environment
    finally:
        await environment.shutdown()


@pytest.fixture(scope="module")
async def uk(
    env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> AsyncIterator[Stack]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    tmp = tmp_path_factory.mktemp("uk")
    shutil.copyfile(sqlite_template, tmp / "ppid.sqlite3")
    url = f"sqlite+aiosqlite:///{tmp / 'ppid.sqlite3'}"
    try:
        async with stack(
            env.client, (box, port), tmp, url, f"ppid-uk-{uuid.uuid4().hex[:8]}", ppid_clock="simulated"
        ) as s:
            yield s
    finally:
        controller.stop()


async def _today(sim: Stack) -> date:
    now = datetime.fromisoformat((await sim.http.get("/v1/dev/clock")).json()["now"])
    return now.astimezone(WIB).date()


async def _start(sim: Stack, who: dict[str, str], **changes: Any) -> str:
    created = await sim.http.post("/v1/consequence-tests", json={**TEST, **changes}, headers=who)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "submitted"
    test_id: str = created.json()["id"]
    await _until(sim, f"/v1/consequence-tests/{test_id}", who, lambda t: bool(t["tasks"]))
    return test_id


async def _until(sim: Stack, url: str, who: dict[str, str] | None, done: Any) -> dict[str, Any]:
    """The resource once `done(it)` holds (a workflow's activity writes it shortly after the clock moves)."""
    for _ in range(200):
        found: dict[str, Any] = (await sim.http.get(url, headers=who or {})).json()
        if done(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never reached the expected state: {found}")


async def _tasks_until(sim: Stack, who: dict[str, str], kind: str) -> list[dict[str, Any]]:
    for _ in range(200):
        tasks = [t for t in (await sim.http.get("/v1/tasks", headers=who)).json() if t["kind"] == kind]
        if tasks:
            return tasks
        await asyncio.sleep(0.05)
    raise AssertionError(f"no open {kind} task")


async def _approved(sim: Stack, unit: dict[str, str], utama: dict[str, str], atasan: dict[str, str],
                    **changes: Any) -> dict[str, Any]:  # fmt: skip
    test_id = await _start(sim, unit, **changes)
    url = f"/v1/consequence-tests/{test_id}"
    assert (
        await sim.http.post(f"{url}/review", json={"action": "forward"}, headers=utama)
    ).status_code == 200
    approved = await sim.http.post(f"{url}/approval", json={"approve": True}, headers=atasan)
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


async def test_tested_approved_cited_and_opened_by_itself_at_the_end_of_its_period(
    uk: Stack, env: WorkflowEnvironment
) -> None:
    sim = uk
    unit, utama, atasan = (
        await sim.login(PPID_DINKES),
        await sim.login(PPID_SANGGAU),
        await sim.login(ATASAN_SANGGAU),
    )

    # Bad input names the field and the article.
    far = await sim.http.post(
        "/v1/consequence-tests", json={**TEST, "article": "17a", "point": 1, "exemption_until": "2070-01-01"},
        headers=unit,
    )  # fmt: skip
    assert far.status_code == 422 and far.json()["detail"][0]["loc"] == ["body", "exemption_until"]
    assert "PP No. 61 Tahun 2010 Pasal 5" in far.json()["detail"][0]["msg"]
    court = await sim.http.post(
        "/v1/consequence-tests", json={**TEST, "information_kind": "court_decision"}, headers=unit
    )
    assert court.status_code == 422 and court.json()["detail"][0]["loc"] == ["body", "information_kind"]
    assert "Pasal 18 ayat (1) huruf a" in court.json()["detail"][0]["msg"]
    assert (await sim.http.post("/v1/consequence-tests", json=TEST, headers=atasan)).status_code == 403

    test_id = await _start(sim, unit)
    url = f"/v1/consequence-tests/{test_id}"
    await sim.mail.wait_for(PPID_SANGGAU, "menunggu telaah PPID Utama")
    by_unit = await sim.http.post(f"{url}/review", json={"action": "forward"}, headers=unit)
    assert by_unit.status_code == 409 and "PPID Utama" in by_unit.json()["detail"]
    early = await sim.http.post(f"{url}/approval", json={"approve": True}, headers=atasan)
    assert early.status_code == 409 and "belum diteruskan" in early.json()["detail"]
    bare = await sim.http.post(f"{url}/review", json={"action": "return"}, headers=utama)
    assert bare.status_code == 422 and bare.json()["detail"][0]["loc"] == ["body", "note"]

    returned = await sim.http.post(
        f"{url}/review", json={"action": "return", "note": "Sebutkan angka Pasal 17 huruf h dan data agregat."},
        headers=utama,
    )  # fmt: skip
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert [(t["kind"], t["status"]) for t in returned.json()["tasks"]] == [
        ("review_consequence_test", "done"), ("revise_consequence_test", "open"),
    ]  # fmt: skip
    await sim.mail.wait_for(PPID_DINKES, "dikembalikan untuk diperbaiki")
    harm = "Membuka rekam medis mengungkap riwayat dan pengobatan pasien (Pasal 17 huruf h angka 2)."
    again = await sim.http.post(f"{url}/resubmission", json={"harm": harm}, headers=unit)
    assert again.status_code == 200 and again.json()["status"] == "submitted" and again.json()["rounds"] == 2
    assert again.json()["harm"] == harm
    forwarded = await sim.http.post(f"{url}/review", json={"action": "forward"}, headers=utama)
    assert forwarded.status_code == 200 and forwarded.json()["status"] == "forwarded"
    # The Atasan's task, due after the body's approval SLA (5 working days), in the Atasan's inbox.
    now = (await sim.http.get("/v1/dev/clock")).json()["now"]
    sla = (await sim.http.get("/v1/calendar/deadline", params={"body": "kab-sanggau", "start": now,
                                                               "working_days": 5})).json()["due_at"]  # fmt: skip
    assert forwarded.json()["due_at"] == sla
    inbox = (await sim.http.get("/v1/tasks", headers=atasan)).json()
    assert [t["kind"] for t in inbox] == ["approve_consequence_test"] and inbox[0]["due_at"] == sla
    await sim.mail.wait_for(ATASAN_SANGGAU, "menunggu pengesahan Atasan PPID")

    by_ppid = await sim.http.post(f"{url}/approval", json={"approve": True}, headers=utama)
    assert by_ppid.status_code == 409 and "Atasan PPID" in by_ppid.json()["detail"]
    approved = await sim.http.post(
        f"{url}/approval", json={"approve": True, "note": "Disahkan."}, headers=atasan
    )
    assert approved.status_code == 200, approved.text
    test = approved.json()
    year = (await _today(sim)).year
    assert test["status"] == "approved" and test["number"].startswith("0001/UK/SGU/") and test["number"].endswith(
        str(year))  # fmt: skip
    twice = await sim.http.post(f"{url}/approval", json={"approve": False, "note": "Batal."}, headers=atasan)
    assert twice.status_code == 409 and "sudah diputuskan" in twice.json()["detail"]
    await sim.mail.wait_for(PPID_DINKES, f"Uji konsekuensi {test['number']} disahkan")

    entry_id = test["dik_entry_id"]
    [entry] = (await sim.http.get("/v1/dik", params={"body": "kab-sanggau"})).json()
    assert entry["id"] == entry_id and entry["status"] == "in_force" and entry["number"] == test["number"]
    assert (
        entry["legal_basis"] == "Pasal 17 huruf h angka 2 UU No. 14 Tahun 2008"
        and entry["consequence"] == harm
    )
    assert entry["exemption_until"] == "2027-04-30" and entry["unit"] == "dinkes"
    assert "approved_by" not in entry and ATASAN_SANGGAU not in str(entry)  # public: no staff data

    # A request for it is refused citing the entry; the requester sees its public summary.
    created = await sim.submit(information="Salinan rekam medis pasien Puskesmas Sanggau Kota")
    unknown = await sim.http.post(
        f"/v1/requests/{created['id']}/decision",
        json={"outcome": "rejected", "exemption": {"dik_entry": "0" * 32}}, headers=unit,
    )  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"][-1] == "dik_entry"
    refused = await sim.http.post(
        f"/v1/requests/{created['id']}/decision",
        json={"outcome": "rejected", "exemption": {"dik_entry": entry_id}}, headers=unit,
    )  # fmt: skip
    assert refused.status_code == 200, refused.text
    exemption = refused.json()["decision"]["exemption"]
    assert exemption["article"] == "17h" and exemption["dik_number"] == test["number"]
    assert harm in exemption["consequence_test"] and test["number"] in exemption["consequence_test"]
    seen = await sim.case(created["id"], {"X-Tracking-Code": created["tracking_code"]})
    assert test["number"] in seen["decision"]["exemption"]["consequence_test"]
    notice = text_of(
        await sim.mail.wait_for(REQUESTER_EMAIL, f"[{created['registration_number']}] Pemberitahuan")
    )
    assert test["number"] in notice and "Daftar Informasi yang Dikecualikan" in notice
    assert "exemption_untested" not in {e["event"] for e in seen["timeline"]}

    # Another body may not cite it; a refusal without an entry still works, with a warning on the timeline.
    other = await sim.submit(body="kab-kutai-timur")
    kutai = await sim.login("ppid@kutaitimur.example")
    foreign = await sim.http.post(
        f"/v1/requests/{other['id']}/decision",
        json={"outcome": "rejected", "exemption": {"dik_entry": entry_id}}, headers=kutai,
    )  # fmt: skip
    assert foreign.status_code == 409 and "badan publik lain" in foreign.json()["detail"]
    untested = await sim.http.post(
        f"/v1/requests/{other['id']}/decision",
        json={"outcome": "rejected", "exemption": {"article": "17h", "consequence_test": "Data pribadi pasien."}},
        headers=kutai,
    )  # fmt: skip
    assert untested.status_code == 200, untested.text
    warned = [e for e in untested.json()["timeline"] if e["event"] == "exemption_untested"]
    assert len(warned) == 1 and "Pasal 17 huruf h" in warned[0]["label"]

    # The expiry clock: the determination is due 30 working days before 30 April 2027 (PP 61/2010 Pasal 11).
    # Counted back on the 2027 calendar: 22 working days in April, 29-31 March, 22-24 March (25 March is cuti
    # bersama and 26 March Good Friday), 18-19 March: Wednesday 17 March 2027.
    due = "2027-03-17T23:59:59+07:00"
    forward = await sim.http.get("/v1/calendar/deadline", params={"body": "kab-sanggau", "start": due,
                                                                  "working_days": 30})  # fmt: skip
    assert forward.json()["due_at"] == "2027-04-30T23:59:59+07:00"  # the calendar agrees: 30 working days on
    assert {s["date"] for s in forward.json()["skipped"]} >= {"2027-03-25", "2027-03-26"}
    await sleep_until(env, "2027-03-01T00:00:00+07:00")
    [task] = [t for t in await _tasks_until(sim, unit, "dik_determination") if t["object_id"] == entry_id]
    assert task["due_at"] == due and task["object"] == "dik" and task["object_id"] == entry_id
    await sim.mail.wait_for(PPID_DINKES, f"Penetapan pembukaan informasi DIK {test['number']}")
    await sleep_until(env, due)
    await sim.mail.wait_for(PPID_DINKES, "tinggal 1 hari kerja")
    await sleep_until(env, "2027-05-01T00:00:00+07:00")  # nobody decided: the period ends
    opened = await _until(sim, f"/v1/dik/{entry_id}", None, lambda e: e["status"] == "opened")
    assert opened["opened_reason"] == "expired" and opened["opened_at"].startswith("2027-05-01T00:00:0")
    assert [h["event"] for h in opened["history"]] == [
        "dik_in_force",
        "dik_determination_due",
        "dik_opened_expired",
    ]
    told = text_of(await sim.mail.wait_for(PPID_SANGGAU, "terbuka dengan sendirinya"))
    assert "Pasal 11 ayat (2)" in told and "30 April 2027" in told
    assert not [
        t for t in (await sim.http.get("/v1/tasks", headers=unit)).json() if t["kind"] == "dik_determination"
    ]
    handle = env.client.get_workflow_handle(f"uji-konsekuensi-{test_id}")
    assert await handle.result() == "approved"
    history = await handle.fetch_history()
    await replay_and_record(history, f"consequence_test_{RECORDED_VERSION}_approved")


async def test_determination_opens_retest_supersedes_and_a_ki_decision_opens(
    uk: Stack, env: WorkflowEnvironment
) -> None:
    sim = uk
    unit, utama, atasan = (
        await sim.login(PPID_DINKES),
        await sim.login(PPID_SANGGAU),
        await sim.login(ATASAN_SANGGAU),
    )
    today = await _today(sim)
    later = (today + timedelta(days=400)).isoformat()

    # A determination opens the entry at once, and its clock stops.
    first = await _approved(sim, unit, utama, atasan, information="Hasil evaluasi kinerja tenaga kesehatan",
                            point=4, exemption_until=later)  # fmt: skip
    opened = await sim.http.post(f"/v1/dik/{first['dik_entry_id']}/determination", json={"action": "open"},
                                 headers=unit)  # fmt: skip
    assert opened.status_code == 200, opened.text
    assert (
        opened.json()["entry"]["status"] == "opened"
        and opened.json()["entry"]["opened_reason"] == "determination"
    )
    assert await env.client.get_workflow_handle(f"uji-konsekuensi-{first['id']}").result() == "approved"
    again = await sim.http.post(f"/v1/dik/{first['dik_entry_id']}/determination", json={"action": "open"},
                                headers=unit)  # fmt: skip
    assert again.status_code == 409

    # A retest (PP 61/2010 Pasal 10): approved, it supersedes the old entry, whose clock stops.
    old = await _approved(sim, unit, utama, atasan, information="Catatan konseling psikologis pasien",
                          exemption_until=later)  # fmt: skip
    nodate = await sim.http.post(f"/v1/dik/{old['dik_entry_id']}/determination", json={"action": "retest"},
                                 headers=unit)  # fmt: skip
    assert nodate.status_code == 422 and nodate.json()["detail"][0]["loc"] == ["body", "exemption_until"]
    newer = (today + timedelta(days=800)).isoformat()
    retest = await sim.http.post(f"/v1/dik/{old['dik_entry_id']}/determination",
                                 json={"action": "retest", "exemption_until": newer}, headers=unit)  # fmt: skip
    assert retest.status_code == 200, retest.text
    assert retest.json()["entry"]["status"] == "in_force"
    new_id = retest.json()["consequence_test_id"]
    new_url = f"/v1/consequence-tests/{new_id}"
    await _until(sim, new_url, unit, lambda t: bool(t["tasks"]))
    assert (
        await sim.http.post(f"{new_url}/review", json={"action": "forward"}, headers=utama)
    ).status_code == 200
    renewed = await sim.http.post(f"{new_url}/approval", json={"approve": True}, headers=atasan)
    assert renewed.status_code == 200 and renewed.json()["origin"] == "renewal"
    superseded = (await sim.http.get(f"/v1/dik/{old['dik_entry_id']}")).json()
    assert (
        superseded["status"] == "superseded" and superseded["superseded_by"] == renewed.json()["dik_entry_id"]
    )
    assert await env.client.get_workflow_handle(f"uji-konsekuensi-{old['id']}").result() == "approved"
    listed = {
        e["id"]: e["status"] for e in (await sim.http.get("/v1/dik", params={"body": "kab-sanggau"})).json()
    }
    assert old["dik_entry_id"] not in listed and listed[renewed.json()["dik_entry_id"]] == "in_force"
    assert listed[first["dik_entry_id"]] == "opened"

    # A test linked to a request: its tasks show the request's deadline, and warn when approval comes too late.
    created = await sim.submit(information="Daftar pasien rujukan RSUD Sanggau beserta diagnosisnya")
    await env.sleep(timedelta(days=4))
    linked_id = await _start(sim, unit, information="Daftar pasien rujukan beserta diagnosis",
                             exemption_until=later, request_id=created["id"])  # fmt: skip
    linked = (await sim.http.get(f"/v1/consequence-tests/{linked_id}", headers=unit)).json()
    assert linked["request"]["registration_number"] == created["registration_number"]
    assert linked["warning"] and "setelah batas waktu permohonan" in linked["warning"]
    assert created["registration_number"] in linked["tasks"][0]["note"]
    timeline = (await sim.case(created["id"], utama))["timeline"]
    assert "uk_late_warning" in {e["event"] for e in timeline}
    assert (await sim.http.post(f"/v1/consequence-tests/{linked_id}/review", json={"action": "forward"},
                                headers=utama)).status_code == 200  # fmt: skip
    entry_id = (await sim.http.post(f"/v1/consequence-tests/{linked_id}/approval", json={"approve": True},
                                    headers=atasan)).json()["dik_entry_id"]  # fmt: skip

    # Refused citing the entry, upheld by the Atasan, decided by the KI: the order to disclose opens the entry.
    refusal = {"outcome": "rejected", "exemption": {"dik_entry": entry_id}}
    refused = await sim.http.post(f"/v1/requests/{created['id']}/decision", json=refusal, headers=unit)
    assert refused.status_code == 200, refused.text
    requester = {"X-Tracking-Code": created["tracking_code"]}
    objection = await sim.http.post(
        f"/v1/requests/{created['id']}/objections", headers=requester,
        json={"reasons": ["a"], "case_position": "Saya meminta data agregat, bukan data pribadi pasien.",
              "purpose": "Penelitian layanan rujukan"},
    )  # fmt: skip
    assert objection.status_code == 201, objection.text
    upheld = await sim.http.post(f"/v1/objections/{objection.json()['id']}/response", headers=atasan,
                                 json={"outcome": "upheld", "reasons": "Dikecualikan berdasarkan DIK."})  # fmt: skip
    assert upheld.status_code == 200, upheld.text
    dispute = await sim.http.post(f"/v1/objections/{objection.json()['id']}/dispute", headers=requester,
                                  json={"statement": "Penolakan tidak tepat; data dapat dianonimkan.",
                                        "requested_outcome": "Membuka data rujukan yang dianonimkan"})  # fmt: skip
    assert dispute.status_code == 201, dispute.text
    clerk = await sim.login(KI_KALBAR)
    durl = f"/v1/disputes/{dispute.json()['id']}"
    await _until(sim, durl, clerk, lambda d: d.get("status") == "submitted")
    for path, body in (("registration", {"register_number": "021/REG-PSI/2027"}),
                       ("stage", {"stage": "adjudication"})):  # fmt: skip
        assert (await sim.http.post(f"{durl}/{path}", json=body, headers=clerk)).status_code == 200
    decided = await sim.http.post(
        f"{durl}/outcome", headers=clerk,
        json={"outcome": "adjudication_granted", "decision_number": "077/PTS/KI-KB/2027",
              "summary": "Data rujukan dibuka setelah dianonimkan.",
              "disclosure_due": (await _today(sim) + timedelta(days=30)).isoformat()},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert (await sim.http.get(f"/v1/dik/{entry_id}")).json()["status"] == "in_force"  # not final yet (T8)
    await sleep_until(env, decided.json()["final_at"])
    entry = await _until(sim, f"/v1/dik/{entry_id}", None, lambda e: e["status"] == "opened")
    assert entry["opened_reason"] == "dispute" and "077/PTS/KI-KB/2027" in entry["history"][-1]["label"]
    assert await env.client.get_workflow_handle(f"uji-konsekuensi-{linked_id}").result() == "approved"

    # An Atasan's answer granting the objection opens the entry the refusal cited (UU Pasal 11 ayat (2)).
    granted = await _approved(sim, unit, utama, atasan, information="Hasil tes kejiwaan calon pegawai",
                              point=4, exemption_until=later)  # fmt: skip
    asked = await sim.submit(information="Hasil tes kejiwaan calon pegawai Dinas Kesehatan 2026")
    refusal = {"outcome": "rejected", "exemption": {"dik_entry": granted["dik_entry_id"]}}
    assert (
        await sim.http.post(f"/v1/requests/{asked['id']}/decision", json=refusal, headers=unit)
    ).status_code == 200
    filed = await sim.http.post(
        f"/v1/requests/{asked['id']}/objections", headers={"X-Tracking-Code": asked["tracking_code"]},
        json={"reasons": ["a"], "case_position": "Hasil tes saya sendiri.", "purpose": "Keperluan pribadi"},
    )  # fmt: skip
    answer = {"outcome": "granted", "order": "PPID memberikan hasil tes kepada pemohon yang bersangkutan."}
    answered = await sim.http.post(
        f"/v1/objections/{filed.json()['id']}/response", json=answer, headers=atasan
    )
    assert answered.status_code == 200, answered.text
    by_atasan = (await sim.http.get(f"/v1/dik/{granted['dik_entry_id']}")).json()
    assert by_atasan["status"] == "opened" and by_atasan["opened_reason"] == "objection"
    assert await env.client.get_workflow_handle(f"uji-konsekuensi-{granted['id']}").result() == "approved"


async def _next_working_day_after(sim: Stack, moment: str) -> datetime:
    """The end of the first working day after `moment` on Sanggau's current calendar."""
    found = await sim.http.get(
        "/v1/calendar/deadline", params={"body": "kab-sanggau", "start": moment, "working_days": 1}
    )
    assert found.status_code == 200, found.text
    return datetime.fromisoformat(found.json()["due_at"])


async def test_a_holiday_in_the_review_window_moves_the_step_later_and_its_cancellation_does_not_move_it_back(
    uk: Stack, env: WorkflowEnvironment
) -> None:
    """A regional holiday added inside the PPID Utama's review window puts the step's due date (and its open
    task's) one working day later; the same calendar version signalled again changes nothing; cancelling the
    holiday without `confirm_earlier` keeps the later date already told (docs/domain.md "Working days")."""
    sim = uk
    unit, utama, admin = (
        await sim.login(PPID_DINKES),
        await sim.login(PPID_SANGGAU),
        await sim.login("admin@ppid.example"),
    )
    later = (await _today(sim) + timedelta(days=400)).isoformat()
    test_id = await _start(
        sim, unit, information="Catatan rehabilitasi pasien rawat inap", exemption_until=later
    )
    url = f"/v1/consequence-tests/{test_id}"
    before = (await sim.http.get(url, headers=unit)).json()
    old_due = datetime.fromisoformat(before["due_at"])
    assert [(t["kind"], t["status"], t["due_at"]) for t in before["tasks"]] == [
        ("review_consequence_test", "open", before["due_at"])
    ]
    # A working day inside the window: the first after the test was submitted, before its due day.
    day = (await _next_working_day_after(sim, before["submitted_at"])).astimezone(WIB).date()
    assert day < old_due.astimezone(WIB).date()

    added = await sim.http.post(
        "/v1/calendar/holidays",
        json={"date": day.isoformat(), "name": "Hari Jadi Kabupaten Sanggau", "body": "kab-sanggau"},
        headers=admin,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    version = added.json()["version"]
    assert added.json()["delivered"] is True
    event = f"uk_deadline_moved_v{version}"
    moved = await _until(sim, url, unit, lambda t: event in {e["event"] for e in t["timeline"]})
    # Counted again on the new calendar: one working day more, the next working day after the old due day.
    new_due = await _next_working_day_after(sim, before["due_at"])
    assert datetime.fromisoformat(moved["due_at"]) == new_due > old_due
    [task] = moved["tasks"]
    assert task["status"] == "open" and datetime.fromisoformat(task["due_at"]) == new_due
    [inbox] = [t for t in (await sim.http.get("/v1/tasks", headers=utama)).json() if t["case_id"] == test_id]
    assert inbox["kind"] == "review_consequence_test" and datetime.fromisoformat(inbox["due_at"]) == new_due
    [entry] = [e for e in moved["timeline"] if e["event"] == event]
    assert entry["data"]["kept"] == [] and datetime.fromisoformat(entry["data"]["step_due_at"]) == new_due
    assert "ditambahkan sebagai hari libur" in entry["label"]
    handle = env.client.get_workflow_handle(f"uji-konsekuensi-{test_id}")
    assert await handle.query("calendar_version") == version

    # The same version again (the worker re-sends a change until every case has it): applied once.
    length = len((await handle.fetch_history()).events)
    again = CalendarChanged(version=version, action="add", date=day, name="Hari Jadi Kabupaten Sanggau")
    await handle.signal(ConsequenceTestWorkflow.calendar_changed, again)
    after_signal = await _history_after_signal(handle, length)
    assert "EVENT_TYPE_MARKER_RECORDED" not in after_signal  # no clock recomputed, nothing recorded
    same = (await sim.http.get(url, headers=unit)).json()
    assert same["due_at"] == moved["due_at"] and same["tasks"] == moved["tasks"]
    assert [e["event"] for e in same["timeline"]] == [e["event"] for e in moved["timeline"]]

    # Cancelled without confirm_earlier: the recomputed date would be earlier, the later one told is kept.
    cancelled = await sim.http.delete(
        f"/v1/calendar/holidays/{day.isoformat()}", params={"body": "kab-sanggau"}, headers=admin
    )
    assert cancelled.status_code == 200, cancelled.text
    back = f"uk_deadline_moved_v{cancelled.json()['version']}"
    kept = await _until(sim, url, unit, lambda t: back in {e["event"] for e in t["timeline"]})
    [entry] = [e for e in kept["timeline"] if e["event"] == back]
    assert entry["data"]["kept"] == ["step"] and entry["data"]["step_due_at"] is None
    assert datetime.fromisoformat(entry["data"]["recomputed"]["step"]) == old_due
    assert "tidak dimajukan" in entry["label"] and "tidak lagi hari libur" in entry["label"]
    assert datetime.fromisoformat(kept["due_at"]) == new_due
    [task] = kept["tasks"]
    assert task["status"] == "open" and datetime.fromisoformat(task["due_at"]) == new_due
    assert await handle.query("calendar_version") == cancelled.json()["version"]


async def _history_after_signal(handle: WorkflowHandle[Any, Any], length: int) -> list[str]:
    """The event types after the first `length` events, once the workflow has handled the signal sent."""
    for _ in range(200):
        events = (await handle.fetch_history()).events[length:]
        names = [EventType.Name(e.event_type) for e in events]
        if "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED" in names:
            signalled = names.index("EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED")
            if "EVENT_TYPE_WORKFLOW_TASK_COMPLETED" in names[signalled:]:
                return names
        await asyncio.sleep(0.05)
    raise AssertionError(f"the signal was never handled: {names}")
