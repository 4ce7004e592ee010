"""The status of a request, an objection or a dispute in the words a person reads. The enum values
(domain/enums.py) are the API's and the registers' names; a sentence in Indonesian uses these instead."""

from __future__ import annotations

# Values shared by two enums mean the same in both ("registered", "overdue", "decided", "closed").
STATUS_LABELS: dict[str, str] = {
    "received": "diterima, menunggu keputusan",
    "extended": "diperpanjang",
    "decided": "sudah diputuskan",
    "overdue": "tidak ditanggapi dalam batas waktu",
    "closed": "selesai",
    "registered": "teregistrasi",
    "answered": "sudah dijawab",
    "accepted": "jawaban diterima pemohon",
    "disputed": "diajukan sebagai sengketa",
    "submitted": "diajukan, menunggu registrasi",
    "mediation": "mediasi",
    "adjudication": "ajudikasi",
    "final": "berkekuatan hukum tetap",
    "court_objection": "diajukan keberatan ke pengadilan",
}


def status_label(status: str) -> str:
    """`status` in Indonesian: 'decided' -> 'sudah diputuskan' (an unknown value is returned as it is)."""
    return STATUS_LABELS.get(str(status), str(status))
