"""Qt application set-up shared by every window: fonts, screens, the technician's exit."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.ui.common import theme
from kiosk.ui.common.pyside_fix import guard_singletons


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Two malloc arenas instead of glibc's 8 per core: a window's threads (media decoders, the event stream,
    speech, background tasks) each take an arena of their own otherwise, and the freed memory scattered over
    them stays resident (the display with signage: 216 MB → under 200 MB). Called before the first thread;
    False where the C library has no mallopt (not glibc)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, int(arenas)))
    except (OSError, AttributeError):
        return False


def release_free_memory() -> bool:
    """Hand the C heap's free pages back to the system (glibc malloc_trim): a display that decodes video all
    day frees frames by the thousand, and without this the pages stay resident. A few ms; False if not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


def make_app(argv: list[str] | None = None) -> QApplication:
    limit_malloc_arenas()
    guard_singletons()  # before any window exists (see pyside_fix)
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setFont(QFont(theme.FONT_FAMILY, 14))
    app.setApplicationName("mpp-kiosk")
    return app


def find_screen(spec: int | str):
    """The QScreen a config names by index or by name; the primary one when it doesn't exist."""
    screens = QGuiApplication.screens()
    if isinstance(spec, int) and 0 <= spec < len(screens):
        return screens[spec]
    for screen in screens:
        if screen.name() == str(spec):
            return screen
    return QGuiApplication.primaryScreen()


def place_on_screen(window: QWidget, spec: int | str, fullscreen: bool, size: tuple[int, int] | None = None) -> None:
    screen = find_screen(spec)
    geometry = screen.geometry()
    if fullscreen:
        # Without a window manager showFullScreen() keeps the preferred size: set the geometry first.
        window.setGeometry(geometry)
        window.showFullScreen()
    else:
        width, height = size or (min(1366, geometry.width()), min(768, geometry.height()))
        window.resize(width, height)
        window.move(geometry.x() + (geometry.width() - width) // 2, geometry.y() + (geometry.height() - height) // 2)
        window.show()


def quit_on_sigint(app: QApplication, on_signal=None) -> QTimer:
    """Ctrl+C and SIGTERM end the Qt loop; keep the returned timer referenced.

    exit(), not quit(): Qt 6's quit() first asks every window to close, and a window
    that refuses (the kiosk refuses visitors) would cancel it. Python only sees
    signals while it runs, so a timer wakes it up often. The exit is queued, so a
    signal that comes while the window is still being built ends the loop as soon
    as it starts (exit() before exec() does nothing).
    """

    def handle(signum, _frame):
        if on_signal is not None:
            on_signal(signum)
        QTimer.singleShot(0, app, lambda: app.exit(0))

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    timer = QTimer()
    timer.start(200)
    timer.timeout.connect(lambda: None)
    return timer


def offscreen() -> bool:
    return os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen") or QGuiApplication.platformName() == "offscreen"
