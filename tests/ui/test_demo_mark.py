"""The DEMO mark of `run --demo`: on top of the window, at the top centre, kept there as the window resizes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk.ui.common.demo_mark import mark_demo


def test_every_window_is_marked_demo_in_its_language_and_the_mark_stays_on_top(qtbot):
    windows = {}
    for name in ("kiosk", "display"):
        window = QWidget()
        QVBoxLayout(window).addWidget(QLabel("Ambil Nomor Antrean"))
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        windows[name] = window
    start = datetime(2026, 12, 7, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    marks = mark_demo(windows, "id", start)
    assert set(marks) == {"kiosk", "display"}
    for name, mark in marks.items():
        window = windows[name]
        assert mark.isVisible() and mark.text() == "DEMO · jam demo, mulai 08:00"
        assert abs(mark.geometry().center().x() - window.width() // 2) <= 1 and mark.y() == 0
        # a widget added later does not cover it
        late = QLabel("later", window)
        late.show()
        qtbot.wait(10)
        assert window.children().index(mark) > window.children().index(late)  # raised above it
        window.resize(1920, 1080)
        qtbot.wait(10)
        assert abs(mark.geometry().center().x() - 960) <= 1
        assert QRect(0, 0, 1920, 1080).contains(mark.geometry())
    assert mark_demo({"counter": windows["kiosk"]}, "en")["counter"].text() == "DEMO · not a real queue"
