"""Timing in the test process itself, kept clear of that process's own pauses."""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_held_off():
    """Collect now, then keep Python's collector off until the block ends. After a whole run's tests this
    process's heap is large, and one full collection of it (~0.4 s) inside a timed stretch would be counted as
    the server's or the window's (CI saw a 435 ms request among 160 of median 3.9 ms, and a 0.50 s gap of a
    GUI timer); what is timed is then the code under test, not this process's garbage."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
