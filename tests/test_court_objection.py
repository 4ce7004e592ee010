"""The court objection against a Komisi Informasi adjudication decision (Pasal 47-48), through the API on the
time-skipping server with real activities, database and SMTP: recorded within T8 it stops finality; after T8
it is refused with the date; only the KI clerk of the dispute or the PPID of the respondent body records it;
bad input names the field; the final notice says what the product knows, not more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from temporalio.testing import WorkflowEnvironment

from db.models import Body
from db.session import make_engine
from domain import law
from domain.court import PENGADILAN_NEGERI, PTUN, court_kind, court_text_problem, refusal
from domain.dates_id import format_date
from tests.conftest import text_of
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, REQUESTER_EMAIL, Stack
from tests.timeskip_support import sleep_until
from workflows.registry import history_replayer

KI_KALBAR = "sengketa@ki-kalbar.example"
KI_TZ = ZoneInfo("Asia/Pontianak")  # KI Kalbar's time zone: T8 and the filing date are counted in it
REFUSAL = {"outcome": "rejected", "exemption": {
    "article": "17h", "consequence_test": "Membuka rekam medis pasien merugikan hak privasi (UK-3)."}}  # fmt: skip
OBJECTION = {"reasons": ["a"], "case_position": "Saya meminta anggaran, bukan rekam medis.",
             "purpose": "Penelitian anggaran kesehatan"}  # fmt: skip
DISPUTE = {"statement": "Atasan PPID menguatkan penolakan tanpa uji konsekuensi yang memadai.",
           "requested_outcome": "Memerintahkan pembukaan dokumen anggaran"}  # fmt: skip
DECISION_NUMBER = "045/PTS/KI-KB/2027"
PTUN_PONTIANAK = "Pengadilan Tata Usaha Negara Pontianak"
CASE_NUMBER = "12/G/KI/2027/PTUN.PTK"


@dataclass
class Chain:
    request_id: str
    dispute_url: str
    dispute_id: str
    requester: dict[str, str]
    clerk: dict[str, str]
    ppid: dict[str, str]


async def _today(sim: Stack) -> date:
    now = datetime.fromisoformat((await sim.http.get("/v1/dev/clock")).json()["now"])
    return now.astimezone(KI_TZ).date()


def _text(message: EmailMessage) -> str:
    return text_of(message).replace("\r\n", "\n")


def _day(iso: str) -> str:
    return format_date(datetime.fromisoformat(iso).date())


async def _registered_dispute(sim: Stack) -> Chain:
    """Refusal → objection → Atasan upholds → dispute → KI registers."""
    created = await sim.submit()
    ppid = await sim.login(PPID_SANGGAU)
    refused = await sim.http.post(f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=ppid)
    assert refused.status_code == 200, refused.text
    requester = {"X-Tracking-Code": created["tracking_code"]}
    objection = await sim.http.post(
        f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester
    )
    assert objection.status_code == 201, objection.text
    url = f"/v1/objections/{objection.json()['id']}"
    answer = {"outcome": "upheld", "reasons": "Dokumen memuat data pasien (Pasal 17 huruf h)."}
    answered = await sim.http.post(f"{url}/response", json=answer, headers=await sim.login(ATASAN_SANGGAU))
    assert answered.status_code == 200, answered.text
    dispute = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=requester)
    assert dispute.status_code == 201, dispute.text
    clerk = await sim.login(KI_KALBAR)
    durl = f"/v1/disputes/{dispute.json()['id']}"
    registered = await sim.http.post(
        f"{durl}/registration", json={"register_number": "012/REG/2027"}, headers=clerk
    )
    assert registered.status_code == 200, registered.text
    return Chain(created["id"], durl, dispute.json()["id"], requester, clerk, ppid)


async def _decide(sim: Stack, chain: Chain) -> dict[str, Any]:
    adjudication = await sim.http.post(
        f"{chain.dispute_url}/stage", json={"stage": "adjudication"}, headers=chain.clerk
    )
    assert adjudication.status_code == 200, adjudication.text
    decided = await sim.http.post(
        f"{chain.dispute_url}/outcome",
        json={"outcome": "adjudication_rejected", "decision_number": DECISION_NUMBER,
              "summary": "Penolakan badan publik dikuatkan."},
        headers=chain.clerk,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "decided" and decided.json()["final_at"]
    result: dict[str, Any] = decided.json()
    return result


async def _decided_dispute(sim: Stack) -> tuple[Chain, dict[str, Any]]:
    chain = await _registered_dispute(sim)
    return chain, await _decide(sim, chain)


def _filing(filed_on: date | str, **changes: Any) -> dict[str, Any]:
    return {"court": PTUN_PONTIANAK, "filed_on": str(filed_on), "case_number": CASE_NUMBER, **changes}


async def test_filing_within_t8_stops_finality(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    chain, decided = await _decided_dispute(sim)
    decided_on = await _today(sim)
    decision_mail = await sim.mail.wait_for(REQUESTER_EMAIL, "putusan Komisi Informasi")
    # The decision notice names the court with jurisdiction over a state body (Pasal 47 ayat (1)).
    assert "Pengadilan Tata Usaha Negara" in _text(decision_mail)
    assert _day(decided["final_at"]) in _text(decision_mail)
    await timeskip.sleep(timedelta(days=3))

    filed = await sim.http.post(
        f"{chain.dispute_url}/court-objection",
        json=_filing(decided_on + timedelta(days=1)),
        headers=chain.clerk,
    )
    assert filed.status_code == 200, filed.text
    view = filed.json()
    assert view["status"] == "court_objection" and view["final_at"] is None
    recorded = view["court_objection"]
    assert recorded["court"] == PTUN_PONTIANAK and recorded["case_number"] == CASE_NUMBER
    assert recorded["court_kind"] == PTUN and recorded["court_kind_label"] == "Pengadilan Tata Usaha Negara"
    assert recorded["filed_on"] == str(decided_on + timedelta(days=1)) and recorded["recorded_by"] == "komisi"

    # Every party and the KI are told, each greeted once, the way every other notice greets them.
    to_requester = _text(await sim.mail.wait_for(REQUESTER_EMAIL, "keberatan diajukan ke pengadilan"))
    assert to_requester.startswith("Yth. Siti Aminah,\n") and "Kepada" not in to_requester
    assert "\nKeberatan diajukan ke pengadilan\n" in to_requester  # the title line starts with a capital
    assert PTUN_PONTIANAK in to_requester and CASE_NUMBER in to_requester and DECISION_NUMBER in to_requester
    assert format_date(decided_on + timedelta(days=1)) in to_requester
    assert "belum berkekuatan hukum tetap" in to_requester
    to_unit = _text(await sim.mail.wait_for(PPID_DINKES, "keberatan diajukan ke pengadilan"))
    assert to_unit.startswith("Kepada PPID Pemerintah Kabupaten Sanggau — Dinas Kesehatan,\n")
    assert "Yth." not in to_unit
    await sim.mail.wait_for(ATASAN_SANGGAU, "keberatan diajukan ke pengadilan")
    to_ki = _text(await sim.mail.wait_for(KI_KALBAR, "keberatan diajukan ke pengadilan"))
    assert to_ki.startswith("Kepada Komisi Informasi Provinsi Kalimantan Barat,\n")
    registration = _text(await sim.mail.wait_for(REQUESTER_EMAIL, "registrasi nomor 012/REG/2027"))
    assert (
        registration.startswith("Yth. Siti Aminah,\n") and "\nRegistrasi nomor 012/REG/2027\n" in registration
    )

    # The requester sees the filing; the case's timeline records it in words.
    seen = (await sim.http.get(chain.dispute_url, headers=chain.requester)).json()
    assert seen["status"] == "court_objection" and seen["court_objection"]["case_number"] == CASE_NUMBER
    timeline = (await sim.case(chain.request_id, chain.requester))["timeline"]
    [entry] = [e for e in timeline if e["event"] == "dispute_court_objection"]
    assert CASE_NUMBER in entry["label"] and "Pasal 47 ayat (1)" in entry["label"]

    # Past T8 nothing becomes final: no "final" event, no finality notice, the status stays.
    await sleep_until(timeskip, decided["final_at"], extra=timedelta(days=5))
    handle = timeskip.client.get_workflow_handle(f"sengketa-{chain.dispute_id}")
    assert await handle.result() == "court_objection"
    after = (await sim.http.get(chain.dispute_url, headers=chain.clerk)).json()
    assert after["status"] == "court_objection"
    events = [e["event"] for e in (await sim.case(chain.request_id, chain.ppid))["timeline"]]
    assert "dispute_court_objection" in events and "dispute_final" not in events
    assert not [m for m in sim.mail.messages if "berkekuatan hukum tetap" in str(m["Subject"])]

    again = await sim.http.post(
        f"{chain.dispute_url}/court-objection", json=_filing(decided_on), headers=chain.ppid
    )
    assert again.status_code == 409 and "sudah dicatat" in again.json()["detail"]
    assert CASE_NUMBER in again.json()["detail"]
    # The new path replays on the current code.
    replayer = history_replayer()
    await replayer.replay_workflow(await handle.fetch_history())


async def test_filing_after_t8_is_refused_with_the_date_and_the_final_notice_says_what_is_known(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    chain, decided = await _decided_dispute(sim)
    decided_on = await _today(sim)
    await sleep_until(timeskip, decided["final_at"])

    notice = await sim.mail.wait_for(REQUESTER_EMAIL, "berkekuatan hukum tetap")
    assert "tidak tercatat keberatan ke pengadilan" in str(notice["Subject"])
    text = _text(notice)
    assert text.startswith("Yth. Siti Aminah,\n")
    assert f"Sampai {_day(decided['final_at'])}" in text and "tidak tercatat keberatan ke pengadilan" in text
    assert "Menurut catatan sistem, putusan Komisi Informasi berkekuatan hukum tetap." in text
    assert DECISION_NUMBER in text and "Tidak ada keberatan" not in text
    timeline = (await sim.case(chain.request_id, chain.requester))["timeline"]
    [final] = [e for e in timeline if e["event"] == "dispute_final"]
    assert final["label"].startswith(
        f"Tidak tercatat keberatan ke pengadilan dalam {law.T8.days_text()} sejak putusan diterima "
        f"({law.T8.article})"
    )
    assert "menurut catatan sistem, putusan berkekuatan hukum tetap" in final["label"]
    assert (await sim.http.get(chain.dispute_url, headers=chain.clerk)).json()["status"] == "final"

    late = await sim.http.post(
        f"{chain.dispute_url}/court-objection", json=_filing(decided_on), headers=chain.clerk
    )
    assert late.status_code == 409, late.text
    assert _day(decided["final_at"]) in late.json()["detail"] and law.T8.article in late.json()["detail"]
    assert (await sim.http.get(chain.dispute_url, headers=chain.clerk)).json()["status"] == "final"


async def test_only_the_ki_clerk_and_the_respondents_ppid_may_record(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    chain, _ = await _decided_dispute(sim)
    today = await _today(sim)
    url = f"{chain.dispute_url}/court-objection"
    for outsider in (
        ATASAN_SANGGAU, "sengketa@ki-kaltim.example", "ppid@kutaitimur.example", "ppid.disdikbud@sanggau.example",
        "admin@ppid.example",
    ):  # fmt: skip
        refused = await sim.http.post(url, json=_filing(today), headers=await sim.login(outsider))
        assert refused.status_code == 403, (outsider, refused.text)
    assert (await sim.http.post(url, json=_filing(today), headers=chain.requester)).status_code == 401
    assert (await sim.http.get(chain.dispute_url, headers=chain.clerk)).json()["status"] == "decided"

    by_ppid = await sim.http.post(url, json=_filing(today), headers=chain.ppid)
    assert by_ppid.status_code == 200, by_ppid.text
    assert by_ppid.json()["court_objection"]["recorded_by"] == "ppid"
    assert by_ppid.json()["case_file"]["requester"]["nik"] == "6103**********03"  # the PPID's view
    to_ki = _text(await sim.mail.wait_for(KI_KALBAR, "keberatan diajukan ke pengadilan"))
    assert "Dicatat oleh PPID badan publik" in to_ki


async def test_bad_input_is_422_naming_the_field_and_an_undecided_dispute_is_409(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    chain = await _registered_dispute(sim)
    url = f"{chain.dispute_url}/court-objection"
    early = await sim.http.post(url, json=_filing(await _today(sim)), headers=chain.clerk)
    assert early.status_code == 409 and "belum diputus" in early.json()["detail"]  # the workflow's validator

    await timeskip.sleep(timedelta(days=2))
    await _decide(sim, chain)
    today = await _today(sim)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"court": PTUN_PONTIANAK, "filed_on": str(today)}, "case_number", ""),
        (_filing("kemarin"), "filed_on", ""),
        (_filing(today + timedelta(days=1)), "filed_on", "belum tiba"),
        (_filing(today - timedelta(days=1)), "filed_on", "sebelum putusan"),
        (_filing(today, court="PN Sanggau"), "court", "Pengadilan Tata Usaha Negara"),
        (_filing(today, case_number="  "), "case_number", ""),
        (_filing(today, judge="X"), "judge", ""),
    ]
    for body, field, words in cases:
        response = await sim.http.post(url, json=body, headers=chain.clerk)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text and words in response.text, (body, response.text)
    assert (await sim.http.get(chain.dispute_url, headers=chain.clerk)).json()["status"] == "decided"

    # A body that is not a state body goes to the Pengadilan Negeri (Pasal 47 ayat (2)).
    engine = make_engine(sim.settings.effective_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(update(Body).where(Body.slug == "kab-sanggau").values(state_body=False))
    finally:
        await engine.dispose()
    wrong = await sim.http.post(url, json=_filing(today, court="PTUN Pontianak"), headers=chain.clerk)
    assert wrong.status_code == 422 and "court" in wrong.text and "Pengadilan Negeri" in wrong.text
    filed = await sim.http.post(
        url, json=_filing(today, court="Pengadilan Negeri Sanggau"), headers=chain.clerk
    )
    assert filed.status_code == 200, filed.text
    assert filed.json()["court_objection"]["court_kind"] == PENGADILAN_NEGERI
    mail = _text(await sim.mail.wait_for(REQUESTER_EMAIL, "keberatan diajukan ke pengadilan"))
    assert "Pengadilan Negeri Sanggau" in mail and "Pasal 47 ayat (2)" in mail


@pytest.mark.parametrize(
    ("court", "state_body", "refused"),
    [
        ("Pengadilan Tata Usaha Negara Pontianak", True, False),
        ("PTUN Pontianak", True, False),
        ("Pengadilan Negeri Sanggau", True, True),
        ("PN. Sanggau", True, True),
        ("Pengadilan Negeri Sanggau", False, False),
        ("PTUN Pontianak", False, True),
        ("Pengadilan Tata Usaha Negara Medan", False, True),
    ],
)
def test_the_court_follows_the_body(court: str, state_body: bool, refused: bool) -> None:
    kind = court_kind(state_body)
    assert kind == (PTUN if state_body else PENGADILAN_NEGERI)
    assert (court_text_problem(court, kind) is not None) is refused


def test_refusals_name_the_reason_and_the_date() -> None:
    filing: dict[str, object] = {
        "court": PTUN_PONTIANAK,
        "filed_on": "2027-01-04",
        "case_number": CASE_NUMBER,
    }
    common: dict[str, Any] = {"final_due_text": "20 Januari 2027 pukul 23.59 WIB", "filing": None}
    assert refusal("decided", adjudicated=True, t8_over=False, **common) is None
    over = refusal("decided", adjudicated=True, t8_over=True, **common)
    assert over is not None and "20 Januari 2027" in over and law.T8.article in over
    assert law.T8.days_text() in over
    assert "20 Januari 2027" in str(refusal("final", adjudicated=True, t8_over=True, **common))
    assert "belum diputus" in str(refusal("adjudication", adjudicated=False, t8_over=False, **common))
    assert "tidak diakhiri dengan putusan ajudikasi" in str(
        refusal("final", adjudicated=False, t8_over=False, **common)
    )
    done = refusal("court_objection", adjudicated=True, t8_over=False, final_due_text=None, filing=filing)
    assert done is not None and CASE_NUMBER in done and "4 Januari 2027" in done
