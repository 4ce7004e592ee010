"""The law in one place: every statutory clock and the rules that combine them, each with its article.

The workflows, the activities, the API, the notice and page templates and the case file read these values;
none of them restates a number of days or an article. Changing a period of the law (say T4 from 30 to 20
working days) is a change of one line here. docs/domain.md describes each clock in words.

Pure data: no I/O, importable inside the Temporal workflow sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum


class Actor(StrEnum):
    """Who must act before a clock ends."""

    PPID = "ppid"
    ATASAN_PPID = "atasan_ppid"
    REQUESTER = "requester"
    KOMISI = "komisi"
    PARTY = "party"  # either party of a KI decision (a court objection)


class Calendar(StrEnum):
    """Whose working days a clock counts."""

    BODY = "body"  # the body's own calendar and time zone (national + its regional days)
    KOMISI = "komisi"  # the national calendar in the Komisi Informasi's time zone


@dataclass(frozen=True)
class Reminder:
    """A notice to whoever must act, `working_days_before` the clock ends (at REMINDER_HOUR local time)."""

    kind: str
    working_days_before: int


@dataclass(frozen=True)
class Clock:
    code: str  # T1 … T8, as the API, the pages and the case file name them
    working_days: int
    counts_from: str  # the event that starts it, in words (Indonesian, as the pages show it)
    description: str  # what must happen before it ends (Indonesian)
    article: str  # the article of UU 14/2008 (or the regulation) that sets it
    actor: Actor
    calendar: Calendar = Calendar.BODY
    reminders: tuple[Reminder, ...] = ()

    def days_text(self) -> str:
        """`10 hari kerja`: how notices and pages state the period."""
        return f"{self.working_days} hari kerja"


# Reminders go out at the start of the working day, local time (not statutory: the product's service level).
REMINDER_HOUR = time(8, 0)

T1 = Clock(
    "T1", 10, "permohonan diterima", "pemberitahuan tertulis", "Pasal 22 ayat (7)", Actor.PPID,
    reminders=(Reminder("reminder_3", 3), Reminder("extension_prompt", 2), Reminder("reminder_1", 1)),
)  # fmt: skip
T2 = Clock(
    "T2", 7, "berakhirnya T1", "pemberitahuan tertulis setelah perpanjangan", "Pasal 22 ayat (8)", Actor.PPID,
    reminders=(Reminder("reminder_3", 3), Reminder("reminder_1", 1)),
)  # fmt: skip
T3 = Clock(
    "T3", 30, "pemberitahuan tertulis diterima, atau berakhirnya T1/T2", "pengajuan keberatan",
    "Pasal 36 ayat (1)", Actor.REQUESTER,
)  # fmt: skip
T4 = Clock(
    "T4", 30, "keberatan dicatat", "tanggapan tertulis Atasan PPID", "Pasal 36 ayat (2)", Actor.ATASAN_PPID,
    reminders=(Reminder("atasan_reminder_10", 10), Reminder("atasan_reminder_5", 5), Reminder("atasan_reminder_1", 1)),
)  # fmt: skip
T5 = Clock(
    "T5", 14, "tanggapan Atasan PPID diterima, atau berakhirnya T4", "pengajuan sengketa ke Komisi Informasi",
    "Pasal 37 ayat (2)", Actor.REQUESTER,
)  # fmt: skip
T6 = Clock(
    "T6", 14, "sengketa diregistrasi", "Komisi Informasi mulai menyelesaikan sengketa", "Pasal 38 ayat (1)",
    Actor.KOMISI, Calendar.KOMISI,
)  # fmt: skip
T7 = Clock(
    "T7", 100, "sengketa diregistrasi", "penyelesaian sengketa", "Pasal 38 ayat (2)", Actor.KOMISI,
    Calendar.KOMISI,
)  # fmt: skip
T8 = Clock(
    "T8", 14, "putusan ajudikasi diterima", "keberatan ke pengadilan", "Pasal 48 ayat (1)", Actor.PARTY,
    Calendar.KOMISI,
)  # fmt: skip

CLOCKS: dict[str, Clock] = {c.code: c for c in (T1, T2, T3, T4, T5, T6, T7, T8)}

# --- Rules that combine the clocks ------------------------------------------------------------------------

# Pasal 22(8): the PPID may extend T1 once, with a written reason, before T1 ends.
EXTENSIONS_ALLOWED = 1
# Pasal 36(1): T3 counts from the written notice; a decision given after T1/T2 ended is late, and T3 then
# counts from the later of the lapse and the notice, so a late decision never shortens the requester's window.
LATE_DECISION_NEVER_SHORTENS_T3 = True
# Pasal 35(1): the objection reasons a-g; Pasal 40(2): mediation only for reasons b-g (a refusal on a
# Pasal 17 ground, reason a, goes to adjudication alone).
OBJECTION_REASONS = ("a", "b", "c", "d", "e", "f", "g")
MEDIATION_REASONS = frozenset("bcdefg")
# Pasal 47: a court objection goes to the PTUN when the respondent is a state body, otherwise to the
# Pengadilan Negeri; recorded within T8 it stops the decision from becoming final.
COURT_FOR_STATE_BODY = "Pengadilan Tata Usaha Negara"
COURT_OTHERWISE = "Pengadilan Negeri"

# --- Periods around the single case ----------------------------------------------------------------------

# PP 61/2010 Pasal 11: the PPID determines whether excepted information opens, 30 working days before its
# exemption period ends; with no determination it opens when the period ends.
DIK_DETERMINATION_WORKING_DAYS = 30
DIK_DETERMINATION_ARTICLE = "PP No. 61 Tahun 2010 Pasal 11"
# The consequence test's review (PPID Utama) and approval (Atasan PPID, PP 61/2010 Pasal 3(2)): the product's
# service levels, in working days, unless the directory file sets them for a body.
CONSEQUENCE_TEST_REVIEW_DAYS = 5
CONSEQUENCE_TEST_APPROVAL_DAYS = 5
# UU 14/2008 Pasal 12 and Perki 1/2021 Pasal 56: the yearly service report, three months after the year ends
# (31 March of the next year, end of the day, local time).
ANNUAL_REPORT_DUE_MONTH, ANNUAL_REPORT_DUE_DAY = 3, 31
ANNUAL_REPORT_ARTICLE = "Pasal 12 UU No. 14 Tahun 2008; Pasal 56 Peraturan Komisi Informasi No. 1 Tahun 2021"
# A notice the PPID must send by letter or phone (requester without email): due the next working day.
MANUAL_NOTICE_WORKING_DAYS = 1


def clock(code: str) -> Clock:
    return CLOCKS[code]


# --- Reminders and lead times of the periods around the single case ----------------------------------------
# Not statutory: the product's service levels, each before a period whose article is named above.

# The consequence test's review and approval (CONSEQUENCE_TEST_REVIEW_DAYS / APPROVAL_DAYS): reminders before
# the step's due date, to whoever must act (the PPID Utama, the Atasan PPID).
CONSEQUENCE_TEST_STEP_REMINDERS = (Reminder("reminder_2", 2), Reminder("reminder_1", 1))
CONSEQUENCE_TEST_APPROVAL_ARTICLE = "PP No. 61 Tahun 2010 Pasal 3 ayat (2)"
# PP 61/2010 Pasal 11: the PPID's determination task appears this many working days before its due date (so
# that the PPID has time to decide), with reminders before the due date.
DIK_DETERMINATION_LEAD_WORKING_DAYS = 10
DIK_DETERMINATION_REMINDERS = (
    Reminder("determination_reminder_5", 5),
    Reminder("determination_reminder_1", 1),
)
# UU 14/2008 Pasal 12, Perki 1/2021 Pasal 56: the yearly report's reminders to the PPID Utama before its due
# date; the period as notices state it (the year is the calendar year, the due day the month's last day).
ANNUAL_REPORT_REMINDERS = (
    Reminder("report_reminder_10", 10),
    Reminder("report_reminder_5", 5),
    Reminder("report_reminder_1", 1),
)
ANNUAL_REPORT_PERIOD_TEXT = f"{ANNUAL_REPORT_DUE_MONTH} bulan setelah tahun anggaran berakhir"
# Perki 1/2022: the KI's yearly monev. Reminders to the bodies that have not submitted their self-assessment
# before the window closes, and to the KI before its verification deadline (dates the KI sets for its round).
MONEV_ARTICLE = "Peraturan Komisi Informasi Nomor 1 Tahun 2022"
MONEV_BODY_REMINDERS = (Reminder("reminder_5", 5), Reminder("reminder_1", 1))
MONEV_VERIFICATION_REMINDER = Reminder("verification_reminder", 3)
