"""Soak: the queue server on a fast clock through N lobby days, with the real kiosk, counter and display windows.

    .venv/bin/python bench/soak.py [--days 30] [--day-seconds 120] [--night-seconds 3]

The server is the real one (uvicorn, SQLite file) in its own process, on a fast clock from a Monday 07:00 (the
same in every process): a day's open half (07:00-19:00, Monday to Saturday) takes `--day-seconds` real seconds,
its closed half (and each half of a Sunday) `--night-seconds`, so the calls fill the run while the day
roll-over, the daily tidy-up and the ticker still run as they would over weeks (30 days: ~54 min, ~2,000 calls).
The clock stands at 07:00 until every window is up. The kiosk, counter and display are the real Qt windows
(offscreen), each in its own process on the same fast clock, built as their tests build them
(bench/_soak_windows.py): visitors tap through the kiosk's screens, an officer clicks call-next and finish at
loket-1 (and logs in again when the session's 12 hours are over), the display shows, chimes, speaks (a fake
synthesizer's short tones, as in its tests) and signs (the real clips). The lobby day is long (07:00-19:00
weekdays, Saturday mornings): one counter calls every 1.2 s, just above the display's 1 s flash, so a call never
waits for its slot.
Prints, for every process, RSS, threads and open files at the end of day 1 and of day N (target: growth ≤ 10 %),
which Python object types grew most in each window, and the call → display latency (the counter's click to the
display's big code label painted with that code) p50/p95 over day 1 and over day N (target: day N's p95
within 1.2× of day 1's). Last line: one JSON object. --tiny: 3 days of 8 s open, 4 s closed
(tests/ops/test_bench_scripts.py).
"""
from __future__ import annotations

import argparse
import bisect
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
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'support' / 'screens.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia*=false")
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from support.configs import MAKASSAR  # noqa: E402

START = datetime(2026, 11, 23, 7, 0, tzinfo=MAKASSAR)  # a Monday


class FastClock:
    """The lobby's clock on fast forward from ``start`` (07:00), the same in every process: it is read from the
    wall clock and ``t0`` (a shared value). The open half of a day (07:00-19:00, Monday to Saturday) passes in
    ``day_seconds`` real seconds, the other half and the whole Sunday in ``night_seconds`` each half: the calls
    fill the run, and the nights' roll-over and tidy-up still come every day. It stands at ``start`` until
    ``t0`` is set, when every window is up: a loaded machine may take many seconds to start the Qt processes,
    and day 1 must not pass before they are."""

    HALF_DAY_S = 43200

    def __init__(self, start: datetime, day_seconds: float, night_seconds: float, t0, days: int):
        self.start, self.t0 = start, t0
        self.speed = self.HALF_DAY_S / day_seconds  # in the open hours (the windows' refreshes follow it)
        self.reals: list[float] = []  # per half day from start: its real offset from t0 and its speed
        self.speeds: list[float] = []
        real = 0.0
        for half in range(2 * (days + 1)):
            sunday = (start + timedelta(days=half // 2)).weekday() == 6
            seconds = day_seconds if half % 2 == 0 and not sunday else night_seconds
            self.reals.append(real)
            self.speeds.append(self.HALF_DAY_S / seconds)
            real += seconds
        self.reals.append(real)
        self.speeds.append(self.speeds[-1])

    def day_end(self, day: int) -> float:
        """Seconds from t0 to the end of lobby day ``day`` (1 …): 07:00 the next morning, the lobby closed."""
        return self.reals[2 * day]

    def now(self) -> datetime:
        t0 = self.t0.value
        elapsed = max(0.0, time.time() - t0) if t0 else 0.0
        half = max(0, bisect.bisect_right(self.reals, elapsed) - 1)
        lobby = half * self.HALF_DAY_S + (elapsed - self.reals[half]) * self.speeds[half]
        return (self.start + timedelta(seconds=lobby)).astimezone(MAKASSAR)


def serve(config_path: Path, db: Path, port: int, clock: FastClock) -> None:
    from kiosk.config import parse_config
    from kiosk.logs import setup_logging
    from kiosk.server import listen
    from kiosk.server.app import create_app

    config = parse_config(json.loads(config_path.read_text()), base_dir=config_path.parent)
    setup_logging("server", config_path.parent / "logs", stderr=False, retention=config.retention)
    app = create_app(config, clock=clock, db_path=db, tick_seconds=0.5, access_log=False)
    listen.serve(app, config, "127.0.0.1", port)


def usage(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {"rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1), "threads": int(fields["Threads"]),
            "open_files": len(os.listdir(f"/proc/{pid}/fd"))}


def latencies(sent_path: Path, seen_path: Path, since: float, until: float) -> list[float]:
    """ms from each call's click to its code painted, for the clicks in [since, until). Codes start again each
    day: a paint belongs to the last click of its code before it."""
    sent: dict[str, list[float]] = {}
    for line in sent_path.read_text().splitlines():
        code, at = line.split()
        sent.setdefault(code, []).append(float(at))
    out = []
    for line in seen_path.read_text().splitlines():
        code, at = line.split()
        clicked = max((c for c in sent.get(code, []) if c <= float(at)), default=None)
        if clicked is not None and since <= clicked < until:
            out.append((float(at) - clicked) * 1000)
    return out


def p95(values: list[float]) -> float | None:
    if len(values) < 2:
        return round(values[0], 1) if values else None
    return round(statistics.quantiles(values, n=20)[18], 1)


def p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server, started: float) -> None:
    import httpx

    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
        if time.time() - started > 60 or not server.is_alive():
            raise SystemExit("the server did not start")


def start_windows(ctx, url: str, config_path: Path, clock: FastClock, stop, census, folder: Path) -> list:
    """The kiosk, counter and display windows, each in its own process: (process, ready, done) each."""
    from _soak_windows import counter_window, display_window, kiosk_window

    targets = {"kiosk": (kiosk_window, ()), "counter": (counter_window, (str(folder / "sent.txt"),)),
               "display": (display_window, (str(folder / "seen.txt"),))}
    windows = []
    for name, (target, extra) in targets.items():
        ready, done = ctx.Event(), ctx.Value("i", 0)
        process = ctx.Process(target=target, name=name,
                              args=(url, str(config_path), clock, stop, census, ready, done, *extra))
        process.start()
        windows.append((process, ready, done))
    for process, ready, _done in windows:
        if not ready.wait(120):  # a loaded 2-core machine may take long to start three Qt processes
            raise SystemExit(f"the {process.name} window did not get ready (exit code {process.exitcode})")
    return windows


def stop_all(stop, windows, server) -> None:
    stop.set()
    for process, _ready, _done in windows:
        process.join(20)
        if process.is_alive():
            process.terminate()
    server.terminate()
    server.join(10)


def read_census(folder: Path, names: list[str], days: int) -> dict:
    """name -> day -> {"objects": Python objects by type, "widgets": Qt widgets alive} (none: a window that
    did not answer)."""
    census = {}
    for name in names:
        try:
            census[name] = {d: json.loads((folder / f"census-{name}-{d}.json").read_text()) for d in (1, days)}
        except FileNotFoundError:
            print(f"{name:8} no census", file=sys.stderr)
    return census


def print_census(census: dict, days: int, top: int = 5) -> None:
    """Which Python object types grew most from day 1 to day N in each window (where a leak would show)."""
    for name, by_day in census.items():
        day1, dayn = by_day[1]["objects"], by_day[days]["objects"]
        grown = sorted(((dayn.get(k, 0) - day1.get(k, 0), k) for k in set(day1) | set(dayn)), reverse=True)[:top]
        print(f"{name:8} {by_day[1]['widgets']} Qt widgets, {sum(day1.values())} Python objects on day 1, "
              f"{by_day[days]['widgets']} and {sum(dayn.values())} on day {days}; grown most: "
              + ", ".join(f"{k} {n:+d}" for n, k in grown))


def growth_pct(before: float, after: float) -> float:
    return round(100 * (after / before - 1), 1) if before else 0.0


def report(samples: dict, days: int, first: list, last: list) -> dict:
    """Per window: RSS, threads and open files at day 1 and day N, and their growth."""
    figures = {}
    for name, day1 in samples[1].items():
        dayn = samples[days][name]
        print(f"{name:8} day 1: {day1['rss_mb']:6.1f} MB, {day1['threads']:3} threads, {day1['open_files']:3} "
              f"open files; day {days}: {dayn['rss_mb']:6.1f} MB, {dayn['threads']:3} threads, "
              f"{dayn['open_files']:3} open files; RSS growth {growth_pct(day1['rss_mb'], dayn['rss_mb']):+.1f} %")
        figures[name] = {"rss_mb_day1": day1["rss_mb"], "rss_mb_dayN": dayn["rss_mb"],
                         "rss_growth_pct": growth_pct(day1["rss_mb"], dayn["rss_mb"]),
                         "threads_day1": day1["threads"], "threads_dayN": dayn["threads"],
                         "open_files_day1": day1["open_files"], "open_files_dayN": dayn["open_files"]}
    print(f"call → display painted: day 1 p50 {p50(first)} ms, p95 {p95(first)} ms ({len(first)} calls); "
          f"day {days} p50 {p50(last)} ms, p95 {p95(last)} ms ({len(last)} calls)")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="3 days of 8 s open and 4 s closed each")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--day-seconds", type=float, default=120.0,
                        help="real seconds of a day's open half (07:00-19:00, Monday to Saturday)")
    parser.add_argument("--night-seconds", type=float, default=3.0,
                        help="real seconds of its closed half (19:00-07:00; a Sunday is two of them)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.days, args.day_seconds, args.night_seconds = 3, 8.0, 4.0
    from _soak_windows import soak_config

    folder = Path(tempfile.mkdtemp(prefix="mpp-kiosk-bench-soak-"))
    config_path = folder / "config.json"
    config_path.write_text(json.dumps(soak_config(folder)))
    (folder / "sent.txt").touch()
    (folder / "seen.txt").touch()
    url = f"http://127.0.0.1:{free_port()}"
    ctx = multiprocessing.get_context("spawn")
    stop, t0, census = ctx.Event(), ctx.Value("d", 0.0), ctx.Value("i", 0)
    clock = FastClock(START, args.day_seconds, args.night_seconds, t0, args.days)
    server = ctx.Process(target=serve, name="server",
                         args=(config_path, folder / "queue.sqlite", int(url.rsplit(":", 1)[1]), clock))
    server.start()
    wait_healthy(url, server, time.time())
    windows = []
    samples = {}
    try:
        windows = start_windows(ctx, url, config_path, clock, stop, census, folder)
        t0.value = time.time()  # the lobby's clock runs from here: every window is up
        day_end = [t0.value + clock.day_end(d + 1) for d in range(args.days)]
        for d in (0, args.days - 1):
            time.sleep(max(0.0, day_end[d] - time.time()))  # the next morning: the day's work done, closed
            samples[d + 1] = {p.name: usage(p.pid) for p in [server] + [w[0] for w in windows]}
            census.value = d + 1  # and each window counts its Python objects
        time.sleep(1.0)
    finally:
        stop_all(stop, windows, server)
    first = latencies(folder / "sent.txt", folder / "seen.txt", t0.value, day_end[0])
    last = latencies(folder / "sent.txt", folder / "seen.txt", day_end[-2], day_end[-1])
    done = {process.name: counted.value for process, _ready, counted in windows}
    print(f"{args.days} lobby days of {args.day_seconds:g} s open and {args.night_seconds:g} s closed: "
          f"{done['kiosk']} tickets tapped at the kiosk, "
          f"{done['counter']} calls clicked at the counter, {done['display']} codes painted on the display")
    figures = report(samples, args.days, first, last)
    census = read_census(folder, [w[0].name for w in windows], args.days)
    print_census(census, args.days)
    shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({
        "days": args.days, "day_open_s": args.day_seconds, "day_closed_s": args.night_seconds, "windows_are_qt": True,
        "tickets": done["kiosk"], "calls": done["counter"], "shown_calls": done["display"],
        **{f"{name}_{key}": value for name, group in figures.items() for key, value in group.items()},
        **{f"{name}_widgets_day{label}": by_day[d]["widgets"]
           for name, by_day in census.items() for d, label in ((1, "1"), (args.days, "N"))},
        "call_to_display_p50_ms_day1": p50(first), "call_to_display_p50_ms_dayN": p50(last),
        "call_to_display_p95_ms_day1": p95(first), "call_to_display_p95_ms_dayN": p95(last),
        "call_to_display_calls_day1": len(first), "call_to_display_calls_dayN": len(last),
    }))


if __name__ == "__main__":
    main()
