"""The counter window's rules without a display: which actions make sense, and why not."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.i18n import t
from kiosk.ui.counter.model import (
    ACTIONS,
    SHORTCUTS,
    CounterView,
    availability,
    clock_text,
    minutes_text,
    reason_text,
    scanned_ref,
    whole_minutes,
)

CALLED = {"id": 1, "code": "A-012", "state": "called", "recalls": 0, "service_id": "ktp"}
SERVING = {**CALLED, "state": "serving"}


def enabled(view: CounterView) -> set[str]:
    return {action for action, reason in availability(view, "id").items() if reason is None}


def test_the_rules_need_no_qt():
    from kiosk.ui.counter import model as counter_model
    from unit.test_boundaries import qt_imports

    assert qt_imports(Path(counter_model.__file__).read_text()) == []


def test_every_action_has_its_own_f_key():
    assert [SHORTCUTS[a] for a in ACTIONS] == [f"F{n}" for n in range(1, 9)]


def test_idle_open_counter_can_call_and_pause_only():
    view = CounterView(connected=True, status="open", waiting=3)
    assert enabled(view) == {"call_next", "call_ticket", "pause"}
    reasons = availability(view, "id")
    assert reasons["finish"] == "Belum ada nomor di loket."
    assert availability(view, "en")["recall"] == "No ticket at the counter yet."


def test_call_next_is_disabled_while_a_ticket_is_at_the_counter_with_the_reason():
    view = CounterView(connected=True, status="open", ticket=CALLED, waiting=5)
    reasons = availability(view, "id")
    assert reasons["call_next"] == "Selesaikan A-012 dulu."
    assert reasons["call_ticket"] == "Selesaikan A-012 dulu."
    assert availability(view, "en")["call_next"] == "Finish A-012 first."
    assert enabled(view) == {"recall", "start", "finish", "transfer", "pause"}


def test_no_show_needs_the_configured_recalls_first():
    view = CounterView(connected=True, status="open", ticket=CALLED, recalls_needed=1)
    assert availability(view, "id")["no_show"] == "Panggil ulang A-012 dulu (0 dari 1 kali)."
    recalled = CounterView(connected=True, status="open", ticket={**CALLED, "recalls": 1}, recalls_needed=1)
    assert availability(recalled, "id")["no_show"] is None
    none_needed = CounterView(connected=True, status="open", ticket=CALLED, recalls_needed=0)
    assert availability(none_needed, "id")["no_show"] is None


def test_a_ticket_being_served_can_be_finished_or_transferred_not_recalled():
    view = CounterView(connected=True, status="open", ticket=SERVING)
    assert enabled(view) == {"finish", "transfer", "pause"}
    reasons = availability(view, "en")
    assert reasons["recall"] == "A-012 is already being served."
    assert reasons["no_show"] == "A-012 is being served; it cannot be a no-show."


def test_nothing_waiting_disables_call_next_but_not_call_ticket():
    view = CounterView(connected=True, status="open", waiting=0)
    reasons = availability(view, "id")
    assert reasons["call_next"] == "Tidak ada yang menunggu."
    assert reasons["call_ticket"] is None  # a no-show coming back is called by its code


def test_paused_counter_can_only_resume():
    view = CounterView(connected=True, status="paused", reason="prayer", waiting=4)
    assert enabled(view) == {"pause"}
    assert availability(view, "id")["call_next"] == "Loket sedang jeda; tekan Lanjutkan (F8) dulu."


def test_offline_disables_everything_with_one_reason():
    view = CounterView(connected=False, status="open", ticket=CALLED, waiting=4)
    reasons = availability(view, "id")
    assert set(reasons.values()) == {"Koneksi ke server terputus; tunggu sampai tersambung lagi."}


def test_closed_counter_disables_everything():
    view = CounterView(connected=True, status="closed", waiting=4)
    assert enabled(view) == set()
    assert availability(view, "en")["pause"] == "The counter is not open."


@pytest.mark.parametrize("text,expected", [
    ("A-003", "A-003"), (" a3 ", "a3"), ("B012", "B012"), ("AB-1234", "AB-1234"),
    ("A-10005", "A-10005"), ("a999999", "a999999"),  # past 9999: the lobby prints them, the scanner reads them
    ("http://10.0.0.5:8600/t/abc_DEF-123", "http://10.0.0.5:8600/t/abc_DEF-123"),
    ("https://antrian.mpp.go.id/t/Zx9/", "https://antrian.mpp.go.id/t/Zx9/"),
])
def test_scanned_codes_and_qr_urls_are_ticket_references(text, expected):
    assert scanned_ref(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "hello world", "12345", "A-", "http://x/other/abc", "A-0001-2",
                                  "A-1000000"])
def test_other_text_is_not_a_ticket(text):
    assert scanned_ref(text) is None


def test_times_as_shown():
    start = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
    assert clock_text(start, start + timedelta(seconds=65)) == "1:05"
    assert clock_text(start, start + timedelta(hours=1, minutes=2, seconds=3)) == "1:02:03"
    assert clock_text(start, start - timedelta(seconds=5)) == "0:00"  # a clock a little behind never shows minus
    assert clock_text(None, start) == "0:00"
    assert whole_minutes(start, start + timedelta(minutes=12, seconds=59)) == 12
    assert minutes_text("id", 4.25) == "4,2 menit" and minutes_text("en", 4.25) == "4.2 min"
    assert minutes_text("id", None) == "—"


def test_pause_reasons_in_words():
    assert [reason_text("id", r) for r in ("break", "prayer", "system")] == ["Istirahat", "Salat", "Gangguan sistem"]
    assert [reason_text("en", r) for r in ("break", "prayer", "system")] == ["Break", "Prayer", "System problem"]
    assert reason_text("id", "Rapat") == "Rapat"  # set by another tool: shown as it is
    assert t("counter.done_pause", "en", reason="Prayer") == "Counter paused: Prayer."


def test_a_new_action_row_gets_its_button_rule_from_the_table(monkeypatch):
    """A new button action ("hold", while serving) needs no rule of its own in the counter model."""
    from kiosk.protocol.actions import BUTTON_ACTIONS, CounterAction
    from kiosk.ui.counter import model

    hold = CounterAction("hold", "hold", None, "hold", "F9", "Hold the visitor's ticket", ticket_states=("serving",))
    monkeypatch.setattr(model, "BUTTON_ACTIONS", (*BUTTON_ACTIONS, hold))
    monkeypatch.setattr(model, "ACTIONS", (*model.ACTIONS, "hold"))
    serving = model.availability(CounterView(connected=True, status="open", ticket=SERVING), "id")
    called = model.availability(CounterView(connected=True, status="open", ticket=CALLED), "id")
    free = model.availability(CounterView(connected=True, status="open", waiting=2), "id")
    assert serving["hold"] is None
    assert called["hold"] == t("counter.why_already_serving", "id", code="A-012")
    assert free["hold"] == t("counter.why_no_ticket", "id")
