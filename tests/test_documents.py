"""The documents given to the requester: which files are accepted, under which name and type they are kept and
served (api/documents.py)."""

from __future__ import annotations

import hashlib

import pytest

from api.documents import MAX_DOCUMENT_BYTES, DocumentRefused, check_upload, clean_filename, download
from db.models import Document

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
        content_type="application/pdf", size=len(PDF), sha256="", content=PDF, uploaded_by="ppid@x.example",
    )  # fmt: skip
    response = download(document)
    assert response.body == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Surat keputusan_final.pdf\"; filename*=UTF-8''Surat%20keputusan%E2%80%94final.pdf"
    )
    assert "sandbox" in response.headers["content-security-policy"]
