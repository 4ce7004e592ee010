"""The documents given to the requester: which files are accepted, under which name and type they are kept and
served (api/documents.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

import api.documents
from api.documents import (
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENTS,
    DocumentRefused,
    check_upload,
    clean_filename,
    download,
)
from db.filestore import FileStore, FileStoreError
from db.migrate import alembic_config
from db.models import Document
from db.session import make_engine, make_session_factory
from tests.conftest import Mailbox, text_of
from tests.requests_support import PPID_SANGGAU, REQUESTER_EMAIL, Stack, real, stack
from tests.test_desk_objections_disputes import _beside, _signed_in, _token

__all__ = ["real"]  # the fixture

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Salinan DPA 2025.pdf", PDF, "application/pdf"),
        ("foto.JPG", b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        ("peta.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
        (
            "rekap.xlsx",
            b"PK\x03\x04....",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("surat.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "application/msword"),
        ("berkas.zip", b"PK\x03\x04....", "application/zip"),
        ("catatan.txt", "Daftar hadir rapat — Sanggau".encode(), "text/plain"),
    ],
)
def test_accepted_kinds_are_kept_with_the_type_of_their_kind(
    name: str, content: bytes, content_type: str
) -> None:
    upload = check_upload(name, content)
    assert (upload.filename, upload.content_type, upload.size) == (name, content_type, len(content))
    assert upload.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("program.exe", b"MZ....", "Jenis berkas tidak diterima"),
        ("halaman.html", b"<script>alert(1)</script>", "Jenis berkas tidak diterima"),
        ("tanpa-ekstensi", PDF, "Jenis berkas tidak diterima"),
        ("palsu.pdf", b"<html><script>alert(1)</script>", "bukan berkas .pdf yang sah"),
        ("gambar.png", PDF, "bukan berkas .png yang sah"),
        ("biner.txt", b"ab\x00cd", "harus berisi teks"),
        ("kosong.pdf", b"", "kosong"),
        ("besar.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "paling besar 10 MB"),
    ],
)
def test_other_files_are_refused_saying_why(name: str, content: bytes, says: str) -> None:
    with pytest.raises(DocumentRefused) as refused:
        check_upload(name, content)
    assert says in str(refused.value)


def test_the_name_loses_folders_and_characters_a_header_or_a_disk_cannot_take() -> None:
    assert clean_filename("C:\\Users\\ppid\\Keputusan 12.pdf") == "Keputusan 12.pdf"
    assert clean_filename("../../etc/passwd.txt") == "passwd.txt"
    assert clean_filename('a"b;\r\nc<>.pdf') == "abc.pdf"
    long = clean_filename("x" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_a_download_is_an_attachment_of_its_kind_never_sniffed() -> None:
    document = Document(
        id="d" * 32, case_id="c" * 32, kind="decision", filename="Surat keputusan—final.pdf",
        content_type="application/pdf", size=len(PDF), sha256="", uploaded_by="ppid@x.example",
    )  # fmt: skip
    response = download(document, PDF)
    assert response.body == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Surat keputusan_final.pdf\"; filename*=UTF-8''Surat%20keputusan%E2%80%94final.pdf"
    )
    assert "sandbox" in response.headers["content-security-policy"]


# --- the file store, several files per action, the requester's email (real stack) ---------------------------


def _store_file(root: Path, content: bytes) -> Path:
    sha = hashlib.sha256(content).hexdigest()
    return root / "files" / sha[:2] / sha


def test_the_file_store_keeps_each_content_once_by_hash_and_checks_its_size(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    sha = store.put(PDF)
    path = _store_file(tmp_path, PDF)
    assert sha == hashlib.sha256(PDF).hexdigest() and path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    inode = path.stat().st_ino
    assert store.put(PDF) == sha and path.stat().st_ino == inode  # the same content: the same file, kept
    assert [p.name for p in path.parent.iterdir()] == [sha]  # no temporary file left behind
    assert store.get(sha, len(PDF)) == PDF
    with pytest.raises(FileStoreError):
        store.get(sha, len(PDF) + 1)  # damaged (truncated or grown): never served
    with pytest.raises(FileStoreError):
        store.get("0" * 64, 1)
    with pytest.raises(FileStoreError):
        store.path("../../etc/passwd")


def _stub_row(db: sqlite3.Connection, table: str, values: dict[str, object]) -> None:
    """A row with a placeholder in every required column (what it means does not matter to the migration)."""
    row = dict(values)
    for _, name, kind, notnull, default, _pk in db.execute(f"PRAGMA table_info({table})"):
        if notnull and default is None and name not in row:
            kind = str(kind).upper()
            row[name] = 1 if "INT" in kind or "BOOL" in kind else "2026-01-05" if "DATE" in kind else "x"
    names = ", ".join(row)
    db.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))


async def test_the_migration_moves_the_bytes_into_the_store_and_drops_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    config = alembic_config(f"sqlite+aiosqlite:///{path}")
    config.attributes["data_dir"] = str(tmp_path / "data")  # else the app's own PPID_DATA_DIR
    await asyncio.to_thread(command.upgrade, config, "0007")
    rows = [("a" * 32, PDF), ("b" * 32, PDF), ("c" * 32, b"teks salinan\n")]
    with closing(sqlite3.connect(path)) as db, db:
        _stub_row(db, "requests", {"id": "r" * 32})  # the case; plain sqlite3 checks no key of its own
        db.executemany(
            "INSERT INTO documents (id, case_id, kind, filename, content_type, size, sha256, content, uploaded_by,"
            " created_at) VALUES (?, ?, 'decision', 'a.pdf', 'application/pdf', ?, '', ?, 'p@x.example',"
            " '2026-01-05 01:00:00.000000')",
            [(i, "r" * 32, len(content), content) for i, content in rows],
        )
    await asyncio.to_thread(command.upgrade, config, "head")
    with closing(sqlite3.connect(path)) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
        stored = db.execute("SELECT id, sha256, size FROM documents ORDER BY id").fetchall()
    assert "content" not in columns and "sha256" in columns
    for (document_id, sha, size), (_, content) in zip(stored, rows, strict=True):
        assert sha == hashlib.sha256(content).hexdigest() and size == len(content), document_id
        assert _store_file(tmp_path / "data", content).read_bytes() == content
    assert len([p for p in (tmp_path / "data" / "files").rglob("*") if p.is_file()]) == 2  # the PDF once
    # And back: the bytes return to the column.
    await asyncio.to_thread(command.downgrade, config, "0007")
    with closing(sqlite3.connect(path)) as db:
        back = db.execute("SELECT id, content FROM documents ORDER BY id").fetchall()
    assert [(i, bytes(c)) for i, c in back] == rows


async def _decide(stack: Stack, request_id: str, headers: dict[str, str], files: list[tuple[str, bytes]],
                  **decision: Any) -> httpx.Response:  # fmt: skip
    payload = json.dumps({"outcome": "granted", "note": "Terlampir salinannya."} | decision)
    parts = [("payload", (None, payload.encode(), "application/json"))] + [
        ("documents", (name, content, "application/octet-stream")) for name, content in files
    ]
    return await stack.http.post(f"/v1/requests/{request_id}/decision", files=parts, headers=headers)


async def _document_rows(stack: Stack) -> list[Document]:
    engine = make_engine(stack.settings.effective_database_url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.scalars(select(Document).order_by(Document.created_at))).all())
    finally:
        await engine.dispose()


XLSX = b"PK\x03\x04" + b"rekap anggaran " * 64


async def test_a_grant_with_several_documents_reaches_its_requester_only(real: Stack) -> None:
    created = await real.submit()
    other = await real.submit()
    ppid = await real.login(PPID_SANGGAU)
    mine = {"X-Tracking-Code": created["tracking_code"]}
    files = [("Surat keputusan.pdf", PDF), ("rekap.xlsx", XLSX)]
    response = await _decide(real, created["id"], ppid, files)
    assert response.status_code == 200, response.text
    documents = response.json()["documents"]
    assert [(d["filename"], d["kind"], d["size"]) for d in documents] == [
        ("Surat keputusan.pdf", "decision", len(PDF)), ("rekap.xlsx", "decision", len(XLSX)),
    ]  # fmt: skip
    for document, (_, content) in zip(documents, files, strict=True):
        assert _store_file(real.settings.data_dir, content).read_bytes() == content  # on disk, by hash
        for headers in (ppid, mine):
            got = await real.http.get(document["url"], headers=headers)
            assert got.status_code == 200 and got.content == content
            assert got.headers["x-content-type-options"] == "nosniff"
            assert got.headers["content-disposition"].startswith("attachment")
        wrong = await real.http.get(document["url"], headers={"X-Tracking-Code": other["tracking_code"]})
        assert wrong.status_code == 404
        assert content not in wrong.content
    # The same file given on another case is stored once; the register has no bytes.
    assert (await _decide(real, other["id"], ppid, [("salinan.pdf", PDF)])).status_code == 200
    rows = await _document_rows(real)
    assert len(rows) == 3 and not hasattr(Document, "content")
    assert len([p for p in (real.settings.data_dir / "files").rglob("*") if p.is_file()]) == 2
    # The requester asked for email: the grant's notice carries the files, read from the store.
    mail = await real.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis")
    attached = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert attached == {"Surat keputusan.pdf": PDF, "rekap.xlsx": XLSX}
    assert "terlampir pada email ini" in text_of(mail) and "- rekap.xlsx" in text_of(mail)
    # A desk page lists them for staff and downloads them.
    async with _signed_in(real, PPID_SANGGAU) as desk:
        page = await desk.get(f"/staf/permohonan/{created['id']}")
        assert "Surat keputusan.pdf" in page.text and "rekap.xlsx" in page.text
        got = await desk.get(f"/staf/permohonan/{created['id']}/dokumen/{documents[1]['id']}")
        assert got.status_code == 200 and got.content == XLSX


async def test_refused_files_are_422_beside_their_field_and_nothing_is_stored(
    real: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await real.submit()
    ppid = await real.login(PPID_SANGGAU)
    # The total limit (25 MB) made small, so that going over it costs no 25 MB upload here.
    monkeypatch.setattr(api.documents, "MAX_TOTAL_BYTES", 100_000)
    monkeypatch.setattr(api.documents, "MAX_TOTAL_MB", "0,1")
    forty_kb = b"%PDF-" + b"0" * 40_000
    cases = [
        ([("program.exe", b"MZ....")], "Jenis berkas tidak diterima"),
        ([("a.pdf", PDF), ("palsu.pdf", b"<html>")], "palsu.pdf: Isi berkas bukan berkas .pdf"),
        ([(f"{i}.pdf", PDF) for i in range(MAX_DOCUMENTS + 1)], f"paling banyak {MAX_DOCUMENTS} berkas"),
        (
            [("1.pdf", forty_kb), ("2.pdf", forty_kb + b"1"), ("3.pdf", forty_kb + b"2")],
            "paling besar 0,1 MB",
        ),
    ]
    for files, says in cases:
        response = await _decide(real, created["id"], ppid, files)
        assert response.status_code == 422, (says, response.text[:300])
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "documents"] and says in error["msg"], error
    bad_payload = await _decide(real, created["id"], ppid, [("a.pdf", PDF)], outcome="rejected")
    assert bad_payload.status_code == 422 and bad_payload.json()["detail"][0]["loc"][:2] == [
        "body",
        "payload",
    ]
    assert await _document_rows(real) == []
    assert not (real.settings.data_dir / "files").exists()
    # A JSON decision without files still works (the API as before).
    plain = await real.http.post(
        f"/v1/requests/{created['id']}/decision", json={"outcome": "granted"}, headers=ppid
    )
    assert plain.status_code == 200 and plain.json()["documents"] == []
    # The desk's form: the message beside "Lampiran", 422, nothing stored.
    second = await real.submit()
    async with _signed_in(real, PPID_SANGGAU) as desk:
        url = f"/staf/permohonan/{second['id']}"
        token = _token((await desk.get(url)).text)
        form = {"csrf_token": token, "keputusan": "granted"}
        refused = await desk.post(f"{url}/keputusan", data=form, files=[
            ("lampiran", ("a.pdf", PDF, "application/pdf")), ("lampiran", ("b.exe", b"MZ", "application/x-msdos")),
        ])  # fmt: skip
        assert refused.status_code == 422
        assert "b.exe: Jenis berkas tidak diterima" in _beside(refused.text, "lampiran")
        assert await _document_rows(real) == []
        done = await desk.post(f"{url}/keputusan", data=form, files=[
            ("lampiran", ("a.pdf", PDF, "application/pdf")), ("lampiran", ("b.txt", b"teks", "text/plain")),
        ])  # fmt: skip
        assert done.status_code == 303, done.text[:500]
    assert sorted(d.filename for d in await _document_rows(real)) == ["a.pdf", "b.txt"]


async def test_documents_over_the_mail_limit_stay_on_the_tracking_page(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, task_queue: str,
    sqlite_template: Path,
) -> None:  # fmt: skip
    shutil.copyfile(sqlite_template, tmp_path / "ppid.sqlite3")
    url = f"sqlite+aiosqlite:///{tmp_path / 'ppid.sqlite3'}"
    async with stack(
        temporal_env.client, mailbox, tmp_path, url, task_queue, ppid_mail_attachment_mb=0.01
    ) as s:
        created = await s.submit()
        ppid = await s.login(PPID_SANGGAU)
        big = b"%PDF-" + b"1" * 20_000  # 20 KB, over the 10 KB limit of this stack
        assert (await _decide(s, created["id"], ppid, [("besar.pdf", big)])).status_code == 200
        mail = await s.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis")
        assert list(mail.iter_attachments()) == []
        assert "tidak dilampirkan pada email ini" in text_of(mail) and "0,01 MB" in text_of(mail)
        assert "- besar.pdf" in text_of(mail) and f"/lacak/{created['id']}" in text_of(mail)
        # A request for pickup gets the delivery task; its email names the documents, attaches nothing.
        pickup = await s.submit(delivery_method="pickup", copy_format="hardcopy")
        assert (await _decide(s, pickup["id"], ppid, [("kecil.pdf", PDF)])).status_code == 200
        tasks = (await s.http.get("/v1/tasks", headers=ppid)).json()
        assert any(t["kind"] == "deliver_information" and t["case_id"] == pickup["id"] for t in tasks)
