"""Logging in and out of a counter: good and bad PIN, the server's sentences, what the server then knows."""
from __future__ import annotations

from PySide6.QtCore import Qt

from .conftest import log_in


def test_good_pin_opens_the_counter_and_shows_the_work_page(make_window, qtbot, server):
    window = make_window()
    assert window.pages.currentWidget() is window.login_panel
    assert window.login_panel.counter_id() == "loket-1"  # preselected from --counter
    assert window.login_panel.pin_field.echoMode() == window.login_panel.pin_field.EchoMode.Password
    log_in(qtbot, window)
    assert window.pages.currentWidget() is window.work_page
    assert window.title_label.text() == "Loket 1 — Disdukcapil"
    assert "Petugas Satu" in window.user_label.text()
    counters = server.engine.snapshot()["counters"]
    assert counters["loket-1"]["status"] == "open" and counters["loket-1"]["user"] == "petugas1"
    qtbot.waitUntil(lambda: window.connection_label.text() == "● Terhubung", timeout=5000)
