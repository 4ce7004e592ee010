"""Notices rendered from Jinja2 templates in Bahasa Indonesia: subject on the first line, then the text.

Subjects carry the registration number and never personal data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    autoescape=False,  # plain-text email
    keep_trailing_newline=True,
    trim_blocks=False,
)

OUTCOME_LABELS = {
    "granted": "Permohonan diterima seluruhnya",
    "partially_granted": "Permohonan diterima sebagian",
    "rejected": "Permohonan ditolak (informasi yang dikecualikan)",
    "not_held": "Informasi tidak dikuasai oleh badan publik ini",
    "not_yet_documented": "Informasi belum dikuasai atau belum didokumentasikan",
}


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
