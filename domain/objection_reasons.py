"""Which grounds of an objection (Pasal 35 ayat (1) UU 14/2008) fit a request, and whether the objection window
(T3, Pasal 36 ayat (1)) is open: pure rules, used by the citizen's objection form so that it offers only the
reasons that can apply to the case. The workflow still accepts any of a-g (the API and the PPID's desk are not
narrowed); these rules only decide what the citizen's page offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain import law
from domain.status_labels import VALUE_LABELS

REASONS = law.OBJECTION_REASONS  # "a" … "g", in the order of the law (Pasal 35 ayat (1))

# The reason in the citizen's plain words, before the law's own words (VALUE_LABELS["objection_reason"]).
PLAIN_WORDS = {
    "a": "Permohonan saya ditolak seluruhnya atau sebagian",
    "b": "Badan publik tidak mengumumkan informasi yang wajib diumumkan secara berkala",
    "c": "Permohonan saya tidak dijawab dalam batas waktu",
    "d": "Jawaban tidak sesuai dengan informasi yang saya minta",
    "e": "Informasi yang saya minta tidak diberikan",
    "f": "Biaya yang dikenakan tidak wajar",
    "g": "Informasi disampaikan terlambat",
}

# The PPID's decisions that refuse, in full or in part, under the exceptions of Pasal 17 (Pasal 22 ayat (7)).
REFUSALS = frozenset({"rejected", "partially_granted"})


@dataclass(frozen=True)
class RequestFacts:
    """What the rules need to know of a request: the PPID's written notice (its outcome and fee, None before
    any), whether it came after T1/T2, and whether T1/T2 passed without one."""

    decision_outcome: str | None = None
    fee_idr: int | None = None
    decided_late: bool = False
    lapsed: bool = False  # T1/T2 passed without a written notice

    @classmethod
    def of(cls, decision: dict[str, Any] | None, decided_late: bool, t3_started: bool) -> RequestFacts:
        """The facts of a request as the registers hold them (InfoRequest.decision, .decided_late, and whether
        .objection_deadline is set: T3 starts at the notice or, without one, when T1/T2 passes)."""
        decision = decision or {}
        fee = decision.get("fee_idr")
        return cls(
            decision_outcome=decision.get("outcome"),
            fee_idr=fee if isinstance(fee, int) else None,
            decided_late=decided_late,
            lapsed=t3_started and not decision,
        )


def fitting_reasons(facts: RequestFacts) -> list[str]:
    """The reasons of Pasal 35 ayat (1) that fit the case, in the order of the law."""
    decided = facts.decision_outcome is not None
    too_late = facts.lapsed or facts.decided_late
    fits = {
        # huruf a: a refusal under the exceptions of Pasal 17, so only after a refusal or a partial grant.
        "a": facts.decision_outcome in REFUSALS,
        # huruf b: periodic information (Pasal 9) not published: independent of how this request went.
        "b": True,
        # huruf c: the request was not answered: T1/T2 passed without a written notice, or it came late.
        "c": too_late,
        # huruf d: answered, but not as asked: needs an answer (the written notice).
        "d": decided,
        # huruf e: the request not fulfilled: judged against the written notice, so after one.
        "e": decided,
        # huruf f: an unreasonable fee: only when the notice charged one (Pasal 22 ayat (7) huruf g).
        "f": bool(facts.fee_idr),
        # huruf g: information given later than the law allows: T1/T2 passed, or the notice came late.
        "g": too_late,
    }
    return [r for r in REASONS if fits[r]]


class Window(StrEnum):
    """Where the objection window of a request stands for the citizen's page."""

    NOT_YET = "not_yet"  # no written notice yet and T1/T2 still running (Pasal 35 ayat (1) huruf c not yet)
    OPEN = "open"  # T3 runs and no objection is in progress
    IN_PROGRESS = "in_progress"  # an objection is before the Atasan PPID or the Komisi Informasi
    CLOSED = "closed"  # T3 passed (Pasal 36 ayat (1)) or the case is closed


# An objection the request's workflow still follows: it takes no other one meanwhile.
OBJECTION_IN_PROGRESS = frozenset({"registered", "answered", "overdue", "disputed"})


def window(
    status: str, objection_deadline: datetime | None, now: datetime, objection_statuses: list[str]
) -> Window:
    """The state of the objection window (law.T3, Pasal 36 ayat (1): counted from the written notice or from
    the expiry of T1/T2)."""
    if any(s in OBJECTION_IN_PROGRESS for s in objection_statuses):
        return Window.IN_PROGRESS
    if objection_deadline is None:
        return Window.CLOSED if status == "closed" else Window.NOT_YET
    if status == "closed" or now > objection_deadline:
        return Window.CLOSED
    return Window.OPEN


def reason_label(reason: str) -> str:
    """The checkbox's label as the form shows it: the plain words, then the law's own words
    (`Permohonan saya ditolak … (huruf a: penolakan atas permintaan informasi …)`)."""
    return f"{PLAIN_WORDS[reason]} (huruf {reason}: {VALUE_LABELS['objection_reason'][reason]})"
