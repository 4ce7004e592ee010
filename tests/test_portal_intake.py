"""The citizen's portal without a browser: the home page, the request form (labels the outside tests use, the
idempotency key, errors beside their fields with the input kept and the NIK never echoed, CSRF, the intake rate
limit as a sentence), the landing page and tanda bukti with the code only in the submitting browser, and the
receipt email's tracking link. The real stack: API + worker on the Temporal dev server, SQLite, aiosmtpd."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from domain import law
from domain.dates_id import format_datetime
from tests.conftest import Mailbox, text_of
from tests.requests_support import FORM, PPID_SANGGAU, REQUESTER_EMAIL, Stack, stack

NIK = FORM["requester"]["nik"]
PAGE_FORM = {
    "badan": "kab-sanggau", "unit": "kab-sanggau/dinkes", "jenis": "individual", "nama": "Siti Aminah",
    "nik": NIK, "nomor_badan_hukum": "", "alamat": "Jl. Jenderal Sudirman No. 1, Sanggau",
    "email": REQUESTER_EMAIL, "telepon": "+62812000000", "pekerjaan": "Wiraswasta", "kuasa_nama": "",
    "kuasa_surat": "", "rincian": "Salinan dokumen anggaran program imunisasi 2025", "tujuan": "Penelitian",
    "cara_memperoleh": "copy", "bentuk_salinan": "softcopy", "cara_mendapatkan": "email",
}  # fmt: skip
LABEL_WORDS = ["Nama", "NIK", "Alamat", "Email", "Telepon", "Rincian informasi", "Tujuan"]


@pytest.fixture
async def portal(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> AsyncIterator[Stack]:  # fmt: skip
    """The whole stack on the real Temporal dev server (SQLite: these are page tests)."""
    async with stack(temporal_env.client, mailbox, tmp_path, sqlite_database_url, task_queue) as s:
        yield s


class Page(HTMLParser):
    """What a page offers: each control's accessible name (its label's text, a button's text), the links, the
    text of every error (the error summary and the messages beside fields) and the form's values."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.labels: dict[str, str] = {}  # control id -> label text
        self.controls: list[str] = []  # ids of inputs, selects and textareas (not hidden)
        self.buttons: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.errors: dict[str, str] = {}  # element id (or "summary") -> text
        self.inputs: dict[str, str] = {}  # name -> value (text inputs, textareas, hidden)
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, key, text parts) being read
        self._summary = 0
        super().feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a.get("id", ""))
        if tag == "input" and a.get("type") in (None, "", "text", "email", "tel", "hidden"):
            self.inputs[a.get("name", "")] = a.get("value", "")
        if tag == "label":
            self._open.append(("label", a.get("for", ""), []))
        elif tag == "button":
            self._open.append(("button", "", []))
        elif tag == "a":
            self._open.append(("a", a.get("href", ""), []))
        elif tag == "textarea":
            self._open.append(("textarea", a.get("name", ""), []))
        elif tag == "p" and "field-error" in classes:
            self._open.append(("error", a.get("id", ""), []))
        if tag == "div" and "error-summary" in classes:
            self._summary = 1
        elif tag == "div" and self._summary:
            self._summary += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._summary:
            self._summary -= 1
        kinds = {"label": "label", "button": "button", "a": "a", "textarea": "textarea", "p": "error"}
        if tag not in kinds or not self._open or self._open[-1][0] != kinds[tag]:
            return
        kind, key, parts = self._open.pop()
        text = " ".join("".join(parts).split())
        if kind == "label":
            self.labels[key] = text
        elif kind == "button":
            self.buttons.append(text)
        elif kind == "a":
            self.links.append((key, text))
        elif kind == "textarea":
            self.inputs[key] = "".join(parts)
        elif text:
            self.errors[key] = text

    def handle_data(self, data: str) -> None:
        for _, _, parts in self._open:
            parts.append(data)
        if self._summary:
            self.errors["summary"] = self.errors.get("summary", "") + data

    def names_with(self, word: str) -> list[str]:
        """The controls whose accessible name contains `word` (case-insensitive, as the outside tests match)."""
        w = word.lower()
        named = [self.labels.get(c, "") for c in self.controls] + self.buttons
        return [n for n in named if w in n.lower()]


async def _form_page(http: httpx.AsyncClient, query: str = "?body=kab-sanggau") -> Page:
    response = await http.get(f"/permohonan/baru{query}")
    assert response.status_code == 200, response.text
    return Page(response.text)


async def _post(http: httpx.AsyncClient, page: Page, **changes: str) -> httpx.Response:
    data = PAGE_FORM | {"csrf_token": page.inputs["csrf_token"], "kunci": page.inputs["kunci"]} | changes
    return await http.post("/permohonan/baru", data=data)


async def _cases(portal: Stack) -> list[dict[str, Any]]:
    response = await portal.http.get("/v1/requests", headers=await portal.login(PPID_SANGGAU))
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def _other_browser(portal: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=portal.http._transport, base_url="http://ppid.test")


async def test_home_explains_the_rights_and_leads_to_each_body(portal: Stack) -> None:
    response = await portal.http.get("/")
    assert response.status_code == 200
    page = Page(response.text)
    assert [h for h, t in page.links if "ajukan permohonan" in t.lower()] == ["/permohonan/baru"]
    assert "/lacak" in [h for h, _ in page.links]
    text = " ".join(response.text.split())
    for clock in (law.T1, law.T2, law.T3, law.T4, law.T5):
        assert clock.days_text() in text and clock.article in text
    assert "Pasal 35 ayat (1)" in text
    bodies = (await portal.http.get("/v1/bodies")).json()
    assert len(bodies) > 1
    hrefs = {h for h, _ in page.links}
    for body in bodies:
        assert f"/permohonan/baru?body={body['slug']}" in hrefs
        assert body["name"] in text
        for unit in body["units"]:
            assert unit["name"] in text
    assert len(response.content) < 150_000


async def test_the_form_names_each_control_once_and_preselects_the_body(portal: Stack) -> None:
    page = await _form_page(portal.http)
    for word in LABEL_WORDS:
        assert len(page.names_with(word)) == 1, (word, page.names_with(word))
    assert page.names_with("Kirim") == ["Kirim permohonan"] and page.buttons == [
        "Cari informasi",
        "Kirim permohonan",
    ]  # DIP search
    html = (await portal.http.get("/permohonan/baru?body=kab-sanggau&unit=dinkes")).text
    assert '<option value="kab-sanggau" selected>' in html
    assert '<option value="kab-sanggau/dinkes" selected>' in html
    assert re.fullmatch(r"[0-9a-f]{32}", page.inputs["kunci"])
    assert "/static/nik.js" in html and "<script>" not in html
    assert "Tanpa email" in html  # the notices then come by letter or phone
    unchosen = (await portal.http.get("/permohonan/baru")).text
    assert '<option value="">Pilih badan publik</option>' in unchosen and " selected>" not in unchosen


async def test_a_post_makes_one_case_and_the_landing_page_shows_number_code_and_t1(portal: Stack) -> None:
    page = await _form_page(portal.http)
    first = await _post(portal.http, page)
    assert first.status_code == 303, first.text
    again = await _post(portal.http, page)  # a second click on "Kirim", or a reload that posts again
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    cases = await _cases(portal)
    assert len(cases) == 1
    request_id = cases[0]["id"]
    assert first.headers["location"] == f"/permohonan/{request_id}/terkirim"

    landing = await portal.http.get(first.headers["location"])
    assert landing.status_code == 200
    text = " ".join(landing.text.split())
    assert cases[0]["registration_number"] in text
    code = re.search(r'<strong class="big code">([^<]+)</strong>', landing.text)
    assert code is not None
    tracked = await portal.http.get(f"/v1/requests/{request_id}", headers={"X-Tracking-Code": code.group(1)})
    assert tracked.status_code == 200
    due = tracked.json()["due_at"]
    assert format_datetime(datetime.fromisoformat(due), "Asia/Pontianak") in text
    assert law.T1.article in text and law.T2.article in text and law.T3.article in text
    assert f"/permohonan/{request_id}/tanda-bukti" in text and f"/lacak/{request_id}" in text
    assert tracked.json()["registration_number"] == cases[0]["registration_number"]
    receipt = await portal.http.get(f"/permohonan/{request_id}/tanda-bukti")
    assert receipt.status_code == 200 and code.group(1) in receipt.text and "/static/cetak.js" in receipt.text
    assert NIK not in receipt.text  # masked

    async with _other_browser(portal) as stranger:  # no session: no code, and no case
        for path in (f"/permohonan/{request_id}/terkirim", f"/permohonan/{request_id}/tanda-bukti"):
            seen = await stranger.get(path)
            assert seen.status_code == 404 and code.group(1) not in seen.text
            assert cases[0]["registration_number"] not in seen.text

    # The same key with another form: a sentence (409) and a new key, no second case.
    other = await _post(portal.http, page, rincian="Daftar penerima bantuan sosial tahun 2025")
    assert other.status_code == 409
    refused = Page(other.text)
    assert "sudah pernah dikirim" in other.text and refused.inputs["kunci"] != page.inputs["kunci"]
    assert refused.inputs["rincian"] == "Daftar penerima bantuan sosial tahun 2025"
    assert len(await _cases(portal)) == 1
    resent = await _post(portal.http, refused, rincian="Daftar penerima bantuan sosial tahun 2025")
    assert resent.status_code == 303 and len(await _cases(portal)) == 2


async def test_the_receipt_emails_tracking_link_opens_the_case(portal: Stack) -> None:
    page = await _form_page(portal.http)
    posted = await _post(portal.http, page)
    assert posted.status_code == 303
    request_id = posted.headers["location"].split("/")[2]
    mail = await portal.mail.wait_for(REQUESTER_EMAIL, "Tanda terima")
    link = re.search(r"https?://\S+/lacak/\S+", text_of(mail))
    assert link is not None
    parts = urlsplit(link.group(0))
    assert parts.path == f"/lacak/{request_id}" and parts.fragment.startswith("kode=")
    async with _other_browser(portal) as mail_reader:
        opened = await mail_reader.get(parts.path)
        assert opened.status_code == 200
        code = parts.fragment.removeprefix("kode=")
        case = await mail_reader.get(f"/v1/requests/{request_id}", headers={"X-Tracking-Code": code})
        assert case.status_code == 200 and case.json()["id"] == request_id


async def test_a_bad_nik_is_refused_beside_its_field_and_never_echoed(portal: Stack) -> None:
    page = await _form_page(portal.http)
    bad = "9903014501900003"  # 99 is no province
    response = await _post(portal.http, page, nik=bad)
    assert response.status_code == 422
    refused = Page(response.text)
    assert "kode provinsi" in refused.errors["e-nik"]
    assert 'aria-describedby="h-nik e-nik"' in response.text
    assert all(bad not in text for text in refused.errors.values())
    assert refused.inputs["nama"] == "Siti Aminah" and refused.inputs["rincian"] == PAGE_FORM["rincian"]
    assert refused.inputs["alamat"] == PAGE_FORM["alamat"] and refused.inputs["email"] == REQUESTER_EMAIL
    short = Page((await _post(portal.http, page, nik="61030145")).text)
    assert "16 digit" in short.errors["e-nik"] and "61030145" not in " ".join(short.errors.values())
    assert await _cases(portal) == []


async def test_a_legal_entity_needs_its_number_and_everyone_a_contact(portal: Stack) -> None:
    page = await _form_page(portal.http)
    entity = await _post(portal.http, page, jenis="legal_entity", nik="", nama="Yayasan Cahaya Sanggau")
    assert entity.status_code == 422
    errors = Page(entity.text).errors
    assert "badan hukum" in errors["e-nomor_badan_hukum"] and "e-nik" not in errors
    numbered = await _post(
        portal.http, page, jenis="legal_entity", nik=NIK, nomor_badan_hukum="AHU-0012345.AH.01.04 Tahun 2020",
        nama="Yayasan Cahaya Sanggau",
    )  # fmt: skip
    assert numbered.status_code == 303  # the NIK typed for a legal entity is not kept
    nobody = await _post(portal.http, page, email="", telepon="", cara_mendapatkan="pickup")
    assert nobody.status_code == 422
    assert "email" in Page(nobody.text).errors["e-telepon"].lower()
    by_mail = await _post(portal.http, page, email="", cara_mendapatkan="email")
    assert by_mail.status_code == 422 and "e-cara_mendapatkan" in Page(by_mail.text).errors
    group = await _post(portal.http, page, jenis="group")
    assert group.status_code == 422 and "kuasa" in Page(group.text).errors["e-kuasa_nama"]
    other_body = await _post(portal.http, page, badan="kab-serdang-bedagai")
    assert other_body.status_code == 422 and "e-unit" in Page(other_body.text).errors
    cases = await _cases(portal)
    assert len(cases) == 1


async def test_a_post_without_csrf_changes_nothing(portal: Stack) -> None:
    page = await _form_page(portal.http)
    missing = await portal.http.post("/permohonan/baru", data=PAGE_FORM | {"kunci": page.inputs["kunci"]})
    assert missing.status_code == 403
    foreign = await portal.http.post(
        "/permohonan/baru", data=PAGE_FORM | {"csrf_token": page.inputs["csrf_token"]},
        headers={"Origin": "https://evil.example"},
    )  # fmt: skip
    assert foreign.status_code == 403
    assert await _cases(portal) == []


async def test_the_intake_limit_is_a_sentence_on_the_page(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    async with stack(
        temporal_env.client, mailbox, tmp_path, sqlite_database_url, task_queue, with_worker=False,
        ppid_rate_limit_intake=1,
    ) as limited:  # fmt: skip
        page = await _form_page(limited.http)
        assert (await _post(limited.http, page, nik="1")).status_code == 422  # counted like the API's
        response = await _post(limited.http, page)
        assert response.status_code == 429 and response.headers["content-type"].startswith("text/html")
        assert 'role="alert" id="ditolak">Terlalu banyak permintaan' in response.text
        assert Page(response.text).inputs["nama"] == "Siti Aminah"
        assert await _cases(limited) == []
