"""What the pages' forms share: a posted form's state, the API's 422 errors turned into messages beside the
fields, and the request form (Perki 1/2021) turned into the API's RequestIn data, so that the desk intake
(api/web/requests.py) and the citizen's form (api/web/public/intake.py) register a request through one mapping."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException

from api.errors import field_name, indonesian

# The request form's field -> the API's field (dotted path of its 422).
INTAKE_FIELDS = {
    "channel": "saluran", "unit": "unit", "requester.kind": "jenis", "requester.name": "nama",
    "requester.nik": "nik", "requester.legal_entity_number": "nomor_badan_hukum", "requester.address": "alamat",
    "requester.email": "email", "requester.phone": "telepon", "requester.occupation": "pekerjaan",
    "requester.proxy": "kuasa_nama", "requester.proxy.name": "kuasa_nama",
    "requester.proxy.document_reference": "kuasa_surat", "information": "rincian", "purpose": "tujuan",
    "obtain_method": "cara_memperoleh", "copy_format": "bentuk_salinan", "delivery_method": "cara_mendapatkan",
}  # fmt: skip
# The request form's own fields (the desk adds "saluran" and "unit", the citizen's form "badan" and "unit").
REQUEST_FORM_NAMES = [
    "jenis", "nama", "nik", "nomor_badan_hukum", "alamat", "email", "telepon", "pekerjaan", "kuasa_nama",
    "kuasa_surat", "rincian", "tujuan", "cara_memperoleh", "bentuk_salinan", "cara_mendapatkan", "kunci",
]  # fmt: skip
# What a choice left empty (or tampered with) needs, instead of the API's list of English values.
CHOICES = {
    "keputusan": "Pilih keputusan",
    "pasal": "Pilih pasal pengecualian (Pasal 17) untuk penolakan seluruh atau sebagian",
    "uji_konsekuensi": "Isi ringkasan uji konsekuensi (Pasal 19) untuk penolakan seluruh atau sebagian",
    "alasan_keberatan": "Pilih sedikitnya satu alasan keberatan",
    "unit": "Pilih unit tujuan",
    "saluran": "Pilih saluran permohonan",
    "jenis": "Pilih jenis pemohon",
    "cara_memperoleh": "Pilih cara memperoleh informasi",
    "bentuk_salinan": "Pilih bentuk salinan",
    "cara_mendapatkan": "Pilih cara mendapatkan salinan informasi",
}
CHOICE_TYPES = {"missing", "enum", "literal_error"}
# What a required text left empty needs (the API says only that null is not text).
REQUIRED = {
    "nama": "Isi nama pemohon",
    "alamat": "Isi alamat pemohon",
    "rincian": "Tulis rincian informasi yang diminta",
    "tujuan": "Tulis tujuan penggunaan informasi",
}
EMPTY_TYPES = {"missing", "string_type"}
KEY = re.compile(r"[0-9a-f]{32}")


@dataclass
class FormState:
    """A form of the page as it was posted: what was typed, the messages beside its fields and beside it."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def form_errors(errors: Iterable[Any], fields: dict[str, str]) -> dict[str, str]:
    """The API's 422 errors (pydantic's, or a route's own in FastAPI's shape) as {form field: message}: the
    API's Indonesian message without the API's field name, and never the value that was typed."""
    found: dict[str, str] = {}
    for error in errors:
        if not isinstance(error, dict):
            continue
        loc = [part for part in error.get("loc", ()) if part not in ("body", "query")]
        path = ".".join(str(part) for part in loc if isinstance(part, str))
        name = fields.get(path) or fields.get(path.rsplit(".", 1)[-1]) or "form"
        if name in CHOICES and error.get("type") in CHOICE_TYPES:
            message = CHOICES[name]
        elif name in REQUIRED and error.get("type") in EMPTY_TYPES and error.get("input") is None:
            message = REQUIRED[name]
        else:
            message = str(indonesian(error)["msg"]).removeprefix(f"{field_name(loc)}: ")
            message = sentence(message)
        found.setdefault(name, message)
    return found


def refused(exc: HTTPException, fields: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """A refusal of the API as (messages beside the fields, the sentence beside the form)."""
    if exc.status_code == 422 and isinstance(exc.detail, list):
        errors = form_errors(exc.detail, fields)
        return errors, errors.pop("form", None)
    text = exc.detail if isinstance(exc.detail, str) else "Tindakan ini tidak dapat dilakukan."
    return {}, sentence(text)


def blank_to_none(values: Mapping[str, str]) -> dict[str, str | None]:
    return {k: (v.strip() or None) for k, v in values.items()}


def posted_values(form: Mapping[str, Any], names: Iterable[str], limit: int = 5000) -> dict[str, str]:
    """The named fields of a posted form as text (a missing one as ""), each cut at `limit` characters."""
    return {n: str(form.get(n) or "")[:limit] for n in names}


def form_key(value: str) -> str:
    """The form's idempotency key as posted, or a new one when it is missing or not one of ours."""
    return value if KEY.fullmatch(value) else uuid.uuid4().hex


def request_data(
    values: Mapping[str, str], *, body: str | None, unit: str | None, channel: str | None
) -> dict[str, Any]:
    """The request form (field names of REQUEST_FORM_NAMES) as the data of the API's RequestIn."""
    v = blank_to_none(values)
    kind = v.get("jenis")
    proxy = (
        {"name": v.get("kuasa_nama") or "", "document_reference": v.get("kuasa_surat") or ""}
        if v.get("kuasa_nama") or v.get("kuasa_surat") else None
    )  # fmt: skip
    return {
        "body": body,
        "unit": unit,
        "requester": {
            "kind": kind,
            "name": v.get("nama"),
            # Only the identity the kind of requester has: a NIK for a person or a group, a decree number for a
            # legal entity (the other field, if typed, is not kept).
            "nik": v.get("nik") if kind != "legal_entity" else None,
            "legal_entity_number": v.get("nomor_badan_hukum") if kind == "legal_entity" else None,
            "address": v.get("alamat"), "email": v.get("email"), "phone": v.get("telepon"),
            "occupation": v.get("pekerjaan"), "proxy": proxy,
        },
        "information": v.get("rincian"), "purpose": v.get("tujuan"), "obtain_method": v.get("cara_memperoleh"),
        "copy_format": v.get("bentuk_salinan") if v.get("cara_memperoleh") == "copy" else None,
        "delivery_method": v.get("cara_mendapatkan"), "channel": channel,
    }  # fmt: skip
