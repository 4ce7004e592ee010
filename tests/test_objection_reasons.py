"""The reasons of Pasal 35 ayat (1) the citizen's objection form offers, and the state of the T3 window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.objection_reasons import REASONS, RequestFacts, Window, fitting_reasons, reason_label, window
from domain.status_labels import VALUE_LABELS

NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # A refusal under Pasal 17: a (refusal), b, d, e; not c or g (answered in time), not f (no fee).
        (RequestFacts(decision_outcome="rejected"), ["a", "b", "d", "e"]),
        (RequestFacts(decision_outcome="partially_granted", fee_idr=15000), ["a", "b", "d", "e", "f"]),
        # A grant: no refusal to object to.
        (RequestFacts(decision_outcome="granted"), ["b", "d", "e"]),
        (RequestFacts(decision_outcome="not_held"), ["b", "d", "e"]),
        # T1/T2 passed without a notice: not answered (c), too late (g); nothing to judge d, e or a against.
        (RequestFacts(lapsed=True), ["b", "c", "g"]),
        # A late refusal: everything but the fee.
        (RequestFacts(decision_outcome="rejected", decided_late=True), ["a", "b", "c", "d", "e", "g"]),
        (RequestFacts(decision_outcome="granted", fee_idr=0), ["b", "d", "e"]),  # no fee charged
    ],
)
def test_fitting_reasons_follow_the_case(facts: RequestFacts, expected: list[str]) -> None:
    assert fitting_reasons(facts) == expected


def test_facts_of_the_registers() -> None:
    refused = RequestFacts.of({"outcome": "rejected", "fee_idr": None}, False, True)
    assert refused == RequestFacts(decision_outcome="rejected")
    lapsed = RequestFacts.of(None, False, True)  # T3 runs from the T1/T2 expiry
    assert lapsed.lapsed and fitting_reasons(lapsed) == ["b", "c", "g"]
    waiting = RequestFacts.of(None, False, False)  # T1 still runs
    assert not waiting.lapsed and fitting_reasons(waiting) == ["b"]
    charged = RequestFacts.of({"outcome": "granted", "fee_idr": 20000}, True, True)
    assert "f" in fitting_reasons(charged) and "c" in fitting_reasons(charged)


def test_labels_hold_the_words_of_the_law() -> None:
    assert REASONS == ("a", "b", "c", "d", "e", "f", "g")
    for reason in REASONS:
        assert VALUE_LABELS["objection_reason"][reason] in reason_label(reason)
    assert "penolakan" in reason_label("a")
    assert "tidak ditanggapi" in reason_label("c") and "melebihi waktu" in reason_label("g")
    # "penolakan" names reason a only (outside tests find the checkbox by that word).
    assert [r for r in REASONS if "penolakan" in reason_label(r).lower()] == ["a"]


def test_window_states() -> None:
    t3 = NOW + timedelta(days=10)
    assert window("received", None, NOW, []) is Window.NOT_YET
    assert window("extended", None, NOW, []) is Window.NOT_YET
    assert window("decided", t3, NOW, []) is Window.OPEN
    assert window("overdue", t3, NOW, []) is Window.OPEN
    assert window("decided", t3, t3, []) is Window.OPEN  # the last moment still counts
    assert window("decided", t3, t3 + timedelta(seconds=1), []) is Window.CLOSED
    assert window("closed", t3, NOW, []) is Window.CLOSED
    assert window("closed", None, NOW, []) is Window.CLOSED
    for running in ("registered", "answered", "overdue", "disputed"):
        assert window("objected", t3, NOW, [running]) is Window.IN_PROGRESS
    # An objection that ended (accepted, or closed after T5) leaves the window as T3 says.
    assert window("accepted", t3, NOW, ["accepted"]) is Window.OPEN
    assert window("closed", t3, t3 + timedelta(days=1), ["closed"]) is Window.CLOSED
