"""Live events: new events are read once, kept in memory, and every WebSocket reads from there.

Right after each write, on the engine thread, the server reads the events that
write appended (:meth:`EventHub.pull`, no extra hand-off between threads); the
event loop then takes them in (:meth:`EventHub.drain`), logs them and wakes
every waiting WebSocket loop. A pump also pulls every ``poll_seconds`` on its
own, so writes made by other processes reach clients too.
"""
from __future__ import annotations

import asyncio
import bisect
import collections
import json
import logging
from typing import Awaitable, Callable

from kiosk.engine import QueueEngine

log = logging.getLogger(__name__)
queue_log = logging.getLogger("kiosk.server.queue")

BATCH = 1000


def describe(event: dict) -> str:
    """One log line for one queue change."""
    payload = event.get("payload") or {}
    parts = [f"seq={event['seq']}", event["type"]]
    if payload.get("code"):
        parts.append(str(payload["code"]))
    if event.get("counter_id"):
        parts.append(f"counter={event['counter_id']}")
    for key in ("service_id", "from_service_id", "user", "reason", "kind", "day", "expired", "device"):
        if payload.get(key) not in (None, "", []):
            parts.append(f"{key}={payload[key]}")
    return " ".join(parts)


class EventHub:
    def __init__(self, engine: QueueEngine, run: Callable[..., Awaitable], *, poll_seconds: float = 1.0,
                 keep: int = 5000, log_events: bool = True):
        self.engine = engine
        self.run = run
        self.poll_seconds = poll_seconds
        self.keep = keep
        self.log_events = log_events
        self.last_seq = 0  # the last event taken in on the event loop
        self._pulled_seq = 0  # the last event read on the engine thread (only that thread touches it)
        self._pulled: collections.deque[list[dict]] = collections.deque()  # engine thread -> event loop, in order
        self._seqs: list[int] = []
        # each event as sent, serialised once for every listener, and only so: a dict of an event is four times its
        # text (1.07 KB against 0.25), and 5,000-10,000 of them were the server's growth through a month's soak
        self._texts: list[str] = []
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closing = False

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.last_seq = self._pulled_seq = await self.run(self.engine.last_seq)
        self._task = asyncio.create_task(self._pump(), name="event-pump")

    async def stop(self) -> None:
        self.closing = True
        self._changed.set()
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    # -- the engine thread

    def pull(self) -> None:
        """Read the events appended since the last pull. Call ONLY on the engine thread."""
        while True:
            batch = self.engine.events_since(self._pulled_seq, BATCH)
            if not batch:
                return
            self._pulled_seq = batch[-1]["seq"]
            self._pulled.append(batch)
            if len(batch) < BATCH:
                return

    # -- the event loop

    def drain(self) -> None:
        """Take in what the engine thread pulled, in order, and wake the listeners."""
        taken = False
        while self._pulled:
            batch = self._pulled.popleft()
            if self.log_events:
                for event in batch:
                    queue_log.info("%s", describe(event))
            self._seqs.extend(e["seq"] for e in batch)
            self._texts.extend(event_text(e) for e in batch)
            self.last_seq = batch[-1]["seq"]
            taken = True
        if not taken:
            return
        if len(self._seqs) > 2 * self.keep:
            del self._seqs[:-self.keep]
            del self._texts[:-self.keep]
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def notify_threadsafe(self) -> None:
        """A write happened in another thread of this process (e.g. a test driving the engine): pull now."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _pump(self) -> None:
        while not self.closing:
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.run(self.pull)
            except asyncio.CancelledError:
                raise
            except Exception:  # a locked or vanished database must not end live events for good
                log.exception("reading new events failed; retrying")
                await asyncio.sleep(self.poll_seconds)
            self.drain()

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """Wait until there is an event after ``seq``; False on timeout or shutdown."""
        while self.last_seq <= seq and not self.closing:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), timeout)
            except TimeoutError:
                return False
        return self.last_seq > seq and not self.closing

    async def events_after(self, seq: int, limit: int = BATCH) -> list[dict]:
        """Events after ``seq`` up to the pump's last, oldest first: from memory when it has them (each caller
        gets dicts of its own, read back from the texts)."""
        if seq >= self.last_seq:
            return []
        if self._seqs and seq >= self._seqs[0] - 1:
            start = bisect.bisect_right(self._seqs, seq)
            return [json.loads(text) for text in self._texts[start:start + limit]]
        # older than memory: a client catching up after a long absence
        return await self.run(self.engine.events_since, seq, limit)

    async def texts_after(self, seq: int, limit: int = BATCH) -> list[tuple[int, str]]:
        """Like :meth:`events_after`, as (seq, JSON text) pairs ready to send."""
        if seq >= self.last_seq:
            return []
        if self._seqs and seq >= self._seqs[0] - 1:
            start = bisect.bisect_right(self._seqs, seq)
            return list(zip(self._seqs[start:start + limit], self._texts[start:start + limit]))
        return [(e["seq"], event_text(e)) for e in await self.run(self.engine.events_since, seq, limit)]


def event_text(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)
