"""Notices rendered from Jinja2 templates in Bahasa Indonesia: subject on the first line, then the text.

Subjects carry the registration number and never personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from domain import law

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    autoescape=False,  # plain-text email
    keep_trailing_newline=True,
    trim_blocks=False,
)
# `law.T4.days_text()`, `law.T4.article`: notices state periods and articles from domain/law.py.
_env.globals["law"] = law

OUTCOME_LABELS = {
    "granted": "Permohonan diterima seluruhnya",
    "partially_granted": "Permohonan diterima sebagian",
    "rejected": "Permohonan ditolak (informasi yang dikecualikan)",
    "not_held": "Informasi tidak dikuasai oleh badan publik ini",
    "not_yet_documented": "Informasi belum dikuasai atau belum didokumentasikan",
}
GRANTING_OUTCOMES = {"granted", "partially_granted"}
# How the requester asked to obtain and receive the information (the intake form, Pasal 22(2)).
OBTAIN_LABELS = {
    "view": "melihat, membaca, mendengarkan atau mencatat informasi (tanpa salinan)",
    "copy": "mendapatkan salinan informasi",
}
COPY_FORMAT_LABELS = {
    "softcopy": "mendapatkan salinan elektronik (softcopy)",
    "hardcopy": "mendapatkan salinan tercetak (hardcopy)",
}
DELIVERY_LABELS = {
    "pickup": "diambil langsung di kantor PPID",
    "post": "dikirim melalui pos",
    "courier": "dikirim melalui kurir",
    "email": "dikirim melalui email",
}


def obtain_text(obtain_method: str, copy_format: str | None) -> str:
    """`copy` + `hardcopy` → `mendapatkan salinan tercetak (hardcopy)`; `view` → seeing/reading it, no copy."""
    if obtain_method == "copy" and copy_format:
        return COPY_FORMAT_LABELS.get(copy_format, copy_format)
    return OBTAIN_LABELS.get(obtain_method, obtain_method)


def fee_text(fee_idr: int | None) -> str:
    """`15000` → `Rp15.000`; none or 0 → `tanpa biaya` (the service is free, Pasal 22(7)(g))."""
    return f"Rp{fee_idr:,}".replace(",", ".") if fee_idr else "tanpa biaya"


@dataclass(frozen=True)
class Notice:
    recipient: str
    recipient_role: str  # requester | ppid | atasan_ppid | head | komisi
    subject: str
    text: str


def render(template: str, recipient: str, recipient_role: str, context: dict[str, Any]) -> Notice:
    rendered = _env.get_template(f"{template}.txt.j2").render(**context)
    first, _, rest = rendered.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"template {template} must start with a Subject: line")
    return Notice(recipient, recipient_role, first.removeprefix("Subject: ").strip(), rest.lstrip("\n"))


CLOCK_TEXTS = {
    "T1": "pemberitahuan tertulis PPID (Pasal 22 ayat (7))",
    "T2": "pemberitahuan tertulis PPID setelah perpanjangan (Pasal 22 ayat (8))",
    "T3": "pengajuan keberatan kepada Atasan PPID (Pasal 36 ayat (1))",
    "T4": "tanggapan Atasan PPID atas keberatan (Pasal 36 ayat (2))",
    "T5": "pengajuan sengketa kepada Komisi Informasi (Pasal 37 ayat (2))",
    "T6": "dimulainya penyelesaian sengketa oleh Komisi Informasi (Pasal 38 ayat (1))",
    "T7": "penyelesaian sengketa oleh Komisi Informasi (Pasal 38 ayat (2))",
    "T8": "keberatan ke pengadilan atas putusan Komisi Informasi (Pasal 48 ayat (1))",
}


def calendar_change_text(change: dict[str, Any]) -> str:
    from domain.dates_id import format_date

    day = format_date(date.fromisoformat(str(change["date"])))
    if change["action"] == "add":
        return f"{day} ditetapkan sebagai hari libur ({change.get('name') or 'hari libur'})"
    return f"{day} tidak lagi menjadi hari libur ({change.get('name') or 'pembatalan'})"


def deadline_moved(data: dict[str, Any], tz: str) -> tuple[str, dict[str, Any]]:
    """The timeline label and the template context of a deadline recomputed after a calendar change."""
    from domain.dates_id import format_datetime

    old = format_datetime(datetime.fromisoformat(str(data["old"])), tz)
    new = format_datetime(datetime.fromisoformat(str(data["new"])), tz)
    change = data["change"]
    clock = str(data["clock"])
    reason = calendar_change_text(change)
    if data.get("kept"):
        label = (
            f"Perubahan kalender ({reason}) akan memajukan tenggat {clock}; tanggal yang sudah diberitahukan "
            f"({old}) dipertahankan sampai administrator mengonfirmasi"
        )
    else:
        label = (
            f"Tenggat {clock} berubah dari {old} menjadi {new}: {reason} (kalender versi {change['version']})"
        )
    context = {
        "old": old, "new": new, "change_text": reason, "clock_text": CLOCK_TEXTS.get(clock, clock),
        "version": change["version"],
    }  # fmt: skip
    return label, context
