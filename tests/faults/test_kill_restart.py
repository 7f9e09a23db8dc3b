"""kill -9 of the queue server in the middle of a busy lobby, then a restart on the same port and database.

4 kiosks issue and 20 counters call while the server process is killed with
SIGKILL and started again. Afterwards: every ticket a kiosk got an answer for
exists, no number was given twice, every event stream holds seq 1..N with no
gap and no repeat, and the display — a LobbyState client and the real
DisplayWindow — has each call exactly once.
"""
from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest

from faults.helpers import ROOT, KioskServerProcess, LobbyDisplay, open_lobby, wait_for, write_lobby
from kiosk.audio.speech import FakeSynthesizer
from kiosk.client import ApiClient, ApiError, EventStream
from kiosk.config import parse_config
from support.configs import DEVICE_KEYS

pytestmark = pytest.mark.timeout(150)

KIOSKS = 4
COUNTERS = 20
SERVICES = ("ktp", "kk", "akta", "paspor")


class Ledger:
    """What the clients were told: only acknowledged tickets and calls are promises the server must keep."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tickets: list[dict] = []
        self.calls: list[dict] = []
        self.unreachable = 0
        self.unexpected: list[str] = []

    def ticket(self, answer: dict) -> None:
        with self.lock:
            self.tickets.append(answer)

    def call(self, counter_id: str, answer: dict) -> None:
        with self.lock:
            self.calls.append({"counter_id": counter_id, "ticket_id": answer["ticket"]["id"],
                               "code": answer["ticket"]["code"], "seq": answer["seq"]})

    def down(self) -> None:
        with self.lock:
            self.unreachable += 1

    def wrong(self, who: str, exc: ApiError) -> None:
        with self.lock:
            self.unexpected.append(f"{who}: {exc!r}")


def kiosk_loop(url: str, seed: int, stop: threading.Event, ledger: Ledger) -> None:
    rng = random.Random(seed)
    client = ApiClient(url, DEVICE_KEYS["kiosk"], timeout=3)
    try:
        while not stop.is_set():
            try:
                ledger.ticket(client.issue(rng.choice(SERVICES), lang=rng.choice(("id", "en"))))
            except ApiError as exc:
                if exc.status is None:
                    ledger.down()  # the server is away: a kiosk shows "offline" and tries again
                else:
                    ledger.wrong(f"kiosk {seed}", exc)
                stop.wait(0.1)
                continue
            stop.wait(rng.uniform(0.01, 0.06))
    finally:
        client.close()


def counter_loop(url: str, number: int, stop: threading.Event, ledger: Ledger) -> None:
    rng = random.Random(1000 + number)
    counter_id = f"loket-{number}"
    client = ApiClient(url, DEVICE_KEYS["counter-app"], timeout=3)

    def login() -> bool:
        try:
            client.login(f"petugas{number}", "1234", counter_id)
            return True
        except ApiError as exc:
            if exc.status is None:
                ledger.down()
            else:
                ledger.wrong(counter_id, exc)
            return False

    try:
        while not stop.is_set() and not login():
            stop.wait(0.2)
        while not stop.is_set():
            try:
                ledger.call(counter_id, client.action(counter_id, "call-next"))
                stop.wait(rng.uniform(0.02, 0.12))
                client.action(counter_id, "finish")
            except ApiError as exc:
                if exc.status is None:
                    ledger.down()
                    stop.wait(0.1)
                elif exc.code == "nothing_waiting":
                    stop.wait(0.05)
                elif exc.code == "counter_unavailable":
                    # a call whose answer was lost in the kill: that ticket is still at the counter
                    try:
                        client.action(counter_id, "finish")
                    except ApiError as again:
                        if again.status is not None:
                            ledger.wrong(counter_id, again)
                elif exc.code == "invalid_state":
                    pass  # a finish whose answer was lost in the kill was already done
                elif exc.status == 401:
                    client.session = None
                    login()
                else:
                    ledger.wrong(counter_id, exc)
                    stop.wait(0.1)
    finally:
        client.close()


class SeqRecorder:
    """An EventStream from seq 0 that keeps every seq it was handed, in order."""

    def __init__(self, url: str):
        self.seqs: list[int] = []
        self.stream = EventStream(url, DEVICE_KEYS["display"], on_event=lambda e: self.seqs.append(e["seq"]), since=0)


def last_seq_of(server: KioskServerProcess) -> int:
    return ApiClient(server.url, DEVICE_KEYS["display"]).state()["seq"]


def make_display_window(qtbot, data: dict, url: str, tmp_path: Path):
    from kiosk.ui.display.window import DisplayWindow

    window_data = {**data, "audio": {"enabled": True, "chime": "assets/sounds/chime.wav",
                                     "cache_dir": str(tmp_path / "voice")}}
    config = parse_config(window_data, base_dir=ROOT)
    window = DisplayWindow(config, url, DEVICE_KEYS["display"],
                           synthesizer=FakeSynthesizer(tmp_path / "voice", duration_s=0.05))
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    window.start()
    return window


def test_kill_9_during_issuing_and_calling_loses_and_doubles_nothing(qtbot, tmp_path):
    data = open_lobby(tmp_path, counters=COUNTERS)
    config_path = write_lobby(tmp_path, data)
    db_path = tmp_path / "queue.sqlite"
    server = KioskServerProcess(config_path, db_path).start()
    ledger = Ledger()
    stop = threading.Event()
    recorders = [SeqRecorder(server.url) for _ in range(3)]
    display = LobbyDisplay(server.url)
    window = make_display_window(qtbot, data, server.url, tmp_path)
    threads = [threading.Thread(target=kiosk_loop, args=(server.url, n, stop, ledger), daemon=True)
               for n in range(KIOSKS)]
    threads += [threading.Thread(target=counter_loop, args=(server.url, n, stop, ledger), daemon=True)
                for n in range(1, COUNTERS + 1)]
    try:
        for thread in threads:
            thread.start()
        qtbot.waitUntil(lambda: len(ledger.tickets) >= 60 and len(ledger.calls) >= 30, timeout=20_000)
        qtbot.wait(1500)
        before_kill = (len(ledger.tickets), len(ledger.calls))
        server.kill()
        down_at_kill = ledger.unreachable
        qtbot.waitUntil(lambda: ledger.unreachable > down_at_kill + 10, timeout=5_000)
        server.start()
        qtbot.waitUntil(lambda: len(ledger.tickets) >= before_kill[0] + 60
                        and len(ledger.calls) >= before_kill[1] + 30, timeout=30_000)
        qtbot.wait(1500)
        stop.set()
        for thread in threads:
            thread.join(10)
        assert not any(thread.is_alive() for thread in threads)

        print(f"acknowledged: {len(ledger.tickets)} tickets, {len(ledger.calls)} calls; "
              f"{ledger.unreachable} requests found the server down; events up to seq {last_seq_of(server)}")
        # ---- the server keeps every promise it made
        assert ledger.unexpected == []
        assert ledger.unreachable > 0, "the kill did not happen while clients were working"
        last_seq = last_seq_of(server)
        kiosk = ApiClient(server.url, DEVICE_KEYS["kiosk"])
        for answer in ledger.tickets:
            status = kiosk.ticket(answer["token"])
            assert status["code"] == answer["code"] and status["day"] == answer["day"]
        acknowledged_codes = Counter((t["day"], t["code"]) for t in ledger.tickets)
        assert [code for code, n in acknowledged_codes.items() if n > 1] == []
        with sqlite3.connect(db_path) as db:
            duplicated = db.execute("SELECT group_id, day, number, count(*) FROM tickets "
                                    "GROUP BY group_id, day, number HAVING count(*) > 1").fetchall()
            duplicated_codes = db.execute("SELECT day, code, count(*) FROM tickets GROUP BY day, code "
                                          "HAVING count(*) > 1").fetchall()
            called_events = set(db.execute("SELECT ticket_id, seq FROM events WHERE type = 'called'").fetchall())
            announced_events = {row[0] for row in db.execute(
                "SELECT seq FROM events WHERE type IN ('called', 'recalled')")}
            event_types = dict(db.execute("SELECT seq, type || ':' || coalesce(ticket_id, '') FROM events"))
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert duplicated == [] and duplicated_codes == []
        for call in ledger.calls:  # the seq in a call's answer is the seq of its 'called' event
            assert event_types[call["seq"]] == f"called:{call['ticket_id']}"

        # ---- every stream resumed from its last seq: 1..N, each once
        expected = list(range(1, last_seq + 1))
        assert wait_for(lambda: all(r.seqs[-1:] == [last_seq] for r in recorders), timeout=10)
        for recorder in recorders:
            assert recorder.seqs == expected
            assert recorder.stream.connections >= 2  # it did lose the server and come back

        # ---- the LobbyState display saw each call exactly once, and ends equal to the server
        assert wait_for(lambda: display.state.seq == last_seq, timeout=10)
        assert display.snapshots == 1
        assert set(display.calls) == called_events
        assert [key for key, n in display.calls.items() if n != 1] == []
        assert {(c["ticket_id"], c["seq"]) for c in ledger.calls} <= called_events
        assert display.state.to_snapshot() == ApiClient(server.url, DEVICE_KEYS["display"]).state()

        # ---- the real DisplayWindow queued one announcement per call, none twice
        qtbot.waitUntil(lambda: window.live.state.seq == last_seq, timeout=10_000)
        counts = window.announcer.enqueue_counts
        assert set(counts) == announced_events
        assert [seq for seq, n in counts.items() if n != 1] == []
    finally:
        stop.set()
        window.shutdown()
        for recorder in recorders:
            recorder.stream.stop()
        display.stream.stop()
        server.stop()
