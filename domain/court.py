"""The objection before a court against a Komisi Informasi adjudication decision (keberatan ke pengadilan,
Pasal 47-48; Perma 2/2011): which court hears it, and when recording one is refused. Pure functions, shared
by the dispute workflow's validator and the API."""

from __future__ import annotations

from datetime import date

from domain import law
from domain.dates_id import format_date

PTUN = "ptun"
PENGADILAN_NEGERI = "pengadilan_negeri"
COURT_KINDS = {
    PTUN: law.COURT_FOR_STATE_BODY,  # the body is a state body (Pasal 47 ayat (1))
    PENGADILAN_NEGERI: law.COURT_OTHERWISE,  # any other public body (Pasal 47 ayat (2))
}
ADJUDICATION_OUTCOMES = frozenset(
    {"adjudication_granted", "adjudication_partially_granted", "adjudication_rejected"}
)


def court_kind(state_body: bool) -> str:
    """Pasal 47: a state body is sued before the PTUN, any other public body before the Pengadilan Negeri."""
    return PTUN if state_body else PENGADILAN_NEGERI


def court_article(kind: str) -> str:
    return "Pasal 47 ayat (1)" if kind == PTUN else "Pasal 47 ayat (2)"


def court_text_problem(court: str, kind: str) -> str | None:
    """Why the court as written is not the one with jurisdiction, or None. The text is free (the clerk writes
    the court's full name); only a text that names the other kind of court is refused."""
    words = f" {court.lower().replace('.', ' ')} "
    names_ptun = "tata usaha" in words or " ptun " in words
    names_pn = ("pengadilan negeri" in words or " pn " in words) and not names_ptun
    wrong = names_pn if kind == PTUN else names_ptun
    if not wrong:
        return None
    whose = "badan publik negara" if kind == PTUN else "badan publik selain badan publik negara"
    return (
        f"keberatan atas putusan terhadap {whose} diajukan ke {COURT_KINDS[kind]} ({court_article(kind)}), "
        f"bukan ke {court.strip()}"
    )


def filing_text(filing: dict[str, object]) -> str:
    """`Pengadilan Tata Usaha Negara Pontianak, nomor perkara 12/G/KI/2026/PTUN.PTK, diajukan 3 Desember 2026`."""
    filed_on = date.fromisoformat(str(filing["filed_on"]))
    return f"{filing['court']}, nomor perkara {filing['case_number']}, diajukan {format_date(filed_on)}"


def refusal(
    status: str, *, adjudicated: bool, t8_over: bool, final_due_text: str | None,
    filing: dict[str, object] | None,
) -> str | None:  # fmt: skip
    """Why a court objection cannot be recorded on a dispute in this state (the API answers 409), or None.

    `status` is the dispute's (DisputeStatus value); `adjudicated` whether the KI's outcome is an adjudication
    decision; `t8_over` whether T8 (law.T8, Pasal 48 ayat (1)) has ended, `final_due_text` its end in words."""
    if status == "court_objection" and filing is not None:
        return f"Keberatan ke pengadilan atas putusan ini sudah dicatat: {filing_text(filing)}."
    if status in ("submitted", "registered", "mediation", "adjudication"):
        return (
            "Sengketa ini belum diputus; keberatan ke pengadilan hanya dapat diajukan atas putusan ajudikasi "
            "Komisi Informasi (Pasal 47-48)."
        )
    if not adjudicated:
        return (
            "Sengketa ini tidak diakhiri dengan putusan ajudikasi; keberatan ke pengadilan hanya dapat "
            "diajukan atas putusan ajudikasi Komisi Informasi (Pasal 47-48)."
        )
    if t8_over or status != "decided":
        return (
            f"Jangka waktu keberatan ke pengadilan ({law.T8.days_text()} sejak putusan diterima, {law.T8.article}) "
            f"berakhir pada {final_due_text or '-'}; tidak tercatat keberatan sampai saat itu, dan menurut "
            "catatan sistem putusan telah berkekuatan hukum tetap."
        )
    return None
