"""What the citizen's mailbox receives (real SMTP, aiosmtpd): the written decision repeats how, by what
route and at what cost the information is given (Pasal 22(7)); under the simulated clock every email is
dated by the simulated clock, in real mode by the moment it is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.mail import build_message
from db.models import Notification
from tests.conftest import make_settings, text_of
from tests.requests_support import PPID_DINKES, PPID_SANGGAU, REQUESTER_EMAIL, Stack
from tests.timeskip_support import sleep_until

EXEMPTION = {"article": "17h", "consequence_test": "Membuka data pribadi pasien yang dilindungi"}


@pytest.mark.parametrize(
    ("form", "decision", "expected"),
    [
        (
            {"obtain_method": "copy", "copy_format": "hardcopy", "delivery_method": "post"},
            {"outcome": "granted", "fee_idr": 15000},
            ["Cara memperoleh informasi: mendapatkan salinan tercetak (hardcopy)",
             "Cara penyampaian: dikirim melalui pos", "Biaya penyalinan/pengiriman: Rp15.000"],
        ),
        (
            {"obtain_method": "copy", "copy_format": "softcopy", "delivery_method": "courier"},
            {"outcome": "granted", "fee_idr": 0},
            ["salinan elektronik (softcopy)", "dikirim melalui kurir", "Biaya: tanpa biaya"],
        ),
        (
            {"obtain_method": "view", "copy_format": None, "delivery_method": "pickup"},
            {"outcome": "partially_granted", "exemption": EXEMPTION, "redactions": "Nama pasien"},
            ["Cara memperoleh informasi: melihat, membaca, mendengarkan atau mencatat",
             "Cara penyampaian: diambil langsung di kantor PPID", "Biaya: tanpa biaya"],
        ),
        (
            {"obtain_method": "copy", "copy_format": "softcopy", "delivery_method": "email"},
            {"outcome": "granted", "fee_idr": 1250000},
            ["mendapatkan salinan elektronik (softcopy)", "dikirim melalui email", "Rp1.250.000"],
        ),
    ],
    ids=["hardcopy-post-fee", "softcopy-courier-free", "view-pickup-partial", "softcopy-email-fee"],
)  # fmt: skip
async def test_granting_decision_notice_states_form_delivery_and_fee(
    sim: Stack, form: dict[str, Any], decision: dict[str, Any], expected: list[str]
) -> None:
    created = await sim.submit(**form)
    unit = await sim.login(PPID_DINKES)
    decided = await sim.http.post(f"/v1/requests/{created['id']}/decision", json=decision, headers=unit)
    assert decided.status_code == 200, decided.text
    letter = text_of(await sim.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis"))
    for words in expected:
        assert words in letter, letter
    assert "Pasal 22 ayat (7) huruf g" in letter


async def test_refusal_notice_offers_no_delivery_and_no_fee(sim: Stack) -> None:
    created = await sim.submit()
    unit = await sim.login(PPID_DINKES)
    decided = await sim.http.post(
        f"/v1/requests/{created['id']}/decision", json={"outcome": "rejected", "exemption": EXEMPTION},
        headers=unit,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    letter = text_of(await sim.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis"))
    assert "Pasal 17 huruf h" in letter
    assert "Cara penyampaian" not in letter and "Biaya" not in letter


def _date(message: Any) -> datetime:
    return parsedate_to_datetime(str(message["Date"]))


async def test_simulated_emails_are_dated_by_the_simulated_clock(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    receipt = await sim.mail.wait_for(REQUESTER_EMAIL, "Tanda terima")
    await sleep_until(timeskip, created["due_at"])  # T1 passes unanswered, two weeks ahead of the wall clock
    overdue = await sim.mail.wait_for(REQUESTER_EMAIL, "tidak ditanggapi")
    escalation = await sim.mail.wait_for(PPID_DINKES, "Eskalasi")

    ppid = await sim.login(PPID_SANGGAU)
    timeline = {
        e["event"]: datetime.fromisoformat(e["at"]) for e in (await sim.case(created["id"], ppid))["timeline"]
    }
    assert _date(receipt) == timeline["registered"].replace(microsecond=0)
    # Dated when the notice was due in simulated time (the expiry), not when the machine sent it.
    for message in (overdue, escalation):
        assert _date(message) == timeline["overdue"].replace(microsecond=0)
    assert _date(overdue) > datetime.fromisoformat(created["due_at"])
    assert _date(overdue) - datetime.now(UTC) > timedelta(days=7)


@pytest.mark.parametrize("clock", ["real", "simulated"])
def test_message_date_is_the_send_time_in_real_mode(clock: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "sqlite+aiosqlite:///unused", "127.0.0.1:7233", ppid_clock=clock)
    created = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)
    row = Notification(
        id=7, idempotency_key="k", case_id="c", event="registered", recipient="a@example.org",
        recipient_role="requester", subject="S", body_text="T", attachments=None, created_at=created,
    )  # fmt: skip
    date = _date(build_message(row, settings))
    if clock == "simulated":
        assert date == created
    else:
        assert abs(date - datetime.now(UTC)) < timedelta(minutes=1)
