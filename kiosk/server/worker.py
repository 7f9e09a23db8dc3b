"""The engine's one thread: every engine call of the server runs here, one after another.

Calls queue up while the thread works; the thread then runs all that are
waiting in one go and hands the results back to the event loop with ONE
wake-up. Under load that saves a thread hand-off per request; the calls stay
serialised, each in its own transaction, in the order they were made.
"""
from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any, Callable


class EngineWorker:
    def __init__(self, after_writes: Callable[[], None], on_results: Callable[[], None], name: str = "engine"):
        """``after_writes`` runs on this thread after a batch that wrote (the event hub's pull);
        ``on_results`` on the event loop after a batch's results are handed back (the hub's drain)."""
        self.after_writes = after_writes
        self.on_results = on_results
        self._jobs: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    async def call(self, fn: Callable, *args, write: bool = False, **kwargs) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self._closing:
                raise RuntimeError("the engine worker has stopped")
            self._jobs.append((fn, args, kwargs, write, future, loop))
        self._wake.set()
        return await future

    def _work(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                jobs = list(self._jobs)
                self._jobs.clear()
                if not jobs and self._closing:
                    return
            if not jobs:
                continue
            results = []
            wrote = False
            for fn, args, kwargs, write, future, loop in jobs:
                try:
                    results.append((future, fn(*args, **kwargs), None))
                except BaseException as exc:  # handed to the caller, who decides
                    results.append((future, None, exc))
                wrote = wrote or write
            if wrote:
                try:
                    self.after_writes()
                except Exception:  # the hub's own pump retries; the writes themselves succeeded
                    pass
            by_loop: dict = {}
            for job, result in zip(jobs, results):
                by_loop.setdefault(job[5], []).append(result)
            for loop, loop_results in by_loop.items():
                if not loop.is_closed():
                    loop.call_soon_threadsafe(self._resolve, loop_results)

    def _resolve(self, results) -> None:
        for future, value, exc in results:
            if future.cancelled():
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(value)
        self.on_results()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the queued calls, then end the thread."""
        with self._lock:
            self._closing = True
        self._wake.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
