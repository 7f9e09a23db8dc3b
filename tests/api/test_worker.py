"""The engine's one thread: order, errors, batching, the hub's pull after writes, a clean stop."""
from __future__ import annotations

import asyncio
import threading

import pytest

from kiosk.server.worker import EngineWorker


def test_calls_run_on_one_thread_in_order_and_errors_reach_the_caller():
    threads, order, pulls, drains = set(), [], [], []

    def job(n):
        threads.add(threading.get_ident())
        order.append(n)
        if n == 3:
            raise ValueError("three")
        return n * 10

    async def main():
        worker = EngineWorker(after_writes=lambda: pulls.append(len(order)), on_results=lambda: drains.append(1))
        try:
            calls = [worker.call(job, n, write=n % 2 == 0) for n in range(8)]
            results = await asyncio.gather(*calls, return_exceptions=True)
        finally:
            worker.stop()
        return results

    results = asyncio.run(main())
    assert results[:3] == [0, 10, 20] and isinstance(results[3], ValueError) and results[4:] == [40, 50, 60, 70]
    assert order == list(range(8))
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert pulls and pulls[-1] == 8  # the hub pulled after the last batch that wrote
    assert drains


def test_reads_alone_do_not_pull():
    pulls = []

    async def main():
        worker = EngineWorker(after_writes=lambda: pulls.append(1), on_results=lambda: None)
        try:
            assert await worker.call(lambda: "read") == "read"
        finally:
            worker.stop()

    asyncio.run(main())
    assert pulls == []


def test_stop_finishes_what_is_queued_then_refuses():
    done = []
    gate = threading.Event()

    async def main():
        worker = EngineWorker(after_writes=lambda: None, on_results=lambda: None)
        first = asyncio.ensure_future(worker.call(gate.wait, 5))
        second = asyncio.ensure_future(worker.call(done.append, "second"))
        await asyncio.sleep(0.05)
        stopper = threading.Thread(target=worker.stop)
        stopper.start()
        gate.set()
        assert await first is True
        await second
        stopper.join(5)
        with pytest.raises(RuntimeError):
            await worker.call(done.append, "late")

    asyncio.run(main())
    assert done == ["second"]
