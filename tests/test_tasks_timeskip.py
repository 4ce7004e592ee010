"""The task model on the time-skipping server, through the API with real activities, database and SMTP:
a grant (by the PPID, by the Atasan, by the Komisi Informasi) opens a task that only recording the delivery
ends, through the workflow that owns the case, which stays open until then; a request never decided stays
open and overdue after T3 and still takes the late decision; an adjudication outcome is refused while the
dispute is in mediation; the KI's notices are signed by the KI; the request's status follows its objection."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.conftest import text_of
from tests.history_support import RECORDED_VERSION, replay_and_record
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, REQUESTER_EMAIL, Stack
from tests.timeskip_support import sleep_until, wait_status
from workflows.registry import history_replayer

KI_KALBAR = "sengketa@ki-kalbar.example"
KI_NAME = "Komisi Informasi Provinsi Kalimantan Barat"
WIB = ZoneInfo("Asia/Jakarta")  # Kabupaten Sanggau's time zone (Asia/Pontianak is the same offset)
REFUSAL = {"outcome": "rejected", "exemption": {
    "article": "17h", "consequence_test": "Membuka rekam medis pasien merugikan hak privasi (UK-3)."}}  # fmt: skip
OBJECTION = {"reasons": ["d"], "case_position": "Yang saya minta anggaran, bukan rekam medis pasien.",
             "purpose": "Penelitian anggaran kesehatan"}  # fmt: skip
DISPUTE = {"statement": "Atasan PPID menguatkan penolakan tanpa uji konsekuensi yang memadai.",
           "requested_outcome": "Memerintahkan pembukaan dokumen anggaran"}  # fmt: skip


async def _today(sim: Stack) -> date:
    now = datetime.fromisoformat((await sim.http.get("/v1/dev/clock")).json()["now"])
    return now.astimezone(WIB).date()


async def _tasks(sim: Stack, headers: dict[str, str], kind: str | None = None) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = (await sim.http.get("/v1/tasks", headers=headers)).json()
    return [t for t in tasks if kind is None or t["kind"] == kind]


async def _wait_task(sim: Stack, headers: dict[str, str], kind: str, case_id: str) -> dict[str, Any]:
    """The case's open task of this kind, once the workflow's activity has written it."""
    for _ in range(200):
        found = [t for t in await _tasks(sim, headers, kind) if t["case_id"] == case_id]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no open {kind} task for {case_id}")


async def _deliver(sim: Stack, task_id: int, headers: dict[str, str], **fields: Any) -> Any:
    return await sim.http.post(f"/v1/tasks/{task_id}/delivery", json=fields, headers=headers)


def _signature(message: EmailMessage) -> str:
    """What follows the signature separator of a notice."""
    return text_of(message).replace("\r\n", "\n").split("\n--\n", 1)[1].strip()


async def _status(env: WorkflowEnvironment, workflow_id: str) -> WorkflowExecutionStatus | None:
    return (await env.client.get_workflow_handle(workflow_id).describe()).status


async def test_a_grant_opens_a_delivery_task_that_only_the_recorded_delivery_ends(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    unit = await sim.login(PPID_DINKES)
    granted = await sim.http.post(
        f"/v1/requests/{created['id']}/decision", json={"outcome": "granted", "fee_idr": 15000}, headers=unit
    )
    assert granted.status_code == 200, granted.text
    [task] = await _tasks(sim, unit, "deliver_information")  # docs/domain.md: a grant creates a delivery task
    assert task["object"] == "request" and task["object_id"] == created["id"]
    assert task["due_at"] == created["due_at"] and task["status"] == "open"
    opened_on = datetime.fromisoformat(task["opened_at"]).date()

    # Refusals: another role, another body, a date not yet come or before the task opened, an unknown method.
    atasan = await sim.login(ATASAN_SANGGAU)
    assert (
        await _deliver(sim, task["id"], atasan, delivered_on=str(opened_on), method="email")
    ).status_code == 403
    other_body = await sim.login("ppid@kutaitimur.example")
    refused = await _deliver(sim, task["id"], other_body, delivered_on=str(opened_on), method="email")
    assert refused.status_code == 403
    future = await _deliver(sim, task["id"], unit, delivered_on=str(await _today(sim) + timedelta(days=1)),
                            method="email")  # fmt: skip
    assert future.status_code == 422 and "belum tiba" in future.text
    early = await _deliver(
        sim, task["id"], unit, delivered_on=str(opened_on - timedelta(days=1)), method="pos"
    )
    assert early.status_code == 422 and "method" in early.text
    early = await _deliver(
        sim, task["id"], unit, delivered_on=str(opened_on - timedelta(days=1)), method="post"
    )
    assert early.status_code == 422 and "sebelum tugas ini dibuka" in early.text
    assert (await sim.http.post("/v1/tasks/999999/delivery", json={"delivered_on": str(opened_on),
                                "method": "email"}, headers=unit)).status_code == 404  # fmt: skip

    # A task that is not a delivery: 409 with the reason.
    other = await sim.submit()
    decide = await _wait_task(sim, unit, "decide_request", other["id"])
    not_delivery = await _deliver(
        sim, decide["id"], unit, delivered_on=str(await _today(sim)), method="email"
    )
    assert not_delivery.status_code == 409 and "bukan tugas penyerahan" in not_delivery.json()["detail"]

    # The objection window ends: the request closes, the delivery owed does not.
    case = await sim.case(created["id"], unit)
    await sleep_until(timeskip, case["objection_deadline"])
    await wait_status(sim, created["id"], unit, "closed")
    assert [t["id"] for t in await _tasks(sim, unit, "deliver_information")] == [task["id"]]

    on = await _today(sim)
    done = await _deliver(sim, task["id"], unit, delivered_on=str(on), method="pickup",
                          note="Salinan diambil di kantor Dinkes.", document_id="dok-42")  # fmt: skip
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "done" and body["closed_at"]
    assert body["delivery"] == {"delivered_on": str(on), "method": "pickup", "note": "Salinan diambil di kantor "
                                "Dinkes.", "document_id": "dok-42", "by": PPID_DINKES}  # fmt: skip
    assert await _tasks(sim, unit, "deliver_information") == []
    again = await _deliver(sim, task["id"], unit, delivered_on=str(on), method="pickup")
    assert again.status_code == 409 and "sudah selesai" in again.json()["detail"]
    timeline = (await sim.case(created["id"], {"X-Tracking-Code": created["tracking_code"]}))["timeline"]
    assert any(
        e["label"].startswith("Informasi diserahkan") and "diambil langsung" in e["label"] for e in timeline
    )
    mail = await sim.mail.wait_for(REQUESTER_EMAIL, "Informasi diserahkan")
    assert "diambil langsung oleh pemohon" in text_of(mail) and "Pasal 22 ayat (7)" in text_of(mail)
    assert "Salinan diambil di kantor Dinkes." in text_of(mail)

    # Delivered, the case ends after the grace for late objections, and its history replays.
    handle = timeskip.client.get_workflow_handle(f"permohonan-{created['id']}")
    await timeskip.sleep(timedelta(days=91))
    assert await handle.result() == "closed"
    history = await handle.fetch_history()
    await replay_and_record(history, f"request_{RECORDED_VERSION}_delivered")


async def test_the_delivery_owed_keeps_the_request_open_past_the_grace(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    unit = await sim.login(PPID_DINKES)
    decided = await sim.http.post(
        f"/v1/requests/{created['id']}/decision", json={"outcome": "granted"}, headers=unit
    )
    await sleep_until(timeskip, decided.json()["objection_deadline"])
    await timeskip.sleep(timedelta(days=120))  # past the 90 days kept for late objections
    workflow_id = f"permohonan-{created['id']}"
    assert await _status(timeskip, workflow_id) == WorkflowExecutionStatus.RUNNING
    [task] = await _tasks(sim, unit, "deliver_information")
    assert task["sla"] == "overdue"
    done = await _deliver(sim, task["id"], unit, delivered_on=str(await _today(sim)), method="on_site")
    assert done.status_code == 200, done.text
    assert await timeskip.client.get_workflow_handle(workflow_id).result() == "closed"


async def test_the_atasans_grant_is_delivered_after_acceptance_and_the_request_follows_the_objection(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    ppid = await sim.login(PPID_SANGGAU)
    assert (
        await sim.http.post(f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=ppid)
    ).is_success
    requester = {"X-Tracking-Code": created["tracking_code"]}
    filed = await sim.http.post(f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester)
    assert filed.status_code == 201, filed.text
    await wait_status(sim, created["id"], requester, "objected")  # written by the objection's first activity
    url = f"/v1/objections/{filed.json()['id']}"
    atasan = await sim.login(ATASAN_SANGGAU)
    answered = await sim.http.post(
        f"{url}/response", json={"outcome": "partially_granted", "order": "Berikan anggaran tanpa data pasien."},
        headers=atasan,
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    assert (await sim.case(created["id"], ppid))["status"] == "objection_answered"
    unit = await sim.login(PPID_DINKES)
    [task] = await _tasks(sim, unit, "deliver_information")
    assert task["object"] == "objection" and task["object_id"] == filed.json()["id"]

    accepted = await sim.http.post(f"{url}/acceptance", json={}, headers=requester)
    assert accepted.status_code == 200, accepted.text
    assert (await sim.case(created["id"], requester))["status"] == "accepted"
    assert [t["id"] for t in await _tasks(sim, unit, "deliver_information")] == [task["id"]]
    await timeskip.sleep(timedelta(days=60))  # T5 and T3 are long over: still owed, the objection still open
    assert await _status(timeskip, f"keberatan-{filed.json()['id']}") == WorkflowExecutionStatus.RUNNING
    assert [t["id"] for t in await _tasks(sim, unit, "deliver_information")] == [task["id"]]

    done = await _deliver(sim, task["id"], unit, delivered_on=str(await _today(sim)), method="courier")
    assert done.status_code == 200, done.text
    mail = await sim.mail.wait_for(REQUESTER_EMAIL, "Informasi diserahkan")
    assert "dikirim melalui kurir" in text_of(mail) and filed.json()["registration_number"] in text_of(mail)
    objection = (await sim.http.get(url, headers=requester)).json()
    assert any(e["label"].startswith("Informasi diserahkan") for e in objection["timeline"])
    handle = timeskip.client.get_workflow_handle(f"keberatan-{filed.json()['id']}")
    assert await handle.result() == "accepted"
    await history_replayer().replay_workflow(await handle.fetch_history())
    assert (await sim.case(created["id"], ppid))["status"] == "accepted"  # the request keeps following it


async def _registered_dispute(sim: Stack) -> tuple[dict[str, Any], str, dict[str, str]]:
    """Refusal → objection (reason d: mediation possible) → Atasan upholds → dispute → KI registers."""
    created = await sim.submit()
    ppid = await sim.login(PPID_SANGGAU)
    assert (
        await sim.http.post(f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=ppid)
    ).is_success
    requester = {"X-Tracking-Code": created["tracking_code"]}
    filed = (
        await sim.http.post(f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester)
    ).json()
    url = f"/v1/objections/{filed['id']}"
    answer = {"outcome": "upheld", "reasons": "Dokumen memuat data pasien (Pasal 17 huruf h)."}
    assert (
        await sim.http.post(f"{url}/response", json=answer, headers=await sim.login(ATASAN_SANGGAU))
    ).is_success
    dispute = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=requester)
    assert dispute.status_code == 201, dispute.text
    dispute_id = dispute.json()["id"]
    clerk = await sim.login(KI_KALBAR)
    register = await _wait_task(sim, clerk, "register_dispute", created["id"])
    assert register["object"] == "dispute" and register["object_id"] == dispute_id
    registered = await sim.http.post(f"/v1/disputes/{dispute_id}/registration",
                                     json={"register_number": "031/REG/2027"}, headers=clerk)  # fmt: skip
    assert registered.status_code == 200, registered.text
    return created, dispute_id, clerk


async def test_the_kis_notices_are_signed_by_the_ki(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    _, dispute_id, clerk = await _registered_dispute(sim)
    durl = f"/v1/disputes/{dispute_id}"
    # Registration, stage and outcome are the Komisi Informasi's notices, not the respondent body's.
    for recipient in (REQUESTER_EMAIL, ATASAN_SANGGAU, PPID_DINKES):
        signature = _signature(await sim.mail.wait_for(recipient, "registrasi nomor 031/REG/2027"))
        assert signature.startswith(KI_NAME) and "Pemerintah Kabupaten Sanggau" not in signature
        assert "Pejabat Pengelola Informasi" not in signature
    assert (await sim.http.post(f"{durl}/stage", json={"stage": "adjudication"}, headers=clerk)).is_success
    assert _signature(await sim.mail.wait_for(REQUESTER_EMAIL, "tahap ajudikasi dimulai")).startswith(KI_NAME)
    decided = await sim.http.post(f"{durl}/outcome", json={"outcome": "adjudication_rejected"}, headers=clerk)
    assert decided.status_code == 200, decided.text
    assert _signature(await sim.mail.wait_for(ATASAN_SANGGAU, "putusan Komisi Informasi")).startswith(KI_NAME)
    # The body's own notices keep the body's signature.
    receipt = _signature(await sim.mail.wait_for(REQUESTER_EMAIL, "Tanda terima"))
    assert receipt.startswith("Pemerintah Kabupaten Sanggau") and "PPID" in receipt


async def test_a_ki_order_is_complied_with_before_the_dispute_ends_and_mediation_takes_no_adjudication(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created, dispute_id, clerk = await _registered_dispute(sim)
    durl = f"/v1/disputes/{dispute_id}"
    assert (await sim.http.post(f"{durl}/stage", json={"stage": "mediation"}, headers=clerk)).is_success
    # In mediation the KI records an agreement or a withdrawal; an adjudication outcome needs the stage first.
    for outcome in ("adjudication_granted", "adjudication_rejected", "dismissed"):
        refused = await sim.http.post(f"{durl}/outcome", json={"outcome": outcome}, headers=clerk)
        assert refused.status_code == 409, refused.text
        assert "tahap mediasi" in refused.json()["detail"] and "ajudikasi" in refused.json()["detail"]
    ordered = str(await _today(sim) + timedelta(days=20))
    agreed = await sim.http.post(
        f"{durl}/outcome", json={"outcome": "mediation_agreement", "decision_number": "07/MED/KI-KB/2027",
                                 "summary": "Dokumen anggaran diserahkan.", "disclosure_due": ordered},
        headers=clerk,
    )  # fmt: skip
    assert agreed.status_code == 200 and agreed.json()["status"] == "final"

    unit = await sim.login(PPID_DINKES)
    [comply] = await _tasks(sim, unit, "comply_with_ki_decision")
    assert comply["object"] == "dispute" and comply["object_id"] == dispute_id
    await timeskip.sleep(timedelta(days=200))  # final, but not finished before the PPID complies
    assert await _status(timeskip, f"sengketa-{dispute_id}") == WorkflowExecutionStatus.RUNNING
    [still] = await _tasks(sim, unit, "comply_with_ki_decision")
    assert still["id"] == comply["id"] and still["sla"] == "overdue"

    done = await _deliver(sim, comply["id"], unit, delivered_on=str(await _today(sim)), method="email",
                          note="Dikirim ke alamat email pemohon.")  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["delivery"]["method"] == "email"
    to_ki = text_of(await sim.mail.wait_for(KI_KALBAR, "Informasi diserahkan"))
    assert "07/MED/KI-KB/2027" in to_ki and "dikirim melalui email" in to_ki
    await sim.mail.wait_for(REQUESTER_EMAIL, "Informasi diserahkan")
    seen = (await sim.http.get(durl, headers=clerk)).json()
    assert seen["status"] == "final"
    handle = timeskip.client.get_workflow_handle(f"sengketa-{dispute_id}")
    assert await handle.result() == "final"
    await history_replayer().replay_workflow(await handle.fetch_history())
    # The request followed its objection to the Komisi Informasi and stays so when the chain has ended.
    requester = {"X-Tracking-Code": created["tracking_code"]}
    assert (await sim.case(created["id"], requester))["status"] == "disputed"


async def test_a_request_never_decided_stays_open_and_overdue_after_t3_and_takes_the_late_decision(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    ppid = await sim.login(PPID_DINKES)
    atasan = await sim.login(ATASAN_SANGGAU)
    await sleep_until(timeskip, created["due_at"])
    await wait_status(sim, created["id"], ppid, "overdue")
    case = await sim.case(created["id"], ppid)
    await sleep_until(timeskip, case["objection_deadline"])
    await timeskip.sleep(timedelta(days=30))

    case = await sim.case(created["id"], ppid)
    assert case["status"] == "overdue"  # not closed: the PPID must still answer (Pasal 22(7))
    assert any(e["event"] == "objection_window_ended" for e in case["timeline"])
    assert all(e["event"] != "closed" for e in case["timeline"])
    [decide] = await _tasks(sim, ppid, "decide_request")
    assert decide["sla"] == "overdue" and decide["case_id"] == created["id"]
    [escalated] = await _tasks(sim, atasan, "escalated_request")
    assert escalated["sla"] == "overdue"
    assert await _status(timeskip, f"permohonan-{created['id']}") == WorkflowExecutionStatus.RUNNING

    late = await sim.http.post(f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=ppid)
    assert late.status_code == 200, late.text
    assert late.json()["status"] == "decided" and late.json()["decided_late"] is True
    now = (await sim.http.get("/v1/dev/clock")).json()["now"]
    assert late.json()["objection_deadline"] > now  # a new window to object to the decision itself
    assert await _tasks(sim, ppid, "decide_request") == [] and await _tasks(sim, atasan) == []
    requester = {"X-Tracking-Code": created["tracking_code"]}
    objection = await sim.http.post(
        f"/v1/requests/{created['id']}/objections",
        json={**OBJECTION, "reasons": ["a", "g"]},
        headers=requester,
    )
    assert objection.status_code == 201, objection.text
    await wait_status(sim, created["id"], requester, "objected")


async def test_a_court_objection_suspends_the_compliance_task_with_its_reason(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created, dispute_id, clerk = await _registered_dispute(sim)
    durl = f"/v1/disputes/{dispute_id}"
    # Adjudication outcomes need the adjudication stage (no mediation here).
    assert (await sim.http.post(f"{durl}/stage", json={"stage": "adjudication"}, headers=clerk)).is_success
    decided = await sim.http.post(
        f"{durl}/outcome", json={"outcome": "adjudication_granted", "decision_number": "045/PTS/KI-KB/2027",
                                 "disclosure_due": str(await _today(sim) + timedelta(days=30))},
        headers=clerk,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    unit = await sim.login(PPID_DINKES)
    [comply] = await _tasks(sim, unit, "comply_with_ki_decision")
    filing = {"court": "Pengadilan Tata Usaha Negara Pontianak", "filed_on": str(await _today(sim)),
              "case_number": "12/G/KI/2027/PTUN.PTK"}  # fmt: skip
    assert (await sim.http.post(f"{durl}/court-objection", json=filing, headers=clerk)).status_code == 200
    # Before the court the decision is not final (Pasal 47-48): the task ends, explicitly and with its reason.
    assert await _tasks(sim, unit, "comply_with_ki_decision") == []
    refused = await _deliver(sim, comply["id"], unit, delivered_on=str(await _today(sim)), method="email")
    assert refused.status_code == 409 and "diakhiri" in refused.json()["detail"]
    assert "menunggu putusan pengadilan" in refused.json()["detail"]
    timeline = (await sim.case(created["id"], unit))["timeline"]
    [suspended] = [e for e in timeline if e["event"] == "dispute_compliance_suspended"]
    assert "belum berkekuatan hukum tetap" in suspended["label"] and "Pasal 47-48" in suspended["label"]
    handle = timeskip.client.get_workflow_handle(f"sengketa-{dispute_id}")
    assert await handle.result() == "court_objection"
