"""No way out for a visitor; a technician leaves with a 3 s press in the top-left corner and the exit PIN."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from kiosk.ui.kiosk import window as kiosk_window

from .kiosk_driver import LEFT


def _type_pin(qtbot, kiosk, pin):
    for digit in pin:
        qtbot.mouseClick(kiosk.pin_overlay.pad.keys[digit], LEFT)


def _hold_corner(qtbot, kiosk, ms):
    qtbot.mousePress(kiosk.exit_corner, LEFT, pos=QPoint(20, 20))
    qtbot.wait(ms)
    qtbot.mouseRelease(kiosk.exit_corner, LEFT, pos=QPoint(20, 20))


def test_visitor_cannot_close_the_kiosk(qtbot, kiosk):
    assert kiosk.close() is False  # Alt+F4 and the window manager's close end here
    assert kiosk.isVisible()
    for key, modifiers in ((Qt.Key_Escape, Qt.NoModifier), (Qt.Key_F4, Qt.AltModifier), (Qt.Key_Q, Qt.ControlModifier)):
        QApplication.sendEvent(kiosk, QKeyEvent(QEvent.KeyPress, key, modifiers))
    qtbot.wait(50)
    assert kiosk.isVisible() and kiosk.current == "home"


def test_short_press_in_the_corner_does_nothing(qtbot, kiosk):
    _hold_corner(qtbot, kiosk, 500)
    qtbot.wait(kiosk_window.EXIT_HOLD_MS)
    assert not kiosk.pin_overlay.isVisible()


def test_technician_leaves_with_long_press_and_pin(qtbot, kiosk):
    assert kiosk.exit_corner.geometry().topLeft() == QPoint(0, 0)
    qtbot.mousePress(kiosk.exit_corner, LEFT, pos=QPoint(20, 20))
    qtbot.waitUntil(kiosk.pin_overlay.isVisible, timeout=kiosk_window.EXIT_HOLD_MS + 2000)
    qtbot.mouseRelease(kiosk.exit_corner, LEFT, pos=QPoint(20, 20))
    assert kiosk.pin_overlay.geometry() == kiosk.rect()
    # a wrong PIN: a sentence, the pad cleared, still there
    _type_pin(qtbot, kiosk, "9999")
    assert kiosk.pin_overlay.dots.text() == "●●●●"
    qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.pin_overlay.message.text() == "PIN salah.", timeout=5000)
    assert kiosk.pin_overlay.pad.text() == "" and kiosk.isVisible()
    # cancel closes the pad, not the kiosk
    qtbot.mouseClick(kiosk.pin_overlay.cancel_button, LEFT)
    assert not kiosk.pin_overlay.isVisible() and kiosk.isVisible()
    # the right PIN (config.kiosk.exit_pin_hash is PIN 1234) closes it
    kiosk._ask_exit_pin()
    _type_pin(qtbot, kiosk, "1234")
    qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
    qtbot.waitUntil(lambda: not kiosk.isVisible(), timeout=5000)


def test_pin_pad_locks_after_repeated_wrong_pins(qtbot, kiosk):
    kiosk._ask_exit_pin()
    for _ in range(kiosk_window.PIN_LOCK_AFTER):
        _type_pin(qtbot, kiosk, "0000")
        qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
        qtbot.waitUntil(lambda: kiosk.pin_overlay.ok_button.isEnabled(), timeout=5000)
    _type_pin(qtbot, kiosk, "1234")  # even the right PIN waits out the lock
    qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
    qtbot.wait(300)
    assert kiosk.isVisible() and kiosk.pin_overlay.message.text() == "PIN salah."


def test_the_pin_lock_ends_after_its_time_on_the_windows_monotonic_clock(qtbot, make_kiosk):
    now = [1000.0]
    kiosk = make_kiosk(monotonic=lambda: now[0])
    kiosk._ask_exit_pin()
    for _ in range(kiosk_window.PIN_LOCK_AFTER):
        _type_pin(qtbot, kiosk, "0000")
        qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
        qtbot.waitUntil(lambda: kiosk.pin_overlay.ok_button.isEnabled(), timeout=5000)
    now[0] += kiosk_window.PIN_LOCK_S - 1  # still locked a second before the end
    _type_pin(qtbot, kiosk, "1234")
    qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
    qtbot.wait(300)
    assert kiosk.isVisible() and kiosk.pin_overlay.message.text() == "PIN salah."
    now[0] += 2  # the lock is over: the right PIN lets the technician out
    kiosk.pin_overlay.pad.clear()
    _type_pin(qtbot, kiosk, "1234")
    qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
    qtbot.waitUntil(lambda: not kiosk.isVisible(), timeout=5000)


def test_without_an_exit_pin_nobody_leaves_from_the_screen(qtbot, make_kiosk, config):
    no_pin = config.model_copy(update={"kiosk": config.kiosk.model_copy(update={"exit_pin_hash": None})})
    kiosk = make_kiosk(config_=no_pin)
    kiosk._ask_exit_pin()
    assert kiosk.pin_overlay.message.text() == "PIN keluar belum diatur (kiosk.exit_pin_hash)."
    _type_pin(qtbot, kiosk, "1234")
    qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
    qtbot.wait(200)
    assert kiosk.isVisible()


def test_idle_closes_a_forgotten_pin_pad(qtbot, kiosk):
    kiosk._ask_exit_pin()
    qtbot.waitUntil(lambda: not kiosk.pin_overlay.isVisible(), timeout=8000)  # idle_seconds = 5
    assert kiosk.current == "home"
