"""The counter window in a pseudo-language: the login screen and serving show only catalog words."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from support.pseudo import not_from_the_catalog, pseudo, pseudo_language

from .conftest import log_in


@pytest.fixture
def xx(tmp_path):
    with pseudo_language(tmp_path / "locale") as lang:
        yield lang


def press(qtbot, window, key) -> None:
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(window, key)
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)


def test_login_and_serving_show_only_catalog_words(qtbot, make_window, config, kiosk, xx):
    window = make_window(lang=xx)
    assert window.lang == xx
    stray = not_from_the_catalog(window, config, typed=("petugas1",))
    assert not stray, f"login: {stray}"
    assert window.login_panel.button.text() == pseudo("Masuk")

    # a wrong PIN: the server's refusal, in the pseudo-language too
    panel = window.login_panel
    qtbot.keyClicks(panel.user_field, "petugas1")
    qtbot.keyClicks(panel.pin_field, "9999")
    qtbot.keyClick(panel.pin_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pseudo("Nama pengguna atau PIN salah.") in panel.message.text(), timeout=5000)
    assert not not_from_the_catalog(window, config, typed=("petugas1",)), "login refused"

    log_in(qtbot, window)
    codes = [kiosk.issue(service)["code"] for service in ("ktp", "kk", "ktp")]
    qtbot.waitUntil(lambda: all(code in window.waiting_panel.codes() for code in codes), timeout=5000)
    stray = not_from_the_catalog(window, config, typed=("petugas1",))
    assert not stray, f"idle, tickets waiting: {stray}"
    press(qtbot, window, Qt.Key.Key_F1)  # call next
    press(qtbot, window, Qt.Key.Key_F3)  # start serving
    stray = not_from_the_catalog(window, config, typed=("petugas1",))
    assert not stray, f"serving: {stray}"
    assert window.buttons["finish"].text() or window.buttons["finish"].toolTip()
