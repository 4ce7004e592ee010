"""Notices to a requester who gave no email address (the intake then requires a phone; the postal address is
always given). No citizen is left without a notice: each one the requester is owed becomes a task for the PPID
who handles the case, to send it by letter to the postal address or to read it out by phone, and to record
when and how. Pure constants and helpers shared by the activities (which write the outbox row and open the
task), the API (which records the sending) and the staff desk."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from domain.dates_id import format_date

SEND_NOTICE_TASK = "send_notice"
# The outbox row's recipient when there is no email address to send to (the key of the row includes it).
MANUAL_RECIPIENT = "surat atau telepon"
# An outbox status the dispatcher never claims (activities/mail.py claims only `pending`): the PPID sends it.
MANUAL_STATUS = "manual"
# The task is due by the end of the working day after the event that caused the notice, on the body's calendar.
DUE_WORKING_DAYS = 1


class SendMethod(StrEnum):
    """How the PPID gave a notice to a requester without email."""

    LETTER = "letter"  # a letter to the postal address
    PHONE = "phone"  # read out by telephone


# In the words of the timeline (`disampaikan melalui surat`) and of the desk's choice.
METHOD_WORDS = {SendMethod.LETTER.value: "surat", SendMethod.PHONE.value: "telepon"}
METHOD_CHOICES = [(SendMethod.LETTER.value, "Surat"), (SendMethod.PHONE.value, "Telepon")]


def requester_recipients(email: str | None) -> list[str]:
    """Whom a notice to the requester goes to: their email, or the PPID's letter or phone call."""
    return [email] if email else [MANUAL_RECIPIENT]


def task_key(object_id: str, notification_id: int) -> str:
    """The task of one outbox row; it starts with the id of what it is about, as every task key does
    (api/routes/tasks.py `task_object`)."""
    return f"{object_id}:{SEND_NOTICE_TASK}:{notification_id}"


def notification_of(key: str) -> int | None:
    """The outbox row a notice task is about, from its key."""
    _, kind, number = [*key.split(":"), "", ""][:3]
    return int(number) if kind == SEND_NOTICE_TASK and number.isdecimal() else None


def notice_title(subject: str) -> str:
    """`[PPID/…] Tanda terima permohonan informasi publik` → `Tanda terima permohonan informasi publik`."""
    if subject.startswith("[") and "] " in subject:
        return subject.split("] ", 1)[1]
    return subject


def sent_label(subject: str, method: str, sent_on: date) -> str:
    """The timeline entry, visible to the requester."""
    how = METHOD_WORDS.get(method, method)
    return f"Pemberitahuan “{notice_title(subject)}” disampaikan melalui {how} pada {format_date(sent_on)}"
