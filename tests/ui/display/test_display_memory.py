"""What the display holds between calls: nothing it can hand back (issue 16: RSS with signage under 200 MB)."""
from __future__ import annotations

import linecache

import kiosk.ui.display.window as display_window


def test_a_quiet_lobbys_trim_drops_the_source_lines_pyside_read(display):
    """PySide's import hook reads every later module's source (inspect.getsource) into linecache, where it
    stays: about 300 files, 11 MB, that the display never shows in a traceback."""
    assert linecache.getlines(display_window.__file__)  # what the hook leaves behind for each module
    display._last_call_at = float("-inf")  # the lobby quiet long enough for a trim
    display._trim_memory()
    assert display.trim_ms and display_window.__file__ not in linecache.cache
