"""The Daftar Informasi Publik (UU 14/2008 Pasal 11(1)(a)) and the public DIK register: the API's rules (the PPID
of the body keeps the DIP, a Pelaksana only its unit's; 422 naming the field), the CSV, JSON and PDF downloads,
the public pages, the request form pointing to what is already public, and the desk's search across DIK and
DIP. One app on a copy of the migrated demo SQLite (no Temporal: nothing here starts a workflow); the search's
LIKE is checked on PostgreSQL too."""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest
from fastapi import FastAPI

from api.main import create_app
from db.dip_repo import list_dip_entries
from db.models import Body, ConsequenceTest, DikEntry, DipEntry, TimelineEvent
from db.session import make_engine, make_session_factory
from tests.conftest import free_port, login, make_settings
from tests.pg import PostgresCluster
from tests.test_desk_objections_disputes import _beside, _token

UTAMA = "ppid@sanggau.example"
DINKES = "ppid.dinkes@sanggau.example"
ATASAN = "atasan.ppid@sanggau.example"
OTHER_BODY = "ppid@serdangbedagai.example"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
ENTRY = {
    "title": "Laporan Realisasi Anggaran 2025",
    "summary": "Realisasi pendapatan dan belanja daerah tahun anggaran 2025, per OPD.",
    "category": "berkala",
    "responsible_officer": "Kepala Bidang Anggaran",
    "made_when": "Januari 2026",
    "made_place": "Sanggau",
    "form": "Tercetak dan elektronik",
    "retention": "10 tahun",
    "url": "https://sanggau.example/lra-2025.pdf",
}
DIK_INFORMATION = "Rekam medis pasien puskesmas"


@pytest.fixture(scope="module")
async def app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> AsyncIterator[FastAPI]:
    folder = tmp_path_factory.mktemp("dip")
    shutil.copyfile(sqlite_template, folder / "ppid.sqlite3")
    url = f"sqlite+aiosqlite:///{folder / 'ppid.sqlite3'}"
    await _seed_dik(url)
    # No Temporal server: these routes never reach it (the address is a closed port).
    application = create_app(make_settings(folder, url, f"127.0.0.1:{free_port()}"))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ppid.test") as http:
        yield http


async def _seed_dik(url: str) -> None:
    """One approved consequence test and its DIK entry in force (the uji workflow's result, written directly:
    the workflow has its own tests), and one opened entry."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            from sqlalchemy import select

            body = await session.scalar(select(Body).where(Body.slug == "kab-sanggau"))
            assert body is not None
            decided = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
            for n, (status, information) in enumerate(
                [("in_force", DIK_INFORMATION), ("opened", "Daftar penerima bantuan 2020")], start=1
            ):
                test = ConsequenceTest(
                    id=f"t{n}" * 8, body_id=body.id, status="approved", information=information,
                    documents="Berkas rekam medis", article="17h", point=2, harm="Mengungkap riwayat kesehatan",
                    public_interest="Tidak ada kepentingan publik yang lebih besar", conclusion="closed",
                    submitted_by=DINKES, submitted_at=decided, workflow_id=f"uji-konsekuensi-t{n}",
                )  # fmt: skip
                entry = DikEntry(
                    id=f"d{n}" * 8, body_id=body.id, unit_id=None, test_id=test.id, number=f"00{n}/UK/SGU/2026",
                    information=information, article="17h", point=2, other_law="UU No. 17 Tahun 2023",
                    consequence="Membuka riwayat kesehatan pasien tanpa persetujuannya",
                    exemption_until=date(2031, 12, 31), decided_at=decided, approved_by=ATASAN, status=status,
                    opened_at=decided if status == "opened" else None,
                    opened_reason="expired" if status == "opened" else None,
                )  # fmt: skip
                session.add_all([test, entry])
                await session.flush()
                session.add(
                    TimelineEvent(
                        key=f"dik-{entry.id}-approved", case_id=entry.id, subject_type="dik", subject_id=entry.id,
                        at=decided, event="dik_approved", label="Disetujui Atasan PPID dan dicatat di DIK",
                    )
                )  # fmt: skip
            await session.commit()
    finally:
        await engine.dispose()


_TOKENS: dict[str, dict[str, str]] = {}


async def _auth(client: httpx.AsyncClient, who: str) -> dict[str, str]:
    """The bearer header of `who`, signed in once per module (argon2 is slow on purpose)."""
    if who not in _TOKENS:
        _TOKENS[who] = await login(client, who)
    return _TOKENS[who]


async def _post(client: httpx.AsyncClient, who: str, **changes: Any) -> httpx.Response:
    return await client.post("/v1/dip", json=ENTRY | changes, headers=await _auth(client, who))


def _messages(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["msg"] for e in response.json()["detail"]]


async def test_the_ppid_keeps_the_dip_and_anyone_reads_it(client: httpx.AsyncClient) -> None:
    made = await _post(client, UTAMA, unit="bpkad")
    assert made.status_code == 201, made.text
    entry = made.json()
    assert (entry["unit"], entry["category"], entry["published"]) == ("bpkad", "berkala", True)
    assert "Pasal 9" in entry["category_label"] and "created_by" not in entry

    own = await _post(client, DINKES, title="Profil Dinas Kesehatan", category="setiap_saat", url=None)
    assert own.status_code == 201 and own.json()["unit"] == "dinkes"  # a Pelaksana: its own unit
    assert (await _post(client, DINKES, unit="bpkad")).status_code == 403
    dinkes = await _auth(client, DINKES)
    assert (await client.put(f"/v1/dip/{entry['id']}", json=ENTRY, headers=dinkes)).status_code == 403
    assert (await _post(client, ATASAN)).status_code == 403
    assert (await client.post("/v1/dip", json=ENTRY)).status_code == 401
    other = await _auth(client, OTHER_BODY)
    assert (await client.delete(f"/v1/dip/{entry['id']}", headers=other)).status_code == 404

    utama = await _auth(client, UTAMA)
    changed = await client.put(
        f"/v1/dip/{entry['id']}", json=ENTRY | {"unit": "bpkad", "retention": "Permanen"}, headers=utama
    )
    assert changed.status_code == 200 and changed.json()["retention"] == "Permanen"
    attached = await client.post(
        f"/v1/dip/{own.json()['id']}/document", files={"document": ("profil.pdf", PDF, "application/pdf")},
        headers=dinkes,
    )  # fmt: skip
    assert attached.status_code == 200, attached.text
    href = attached.json()["document"]["href"]
    served = await client.get(href)
    assert served.status_code == 200 and served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    refused = await client.post(
        f"/v1/dip/{own.json()['id']}/document", files={"document": ("x.exe", b"MZ..", "application/x")},
        headers=dinkes,
    )  # fmt: skip
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "document"]

    public = await client.get("/v1/dip", params={"body": "kab-sanggau"})
    titles = [e["title"] for e in public.json()]
    assert ENTRY["title"] in titles and "Profil Dinas Kesehatan" in titles
    assert [e["title"] for e in (await client.get("/v1/dip?body=kab-sanggau&q=profil")).json()] == [
        "Profil Dinas Kesehatan"
    ]
    gone = await client.delete(f"/v1/dip/{own.json()['id']}", headers=dinkes)
    assert gone.status_code == 200 and gone.json()["published"] is False
    assert "Profil Dinas Kesehatan" not in [
        e["title"] for e in (await client.get("/v1/dip?body=kab-sanggau")).json()
    ]
    assert (await client.get(href)).status_code == 404  # an unpublished entry's file is no longer served
    assert (await client.get(f"/v1/dip/{own.json()['id']}")).status_code == 404
    everything = await client.get("/v1/dip?body=kab-sanggau&all=true", headers=utama)
    assert "Profil Dinas Kesehatan" in [e["title"] for e in everything.json()]
    assert (await client.get("/v1/dip?body=kab-sanggau&all=true")).status_code == 403


async def test_bad_input_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    assert any(m.startswith("category:") for m in _messages(await _post(client, UTAMA, category="bulanan")))
    assert _messages(await _post(client, UTAMA, url="ftp://sanggau.example/x")) == [
        "url: harus berupa alamat web lengkap yang diawali http:// atau https://"
    ]
    entry = {k: v for k, v in ENTRY.items() if k != "title"}
    missing = await client.post("/v1/dip", json=entry, headers=await _auth(client, UTAMA))
    assert _messages(missing) == ["title: wajib diisi"]
    assert _messages(await _post(client, UTAMA, unit="tidak-ada")) == [
        "unit: tidak ada unit dengan kode ini di badan publik Anda"
    ]
    assert _messages(await _post(client, UTAMA, summary="")) == [
        "summary: harus berisi sedikitnya 3 karakter"
    ]
    assert _messages(await client.get("/v1/dip?body=tidak-ada")) == [
        "body: tidak ada badan publik dengan kode ini"
    ]
    assert _messages(await client.get("/v1/dip", params={"body": "kab\x00"})) == [
        "body: tidak ada badan publik dengan kode ini"
    ]
    # The DIK register answers an unknown body the same way (422 naming query.body, not a 404).
    unknown_dik = await client.get("/v1/dik?body=tidak-ada")
    assert unknown_dik.status_code == 422 and unknown_dik.json()["detail"][0]["loc"] == ["query", "body"]
    assert _messages(unknown_dik) == ["body: tidak ada badan publik dengan kode ini"]
    assert _messages(await _post(client, UTAMA, title="Lapor\x07an")) == [
        "title: teks mengandung karakter kendali yang tidak sah"
    ]
    # NUL, which no register of PostgreSQL can hold, is refused by every input model (api/schemas.py).
    assert _messages(await _post(client, UTAMA, title="Lapor\x00an")) == [
        "title: teks mengandung karakter yang tidak sah"
    ]
    assert (await client.get(f"/v1/dip/{2**70}")).status_code == 404  # no such key, never a 500
    assert (await client.get(f"/dip/kab-sanggau/{2**70}/berkas")).status_code == 404


async def test_the_public_registers_as_pages_csv_json_and_pdf(client: httpx.AsyncClient) -> None:
    await _post(client, UTAMA, title="Rencana Kerja Pemerintah Daerah 2027", category="setiap_saat")
    page = await client.get("/dip/kab-sanggau")
    assert page.status_code == 200
    text = page.text
    berkala, serta_merta, setiap_saat = (
        text.index(f'id="k-{k}"') for k in ("berkala", "serta_merta", "setiap_saat")
    )
    assert berkala < text.index(ENTRY["title"]) < serta_merta < setiap_saat  # grouped by category
    assert setiap_saat < text.index("Rencana Kerja Pemerintah Daerah 2027")
    assert f'href="{ENTRY["url"]}"' in text
    found = await client.get("/dip/kab-sanggau", params={"cari": "rencana kerja"})
    assert "Rencana Kerja" in found.text and ENTRY["title"] not in found.text

    table = await client.get("/dip/kab-sanggau.csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["No", "Kategori", "Judul informasi"]
    assert ["Berkala", ENTRY["title"]] in [r[1:3] for r in rows[1:]]
    assert "@" not in table.text  # no staff email

    dik = await client.get("/dik/kab-sanggau")
    assert dik.status_code == 200 and DIK_INFORMATION in dik.text
    assert "Pasal 17 huruf h angka 2 UU No. 14 Tahun 2008; UU No. 17 Tahun 2023" in dik.text
    assert "sampai dengan 31 Desember 2031" in dik.text and "20 November 2026" in dik.text
    assert dik.text.index("Pengecualian yang berlaku") < dik.text.index(DIK_INFORMATION)
    assert dik.text.index("sekarang terbuka") < dik.text.index("Daftar penerima bantuan 2020")
    assert 'href="/dik/kab-sanggau/d1d1d1d1d1d1d1d1"' in dik.text
    register = (await client.get("/dik/kab-sanggau.json")).json()
    assert [e["status"] for e in register["entries"]] == ["in_force", "opened"]
    assert register["entries"][0]["decided_on"] == "2026-11-20"
    assert "@" not in json.dumps(register)  # the approving Atasan's account stays in the register
    lines = list(
        csv.reader(io.StringIO((await client.get("/dik/kab-sanggau.csv")).content.decode("utf-8-sig")))
    )
    assert lines[1][1] == DIK_INFORMATION and lines[1][7] == "Berlaku (dikecualikan)"

    entry = await client.get("/dik/kab-sanggau/d1d1d1d1d1d1d1d1")
    assert entry.status_code == 200 and "001/UK/SGU/2026" in entry.text
    assert "Disetujui Atasan PPID dan dicatat di DIK" in entry.text and ATASAN not in entry.text
    assert (await client.get("/dik/kab-sanggau/tidak-ada")).status_code == 404
    assert (
        await client.get("/dik/kab-serdang-bedagai/d1d1d1d1d1d1d1d1")
    ).status_code == 404  # another body's
    assert (await client.get("/dik/tidak-ada")).status_code == 404

    pdf = await client.get("/dik/kab-sanggau.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    first = reader.pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (595, 842)  # A4
    words = " ".join(first.extract_text().split())
    assert "Pemerintah Kabupaten Sanggau" in words and DIK_INFORMATION in words
    assert f"Halaman 1 dari {len(reader.pages)}" in words

    home = await client.get("/")
    assert 'href="/dip/kab-sanggau"' in home.text and 'href="/dik/kab-sanggau"' in home.text


async def test_the_request_form_points_to_what_is_already_public(client: httpx.AsyncClient) -> None:
    await _post(client, UTAMA, title="Daftar Puskesmas dan Jam Layanan", category="setiap_saat", url=None)
    form = await client.get("/permohonan/baru", params={"body": "kab-sanggau", "cari": "puskesmas"})
    assert form.status_code == 200
    assert "Daftar Puskesmas dan Jam Layanan" in form.text and "tidak perlu diminta" in form.text
    assert 'name="cari" type="search" value="puskesmas"' in form.text
    none = await client.get("/permohonan/baru", params={"body": "kab-sanggau", "cari": "kapal selam"})
    assert "Tidak ada informasi yang cocok" in none.text and "Daftar Puskesmas" not in none.text


@asynccontextmanager
async def _signed_in(client: httpx.AsyncClient, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client of the same app (its own cookies), signed in through the sign-in form."""
    async with httpx.AsyncClient(transport=client._transport, base_url="http://ppid.test") as http:
        token = _token((await http.get("/staf/masuk")).text)
        form = {"email": email, "kata_sandi": "demo-ppid-2026", "lanjut": "/staf", "csrf_token": token}
        assert (await http.post("/staf/masuk", data=form)).status_code == 303
        yield http


async def test_the_desk_adds_an_entry_and_searches_dik_and_dip(client: httpx.AsyncClient) -> None:
    async with _signed_in(client, DINKES) as desk:
        page = await desk.get("/staf/dip/baru")
        assert page.status_code == 200
        form = {
            "csrf_token": _token(page.text), "judul": "Jadwal Imunisasi 2027", "ringkasan": "Jadwal per puskesmas",
            "kategori": "", "unit": "dinkes", "penanggung_jawab": "Kepala Seksi Imunisasi", "waktu_pembuatan": "2026",
            "tempat_pembuatan": "Sanggau", "bentuk": "Elektronik", "retensi": "5 tahun", "tautan": "bukan alamat",
            "tayang": "1",
        }  # fmt: skip
        refused = await desk.post("/staf/dip/baru", data=form)
        assert refused.status_code == 422
        assert _beside(refused.text, "kategori") == "Pilih kategori informasi (Pasal 9, 10 atau 11)"
        assert "http:// atau https://" in _beside(refused.text, "tautan")
        assert 'value="Jadwal Imunisasi 2027"' in refused.text  # the input is kept
        # Over-long texts: refused beside their fields with the limit, kept whole in the form (not cut).
        long_summary, long_title = "Jadwal imunisasi. " * 300, "Jadwal " * 50
        too_long = form | {"csrf_token": _token(refused.text), "kategori": "berkala", "tautan": "",
                           "ringkasan": long_summary, "judul": long_title}  # fmt: skip
        refused = await desk.post("/staf/dip/baru", data=too_long)
        assert refused.status_code == 422
        assert "Paling banyak 5000 karakter" in _beside(refused.text, "ringkasan")
        assert "Paling banyak 300 karakter" in _beside(refused.text, "judul")
        assert (
            html.escape(long_summary.strip()) in refused.text
            and f'value="{long_title.strip()}' in refused.text
        )
        assert (await client.get("/v1/dip?body=kab-sanggau&q=imunisasi")).json() == []
        form |= {"kategori": "berkala", "tautan": "", "csrf_token": _token(refused.text)}
        files = {"berkas": ("jadwal.pdf", PDF, "application/pdf")}
        saved = await desk.post("/staf/dip/baru", data=form, files=files)
        assert saved.status_code == 303 and saved.headers["location"] == "/staf/dip"
        listing = await desk.get("/staf/dip")
        assert "Jadwal Imunisasi 2027" in listing.text and "jadwal.pdf" in listing.text
        assert "ditambahkan ke Daftar Informasi Publik" in listing.text
        assert "dikelola unit lain" in listing.text  # the BPKAD entry: a Dinkes Pelaksana cannot change it
        mine = await client.get("/v1/dip?body=kab-sanggau&q=imunisasi")
        [made] = mine.json()
        assert (made["unit"], made["document"]["filename"]) == ("dinkes", "jadwal.pdf")
        edit = await desk.get(f"/staf/dip/{made['id']}")
        assert 'value="Kepala Seksi Imunisasi"' in edit.text and "Berkas sekarang: jadwal.pdf" in edit.text
        form |= {"retensi": "Permanen", "tayang": "", "csrf_token": _token(edit.text)}
        assert (await desk.post(f"/staf/dip/{made['id']}", data=form)).status_code == 303
        assert (await client.get("/v1/dip?body=kab-sanggau&q=imunisasi")).json() == []  # unpublished
        kept = await client.get(f"/v1/dip/{made['id']}", headers=await _auth(client, DINKES))
        assert kept.json()["retention"] == "Permanen" and kept.json()["document"] is not None

        found = await desk.get("/staf/cari-pengecualian", params={"q": "REKAM MEDIS"})
        assert found.status_code == 200 and DIK_INFORMATION in found.text and "d1d1d1d1d1d1d1d1" in found.text
        dip_hit = await desk.get("/staf/cari-pengecualian", params={"q": "imunisasi"})
        assert "Jadwal Imunisasi 2027" in dip_hit.text and "Tidak ada entri DIK yang cocok" in dip_hit.text
        wildcard = await desk.get("/staf/cari-pengecualian", params={"q": "%"})
        assert DIK_INFORMATION not in wildcard.text  # `%` is searched as itself, not as a wildcard
    async with _signed_in(client, "admin@ppid.example") as admin:
        assert (await admin.get("/staf/dip")).status_code == 403


async def test_the_search_is_the_same_on_postgresql(pg_cluster: PostgresCluster, pg_template: str) -> None:
    url = pg_cluster.create_database(template=pg_template)
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            from sqlalchemy import select

            body_id = await session.scalar(select(Body.id).where(Body.slug == "kab-sanggau"))
            assert body_id is not None
            for title in ("Diskon 50% Retribusi Pasar", "Diskon 500 Retribusi", "Realisasi APBD"):
                fields = {k: v for k, v in ENTRY.items() if k != "title"}
                session.add(DipEntry(body_id=body_id, title=title, created_by=UTAMA, **fields))
            await session.commit()
            titles = [r.entry.title for r in await list_dip_entries(session, body_id, q="DISKON 50%")]
            assert titles == ["Diskon 50% Retribusi Pasar"]  # case-insensitive; `%` is no wildcard
    finally:
        await engine.dispose()
