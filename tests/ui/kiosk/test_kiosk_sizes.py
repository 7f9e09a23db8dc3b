"""The screen sizes kiosks have: the priority and accessibility controls in the lower half, every screen fits."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint

from kiosk.config import load_config

SIZES = [(1920, 1080), (1080, 1920), (1366, 768), (1280, 800)]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config():
    return load_config(ROOT / "config.toml")


def top_of(window, widget) -> int:
    return widget.mapTo(window, QPoint(0, 0)).y()


@pytest.mark.parametrize("accessible", [False, True], ids=["standard", "accessible"])
def test_priority_and_layout_controls_are_in_the_lower_half_at_every_size(qtbot, make_kiosk, accessible):
    kiosk = make_kiosk(accessible=accessible)
    for width, height in SIZES:
        kiosk.setGeometry(0, 0, width, height)
        kiosk.layout().activate()
        qtbot.waitUntil(lambda: kiosk.size().width() == width and kiosk.size().height() == height, timeout=2000)
        qtbot.wait(50)  # the bottom bar's new shape is laid out
        kiosk.layout().activate()
        half = height // 2
        for control in (kiosk.home_screen.priority_button, kiosk.home_screen.take_button, kiosk.accessible_button,
                        kiosk.language_button, kiosk.help_button, kiosk.speech_spot):
            assert control.isVisible(), (width, height, control.text())
            assert control is kiosk.home_screen.take_button or top_of(kiosk, control) >= half, f"{control.text()!r} at {top_of(kiosk, control)} of {height}"
            right = control.mapTo(kiosk, QPoint(control.width(), control.height()))
            assert right.x() <= width and right.y() <= height, f"{control.text()!r} off the screen at {width}x{height}"
            # the whole text fits (the style's padding and font are in the size hint)
            assert control.sizeHint().width() <= control.width(), f"{control.text()!r} clipped at {width}x{height}"
        needed = kiosk.home_screen.layout().minimumSize().height()
        assert needed <= kiosk.stack.height(), f"home needs {needed} px at {width}x{height}, has {kiosk.stack.height()}"
        if width in (1920, 1080):  # looked at: docs/screenshots/
            suffix = "-accessible" if accessible else ""
            kiosk.grab().save(str(ROOT / "docs" / "screenshots" / f"kiosk-home-{width}x{height}{suffix}.png"))
