"""Fixtures of the counter window tests: a real server on loopback at Monday 09:00, and the window on it."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from kiosk.clock import FakeClock
from kiosk.ui.counter.window import CounterWindow
from support.configs import MONDAY_9, make_config
from support.counter_windows import counter_windows
from support.server import running_server


@pytest.fixture
def clock():
    return FakeClock(MONDAY_9)


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path)


@pytest.fixture
def server(config, tmp_path, clock):
    with running_server(config, tmp_path / "queue.sqlite", clock, ping_seconds=1.0, log_events=False) as handle:
        yield handle


@pytest.fixture
def kiosk(server):
    client = server.client("kiosk")
    yield client
    client.close()


@pytest.fixture
def make_window(qtbot, config, server, clock):
    """``make_window(counter_id="loket-1", lang="id")``: a started window, shut down after the test."""
    with counter_windows(qtbot, config, server.url, clock) as make:
        yield make


def log_in(qtbot, window: CounterWindow, user: str = "petugas1", pin: str = "1234") -> None:
    """Type user and PIN as a person would, press Enter, wait for the live state and its first refresh."""
    panel = window.login_panel
    panel.user_field.clear()
    panel.pin_field.clear()
    panel.user_field.setFocus()
    qtbot.keyClicks(panel.user_field, user)
    qtbot.keyClicks(panel.pin_field, pin)
    qtbot.keyClick(panel.pin_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.logged_in and window.live is not None and window.live.connected, timeout=10000)


def confirm(qtbot, window: CounterWindow, key=Qt.Key.Key_Return, name: str | None = None) -> None:
    """Answer the window's open confirmation with a key (Enter: yes, Esc: no), as an officer would."""
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(), timeout=3000)
    if name is not None:
        assert window.confirm_dialog.objectName() == name
    qtbot.keyClick(window.confirm_dialog.ok_button if key == Qt.Key.Key_Return else window.confirm_dialog, key)
    qtbot.waitUntil(lambda: not window.confirm_dialog.isVisible(), timeout=3000)


@pytest.fixture
def window(make_window, qtbot):
    """The window logged in as petugas1 at loket-1 (serves ktp then kk)."""
    window = make_window()
    log_in(qtbot, window)
    return window
