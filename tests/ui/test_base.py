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


def test_a_finished_task_keeps_neither_its_work_nor_its_relay(qtbot):
    """A window runs thousands of tasks a day (the kiosk's catalog every 10 s alone: 8 640); each one's relay
    and work must go once its answer is in, or the window grows by kilobytes a task (bench/soak.py saw the
    kiosk's and the counter's memory grow so, with one _Relay left per task)."""
    import gc
    import weakref

    from PySide6.QtCore import QCoreApplication, QEvent

    tasks = Tasks()
    answers, errors, left = [], [], []
    for n in range(20):
        work = (lambda n=n: n) if n % 2 else (lambda: 1 / 0)
        left.append(weakref.ref(work))
        tasks.run(work, on_done=answers.append, on_error=lambda exc: errors.append(type(exc)))  # not its frames
        left += [weakref.ref(relay) for relay in tasks._relays]
        del work
    qtbot.waitUntil(lambda: len(answers) + len(errors) == 20, timeout=5000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # what the event loop does next
    gc.collect()
    assert sorted(answers) == list(range(1, 20, 2)) and errors == [ZeroDivisionError] * 10
    assert [ref for ref in left if ref() is not None] == []


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
