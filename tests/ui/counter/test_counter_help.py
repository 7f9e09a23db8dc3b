"""A visitor's call for help reaches every counter window and the supervisor's, and leaves them when acknowledged."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from support.configs import BASE, PIN_1234, make_config

from .conftest import log_in

SUPERVISOR = {"user": "koordinator", "name": "Koordinator MPP", "pin_hash": PIN_1234, "counters": ["*"],
              "supervisor": True}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, staff=[*BASE["staff"], SUPERVISOR])


def help_texts(window) -> list[str]:
    return [label.text() for label, _button in window._help_widgets.values()] if window.help_banner.isVisible() else []


def test_help_reaches_a_counter_and_the_supervisor_and_one_acknowledgement_clears_both(qtbot, make_window, kiosk):
    officer = make_window(counter_id="loket-1")
    log_in(qtbot, officer)
    supervisor = make_window(counter_id="loket-2")
    log_in(qtbot, supervisor, user="koordinator")
    assert supervisor.is_supervisor and not officer.is_supervisor
    assert not officer.help_banner.isVisible()

    seq = kiosk.request_help("confirm", "id")["seq"]
    for window in (officer, supervisor):
        qtbot.waitUntil(lambda w=window: len(help_texts(w)) == 1, timeout=5000)
        assert help_texts(window) == ["Pengunjung di kiosk kiosk1 meminta bantuan (sejak 09:00)."]

    label, button = supervisor._help_widgets[seq]
    assert button.text() == "Saya ke sana"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    for window in (officer, supervisor):
        qtbot.waitUntil(lambda w=window: not w.help_banner.isVisible(), timeout=5000)
    assert officer.live.state.help_requests == [] and supervisor._help_widgets == {}


def test_a_window_opened_after_the_call_shows_it_from_the_snapshot(qtbot, make_window, kiosk):
    kiosk.request_help("home", "id")
    window = make_window(counter_id="loket-1")
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: len(help_texts(window)) == 1, timeout=5000)
