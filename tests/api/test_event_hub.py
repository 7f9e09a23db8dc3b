"""The server's live events in memory (kiosk.server.events.EventHub): every listener reads the same events the
database holds, and a month of a busy lobby's events kept for catching-up clients costs their text, not more
(issue 19: bench/soak.py saw the server grow 11.8 % through 30 days while the hub filled with event dicts)."""
from __future__ import annotations

import asyncio
import tracemalloc

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.server.events import EventHub, event_text
from kiosk.store import Store
from support.configs import MONDAY_9, make_config


async def _direct(function, *args):
    return function(*args)


def _lobby_with_events(tmp_path, tickets: int) -> QueueEngine:
    config = make_config()
    engine = QueueEngine(config, Store(tmp_path / "queue.sqlite"), FakeClock(MONDAY_9))
    service = config.services[0]
    counter = next(c for c in config.counters if service.id in c.services)
    engine.open_counter(counter.id)
    for _ in range(tickets):  # issued, called, finished: three events each
        engine.issue_ticket(service.id)
        engine.call_next(counter.id)
        engine.finish(counter.id)
    return engine


def test_listeners_read_from_memory_what_the_database_holds_each_their_own_copy(tmp_path):
    engine = _lobby_with_events(tmp_path, 80)
    try:
        hub = EventHub(engine, _direct, keep=100, log_events=False)
        hub.pull()
        hub.drain()
        stored = engine.events_since(0, 10_000)
        assert len(stored) > 240 and hub.last_seq == stored[-1]["seq"]

        async def read(seq):
            return await hub.events_after(seq), await hub.texts_after(seq)

        # the last 100-200 are in memory (trimmed to `keep` past twice `keep`); older ones come from the database
        for seq in (stored[-150]["seq"], stored[-3]["seq"], 0):
            events, texts = asyncio.run(read(seq))
            expected = [e for e in stored if e["seq"] > seq][:1000]
            assert events == expected
            assert [s for s, _ in texts] == [e["seq"] for e in expected]
        events, _ = asyncio.run(read(stored[-3]["seq"]))
        events[0]["type"] = "spoiled by one listener"
        again, _ = asyncio.run(read(stored[-3]["seq"]))
        assert again[0]["type"] == stored[-2]["type"]
    finally:
        engine.store.close()


def test_the_events_kept_for_catching_up_cost_their_text(tmp_path):
    engine = _lobby_with_events(tmp_path, 800)
    try:
        hub = EventHub(engine, _direct, keep=5000, log_events=False)
        texts_bytes = sum(len(event_text(e).encode()) for e in engine.events_since(0, 10_000))
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            hub.pull()
            hub.drain()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        events = hub.last_seq
        assert events > 2000
        # each event's text (a str: its bytes and ~50 of header), its seq and two list places; the dicts of the
        # same events would be ~1,100 bytes each more
        per_event = kept / events
        assert per_event < texts_bytes / events + 150, (per_event, texts_bytes / events)
    finally:
        engine.store.close()
