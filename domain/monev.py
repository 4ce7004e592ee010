"""The Komisi Informasi's yearly monitoring and evaluation (monev, Perki 1/2022): the questionnaire's seed,
the weighted score, the qualification bands and the ranking. Pure: no I/O, no clock.

The score of a body is computed from the KI's verified scores (each question 0-100): an indicator scores the
mean of its questions, the total is the sum of weight x indicator score / 100 with weights that sum to 100.

Qualification (KI Pusat, consistently since 2018): Informatif 90-100, Menuju Informatif 80-89.9, Cukup Informatif
60-79.9, Kurang Informatif 40-59.9, Tidak Informatif below 40. The published score has two decimals and the
band is read from that published score, so anyone can check it from the ranking: the total is first rounded to
2 decimals (half up), then banded with "at least" thresholds (>= 90, >= 80, >= 60, >= 40). A score between the
bands as they are written (89.95) is therefore Menuju Informatif: it has not reached 90; 89.995 rounds to 90.00
and is Informatif.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel

TWO_PLACES = Decimal("0.01")
MAX_SCORE = Decimal(100)
WEIGHT_TOTAL = Decimal(100)


class Qualification(StrEnum):
    INFORMATIF = "Informatif"
    MENUJU_INFORMATIF = "Menuju Informatif"
    CUKUP_INFORMATIF = "Cukup Informatif"
    KURANG_INFORMATIF = "Kurang Informatif"
    TIDAK_INFORMATIF = "Tidak Informatif"


# (lowest published score of the band, the band), highest first.
BANDS: tuple[tuple[Decimal, Qualification], ...] = (
    (Decimal(90), Qualification.INFORMATIF),
    (Decimal(80), Qualification.MENUJU_INFORMATIF),
    (Decimal(60), Qualification.CUKUP_INFORMATIF),
    (Decimal(40), Qualification.KURANG_INFORMATIF),
    (Decimal(0), Qualification.TIDAK_INFORMATIF),
)
BAND_TEXT = {
    Qualification.INFORMATIF: "90–100",
    Qualification.MENUJU_INFORMATIF: "80–89,9",
    Qualification.CUKUP_INFORMATIF: "60–79,9",
    Qualification.KURANG_INFORMATIF: "40–59,9",
    Qualification.TIDAK_INFORMATIF: "di bawah 40",
}


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    # Through str: a float such as 89.9 becomes Decimal("89.9"), not its binary expansion.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_score(value: Decimal | float | int | str) -> Decimal:
    """The published score: two decimals, half up."""
    return to_decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def qualification(score: Decimal | float | int | str) -> Qualification:
    """The band of a total score (0-100), read from the score rounded to two decimals."""
    published = round_score(score)
    if published < 0 or published > MAX_SCORE:
        raise ValueError(f"a monev score is between 0 and 100, not {published}")
    return next(band for lowest, band in BANDS if published >= lowest)


def weights_problem(weights: Iterable[Decimal | float | int | str]) -> str | None:
    """Why these indicator weights cannot be used (Indonesian, with their sum), or None when they sum to 100."""
    values = [to_decimal(w) for w in weights]
    if not values:
        return "kuesioner harus memuat paling sedikit satu indikator"
    if any(v < 0 for v in values):
        return "bobot indikator tidak boleh negatif"
    total = sum(values, Decimal(0))
    if total != WEIGHT_TOTAL:
        return f"jumlah bobot indikator harus 100, sekarang {format_number(total)}"
    return None


def format_number(value: Decimal | float | int) -> str:
    """`89.5` → `89,5`; `90.00` → `90`; `72.25` → `72,25` (the Indonesian decimal comma)."""
    number = to_decimal(value)
    text = f"{number.quantize(TWO_PLACES, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    weight: Decimal
    question_scores: tuple[Decimal | None, ...]  # None: not scored yet (counts 0 in the total)

    @property
    def score(self) -> Decimal:
        """The mean of its questions' scores (0 for an indicator without questions)."""
        if not self.question_scores:
            return Decimal(0)
        total = sum((s or Decimal(0) for s in self.question_scores), Decimal(0))
        return total / len(self.question_scores)

    @property
    def complete(self) -> bool:
        return all(s is not None for s in self.question_scores)


def score_problem(score: Decimal | float | int | str) -> str | None:
    value = to_decimal(score)
    if value < 0 or value > MAX_SCORE:
        return "nilai harus antara 0 dan 100"
    return None


def total_score(indicators: Sequence[IndicatorScore]) -> Decimal:
    """Sum of weight x indicator score / 100, rounded to two decimals; ValueError when the weights do not
    sum to 100 (the questionnaire cannot be opened so)."""
    problem = weights_problem(i.weight for i in indicators)
    if problem:
        raise ValueError(problem)
    for indicator in indicators:
        for score in indicator.question_scores:
            if score is not None and score_problem(score):
                raise ValueError(f"{indicator.code}: {score_problem(score)}")
    total = sum((i.weight * i.score for i in indicators), Decimal(0)) / WEIGHT_TOTAL
    return round_score(total)


@dataclass(frozen=True)
class Ranked:
    key: str
    score: Decimal
    rank: int
    qualification: Qualification


def rank(scores: Iterable[tuple[str, Decimal | float | int | str]]) -> list[Ranked]:
    """Highest score first; equal published scores share a rank and the next rank skips (1, 2, 2, 4).
    Equal scores are listed by key so the order is stable."""
    published = sorted(((key, round_score(s)) for key, s in scores), key=lambda item: (-item[1], item[0]))
    ranked: list[Ranked] = []
    for position, (key, score) in enumerate(published, start=1):
        shared = ranked[-1].rank if ranked and ranked[-1].score == score else position
        ranked.append(Ranked(key, score, shared, qualification(score)))
    return ranked


# --- the seed questionnaire ---------------------------------------------------------------------------------


class Prefill(StrEnum):
    """Questions the registers can answer: the body's figures and links are filled in for it to check."""

    REPORT_ON_TIME = "report_on_time"  # the yearly service report submitted by 31 March (UU Pasal 12)
    DIP_PUBLISHED = "dip_published"  # the DIP published and refreshed (UU Pasal 9(3), 11(1)(a))
    DIK_PUBLISHED = "dik_published"  # the DIK published (Perki 1/2021)
    ANSWERED_ON_TIME = "answered_on_time"  # share of requests answered within 10 (+7) working days (Pasal 22)


PREFILL_LABELS = {
    Prefill.REPORT_ON_TIME: "Laporan layanan informasi publik tahun lalu disampaikan paling lambat 31 Maret",
    Prefill.DIP_PUBLISHED: "Daftar Informasi Publik diumumkan dan dimutakhirkan",
    Prefill.DIK_PUBLISHED: "Daftar Informasi yang Dikecualikan diumumkan",
    Prefill.ANSWERED_ON_TIME: "Persentase permohonan yang dijawab dalam jangka waktu Pasal 22",
}
# A DIP entry of the periodic category must be refreshed at least every 6 months (UU Pasal 9 ayat (3)).
DIP_FRESH_MONTHS = 6


@dataclass(frozen=True)
class SeedQuestion:
    text: str
    evidence: str
    prefill: Prefill | None = None


@dataclass(frozen=True)
class SeedIndicator:
    code: str
    name: str
    weight: int
    questions: tuple[SeedQuestion, ...] = field(default_factory=tuple)


# The six indicators of the KI Pusat e-Monev under Perki 1/2022; default weights those KI Pusat used in 2025
# (jenis informasi 40 %, digitalisasi 20 %, the others 10 % each). Each KI edits them before opening its round.
SEED: tuple[SeedIndicator, ...] = (
    SeedIndicator("SP", "Sarana dan prasarana", 10, (
        SeedQuestion("Apakah badan publik memiliki ruang atau meja layanan informasi yang khusus?",
                     "Foto ruang/meja layanan informasi dan papan nama"),
        SeedQuestion("Apakah layanan informasi dapat diakses penyandang disabilitas?",
                     "Foto sarana aksesibilitas (ramp, huruf braille, juru bahasa isyarat) atau tautan layanan"),
        SeedQuestion("Apakah jadwal layanan informasi diumumkan?",
                     "Tautan atau foto pengumuman jadwal layanan"),
    )),
    SeedIndicator("KU", "Kualitas informasi", 10, (
        SeedQuestion("Apakah permohonan informasi dijawab dalam jangka waktu Pasal 22 UU 14/2008?",
                     "Register permohonan informasi tahun lalu", Prefill.ANSWERED_ON_TIME),
        SeedQuestion("Apakah laporan layanan informasi publik tahun lalu disampaikan paling lambat 31 Maret?",
                     "Laporan layanan informasi publik dan bukti penyampaian kepada Komisi Informasi",
                     Prefill.REPORT_ON_TIME),
        SeedQuestion("Apakah informasi yang diumumkan mutakhir, akurat dan mudah dipahami?",
                     "Tautan ke informasi yang diumumkan dengan tanggal pemutakhiran"),
    )),
    SeedIndicator("JI", "Jenis informasi", 40, (
        SeedQuestion("Apakah Daftar Informasi Publik diumumkan dan dimutakhirkan?",
                     "Tautan Daftar Informasi Publik dan tanggal pemutakhirannya", Prefill.DIP_PUBLISHED),
        SeedQuestion("Apakah Daftar Informasi yang Dikecualikan beserta uji konsekuensinya diumumkan?",
                     "Tautan Daftar Informasi yang Dikecualikan dan penetapannya", Prefill.DIK_PUBLISHED),
        SeedQuestion("Apakah informasi berkala (Pasal 9), serta merta (Pasal 10) dan tersedia setiap saat "
                     "(Pasal 11) diumumkan?",
                     "Tautan ke setiap kategori informasi pada laman PPID"),
        SeedQuestion("Apakah laporan keuangan dan anggaran badan publik diumumkan?",
                     "Tautan laporan keuangan dan dokumen anggaran tahun berjalan"),
    )),
    SeedIndicator("KO", "Komitmen organisasi", 10, (
        SeedQuestion("Apakah PPID ditetapkan dengan keputusan pimpinan badan publik?",
                     "Surat keputusan penetapan PPID"),
        SeedQuestion("Apakah tersedia anggaran dan petugas khusus untuk layanan informasi?",
                     "Dokumen anggaran layanan informasi dan daftar petugas"),
    )),
    SeedIndicator("IS", "Inovasi dan strategi", 10, (
        SeedQuestion("Apakah badan publik memiliki inovasi layanan informasi?",
                     "Uraian inovasi dan bukti pelaksanaannya (foto, tautan, dokumen)"),
        SeedQuestion("Apakah badan publik menyosialisasikan hak atas informasi kepada masyarakat?",
                     "Dokumentasi kegiatan sosialisasi"),
    )),
    SeedIndicator("DG", "Digitalisasi", 20, (
        SeedQuestion("Apakah tersedia layanan permohonan informasi dan keberatan secara daring?",
                     "Tautan formulir permohonan dan keberatan daring"),
        SeedQuestion("Apakah laman PPID dan media sosial badan publik dikelola secara aktif?",
                     "Tautan laman PPID dan akun media sosial resmi"),
        SeedQuestion("Apakah tersedia aplikasi atau kanal digital lain untuk layanan informasi?",
                     "Tautan aplikasi atau kanal digital"),
    )),
)  # fmt: skip


# --- what the round's workflow and its activities exchange (workflows/monev.py) ------------------------------


class MonevStart(BaseModel):
    """The round as the KI opened it: the window and the verification deadline as instants in the KI's zone
    (opens 00:00 of its first day, closes and is due 23:59:59 of their last day)."""

    round_id: str
    komisi: str
    komisi_timezone: str
    year: int
    opens_at: datetime
    closes_at: datetime
    verification_due_at: datetime


class MonevEvent(BaseModel):
    """One event of the round, with the round's status the workflow decided at it (None keeps it); the
    reminders' kinds and offsets are domain/law.py's (MONEV_BODY_REMINDERS, MONEV_VERIFICATION_REMINDER)."""

    round_id: str
    # opened | reminder_5 | reminder_1 | window_closed | verification_reminder | verification_overdue | published
    event: str
    at: datetime
    actor: str | None = None
    status: str | None = None  # db/monev.py OPEN | CLOSED | PUBLISHED


class MonevPublish(BaseModel):
    actor: str
