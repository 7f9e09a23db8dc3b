"""Four booking pages in four processes race for one slot of five places: five bookings, never six."""
from __future__ import annotations

import multiprocessing

from kiosk.store import Store

from .workers import book_many

PROCESSES = 4
EACH = 6


def test_four_processes_never_overbook_a_slot(tmp_path):
    path = tmp_path / "shared.sqlite"
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [context.Process(target=book_many, args=(n, str(path), EACH, start, results)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert [failures for *_rest, failures in outcomes] == [[]] * PROCESSES
    codes = [code for _n, got, _refused, _f in outcomes for code in got]
    refusals = [reason for _n, _got, refused, _f in outcomes for reason in refused]
    assert len(codes) == 5 and len(set(codes)) == 5
    assert refusals == ["slot_full"] * (PROCESSES * EACH - 5)
    store = Store(path)
    rows = store.query("SELECT slot_time, state FROM bookings")
    assert rows == [{"slot_time": "10:00", "state": "booked"}] * 5
    store.close()
