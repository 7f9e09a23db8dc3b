"""Counter window: from a button click to the server's state changed, and to the event back at the window.

    .venv/bin/python bench/counter.py [--rounds 100] [--waiting 300]

The real window (offscreen) logged in to counter dukcapil-1 of the shipped
config.toml, a real server on 127.0.0.1 with a queue of waiting tickets: in its
own process as on a lobby network (default), or in the window's process as in
the all-in-one lobby (--in-process: the two share one Python interpreter).
Each round clicks "Call next" (F1) then "Finish" (F4) with QTest and times, for
each click:
  - click → the server's state shows the change (the counter's ticket in the database),
  - click → the window has the server's answer,
  - click → the live event is back at the window (what the staff member sees).
The queue is filled through the kiosk key faster than a person, so the server's
copy of config.toml raises server.limits.issue_per_minute and the output says so.
Prints the figures; the last line is one JSON object. Target: click → server state p95 ≤ 50 ms.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'support' / 'screens.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.ui.common.app import make_app  # noqa: E402
from kiosk.ui.counter.window import CounterWindow  # noqa: E402
from support.configs import MONDAY_9, shipped_config_with_limits  # noqa: E402
from support.server import running_server, running_server_process  # noqa: E402

COUNTER = "dukcapil-1"
TARGET_P95_MS = 50.0
ISSUE_LIMITS = {"issue_per_minute": 100_000, "issue_burst": 100_000}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def wait_until(predicate, timeout: float = 10.0, *, pump: bool = True) -> float:
    """Wait for ``predicate``; returns the perf_counter time it became true."""
    deadline = time.perf_counter() + timeout
    while True:
        if predicate():
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise TimeoutError("the counter window did not get there in time")
        if pump:
            QApplication.processEvents()
        time.sleep(0.0002)


@contextlib.contextmanager
def queue_server(folder: Path, in_process: bool):
    """(url, a function giving the counter's ticket id as the database has it now)."""
    sql = "SELECT ticket_id FROM counter_state WHERE counter_id = ?"
    # the waiting queue is filled through the kiosk key faster than a person: the server's copy of the config
    # raises the per-kiosk issue limit
    server_config = shipped_config_with_limits(folder, ISSUE_LIMITS)
    if in_process:
        with running_server(load_config(server_config), folder / "bench.sqlite", clock=FakeClock(MONDAY_9), access_log=False,
                            log_events=False) as server:
            yield server.url, lambda: server.engine.store.query(sql, (COUNTER,))[0]["ticket_id"]
        return
    with running_server_process(server_config, folder / "bench.sqlite", now=MONDAY_9,
                                log_path=folder / "server.log") as server:
        # a reader of its own on the server's file (WAL: it sees each commit, and never blocks the writer)
        reader = sqlite3.connect(f"file:{folder / 'bench.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        try:
            yield server.url, lambda: reader.execute(sql, (COUNTER,)).fetchone()[0]
        finally:
            reader.close()


def run(rounds: int, waiting: int, folder: Path, in_process: bool) -> dict:
    config = load_config(ROOT / "config.toml")
    make_app()
    services = config.counter_by_id[COUNTER].services
    timings: dict[str, dict[str, list[float]]] = {
        action: {"server": [], "answer": [], "event": []} for action in ("call_next", "finish")}

    with queue_server(folder, in_process) as (url, counter_ticket):
        from kiosk.client import ApiClient

        with ApiClient(url, config.server.key_for("kiosk")) as kiosk:
            for n in range(waiting + rounds):
                kiosk.issue(services[n % len(services)], priority=n % 9 == 0)
        # the rounds finish at once after the call: without the question an officer gets (counter_app.finish_confirm_within_s)
        quick = config.model_copy(update={"counter_app": config.counter_app.model_copy(update={"finish_confirm_within_s": 0})})
        window = CounterWindow(quick, url, counter_id=COUNTER, clock=FakeClock(MONDAY_9))
        window.resize(1366, 768)
        window.show()
        window.start()
        window.login(COUNTER, "petugas1", "1234")
        wait_until(lambda: window.live is not None and window.live.connected
                   and len(window.waiting_panel.codes()) == waiting + rounds)

        answers: list[float] = []
        window.action_finished.connect(lambda _action, _ok: answers.append(time.perf_counter()))

        def click(action: str, changed) -> None:
            button = window.buttons[action]
            # a person clicks after the screen has shown the last change: let pending paints happen first
            idle_until = time.perf_counter() + 0.03
            wait_until(lambda: time.perf_counter() > idle_until)
            answers.clear()
            seq_before = window.live.state.seq
            clicked = time.perf_counter()
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
            # the server's state, watched without running the GUI loop (the request goes from a worker thread)
            server_at = wait_until(changed, pump=False)
            wait_until(lambda: bool(answers))
            event_at = wait_until(lambda: window.live.state.seq > seq_before and not window.busy())
            timings[action]["server"].append((server_at - clicked) * 1000)
            timings[action]["answer"].append((answers[0] - clicked) * 1000)
            timings[action]["event"].append((event_at - clicked) * 1000)

        for _ in range(rounds):
            click("call_next", lambda: counter_ticket() is not None)
            click("finish", lambda: counter_ticket() is None)
        window.shutdown()
        window.close()
    QApplication.processEvents()

    every = {kind: timings["call_next"][kind] + timings["finish"][kind] for kind in ("server", "answer", "event")}
    result = {"server": "in-process" if in_process else "own-process", "rounds": rounds, "clicks": 2 * rounds,
              "waiting_tickets": waiting}
    for kind, values in every.items():
        result[f"click_to_{kind}_ms_p50"] = round(statistics.median(values), 2)
        result[f"click_to_{kind}_ms_p95"] = round(percentile(values, 0.95), 2)
    for action in ("call_next", "finish"):
        result[f"{action}_click_to_server_ms_p95"] = round(percentile(timings[action]["server"], 0.95), 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="call next + finish rounds (two clicks each)")
    parser.add_argument("--waiting", type=int, default=300, help="tickets waiting for the counter")
    parser.add_argument("--in-process", action="store_true", help="the server in this process (all-in-one lobby)")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.rounds, args.waiting = 3, 10
    with tempfile.TemporaryDirectory(prefix="mpp-bench-counter-") as folder:
        result = run(args.rounds, args.waiting, Path(folder), args.in_process)
    print(f"{result['clicks']} clicks with {result['waiting_tickets']}+ tickets waiting, server {result['server']}")
    for kind, what in (("server", "server state changed"), ("answer", "answer in the window"),
                       ("event", "live event back in the window")):
        print(f"click → {what}: p50 {result[f'click_to_{kind}_ms_p50']} ms, "
              f"p95 {result[f'click_to_{kind}_ms_p95']} ms")
    met = result["click_to_server_ms_p95"] <= TARGET_P95_MS
    print(f"target (click → server state p95 ≤ {TARGET_P95_MS:g} ms):", "met" if met else "MISSED")
    print(f"issue limit raised to {ISSUE_LIMITS['issue_per_minute']}/min (burst {ISSUE_LIMITS['issue_burst']}) "
          "for this benchmark (filling the queue); a lobby's default is 30/min")
    print(json.dumps({**result, "issue_limit_per_minute": ISSUE_LIMITS["issue_per_minute"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
