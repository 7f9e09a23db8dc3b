"""Four kiosks, four processes, one database file: 2,000 tickets, no number twice, no gap."""
from __future__ import annotations

import multiprocessing

import pytest

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.lobby_state import LobbyState
from kiosk.store import Store
from support.configs import MONDAY_9, make_config

from .workers import issue_many

PROCESSES = 4
EACH = 500


@pytest.mark.slow
def test_four_processes_issue_2000_tickets_on_one_file(tmp_path):
    path = tmp_path / "shared.sqlite"  # new: the processes also race to create the schema
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [context.Process(target=issue_many, args=(n, str(path), EACH, start, results)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    assert [failures for _n, _codes, failures in outcomes] == [[]] * PROCESSES
    for _n, codes, _failures in outcomes:
        numbers = [int(code.split("-")[1]) for code in codes]
        assert len(numbers) == EACH and numbers == sorted(numbers)  # each kiosk sees its numbers rise

    store = Store(path)
    engine = QueueEngine(make_config(), store, FakeClock(MONDAY_9))
    rows = store.query("SELECT group_id, day, number, code, device, queued_seq FROM tickets")
    assert len(rows) == PROCESSES * EACH
    assert len({(r["group_id"], r["day"], r["number"]) for r in rows}) == PROCESSES * EACH
    assert sorted(r["number"] for r in rows) == list(range(1, PROCESSES * EACH + 1))
    assert {r["code"] for r in rows} == {f"A-{n:03d}" for n in range(1, PROCESSES * EACH + 1)}
    assert {r["device"] for r in rows} == {f"kiosk-{n}" for n in range(PROCESSES)}

    events = engine.events_since(0, limit=100_000)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events].count("ticket_issued") == PROCESSES * EACH
    assert [e["type"] for e in events].count("day_rolled_over") == 1
    # the queue order is the event order
    issued_seq = {e["ticket_id"]: e["seq"] for e in events if e["type"] == "ticket_issued"}
    by_id = store.query("SELECT id, queued_seq FROM tickets")
    assert all(issued_seq[r["id"]] == r["queued_seq"] for r in by_id)
    replayed = LobbyState()
    for event in events:
        replayed.apply(event)
    assert replayed.to_snapshot() == engine.snapshot()
    store.close()
