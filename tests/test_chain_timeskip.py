"""The whole chain through the API on the time-skipping server with real activities, database and SMTP:
request → objection → Atasan answer → dispute → KI registration → outcome → final; the silent Atasan;
the late objection; acceptance; the T5 lapse; authorization across bodies and Komisi Informasi."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from temporalio.testing import WorkflowEnvironment

from domain import law
from domain.dates_id import format_date
from tests.conftest import text_of
from tests.history_support import RECORDED_VERSION, replay_and_record
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, REQUESTER_EMAIL, Stack
from tests.timeskip_support import sleep_until, wait_status

KI_KALBAR = "sengketa@ki-kalbar.example"
HEAD_SANGGAU = "bupati@sanggau.example"
# The workflow code version a recording is named after (v4: one recording activity per request event; v5: a KI
# order is complied with, through the dispute workflow, before the dispute ends).
REFUSAL = {
    "outcome": "rejected",
    "exemption": {
        "article": "17h",
        "consequence_test": "Membuka rekam medis pasien merugikan hak privasi (UK-3).",
    },
}
OBJECTION = {
    "reasons": ["a"],
    "case_position": "Saya meminta anggaran, bukan rekam medis; penolakan tidak tepat.",
    "purpose": "Penelitian anggaran kesehatan",
}
DISPUTE = {"statement": "Atasan PPID menguatkan penolakan tanpa uji konsekuensi yang memadai.",
           "requested_outcome": "Memerintahkan pembukaan dokumen anggaran"}  # fmt: skip


def _day(iso: str) -> str:
    return format_date(datetime.fromisoformat(iso).date())


async def _deadline(sim: Stack, start: str, days: int, body: str = "kab-sanggau") -> str:
    params: dict[str, Any] = {"body": body, "start": start, "working_days": days}
    due: str = (await sim.http.get("/v1/calendar/deadline", params=params)).json()["due_at"]
    return due


async def _refused_request(sim: Stack) -> tuple[dict[str, Any], dict[str, str]]:
    created = await sim.submit()
    ppid = await sim.login(PPID_SANGGAU)
    refused = await sim.http.post(f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=ppid)
    assert refused.status_code == 200, refused.text
    return created, {"X-Tracking-Code": created["tracking_code"]}


async def test_refusal_objection_answer_dispute_registration_outcome_final(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created, requester = await _refused_request(sim)
    await timeskip.sleep(timedelta(days=3))

    objection = await sim.http.post(
        f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester
    )
    assert objection.status_code == 201, objection.text
    filed = objection.json()
    assert filed["registration_number"].startswith("0001/KEB/SGU/")
    assert filed["status"] == "registered"
    now = (await sim.http.get("/v1/dev/clock")).json()["now"]
    assert filed["due_at"] == await _deadline(sim, now, law.T4.working_days)
    receipt = await sim.mail.wait_for(REQUESTER_EMAIL, "Tanda terima keberatan")
    assert filed["registration_number"] in str(receipt["Subject"])
    assert _day(filed["due_at"]) in text_of(receipt) and law.T4.article in text_of(receipt)
    await sim.mail.wait_for(ATASAN_SANGGAU, "Keberatan baru")
    again = await sim.http.post(f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester)
    assert again.status_code == 409 and "masih berjalan" in again.json()["detail"]

    url = f"/v1/objections/{filed['id']}"
    early = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=requester)
    assert early.status_code == 409 and _day(filed["due_at"]) in early.json()["detail"]

    atasan = await sim.login(ATASAN_SANGGAU)
    ppid = await sim.login(PPID_SANGGAU)
    assert [t["kind"] for t in (await sim.http.get("/v1/tasks", headers=atasan)).json()] == [
        "answer_objection"
    ]
    bare = await sim.http.post(f"{url}/response", json={"outcome": "upheld"}, headers=atasan)
    assert bare.status_code == 422 and "reasons" in bare.text
    assert (
        await sim.http.post(f"{url}/response", json={"outcome": "granted"}, headers=ppid)
    ).status_code == 403
    await timeskip.sleep(timedelta(days=5))
    answered = await sim.http.post(
        f"{url}/response",
        json={
            "outcome": "upheld",
            "reasons": "Dokumen memuat data pasien yang dikecualikan Pasal 17 huruf h.",
        },
        headers=atasan,
    )
    assert answered.status_code == 200, answered.text
    t5 = answered.json()["dispute_deadline"]
    assert t5 == await _deadline(sim, (await sim.http.get("/v1/dev/clock")).json()["now"], 14)
    answer_mail = await sim.mail.wait_for(REQUESTER_EMAIL, "Tanggapan Atasan PPID")
    assert _day(t5) in text_of(answer_mail) and "Pasal 37 ayat (2)" in text_of(answer_mail)
    await sim.mail.wait_for(PPID_DINKES, "Tanggapan Atasan PPID")

    other_ki = await sim.login("sengketa@ki-sumut.example")
    dispute = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=ppid)
    assert dispute.status_code == 403  # the requester goes to the KI, not the PPID
    dispute = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=requester)
    assert dispute.status_code == 201, dispute.text
    assert dispute.json()["komisi_informasi"] == "ki-kalbar" and dispute.json()["status"] == "submitted"
    dispute_id = dispute.json()["id"]
    second = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=requester)
    assert second.status_code == 409

    # The KI receives the complete case file, as JSON and as a readable document.
    to_ki = await sim.mail.wait_for(KI_KALBAR, "Permohonan penyelesaian sengketa")
    files = {part.get_filename(): part for part in to_ki.iter_attachments()}
    assert {n.rsplit(".", 1)[1] for n in files} == {"json", "html"}
    case_file = json.loads(_payload(next(p for n, p in files.items() if n.endswith(".json"))))
    assert case_file["requester"]["nik"] == "6103014501900003"  # the KI sees the NIK
    assert case_file["request"]["decision"]["exemption"]["article"] == "17h"
    assert case_file["objection"]["registration_number"] == filed["registration_number"]
    assert case_file["answer"]["outcome"] == "upheld"
    assert any(
        n["event"] == "registered" and n["recipient_role"] == "requester" for n in case_file["notices"]
    )
    assert {d["name"].split(" ")[0] for d in case_file["deadlines"]} >= {"T1/T2", "T4"}
    assert all("calendar_version" in d and "explanation" in d for d in case_file["deadlines"])
    html = _payload(next(p for n, p in files.items() if n.endswith(".html")))
    assert "Berkas Perkara" in html and filed["registration_number"] in html
    await sim.mail.wait_for(REQUESTER_EMAIL, "Tanda terima pengajuan sengketa")
    await sim.mail.wait_for(ATASAN_SANGGAU, "Sengketa informasi diajukan")

    clerk = await sim.login(KI_KALBAR)
    assert [d["id"] for d in (await sim.http.get("/v1/disputes", headers=clerk)).json()] == [dispute_id]
    assert (await sim.http.get("/v1/disputes", headers=other_ki)).json() == []
    assert (await sim.http.get(f"/v1/disputes/{dispute_id}", headers=other_ki)).status_code == 403
    seen_by_ppid = (await sim.http.get(f"/v1/disputes/{dispute_id}", headers=ppid)).json()
    assert seen_by_ppid["case_file"]["requester"]["nik"] == "6103**********03"
    seen_by_requester = await sim.http.get(f"/v1/disputes/{dispute_id}", headers=requester)
    assert seen_by_requester.json()["case_file"]["requester"]["nik"] == "6103**********03"
    # One requester view rule for every object: no internal events, no acting staff, only their notices.
    theirs, staffs = seen_by_requester.json()["case_file"], seen_by_ppid["case_file"]
    assert any(e.get("actor") for e in staffs["timeline"]) and len(staffs["notices"]) > len(theirs["notices"])
    assert '"actor"' not in json.dumps(theirs) and '"internal"' not in json.dumps(theirs)
    assert theirs["notices"] and {n["recipient_role"] for n in theirs["notices"]} == {"requester"}
    assert all("recipient" not in n for n in theirs["notices"])
    assert {e["event"] for e in theirs["timeline"]} <= {e["event"] for e in staffs["timeline"]}
    assert (await sim.http.get(f"/v1/disputes/{dispute_id}")).status_code == 401
    other_body = await sim.login("ppid@kutaitimur.example")
    assert (await sim.http.get(f"/v1/disputes/{dispute_id}", headers=other_body)).status_code == 403

    durl = f"/v1/disputes/{dispute_id}"
    assert (
        await sim.http.post(f"{durl}/registration", json={"register_number": "x"}, headers=clerk)
    ).status_code == 422
    forbidden = await sim.http.post(
        f"{durl}/registration", json={"register_number": "012/KI-KB/2026"}, headers=other_ki
    )
    assert forbidden.status_code == 403
    registered = await sim.http.post(
        f"{durl}/registration", json={"register_number": "012/REG-PSI/XII/2026"}, headers=clerk
    )
    assert registered.status_code == 200, registered.text
    now = (await sim.http.get("/v1/dev/clock")).json()["now"]
    # T6 and T7 run on the KI's calendar and time zone (KI Kalbar: Asia/Pontianak).
    assert registered.json()["start_due_at"] == await _deadline(sim, now, law.T6.working_days)
    assert registered.json()["settle_due_at"] == await _deadline(sim, now, law.T7.working_days)
    again = await sim.http.post(f"{durl}/registration", json={"register_number": "013/REG"}, headers=clerk)
    assert again.status_code == 409
    update = await sim.mail.wait_for(REQUESTER_EMAIL, "registrasi nomor 012/REG-PSI/XII/2026")
    assert _day(registered.json()["start_due_at"]) in text_of(update)

    mediation = await sim.http.post(f"{durl}/stage", json={"stage": "mediation"}, headers=clerk)
    assert mediation.status_code == 409 and "Pasal 40" in mediation.json()["detail"]  # reason a only
    adjudication = await sim.http.post(f"{durl}/stage", json={"stage": "adjudication"}, headers=clerk)
    assert adjudication.status_code == 200 and adjudication.json()["status"] == "adjudication"

    ordered = (date.fromisoformat(now[:10]) + timedelta(days=40)).isoformat()
    decided = await sim.http.post(
        f"{durl}/outcome",
        json={"outcome": "adjudication_granted", "decision_number": "045/PTS/KI-KB/2027",
              "summary": "Dokumen anggaran dibuka; data pasien dihitamkan.", "disclosure_due": ordered},
        headers=clerk,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "decided"
    final_due = decided.json()["final_at"]
    outcome_mail = await sim.mail.wait_for(REQUESTER_EMAIL, "putusan Komisi Informasi")
    assert "045/PTS/KI-KB/2027" in text_of(outcome_mail) and _day(final_due) in text_of(outcome_mail)
    comply = [
        t
        for t in (await sim.http.get("/v1/tasks", headers=ppid)).json()
        if t["kind"] == "comply_with_ki_decision"
    ]
    assert len(comply) == 1 and comply[0]["due_at"].startswith(ordered)

    clocks = {d["clock"]: d for d in (await sim.case(created["id"], requester))["deadlines"]}
    assert set(clocks) == {"T1", "T3", "T4", "T5", "T6", "T7", "T8"}
    assert clocks["T4"]["due_at"] == filed["due_at"] and clocks["T5"]["due_at"] == t5
    assert clocks["T6"]["timezone"] == "Asia/Pontianak" and clocks["T7"]["working_days"] == 100
    assert all(c["explanation"] and "calendar_version" in c for c in clocks.values())
    await sleep_until(timeskip, final_due)
    await sim.mail.wait_for(REQUESTER_EMAIL, "berkekuatan hukum tetap")
    assert (await sim.http.get(durl, headers=clerk)).json()["status"] == "final"
    assert (await sim.case(created["id"], requester))["status"] == "disputed"  # it follows its objection

    # The PPID records the delivery the KI ordered; only then is the dispute finished.
    today = (await sim.http.get("/v1/dev/clock")).json()["now"][:10]
    complied = await sim.http.post(
        f"/v1/tasks/{comply[0]['id']}/delivery",
        json={"delivered_on": today, "method": "email", "note": "Dokumen anggaran, data pasien dihitamkan."},
        headers=ppid,
    )
    assert complied.status_code == 200, complied.text
    assert complied.json()["status"] == "done" and complied.json()["delivery"]["method"] == "email"
    await sim.mail.wait_for(KI_KALBAR, "Informasi diserahkan")

    # Every workflow of the chain replays on the current code.
    await timeskip.sleep(timedelta(days=200))  # past T3 and the grace for late objections: the chain ends
    for kind, workflow_id in (
        ("dispute", f"sengketa-{dispute_id}"), ("objection", f"keberatan-{filed['id']}"),
        ("request", f"permohonan-{created['id']}"),
    ):  # fmt: skip
        handle = timeskip.client.get_workflow_handle(workflow_id)
        await handle.result()
        history = await handle.fetch_history()
        await replay_and_record(history, f"{kind}_{RECORDED_VERSION}_chain")


def _payload(part: EmailMessage) -> str:
    content = part.get_content()
    return content.decode() if isinstance(content, bytes) else str(content)


async def test_silent_atasan_is_escalated_and_the_dispute_is_still_possible(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    requester = {"X-Tracking-Code": created["tracking_code"]}
    early = await sim.http.post(
        f"/v1/requests/{created['id']}/objections", json={**OBJECTION, "reasons": ["c"]}, headers=requester
    )
    assert early.status_code == 409 and _day(created["due_at"]) in early.json()["detail"]
    await sleep_until(timeskip, created["due_at"])  # the PPID ignored it
    await sim.mail.wait_for(REQUESTER_EMAIL, "tidak ditanggapi")
    filed = await sim.http.post(
        f"/v1/requests/{created['id']}/objections",
        json={**OBJECTION, "reasons": ["c", "g"]},
        headers=requester,
    )
    assert filed.status_code == 201, filed.text
    t4 = filed.json()["due_at"]
    await sleep_until(timeskip, t4)

    notice = await sim.mail.wait_for(REQUESTER_EMAIL, "Keberatan Anda tidak ditanggapi")
    objection = (await sim.http.get(f"/v1/objections/{filed.json()['id']}", headers=requester)).json()
    assert objection["status"] == "overdue"
    assert objection["dispute_deadline"] == await _deadline(sim, t4, 14)
    assert _day(objection["dispute_deadline"]) in text_of(notice)
    await sim.mail.wait_for(HEAD_SANGGAU, "Eskalasi: keberatan")
    await sim.mail.wait_for(ATASAN_SANGGAU, "Eskalasi: keberatan")
    reminders = [str(m["Subject"]) for m in sim.mail.to(ATASAN_SANGGAU) if "Pengingat" in str(m["Subject"])]
    assert sorted(r.split("tinggal ")[1] for r in reminders) == [
        "1 hari kerja",
        "10 hari kerja",
        "5 hari kerja",
    ]

    dispute = await sim.http.post(
        f"/v1/objections/{filed.json()['id']}/dispute", json=DISPUTE, headers=requester
    )
    assert dispute.status_code == 201, dispute.text
    to_ki = await sim.mail.wait_for(KI_KALBAR, "Permohonan penyelesaian sengketa")
    case_file = json.loads(
        _payload(next(p for p in to_ki.iter_attachments() if p.get_filename().endswith(".json")))
    )
    assert case_file["answer"] is None
    assert _day(t4) in case_file["answer_absent"]["statement"]
    assert case_file["request"]["decision"] is None

    # The KI registers but does not start within 14 working days: the KI and the parties are alerted.
    clerk = await sim.login(KI_KALBAR)
    durl = f"/v1/disputes/{dispute.json()['id']}"
    registered = await sim.http.post(
        f"{durl}/registration", json={"register_number": "020/REG/2027"}, headers=clerk
    )
    await sleep_until(timeskip, registered.json()["start_due_at"])
    alert = await sim.mail.wait_for(KI_KALBAR, "belum dimulai dalam 14 hari kerja")
    assert "Pasal 38 ayat (1)" in text_of(alert)
    await sim.mail.wait_for(REQUESTER_EMAIL, "belum dimulai dalam 14 hari kerja")
    mediation = await sim.http.post(f"{durl}/stage", json={"stage": "mediation"}, headers=clerk)
    assert mediation.status_code == 200  # reasons c and g may be mediated (Pasal 40)
    agreed = await sim.http.post(
        f"{durl}/outcome",
        json={"outcome": "mediation_agreement", "summary": "Dokumen diserahkan."},
        headers=clerk,
    )
    assert agreed.status_code == 200 and agreed.json()["status"] == "final"


async def test_late_objection_is_refused_with_the_date_and_admitted_by_staff_with_a_reason(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created, requester = await _refused_request(sim)
    ppid = await sim.login(PPID_SANGGAU)
    case = await sim.case(created["id"], ppid)
    await sleep_until(timeskip, case["objection_deadline"])
    await wait_status(sim, created["id"], ppid, "closed")

    late = await sim.http.post(f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester)
    assert late.status_code == 409
    assert _day(case["objection_deadline"]) in late.json()["detail"]
    override = {
        **OBJECTION,
        "late_override_reason": "Pemohon dirawat di rumah sakit; surat keterangan terlampir.",
    }
    by_requester = await sim.http.post(
        f"/v1/requests/{created['id']}/objections", json=override, headers=requester
    )
    assert by_requester.status_code == 403
    admitted = await sim.http.post(f"/v1/requests/{created['id']}/objections", json=override, headers=ppid)
    assert admitted.status_code == 201, admitted.text
    mail = await sim.mail.wait_for(ATASAN_SANGGAU, "Keberatan baru")
    assert "dirawat di rumah sakit" in text_of(mail)


async def test_granting_answer_creates_delivery_task_and_acceptance_closes(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created, requester = await _refused_request(sim)
    filed = (
        await sim.http.post(f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester)
    ).json()
    url = f"/v1/objections/{filed['id']}"
    assert (await sim.http.post(f"{url}/acceptance", json={}, headers=requester)).status_code == 409
    atasan = await sim.login(ATASAN_SANGGAU)
    answered = await sim.http.post(
        f"{url}/response", json={"outcome": "granted", "order": "PPID memberikan salinan dalam 5 hari kerja."},
        headers=atasan,
    )  # fmt: skip
    assert answered.status_code == 200
    unit = await sim.login(PPID_DINKES)
    tasks = (await sim.http.get("/v1/tasks", headers=unit)).json()
    assert [t["kind"] for t in tasks] == ["deliver_information"]
    ppid = await sim.login(PPID_SANGGAU)
    assert (await sim.http.post(f"{url}/acceptance", json={}, headers=ppid)).status_code == 403
    accepted = await sim.http.post(f"{url}/acceptance", json={}, headers=requester)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    late_dispute = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=requester)
    assert late_dispute.status_code == 409


async def test_dispute_window_lapses(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    created, requester = await _refused_request(sim)
    filed = (
        await sim.http.post(f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester)
    ).json()
    atasan = await sim.login(ATASAN_SANGGAU)
    url = f"/v1/objections/{filed['id']}"
    answered = await sim.http.post(
        f"{url}/response", json={"outcome": "upheld", "reasons": "Pengecualian Pasal 17 huruf h tetap berlaku."},
        headers=atasan,
    )  # fmt: skip
    t5 = answered.json()["dispute_deadline"]
    await sleep_until(timeskip, t5)
    for _ in range(100):
        if (await sim.http.get(url, headers=requester)).json()["status"] == "closed":
            break
        await timeskip.sleep(timedelta(seconds=1))
    assert (await sim.http.get(url, headers=requester)).json()["status"] == "closed"
    late = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=requester)
    assert late.status_code == 409
