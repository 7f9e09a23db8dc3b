"""The supervisor's void in the counter window: a small dialog (codes or a range, a reason), the answer in the
status line, the voided tickets gone from the waiting list; plain officers have no such button."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from kiosk.ui.counter.model import VoidInput, void_done_text, void_input
from support.configs import BASE, PIN_1234, make_config

from .conftest import log_in

SUPERVISOR = {"user": "koordinator", "name": "Koordinator MPP", "pin_hash": PIN_1234, "counters": ["*"],
              "supervisor": True}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, staff=[*BASE["staff"], SUPERVISOR])


@pytest.mark.parametrize("codes, span, reason, expected", [
    ("A-012, a13 A0014", "", "dobel", VoidInput(["A-012", "A-013", "A-014"], None, "dobel")),
    ("", "A-120 - A-180", "  banjir   nomor ", VoidInput([], ("A", 120, 180), "banjir nomor")),
    ("", "a10005 s.d. a10007", "flood", VoidInput([], ("A", 10005, 10007), "flood")),
    ("B-1", "A-1 - A-2", "flood", VoidInput(["B-001"], ("A", 1, 2), "flood")),
])
def test_the_dialog_fields_become_a_request(codes, span, reason, expected):
    assert void_input("en", codes, span, reason) == expected


@pytest.mark.parametrize("codes, span, reason, sentence", [
    ("", "", "flood", "Enter the codes or the range to void."),
    ("A-012, hello", "", "flood", "'hello' is not a ticket code."),
    ("", "A-120 - B-180", "flood", "Write a range as two codes of the same letter, e.g. A-120 - A-180."),
    ("", "A-180 - A-120", "flood", "Write a range as two codes of the same letter, e.g. A-120 - A-180."),
    ("", "A-120", "flood", "Write a range as two codes of the same letter, e.g. A-120 - A-180."),
    ("A-012", "", " x ", "Give a reason for the void (at least 3 characters)."),
])
def test_what_the_dialog_refuses_says_what_to_fix(codes, span, reason, sentence):
    assert void_input("en", codes, span, reason) == sentence


def test_the_status_line_names_what_was_voided_and_skipped():
    answer = {"voided": [{"code": "A-003"}, {"code": "A-004"}], "skipped": [{"code": "A-002", "state": "serving"}]}
    assert void_done_text("en", answer) == "2 ticket(s) voided: A-003, A-004. Skipped (being served or served): A-002."
    assert void_done_text("id", {"voided": [{"code": "A-003"}], "skipped": []}) == "1 nomor dibatalkan: A-003."


def test_a_supervisor_voids_from_the_dialog_and_the_list_drops_them(make_window, qtbot, kiosk):
    for _ in range(5):
        kiosk.issue("ktp")
    window = make_window()
    log_in(qtbot, window, "koordinator")
    qtbot.waitUntil(lambda: len(window.waiting_panel.codes()) == 5, timeout=5000)
    assert window.today_panel.isVisible() and window.today_panel.void_button.text() == "Batalkan nomor…"
    window.today_panel.void_button.click()
    qtbot.waitUntil(lambda: window.void_dialog is not None and window.void_dialog.isVisible())
    dialog = window.void_dialog
    qtbot.keyClicks(dialog.fields["codes"], "A-001")
    qtbot.keyClicks(dialog.fields["range"], "A-003 - A-004")
    dialog.ok_button.click()  # no reason yet: the dialog says so and stays open
    assert dialog.isVisible() and dialog.message.text() == "Tulis alasan pembatalan (paling sedikit 3 huruf)."
    qtbot.keyClicks(dialog.fields["reason"], "nomor dobel")
    with qtbot.waitSignal(window.action_finished, timeout=5000) as finished:
        dialog.ok_button.click()
    assert finished.args == ["void", True]
    assert not dialog.isVisible()
    assert window.status_line.text() == "3 nomor dibatalkan: A-001, A-003, A-004."
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == ["A-002", "A-005"], timeout=5000)


def test_a_refused_void_is_said_in_the_status_line(make_window, qtbot, kiosk):
    kiosk.issue("ktp")
    window = make_window()
    log_in(qtbot, window, "koordinator")
    window.today_panel.void_button.click()
    qtbot.waitUntil(lambda: window.void_dialog is not None and window.void_dialog.isVisible())
    dialog = window.void_dialog
    qtbot.keyClicks(dialog.fields["codes"], "A-099")
    qtbot.keyClicks(dialog.fields["reason"], "salah cetak")
    with qtbot.waitSignal(window.action_finished, timeout=5000) as finished:
        dialog.ok_button.click()
    assert finished.args == ["void", False]
    assert window.status_line.text() == "Nomor antrean 'A-099' tidak ditemukan."


def test_a_plain_officer_has_no_void_button(window):
    assert not window.today_panel.isVisible()
    window.open_void()  # the F-keys or a stray call cannot open it either
    assert window.void_dialog is None


def test_a_supervisor_may_keep_the_place_in_a_transfer_an_officer_sees_no_such_choice(make_window, qtbot, server,
                                                                                       kiosk, clock):
    kiosk.issue("ktp")                      # A-001, the oldest
    for _ in range(2):
        clock.advance(minutes=2)
        kiosk.issue("kk")                   # wait for kk
    window = make_window()
    log_in(qtbot, window, "koordinator")
    qtbot.waitUntil(lambda: len(window.waiting_panel.codes()) == 3, timeout=5000)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    dialog = window.transfer_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.keep_place.isVisible() and not dialog.keep_place.isChecked()
    dialog.keep_place.setChecked(True)
    qtbot.keyClicks(dialog.search, "family")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)  # nothing is chosen until the officer picks it
    with qtbot.waitSignal(window.action_finished, timeout=5000) as finished:
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert finished.args == ["transfer", True]
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == ["A-001", "A-002", "A-003"], timeout=5000)


def test_an_officer_transfer_dialog_has_no_keep_place(window, qtbot, kiosk):
    kiosk.issue("ktp")
    qtbot.waitUntil(lambda: len(window.waiting_panel.codes()) == 1, timeout=5000)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(window.transfer_dialog.isVisible, timeout=3000)
    assert not window.transfer_dialog.keep_place.isVisible()
