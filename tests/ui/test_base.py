"""The Qt plumbing every window stands on: background tasks, theme contrast, screen placement."""
import threading
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.ui.common import theme
from kiosk.ui.common.app import find_screen, place_on_screen
from kiosk.ui.common.tasks import Tasks


def test_task_result_arrives_on_gui_thread_without_blocking(qtbot):
    tasks = Tasks()
    gui_thread = QThread.currentThread()
    seen = {}
    release = threading.Event()

    def slow():
        seen["worker"] = threading.current_thread().name
        release.wait(5)
        return 42

    def done(value):
        seen["value"] = value
        seen["on_gui"] = QThread.currentThread() is gui_thread

    started = time.perf_counter()
    tasks.run(slow, on_done=done)
    # run() returned at once although the job is still blocked
    assert time.perf_counter() - started < 0.1
    assert "value" not in seen
    release.set()
    qtbot.waitUntil(lambda: "value" in seen, timeout=3000)
    assert seen["value"] == 42 and seen["on_gui"] is True
    assert seen["worker"] != threading.main_thread().name
    assert tasks.pending() == 0


def test_task_exception_goes_to_on_error(qtbot):
    tasks = Tasks()
    errors = []
    tasks.run(lambda: 1 / 0, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=3000)
    assert isinstance(errors[0], ZeroDivisionError)


def test_a_result_for_a_window_already_destroyed_is_dropped(qtbot):
    import shiboken6

    window = QWidget()
    tasks = Tasks(parent=window)
    release = threading.Event()
    delivered, failed = [], []
    tasks.run(lambda: release.wait(5) and "late", on_done=delivered.append)
    tasks.run(lambda: release.wait(5) and 1 / 0, on_error=failed.append)
    shiboken6.delete(window)  # the window goes (and its pool with it) while the jobs still run
    release.set()
    qtbot.wait(300)  # the results arrive at an event loop: nobody is handed them, nothing is raised
    assert delivered == [] and failed == []


@pytest.mark.parametrize("foreground,background", theme.TEXT_PAIRS)
def test_text_colours_reach_7_to_1(foreground, background):
    assert theme.contrast(foreground, background) >= 7.0


def test_contrast_formula_known_values():
    assert theme.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_window_placed_on_named_screen(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    place_on_screen(window, "lobby-2", fullscreen=True)
    assert window.geometry() == find_screen("lobby-2").geometry()
    assert window.geometry().width() == 1366
    # an unknown screen falls back to the primary one rather than failing
    assert find_screen("no-such-screen") is QApplication.primaryScreen()
