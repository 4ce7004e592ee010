"""Excepted information (informasi yang dikecualikan): the grounds of Pasal 17 UU 14/2008, the periods PP 61/2010
allows for each, what Pasal 18 says can never be excepted, and the expiry clock of PP 61/2010 Pasal 11.

Pure: no I/O. The consequence test workflow, its API and the DIK register read their rules from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain import law
from domain.calendar import WorkingCalendar, end_of_day, working_day_before
from domain.dates_id import format_date

LAW = "UU No. 14 Tahun 2008"
PP = "PP No. 61 Tahun 2010"


@dataclass(frozen=True)
class Ground:
    """One ground of Pasal 17: its letter, what opening the information would do, its points (angka), and the
    exemption period PP 61/2010 allows (`max_years` None: the PP sets no number of years)."""

    letter: str
    title: str
    points: tuple[str, ...]
    period_rule: str
    max_years: int | None = None

    @property
    def code(self) -> str:
        return f"17{self.letter}"

    @property
    def article(self) -> str:
        """`Pasal 17 huruf h UU No. 14 Tahun 2008`."""
        return f"Pasal 17 huruf {self.letter} {LAW}"

    def cite(self, point: int | None = None) -> str:
        """`Pasal 17 huruf h angka 2 UU No. 14 Tahun 2008`."""
        if point is None:
            return self.article
        return f"Pasal 17 huruf {self.letter} angka {point} {LAW}"


_OTHER_LAWS = f"sesuai peraturan perundang-undangan yang mengaturnya ({PP} Pasal 6-9)"
_HEAD_SETS = f"ditetapkan oleh pimpinan tertinggi badan publik ({PP} Pasal 6-9)"
GROUNDS: dict[str, Ground] = {
    g.code: g
    for g in (
        Ground(
            "a",
            "menghambat proses penegakan hukum",
            (
                "menghambat proses penyelidikan dan penyidikan suatu tindak pidana",
                "mengungkapkan identitas informan, pelapor, saksi, dan/atau korban yang mengetahui adanya "
                "tindak pidana",
                "mengungkapkan data intelijen kriminal dan rencana-rencana yang berhubungan dengan pencegahan "
                "dan penanganan segala bentuk kejahatan transnasional",
                "membahayakan keselamatan dan kehidupan penegak hukum dan/atau keluarganya",
                "membahayakan keamanan peralatan, sarana, dan/atau prasarana penegak hukum",
            ),
            f"paling lama 30 tahun ({PP} Pasal 5)",
            max_years=30,
        ),
        Ground(
            "b",
            "mengganggu kepentingan perlindungan hak atas kekayaan intelektual dan perlindungan dari "
            "persaingan usaha tidak sehat",
            (),
            _OTHER_LAWS,
        ),
        Ground(
            "c",
            "membahayakan pertahanan dan keamanan negara",
            (
                "strategi, intelijen, operasi, taktik dan teknik penyelenggaraan sistem pertahanan dan keamanan "
                "negara",
                "dokumen strategi, intelijen, operasi, teknik dan taktik penyelenggaraan sistem pertahanan dan "
                "keamanan negara",
                "jumlah, komposisi, disposisi, atau dislokasi kekuatan dan kemampuan pertahanan dan keamanan "
                "negara serta rencana pengembangannya",
                "gambar dan data tentang situasi dan keadaan pangkalan dan/atau instalasi militer",
                "data perkiraan kemampuan militer dan pertahanan negara lain",
                "sistem persandian negara",
                "sistem intelijen negara",
            ),
            _HEAD_SETS,
        ),
        Ground("d", "mengungkapkan kekayaan alam Indonesia", (), _HEAD_SETS),
        Ground(
            "e",
            "merugikan ketahanan ekonomi nasional",
            (
                "rencana awal pembelian dan penjualan mata uang nasional atau asing, saham dan aset vital "
                "milik negara",
                "rencana awal perubahan nilai tukar, suku bunga, dan model operasi institusi keuangan",
                "rencana awal perubahan suku bunga bank, pinjaman pemerintah, perubahan pajak, tarif, atau "
                "pendapatan negara/daerah lainnya",
                "rencana awal penjualan atau pembelian tanah atau properti",
                "rencana awal investasi asing",
                "proses dan hasil pengawasan perbankan, asuransi, atau lembaga keuangan lainnya",
                "hal-hal yang berkaitan dengan proses pencetakan uang",
            ),
            _HEAD_SETS,
        ),
        Ground(
            "f",
            "merugikan kepentingan hubungan luar negeri",
            (
                "posisi, daya tawar dan strategi negara dalam negosiasi internasional",
                "korespondensi diplomatik antarnegara",
                "sistem komunikasi dan persandian yang dipergunakan dalam menjalankan hubungan internasional",
                "perlindungan dan pengamanan infrastruktur strategis Indonesia di luar negeri",
            ),
            _HEAD_SETS,
        ),
        Ground(
            "g",
            "mengungkapkan isi akta otentik yang bersifat pribadi dan kemauan terakhir ataupun wasiat seseorang",
            (),
            f"dapat dibuka dengan persetujuan tertulis pihak yang rahasianya diungkap ({LAW} Pasal 18 ayat (2))",
        ),
        Ground(
            "h",
            "mengungkap rahasia pribadi",
            (
                "riwayat dan kondisi anggota keluarga",
                "riwayat, kondisi dan perawatan, pengobatan kesehatan fisik, dan psikis seseorang",
                "kondisi keuangan, aset, pendapatan, dan rekening bank seseorang",
                "hasil-hasil evaluasi sehubungan dengan kapabilitas, intelektualitas, dan rekomendasi "
                "kemampuan seseorang",
                "catatan yang menyangkut pribadi seseorang yang berkaitan dengan kegiatan satuan pendidikan "
                "formal dan satuan pendidikan nonformal",
            ),
            f"dapat dibuka dengan persetujuan tertulis pihak yang rahasianya diungkap atau bila berkaitan "
            f"dengan jabatan publik ({LAW} Pasal 18 ayat (2))",
        ),
        Ground(
            "i",
            "memorandum atau surat-surat antar badan publik atau intra badan publik yang menurut sifatnya "
            "dirahasiakan, kecuali atas putusan Komisi Informasi atau pengadilan",
            (),
            _OTHER_LAWS,
        ),
        Ground("j", "informasi yang tidak boleh diungkapkan berdasarkan undang-undang", (), _OTHER_LAWS),
    )
}
ARTICLES = list(GROUNDS)  # 17a … 17j


class InformationKind(StrEnum):
    """What the information is, as far as Pasal 18 ayat (1) UU 14/2008 is concerned: every kind but `other`
    can never be excepted."""

    OTHER = "other"
    COURT_DECISION = "court_decision"  # huruf a
    POLICY = "policy"  # huruf b: ketetapan, keputusan, peraturan, surat edaran, kebijakan
    SP3 = "sp3"  # huruf c
    LAW_ENFORCEMENT_BUDGET = "law_enforcement_budget"  # huruf d
    LAW_ENFORCEMENT_FINANCIAL_REPORT = "law_enforcement_financial_report"  # huruf e
    CORRUPTION_RECOVERY_REPORT = "corruption_recovery_report"  # huruf f
    OPENED_BY_DECISION = (
        "opened_by_decision"  # huruf g: declared open through keberatan/sengketa (Pasal 11(2))
    )


NEVER_EXCEPTED: dict[InformationKind, tuple[str, str]] = {
    InformationKind.COURT_DECISION: ("a", "putusan badan peradilan"),
    InformationKind.POLICY: (
        "b",
        "ketetapan, keputusan, peraturan, surat edaran, ataupun bentuk kebijakan lain serta pertimbangan "
        "lembaga penegak hukum",
    ),
    InformationKind.SP3: ("c", "surat perintah penghentian penyidikan atau penuntutan"),
    InformationKind.LAW_ENFORCEMENT_BUDGET: ("d", "rencana pengeluaran tahunan lembaga penegak hukum"),
    InformationKind.LAW_ENFORCEMENT_FINANCIAL_REPORT: ("e", "laporan keuangan tahunan lembaga penegak hukum"),
    InformationKind.CORRUPTION_RECOVERY_REPORT: ("f", "laporan hasil pengembalian uang hasil korupsi"),
    InformationKind.OPENED_BY_DECISION: (
        "g",
        "informasi yang telah dinyatakan terbuka melalui keberatan atau sengketa (Pasal 11 ayat (2))",
    ),
}


def never_excepted_problem(kind: InformationKind | str) -> str | None:
    """Why information of this kind cannot be excepted (Pasal 18 ayat (1)), or None."""
    found = NEVER_EXCEPTED.get(InformationKind(kind))
    if found is None:
        return None
    letter, what = found
    return f"{what} tidak termasuk informasi yang dikecualikan (Pasal 18 ayat (1) huruf {letter} {LAW})"


def point_problem(article: str, point: int | None) -> str | None:
    """A point (angka) the ground does not have, or None."""
    if point is None:
        return None
    ground = GROUNDS[article]
    if not ground.points:
        return f"Pasal 17 huruf {ground.letter} {LAW} tidak memiliki angka"
    if not 1 <= point <= len(ground.points):
        return f"Pasal 17 huruf {ground.letter} {LAW} memiliki angka 1 sampai {len(ground.points)}"
    return None


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_problem(article: str, today: date, until: date | None) -> str | None:
    """Why the exemption period ending on `until` is not allowed for this ground (PP 61/2010), or None."""
    if until is None:
        return None
    if until <= today:
        return "jangka waktu pengecualian harus berakhir setelah hari ini"
    ground = GROUNDS[article]
    if ground.max_years is not None and until > years_after(today, ground.max_years):
        limit = years_after(today, ground.max_years)
        return (
            f"jangka waktu pengecualian {ground.article} {ground.period_rule}: paling lambat sampai "
            f"{format_date(limit)}"
        )
    return None


# --- the expiry clock (PP 61/2010 Pasal 11) ----------------------------------------------------------------

# The periods are domain/law.py's: the PPID determines the opening at the latest
# DIK_DETERMINATION_WORKING_DAYS before the period ends (Pasal 11 ayat (1)); the task appears
# DIK_DETERMINATION_LEAD_WORKING_DAYS before its own due date, with DIK_DETERMINATION_REMINDERS.
DETERMINATION_WORKING_DAYS = law.DIK_DETERMINATION_WORKING_DAYS
DETERMINATION_ARTICLE = law.DIK_DETERMINATION_ARTICLE
DETERMINATION_LEAD_WORKING_DAYS = law.DIK_DETERMINATION_LEAD_WORKING_DAYS
DETERMINATION_REMINDERS = law.DIK_DETERMINATION_REMINDERS


def determination_due(until: date, calendar: WorkingCalendar) -> date:
    """The last day on which the PPID may determine the opening: DIK_DETERMINATION_WORKING_DAYS before
    `until`, the last day of the period (Pasal 11 ayat (1))."""
    return working_day_before(until, DETERMINATION_WORKING_DAYS, calendar)


def determination_opens(until: date, calendar: WorkingCalendar) -> date:
    """The day the determination task appears in the PPID's inbox."""
    return working_day_before(determination_due(until, calendar), DETERMINATION_LEAD_WORKING_DAYS, calendar)


def period_end(until: date, tz: str) -> datetime:
    """The moment the period is over and the information becomes public by itself (Pasal 11 ayat (2)): the
    end of its last day, local time, plus one second."""
    return end_of_day(until, tz) + timedelta(seconds=1)


def period_text(until: date | None, condition: str | None) -> str:
    """`sampai dengan 30 Juni 2027` or the condition as the test states it."""
    if until is not None:
        return f"sampai dengan {format_date(until)}"
    return condition or "-"
