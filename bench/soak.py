"""Soak: the queue server on a fast clock through N lobby days, with a kiosk, a counter and a display process.

The server is the real one (uvicorn, SQLite file) in its own process, its clock running `speed` times real time
from a Monday 07:00, so each lobby day (24 h of its clock) takes `--day-seconds` real seconds; the day roll-over,
the daily tidy-up and the ticker run as they would over weeks. The three other processes use the real client
library (kiosk.client, what the windows use), NOT the Qt windows: the kiosk process issues tickets, the counter
process logs in, calls and finishes, the display process follows the event stream. Prints, for every process,
RSS, threads and open files after day 1 and after day N (target: growth ≤ 10 %), and the call → display latency
p95 over day 1 and over day N (target: day N within 1.2× of day 1). Last line: one JSON object.
Day 1's sample is taken a day's time after every process is ready (its imports done), or at day 1's end if
later. --tiny: 4 short days (tests/ops/test_bench_scripts.py).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.configs import DEVICE_KEYS, MAKASSAR, config_dict, load_test_server  # noqa: E402

START = datetime(2026, 11, 23, 7, 0, tzinfo=MAKASSAR)  # a Monday
PIN = "1234"


class FastClock:
    """``speed`` times real time from ``start`` (the same in every process: it is read from the wall clock)."""

    def __init__(self, start: datetime, speed: float, t0: float):
        self.start, self.speed, self.t0 = start, speed, t0

    def now(self) -> datetime:
        return (self.start + timedelta(seconds=(time.time() - self.t0) * self.speed)).astimezone(MAKASSAR)


def serve(config_path: Path, db: Path, port: int, speed: float, t0: float) -> None:
    from kiosk.config import parse_config
    from kiosk.logs import setup_logging
    from kiosk.server import listen
    from kiosk.server.app import create_app

    config = parse_config(json.loads(config_path.read_text()), base_dir=config_path.parent)
    setup_logging("server", config_path.parent / "logs", stderr=False, retention=config.retention)
    app = create_app(config, clock=FastClock(START, speed, t0), db_path=db, tick_seconds=0.5, access_log=False)
    listen.serve(app, config, "127.0.0.1", port)


def kiosk(url: str, stop, issued, ready) -> None:
    from kiosk.client import ApiClient, ApiError

    api = ApiClient(url, DEVICE_KEYS["kiosk"], timeout=10)
    ready.set()
    while not stop.is_set():
        try:
            api.issue("ktp")
            issued.value += 1
        except ApiError:
            pass  # closed at night, on a break, or the day's quota
        time.sleep(0.05)


def counter(url: str, stop, sent_path: str, ready) -> None:
    from kiosk.client import ApiClient, ApiError

    api = ApiClient(url, DEVICE_KEYS["counter-app"], timeout=10)
    ready.set()
    logged_in = False
    with open(sent_path, "a", buffering=1) as sent:
        while not stop.is_set():
            try:
                if not logged_in:
                    api.close()
                    api = ApiClient(url, DEVICE_KEYS["counter-app"], timeout=10)  # a login needs the device key
                    api.login("petugas1", PIN, "loket-1")
                    logged_in = True
                started = time.time()
                ticket = api.counter_action("loket-1", "call_next")
                sent.write(f"{ticket['ticket']['id']} {started}\n")
                time.sleep(0.05)
                api.counter_action("loket-1", "finish")
            except ApiError as exc:
                if exc.status == 401:
                    logged_in = False  # the session's hours ran out on the fast clock
                time.sleep(0.05)


def display(url: str, stop, seen_path: str, ready) -> None:
    from kiosk.client import EventStream

    with open(seen_path, "a", buffering=1) as seen:
        def on_event(event: dict) -> None:
            if event.get("type") == "called":
                seen.write(f"{event.get('ticket_id')} {time.time()}\n")

        stream = EventStream(url, DEVICE_KEYS["display"], on_event=on_event)
        ready.set()
        stop.wait()
        stream.stop()


def usage(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {"rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1), "threads": int(fields["Threads"]),
            "open_files": len(os.listdir(f"/proc/{pid}/fd"))}


def latencies(sent_path: Path, seen_path: Path, since: float, until: float) -> list[float]:
    sent = {}
    for line in sent_path.read_text().splitlines():
        ticket_id, at = line.split()
        sent[ticket_id] = float(at)
    out = []
    for line in seen_path.read_text().splitlines():
        ticket_id, at = line.split()
        if ticket_id in sent and since <= sent[ticket_id] < until:
            out.append((float(at) - sent[ticket_id]) * 1000)
    return out


def p95(values: list[float]) -> float | None:
    if len(values) < 2:
        return round(values[0], 1) if values else None
    return round(statistics.quantiles(values, n=20)[18], 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="4 days of 3 s each")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--day-seconds", type=float, default=10.0, help="real seconds per lobby day")
    args = parser.parse_args(argv)
    if args.tiny:
        args.days, args.day_seconds = 4, 3.0
    speed = 86400 / args.day_seconds
    folder = Path(tempfile.mkdtemp(prefix="mpp-kiosk-bench-soak-"))
    data = config_dict(server=load_test_server(), retention={"personal_days": 7})
    config_path = folder / "config.json"
    config_path.write_text(json.dumps(data))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    t0 = time.time()
    ctx = multiprocessing.get_context("spawn")
    stop, issued = ctx.Event(), ctx.Value("i", 0)
    sent_path, seen_path = folder / "sent.txt", folder / "seen.txt"
    sent_path.touch()
    seen_path.touch()
    server = ctx.Process(target=serve, args=(config_path, folder / "queue.sqlite", port, speed, t0), name="server")
    server.start()
    import httpx

    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
        if time.time() - t0 > 60 or not server.is_alive():
            raise SystemExit("the server did not start")
    readies = [ctx.Event() for _ in range(3)]
    workers = [ctx.Process(target=kiosk, args=(url, stop, issued, readies[0]), name="kiosk"),
               ctx.Process(target=counter, args=(url, stop, str(sent_path), readies[1]), name="counter"),
               ctx.Process(target=display, args=(url, stop, str(seen_path), readies[2]), name="display")]
    for worker in workers:
        worker.start()
    for ready in readies:  # a loaded machine may take seconds to start a process: day 1 begins after
        ready.wait(60)
    processes = [server, *workers]
    # day d ends when the fast clock reaches START + d days
    day_end = [t0 + (d + 1) * args.day_seconds for d in range(args.days)]
    samples = {}
    try:
        for d in (0, args.days - 1):
            # day 1: its end, and at least one day's time after every process was ready (warmed up)
            wake = max(day_end[d], time.time() + args.day_seconds) if d == 0 else day_end[d]
            time.sleep(max(0.0, wake - time.time()))
            samples[d + 1] = {p.name: usage(p.pid) for p in processes}
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.terminate()
        server.terminate()
        server.join(10)
    first = latencies(sent_path, seen_path, t0, day_end[0])
    last = latencies(sent_path, seen_path, day_end[-2] if args.days > 1 else t0, day_end[-1])
    calls = len(sent_path.read_text().splitlines())
    growth = {name: round(100 * (samples[args.days][name]["rss_mb"] / samples[1][name]["rss_mb"] - 1), 1)
              for name in samples[1]}
    for name in samples[1]:
        print(f"{name:8} day 1 {samples[1][name]}  day {args.days} {samples[args.days][name]}", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({
        "days": args.days, "day_s": args.day_seconds, "windows_are_client_processes_not_qt": True,
        "tickets": issued.value, "calls": calls,
        "rss_growth_pct": growth,
        "threads_day1": {n: s["threads"] for n, s in samples[1].items()},
        "threads_dayN": {n: s["threads"] for n, s in samples[args.days].items()},
        "open_files_day1": {n: s["open_files"] for n, s in samples[1].items()},
        "open_files_dayN": {n: s["open_files"] for n, s in samples[args.days].items()},
        "call_to_display_p95_ms_day1": p95(first), "call_to_display_p95_ms_dayN": p95(last),
    }))


if __name__ == "__main__":
    main()
