"""Two counters of the same services press "call next" at the same moment, 200 times over.

Two threads, each with its own ApiClient session (a counter window's worth of
HTTP), against the real server: each ticket is called exactly once and none is
lost.
"""
from __future__ import annotations

import threading

import pytest

from kiosk.client import ApiError
from kiosk.clock import FakeClock
from support.configs import MONDAY_9, make_config
from support.server import running_server

TICKETS = 200


@pytest.fixture
def server(tmp_path):
    config = make_config(tmp_path)
    with running_server(config, tmp_path / "race.sqlite", FakeClock(MONDAY_9), log_events=False) as handle:
        yield handle


def test_each_ticket_is_called_exactly_once_by_two_racing_counters(server):
    # loket-1 and loket-2 both serve ktp and kk
    for n in range(TICKETS):
        server.engine.issue_ticket("ktp" if n % 2 else "kk", priority=n % 7 == 0)
    counters = ("loket-1", "loket-2")
    clients = {cid: server.staff_client("petugas1", cid) for cid in counters}
    called: dict[str, list[str]] = {cid: [] for cid in counters}
    emptied: dict[str, bool] = {cid: False for cid in counters}
    unexpected: list[BaseException] = []
    line = threading.Barrier(len(counters))

    def counter(cid: str) -> None:
        client = clients[cid]
        try:
            for _round in range(TICKETS + 1):
                line.wait(10)  # both press at the same moment
                try:
                    answer = client.action(cid, "call-next")
                except ApiError as exc:
                    if exc.code != "nothing_waiting":
                        raise
                    emptied[cid] = True
                else:
                    called[cid].append(answer["ticket"]["code"])
                    client.action(cid, "finish")
                line.wait(10)  # the round is over for both
                if any(emptied.values()):
                    return
        except threading.BrokenBarrierError:
            return
        except BaseException as exc:  # reported by the test, not lost in the thread
            unexpected.append(exc)
            line.abort()

    threads = [threading.Thread(target=counter, args=(cid,), name=cid) for cid in counters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for client in clients.values():
        client.close()

    assert not unexpected, unexpected
    assert not any(thread.is_alive() for thread in threads)
    first, second = (set(called[cid]) for cid in counters)
    assert len(called["loket-1"]) == len(first) and len(called["loket-2"]) == len(second)  # no repeats
    assert first & second == set()
    assert len(first | second) == TICKETS
    # both took part: the race was real
    assert min(len(first), len(second)) >= TICKETS // 4
    # and the server agrees: every ticket finished once, nothing waiting
    rows = server.engine.store.query("SELECT state, count(*) AS n FROM tickets GROUP BY state")
    assert {r["state"]: r["n"] for r in rows} == {"done": TICKETS}
    called_events = server.engine.store.query("SELECT count(*) AS n FROM events WHERE type = 'called'")[0]["n"]
    assert called_events == TICKETS
