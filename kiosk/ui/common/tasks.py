"""Work off the GUI thread: network calls, printing, speech synthesis, disk.

``run_in_background(fn, on_done=..., on_error=...)`` runs ``fn`` on a worker of
a thread pool and delivers its result (or exception) back on the GUI thread
through a queued signal. The Qt event loop never waits for it.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to on_error; never lost in a worker
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


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
            if on_done is not None and self.alive():
                on_done(result)

        @Slot(object)
        def failed(exc):
            self._relays.discard(relay)
            if not self.alive():
                return
            if on_error is not None:
                on_error(exc)
            else:
                log.error("background task failed: %r", exc)

        relay.done.connect(finished)
        relay.failed.connect(failed)
        self.pool.start(_Job(fn, relay))

    def alive(self) -> bool:
        """False once the window that owns this pool is destroyed: a late result has nobody to go to (an event
        loop run while windows close, e.g. to let a media player stop, would otherwise hand it to a dead one)."""
        return shiboken6.isValid(self)

    def pending(self) -> int:
        return len(self._relays)

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)
