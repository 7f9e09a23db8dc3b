"""Real counter windows for tests, each started, sized like a counter PC and shut down afterwards."""
from __future__ import annotations

import contextlib


@contextlib.contextmanager
def counter_windows(qtbot, config, url: str, clock):
    """``make(counter_id="loket-1", lang="id", config=None, url=None)`` inside; every window is shut down at the end."""
    from kiosk.ui.counter.window import CounterWindow  # Qt only for the tests that use windows

    windows = []

    def make(counter_id: str | None = "loket-1", lang: str = "id", *, config_=None, url_=None) -> CounterWindow:
        window = CounterWindow(config_ or config, url_ or url, counter_id=counter_id, lang=lang, clock=clock)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.start()
        windows.append(window)
        return window

    try:
        yield make
    finally:
        for window in windows:
            window.shutdown()
