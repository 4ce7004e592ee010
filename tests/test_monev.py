"""The KI's yearly monev (Perki 1/2022): the score, the bands and the ranking (pure), and a whole round through the
API on the time-skipping server with the real worker, SQLite and SMTP: the KI sets and opens the questionnaire,
one body submits with evidence, the other is reminded and then refused after the window with its date, the KI
scores and publishes the ranking (JSON and CSV, public from then on)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment

from db import monev as registers
from domain.dates_id import format_date
from domain.monev import (
    SEED,
    IndicatorScore,
    Prefill,
    Qualification,
    qualification,
    rank,
    round_score,
    total_score,
    weights_problem,
)
from tests.conftest import text_of
from tests.history_support import RECORDED_VERSION, replay_and_record
from tests.requests_support import Stack
from tests.timeskip_support import sleep_until

# --- the score, the bands, the ranking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, Qualification.INFORMATIF),
        (90.0, Qualification.INFORMATIF),
        (89.9, Qualification.MENUJU_INFORMATIF),
        (89.95, Qualification.MENUJU_INFORMATIF),  # between the written bands: 90 not reached
        (89.995, Qualification.INFORMATIF),  # the published score is 90.00
        (80, Qualification.MENUJU_INFORMATIF),
        (79.9, Qualification.CUKUP_INFORMATIF),
        (60, Qualification.CUKUP_INFORMATIF),
        (59.9, Qualification.KURANG_INFORMATIF),
        (40.0, Qualification.KURANG_INFORMATIF),
        (39.9, Qualification.TIDAK_INFORMATIF),
        (39.995, Qualification.KURANG_INFORMATIF),
        (0, Qualification.TIDAK_INFORMATIF),
    ],
)
def test_the_bands_are_read_from_the_score_rounded_to_two_decimals(score: float, band: Qualification) -> None:
    assert qualification(score) == band


def test_a_score_outside_0_100_has_no_band() -> None:
    with pytest.raises(ValueError):
        qualification(100.01)


def test_the_total_is_the_weighted_mean_of_the_indicators() -> None:
    scores = [
        IndicatorScore("JI", Decimal(40), (Decimal(100), Decimal(50))),  # 75
        IndicatorScore("DG", Decimal(20), (Decimal(90),)),  # 90
        IndicatorScore("SP", Decimal(40), (Decimal(60), None, Decimal(90))),  # unscored counts 0: 50
    ]
    assert total_score(scores) == Decimal("68.00")  # (40*75 + 20*90 + 40*50) / 100
    assert round_score(Decimal(2) / 3 * 100) == Decimal("66.67")


def test_weights_must_sum_to_100_and_the_refusal_says_the_sum() -> None:
    assert weights_problem([40, 20, 10, 10, 10, 10]) is None
    assert weights_problem([40, 20, 10, 10, 10]) == "jumlah bobot indikator harus 100, sekarang 90"
    assert "100,5" in str(weights_problem([50, 50.5]))
    assert weights_problem([]) is not None and weights_problem([110, -10]) is not None
    with pytest.raises(ValueError, match="sekarang 90"):
        total_score([IndicatorScore("JI", Decimal(90), (Decimal(100),))])


def test_equal_scores_share_a_rank_and_the_next_rank_skips() -> None:
    ranked = rank([("c", 85.5), ("a", 90), ("b", "85.50"), ("d", 10)])
    assert [(r.key, r.rank) for r in ranked] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]
    assert ranked[-1].qualification == Qualification.TIDAK_INFORMATIF


def test_the_seed_is_the_six_indicators_of_perki_1_2022_with_the_registers_prefill() -> None:
    assert [i.code for i in SEED] == ["SP", "KU", "JI", "KO", "IS", "DG"]
    assert sum(i.weight for i in SEED) == 100
    assert all(2 <= len(i.questions) <= 4 and all(q.evidence for q in i.questions) for i in SEED)
    assert {q.prefill for i in SEED for q in i.questions} - {None} == set(Prefill)


# --- a round through the API on the time-skipping server -----------------------------------------------------

KI = "sengketa@ki-kalteng.example"
OTHER_KI = "sengketa@ki-kalbar.example"
PROV = "ppid@kaltengprov.example"  # submits at once
PROV_UNIT = "ppid.dinkes@kaltengprov.example"
BARITO = "ppid@baritoutara.example"  # never submits
URL = "/v1/monev/ki-kalteng"


def _iso(day: date) -> str:
    return day.isoformat()


async def _today(sim: Stack) -> datetime:
    return datetime.fromisoformat((await sim.http.get("/v1/dev/clock")).json()["now"])


async def test_a_monev_round_from_questionnaire_to_published_ranking(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    now = await _today(sim)
    year = now.year
    today = now.date()
    schedule = {"opens_on": _iso(today), "closes_on": _iso(today + timedelta(days=21)),
                "verification_due": _iso(today + timedelta(days=35))}  # fmt: skip
    ki, other_ki = await sim.login(KI), await sim.login(OTHER_KI)
    prov, barito, unit = await sim.login(PROV), await sim.login(BARITO), await sim.login(PROV_UNIT)
    url = f"{URL}/{year}"

    assert (await sim.http.post(url, json=schedule, headers=prov)).status_code == 403
    assert (await sim.http.post(url, json=schedule, headers=other_ki)).status_code == 403
    backwards = schedule | {"closes_on": _iso(today - timedelta(days=1))}
    refused = await sim.http.post(url, json=backwards, headers=ki)
    assert refused.status_code == 422 and [e["loc"] for e in refused.json()["detail"]] == [
        ["body", "closes_on"]
    ]
    late_check = schedule | {"verification_due": schedule["closes_on"]}
    refused = await sim.http.post(url, json=late_check, headers=ki)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "verification_due"]]
    assert (
        await sim.http.post(f"{URL}/20x6", json=schedule, headers=ki)
    ).status_code == 422  # malformed year
    created = await sim.http.post(url, json=schedule, headers=ki)
    assert created.status_code == 201, created.text
    round_ = created.json()
    assert [(i["code"], i["weight"]) for i in round_["indicators"]] == [
        ("SP", 10), ("KU", 10), ("JI", 40), ("KO", 10), ("IS", 10), ("DG", 20)
    ]  # fmt: skip
    assert (await sim.http.post(url, json=schedule, headers=ki)).status_code == 409

    # The KI edits the weights: they must sum to 100, and the refusal says the sum.
    indicators = [
        {"code": i["code"], "name": i["name"], "weight": i["weight"],
         "questions": [{"text": q["text"], "evidence": q["evidence"], "prefill": q["prefill"]} for q in i["questions"]]}
        for i in round_["indicators"]
    ]  # fmt: skip
    indicators[2]["weight"] = 30  # JI 40 → 30: the sum is 90
    refused = await sim.http.put(f"{url}/questionnaire", json={"indicators": indicators}, headers=ki)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "indicators"]
    assert "sekarang 90" in refused.json()["detail"][0]["msg"]
    indicators[5]["weight"] = 30  # DG 20 → 30
    indicators[3]["questions"] = indicators[3]["questions"][:1]  # KO keeps one question
    edited = await sim.http.put(f"{url}/questionnaire", json={"indicators": indicators}, headers=ki)
    assert edited.status_code == 200, edited.text
    assert [i["weight"] for i in edited.json()["indicators"]] == [10, 10, 30, 10, 10, 30]
    assert (await sim.http.get(f"{url}/bodies/prov-kalteng", headers=prov)).status_code == 404  # not opened
    early = await sim.http.put(f"{url}/bodies/prov-kalteng/answers/1", json={"answer": "x"}, headers=prov)
    assert early.status_code == 409 and "belum dibuka" in early.json()["detail"]

    opened = await sim.http.post(f"{url}/opening", headers=ki)
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "open"
    late_edit = await sim.http.put(f"{url}/questionnaire", json={"indicators": indicators}, headers=ki)
    assert late_edit.status_code == 409 and format_date(today) in late_edit.json()["detail"]
    assert "Kuesioner penilaian mandiri" in str((await sim.mail.wait_for(BARITO, "[Monev")).get("Subject"))
    await sim.mail.wait_for(PROV, "dibuka")

    # The PPID Utama of the province answers: pre-filled questions carry the registers' figures.
    form = (await sim.http.get(f"{url}/bodies/prov-kalteng", headers=prov)).json()
    questions = {q["id"]: q for i in form["round"]["indicators"] for q in i["questions"]}
    prefilled = {a["question_id"]: a["prefilled"] for a in form["answers"] if a["prefilled"]}
    kinds = {questions[q]["prefill"] for q in prefilled}
    assert {Prefill.ANSWERED_ON_TIME, Prefill.DIP_PUBLISHED, Prefill.DIK_PUBLISHED} <= kinds
    on_time = next(p for q, p in prefilled.items() if questions[q]["prefill"] == Prefill.ANSWERED_ON_TIME)
    assert str(year - 1) in on_time["text"]
    assert (await sim.http.get(f"{url}/bodies/prov-kalteng", headers=barito)).status_code == 403
    manual = [q for q in questions.values() if not q["prefill"]]
    unit_try = await sim.http.put(f"{url}/bodies/prov-kalteng/answers/{manual[0]['id']}", json={"answer": "x"},
                                  headers=unit)  # fmt: skip
    assert unit_try.status_code == 403
    bad_link = await sim.http.put(
        f"{url}/bodies/prov-kalteng/answers/{manual[0]['id']}", json={"links": ["ftp://x"]}, headers=prov
    )
    assert bad_link.status_code == 422 and "links" in bad_link.text
    nul = await sim.http.put(
        f"{url}/bodies/prov-kalteng/answers/{manual[0]['id']}", json={"answer": "ada\u0000"}, headers=prov
    )  # PostgreSQL's text cannot hold NUL: refused by field on both databases
    assert nul.status_code == 422 and nul.json()["detail"][0]["loc"] == ["body", "answer"]
    incomplete = await sim.http.post(f"{url}/bodies/prov-kalteng/submission", headers=prov)
    assert incomplete.status_code == 409 and manual[0]["number"] in incomplete.json()["detail"]
    for q in manual:
        saved = await sim.http.put(
            f"{url}/bodies/prov-kalteng/answers/{q['id']}",
            json={
                "answer": f"Ya, lihat data dukung {q['number']}.",
                "links": ["https://ppid.kaltengprov.example/sk"],
            },
            headers=prov,
        )
        assert saved.status_code == 200, saved.text
    upload = await sim.http.post(
        f"{url}/bodies/prov-kalteng/answers/{manual[0]['id']}/files",
        files={"file": ("sk-ppid.pdf", b"%PDF-1.4 SK PPID", "application/pdf")}, headers=prov,
    )  # fmt: skip
    assert upload.status_code == 201, upload.text
    fake = await sim.http.post(
        f"{url}/bodies/prov-kalteng/answers/{manual[0]['id']}/files",
        files={"file": ("foto.png", b"not a png", "image/png")}, headers=prov,
    )  # fmt: skip
    assert fake.status_code == 422 and fake.json()["detail"][0]["loc"] == ["body", "file"]
    stored = next(a for a in upload.json()["answers"] if a["question_id"] == manual[0]["id"])["files"][0]
    assert (await sim.http.get(stored["url"], headers=ki)).content == b"%PDF-1.4 SK PPID"
    submitted = await sim.http.post(f"{url}/bodies/prov-kalteng/submission", headers=prov)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submitted_at"] is not None
    again = await sim.http.post(f"{url}/bodies/prov-kalteng/submission", headers=prov)
    assert again.status_code == 409 and "sudah dikirim" in again.json()["detail"]
    early_scores = {"scores": [{"question_id": manual[0]["id"], "score": 80}]}
    assert (await sim.http.post(f"{url}/bodies/kab-barito-utara/verification", json=early_scores,
                                headers=ki)).status_code == 409  # fmt: skip

    # The window's last hour: Barito Utara was reminded (5 and 1 working days before), the province was not.
    closes_at = opened.json()["closes_at"]
    await sleep_until(timeskip, datetime.fromisoformat(closes_at) - timedelta(hours=2), extra=timedelta(0))
    reminder_5 = await sim.mail.wait_for(BARITO, "5 hari kerja lagi")
    assert format_date(date.fromisoformat(schedule["closes_on"])) in text_of(reminder_5)
    await sim.mail.wait_for(BARITO, "1 hari kerja lagi")
    assert not [m for m in sim.mail.to(PROV) if "Pengingat" in str(m["Subject"])]
    assert (await sim.http.post(f"{url}/publication", headers=ki)).status_code == 409  # still open

    # After the window: an answer is refused with the date it closed.
    await sleep_until(timeskip, closes_at)
    late = await sim.http.put(f"{url}/bodies/kab-barito-utara/answers/{manual[0]['id']}", json={"answer": "x"},
                              headers=barito)  # fmt: skip
    assert late.status_code == 409, late.text
    assert format_date(date.fromisoformat(schedule["closes_on"])) in late.json()["detail"]
    assert "berakhir" in late.json()["detail"]
    closed_mail = await sim.mail.wait_for("sengketa@ki-kalteng.example", "Masa pengisian kuesioner berakhir")
    assert "1 dari 2 badan publik" in text_of(closed_mail)

    # The KI scores; the ranking is published only when every submitted answer is scored.
    assert (await sim.http.get(f"{url}/results")).status_code == 404  # not public yet
    unscored = await sim.http.post(f"{url}/publication", headers=ki)
    assert unscored.status_code == 409 and "belum selesai dinilai" in unscored.json()["detail"]
    out_of_range = {"scores": [{"question_id": manual[0]["id"], "score": 101}]}
    assert (await sim.http.post(f"{url}/bodies/prov-kalteng/verification", json=out_of_range,
                                headers=ki)).status_code == 422  # fmt: skip
    scores = {"scores": [{"question_id": q, "score": 100 if questions[q]["number"].startswith("JI") else 80,
                          "note": "Data dukung sesuai"} for q in questions]}  # fmt: skip
    scored = await sim.http.post(f"{url}/bodies/prov-kalteng/verification", json=scores, headers=prov)
    assert scored.status_code == 403
    scored = await sim.http.post(f"{url}/bodies/prov-kalteng/verification", json=scores, headers=ki)
    assert scored.status_code == 200, scored.text
    published = await sim.http.post(f"{url}/publication", headers=ki)
    assert published.status_code == 200, published.text
    results = published.json()["results"]
    # JI (30 %) scores 100, the others 80: 30 + 0.7 * 80 = 86.
    assert [(r["rank"], r["body"], r["score"], r["qualification"]) for r in results] == [
        (1, "prov-kalteng", 86.0, "Menuju Informatif"), (2, "kab-barito-utara", 0.0, "Tidak Informatif"),
    ]  # fmt: skip
    public = await sim.http.get(f"{url}/results")
    assert public.status_code == 200 and public.json()["status"] == "published"
    csv_text = (await sim.http.get(f"{url}/results.csv")).text
    assert "Pemerintah Provinsi Kalimantan Tengah;86;Menuju Informatif;ya" in csv_text
    assert (await sim.http.post(f"{url}/publication", headers=ki)).status_code == 409
    result_mail = await sim.mail.wait_for(PROV, "Hasil monitoring")
    assert "peringkat 1 dari 2" in text_of(result_mail) and "Menuju Informatif" in text_of(result_mail)
    await sim.mail.wait_for(BARITO, "Hasil monitoring")
    public_page = await sim.http.get(f"/monev/ki-kalteng/{year}")
    assert public_page.status_code == 200 and "Menuju Informatif" in public_page.text
    assert registers.workflow_id("ki-kalteng", year) == f"monev-ki-kalteng-{year}"
    # A malformed year in a page's address is answered with a page, not the API's JSON.
    for address in ("/monev/ki-kalteng/abc", "/monev/ki-kalteng/abc.csv"):
        malformed = await sim.http.get(address)
        assert malformed.status_code == 404, address
        assert malformed.headers["content-type"].startswith("text/html") and "tidak sah" in malformed.text
    form = await sim.http.get("/staf/masuk")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    signed = await sim.http.post("/staf/masuk", data={
        "email": KI, "kata_sandi": "demo-ppid-2026", "lanjut": "/ki/monev", "csrf_token": token})  # fmt: skip
    assert signed.status_code == 303, signed.text
    for address, code in (
        ("/ki/monev/abc", 404),
        ("/ki/monev?year=abc", 422),
        ("/ki/monev/20x6/badan/x", 404),
    ):
        malformed = await sim.http.get(address)
        assert malformed.status_code == code and malformed.headers["content-type"].startswith("text/html"), (
            address
        )
    assert (await sim.http.get(f"/ki/monev?year={year}")).headers["location"] == f"/ki/monev/{year}"

    # Published, the round's workflow ends, and its history replays.
    handle = timeskip.client.get_workflow_handle(registers.workflow_id("ki-kalteng", year))
    assert await handle.result() == "published"
    history = await handle.fetch_history()
    await replay_and_record(history, f"monev_{RECORDED_VERSION}_published")
