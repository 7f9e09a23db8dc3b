"""PySide6 6.12.0 on Python 3.11 drops a reference to None at every void Qt call; a lobby
window makes millions of them. The app factory (and the tests' conftest) must make that harmless."""
import sys

from PySide6.QtWidgets import QLabel

from kiosk.ui.common.pyside_fix import guard_singletons, leaks_singletons


def test_a_million_void_calls_do_not_free_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    for _ in range(1_000_000):  # hours of a ticker's repaints
        label.setText("A-012")
    # without the guard on a leaking PySide6, CPython aborts ('none_dealloc') long before here
    assert sys.getrefcount(None) > 1_000_000 or not leaks_singletons()


def test_guard_is_applied_exactly_where_the_leak_is_measured():
    assert guard_singletons() is (sys.version_info < (3, 12) and leaks_singletons())
