"""Local midnight in Balikpapan (Asia/Makassar, UTC+8) while kiosks issue and counters call.

The server's clock starts at 23:59:30 local and is stepped across 00:00 while
a kiosk issues and a counter calls without pause. Numbering restarts at 001
for the new day, yesterday's open tickets close as configured (expired, or
kept with day_end = "keep"), nothing fails, and the events tell the same
story as the database: a replay of the log and a live display both equal the
server's snapshot.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest

from faults.helpers import LobbyDisplay, open_lobby, wait_for
from kiosk.client import ApiClient, ApiError
from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.lobby_state import LobbyState
from support.configs import DEVICE_KEYS, MAKASSAR
from support.server import running_server

pytestmark = pytest.mark.timeout(60)

BEFORE_MIDNIGHT = datetime(2026, 11, 23, 23, 59, 30, tzinfo=MAKASSAR)  # a Monday
YESTERDAY, TODAY = "2026-11-23", "2026-11-24"


def numbering_by_day(server) -> dict[tuple[str, str], list[int]]:
    numbers: dict[tuple[str, str], list[int]] = {}
    for row in server.engine.store.query("SELECT day, group_id, number FROM tickets ORDER BY day, group_id, number"):
        numbers.setdefault((row["day"], row["group_id"]), []).append(row["number"])
    return numbers


@pytest.mark.parametrize("day_end", ["expire", "keep"])
def test_midnight_during_issuing_and_calling(tmp_path, day_end):
    data = open_lobby(tmp_path, counters=4)
    data["queue"] = {"day_end": day_end}
    config = parse_config(data, base_dir=tmp_path)
    clock = FakeClock(BEFORE_MIDNIGHT)
    with running_server(config, tmp_path / "queue.sqlite", clock, ping_seconds=1.0, tick_seconds=0.2) as server:
        kiosk = server.client("kiosk")
        counters = {n: server.staff_client(f"petugas{n}", f"loket-{n}") for n in (1, 2, 3, 4)}
        display = LobbyDisplay(server.url)
        errors: list[str] = []
        issued_after: list[dict] = []
        stop = threading.Event()
        try:
            yesterday = [kiosk.issue(s) for s in ("ktp", "ktp", "kk", "ktp", "akta", "paspor", "paspor")]
            assert [t["code"] for t in yesterday] == ["A-001", "A-002", "A-003", "A-004", "A-005", "B-001", "B-002"]
            at_loket_1 = counters[1].action("loket-1", "call-next")["ticket"]                 # called
            at_loket_2 = counters[2].action("loket-2", "call-next")["ticket"]
            counters[2].action("loket-2", "start")                                             # serving
            counters[4].action("loket-4", "call-next")
            counters[4].action("loket-4", "finish")                                            # done
            # open at midnight whatever the calling below does: at two counters, and a passport no one calls
            surely_open = {at_loket_1["id"], at_loket_2["id"], yesterday[-1]["id"]}

            def issuing():
                client = ApiClient(server.url, DEVICE_KEYS["kiosk"])
                while not stop.is_set():
                    try:
                        answer = client.issue("ktp")
                    except ApiError as exc:
                        errors.append(f"kiosk: {exc!r}")
                    else:
                        if answer["day"] == TODAY:
                            issued_after.append(answer)
                    stop.wait(0.02)
                client.close()

            def calling():
                client = counters[3]
                while not stop.is_set():
                    called = None
                    try:
                        called = client.action("loket-3", "call-next")["ticket"]
                        client.action("loket-3", "finish")
                    except ApiError as exc:
                        # a ticket of yesterday called just before midnight expires with the day: finishing it
                        # then is refused with a sentence, as it should be
                        expired = (day_end == "expire" and exc.code == "invalid_state" and called is not None
                                   and called["day"] != TODAY)
                        if exc.code != "nothing_waiting" and not expired:
                            errors.append(f"loket-3: {exc!r}")
                    stop.wait(0.03)

            workers = [threading.Thread(target=issuing, daemon=True), threading.Thread(target=calling, daemon=True)]
            for worker in workers:
                worker.start()
            # 23:59:30 -> 00:00:30 in half-second steps, every step a moment of real time for the workers
            for _ in range(120):
                clock.advance(seconds=0.5)
                time.sleep(0.03)
            stop.set()
            for worker in workers:
                worker.join(5)
            assert errors == []

            # ---- numbering restarted at 001, per group, with no gap and no repeat on either day
            numbers = numbering_by_day(server)
            for (day, group), found in numbers.items():
                assert found == list(range(1, len(found) + 1)), (day, group)
            assert issued_after, "nothing was issued after midnight"
            assert [t["code"] for t in issued_after] == [f"A-{n:03d}" for n in range(1, len(issued_after) + 1)]
            assert all(t["issued_at"] >= "2026-11-23T16:00:00" for t in issued_after)  # 00:00 local is 16:00 UTC

            # ---- yesterday closed as configured, in one roll-over
            rollovers = [e for e in server.engine.events_since(0, 100_000) if e["type"] == "day_rolled_over"]
            assert [e["payload"]["day"] for e in rollovers] == [YESTERDAY, TODAY]
            expired = set(rollovers[-1]["payload"]["expired"])
            states = {r["id"]: r["state"] for r in server.engine.store.query(
                "SELECT id, state FROM tickets WHERE day = ?", (YESTERDAY,))}
            if day_end == "expire":
                # everyone of yesterday not served by midnight, wherever they were
                assert surely_open <= expired
                assert expired == {i for i, state in states.items() if state not in ("done", "no_show")}
                assert {states[i] for i in expired} == {"expired"}
                assert kiosk.ticket(yesterday[-1]["token"])["state"] == "expired"
                counter_tickets = {r["counter_id"]: r["ticket_id"] for r in server.engine.store.query(
                    "SELECT counter_id, ticket_id FROM counter_state")}
                assert counter_tickets["loket-1"] is None and counter_tickets["loket-2"] is None
                with pytest.raises(ApiError) as nothing:
                    counters[2].action("loket-2", "finish")  # yesterday's visitor is gone from the counter
                assert nothing.value.code == "invalid_state"
            else:
                assert expired == set()
                assert "expired" not in states.values()
                counters[2].action("loket-2", "finish")  # kept: the counter finishes its visitor
            # the next call takes the head of the queue: always of today once yesterday's were closed
            if day_end == "keep":
                counters[1].action("loket-1", "finish")
            head = server.engine.waiting(counter_id="loket-1")[0]
            called = counters[1].action("loket-1", "call-next")["ticket"]
            assert called["id"] == head.id
            if day_end == "expire":
                assert called["day"] == TODAY

            # ---- the event log and a live display both equal the server's state
            replay = LobbyState()
            for event in server.engine.events_since(0, 100_000):
                replay.apply(event)
            snapshot = server.engine.snapshot()
            assert snapshot["day"] == TODAY
            assert replay.to_snapshot() == snapshot
            assert wait_for(lambda: display.seq == snapshot["seq"], timeout=5)
            assert display.state.to_snapshot() == snapshot
            assert display.delivered == list(range(display.delivered[0], snapshot["seq"] + 1))
            assert set(display.calls.values()) == {1}
            assert kiosk.health()["status"] == "ok"
        finally:
            stop.set()
            display.stop()
            kiosk.close()
            for client in counters.values():
                client.close()


def test_a_lobby_open_until_24_00_takes_tickets_in_the_last_second_of_the_day(tmp_path):
    from kiosk.schedule import service_status

    config = parse_config(open_lobby(tmp_path), base_dir=tmp_path)
    service = config.service_by_id["ktp"]
    last_moment = datetime(2026, 11, 23, 23, 59, 59, 999_000, tzinfo=MAKASSAR)
    assert service_status(config, service, last_moment, 0).is_open
    assert service_status(config, service, datetime(2026, 11, 24, 0, 0, tzinfo=MAKASSAR), 0).is_open
