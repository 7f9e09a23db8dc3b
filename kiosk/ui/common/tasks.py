"""Work off the GUI thread: network calls, printing, speech synthesis, disk.

``run_in_background(fn, on_done=..., on_error=...)`` runs ``fn`` on a worker of
a thread pool and delivers its result (or exception) back on the GUI thread
through a queued signal. The Qt event loop never waits for it.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


def _work(fn: Callable[[], Any], relay: _Relay) -> None:
    try:
        result = fn()
    except BaseException as exc:  # delivered to on_error; never lost in a worker
        relay.failed.emit(exc)
    else:
        relay.done.emit(result)


class Tasks(QObject):
    """A small pool per window; keeps each relay alive until its result is delivered."""

    def __init__(self, max_threads: int = 4, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._relays: set[_Relay] = set()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        relay = _Relay()  # created on the GUI thread: its signals are delivered there
        self._relays.add(relay)

        @Slot(object)
        def finished(result):
            self._relays.discard(relay)
            relay.deleteLater()  # its connections hold these closures, and they the relay: Python never frees it
            if on_done is not None and self.alive():
                on_done(result)

        @Slot(object)
        def failed(exc):
            self._relays.discard(relay)
            relay.deleteLater()
            if not self.alive():
                return
            if on_error is not None:
                on_error(exc)
            else:
                log.error("background task failed: %r", exc)

        relay.done.connect(finished)
        relay.failed.connect(failed)
        # a plain callable, not a QRunnable subclass: PySide keeps such a job's Python side (and what it holds)
        # after the pool deleted it, a few kilobytes per task for as long as the window runs
        self.pool.start(functools.partial(_work, fn, relay))

    def alive(self) -> bool:
        """False once the window that owns this pool is destroyed: a late result has nobody to go to (an event
        loop run while windows close, e.g. to let a media player stop, would otherwise hand it to a dead one)."""
        return shiboken6.isValid(self)

    def pending(self) -> int:
        return len(self._relays)

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)
