"""A year in the lobby: reports, issuing, server start, backup and restore on a year's database.

The year is NOT simulated day by day: one month of the shipped config (27 agencies, ~80 services,
45 counters) is simulated through the real engine (November 2026, 30 days, as bench/report.py), and
that month is copied 12 times back to back (360 days, December 2025 → November 2026), every id,
token, day and time shifted. The month and the year are kept in the cache folder
(~/.cache/mpp-kiosk/bench, or $MPP_KIOSK_BENCH_CACHE) so a second run takes seconds.

Targets: month report on the year ≤ 1 s, year report ≤ 3 s (timed warm, and from the disk: the file's pages
dropped from the page cache first), issue p99, call-and-finish p99 (the engine) and call → display p99 (a
counter's call-next over HTTP until a display's WebSocket has the call) with the year within 1.2× of an empty
database, server start to first answer ≤ 1 s, backup and restore ≤ 60 s each.
Last line: one JSON object. --tiny: a quiet simulated day copied 12 times, in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the kiosk package and the simulation

from kiosk import aggregates  # noqa: E402
from kiosk.backup import backup_database  # noqa: E402
from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.engine import QueueEngine  # noqa: E402
from kiosk.reports import build_report  # noqa: E402
from kiosk.restore import restore_database  # noqa: E402
from kiosk.store import Store  # noqa: E402
from support.simulate import simulate  # noqa: E402

COPIES = 12
# per table: the columns that are ids of this table or of tickets (shifted by copy × the largest id),
# the unique text columns (a suffix per copy), and the day and time columns (shifted by copy × span days)
IDS = {"tickets": ("id",), "events": ("seq", "ticket_id"), "surveys": ("ticket_id",)}
UNIQUE_TEXT = {"tickets": ("token", "request_id")}
DAYS = {"tickets": ("day",), "numbering": ("day",), "survey_refusals": ("day",), "day_visits": ("day",),
        "day_hours": ("day",), "day_officers": ("day",), "day_aggregates": ("day",)}
TIMES = {"tickets": ("issued_at", "called_at", "started_at", "finished_at", "no_show_at", "voided_at", "first_called_at"),
         "events": ("at",), "surveys": ("submitted_at",), "survey_refusals": ("first_at", "last_at")}
# tickets before the day aggregates: a ticket added forgets its day's aggregates (store.m009_day_aggregates)
TABLES = ("tickets", "events", "surveys", "numbering", "survey_refusals", "day_visits", "day_hours", "day_officers",
          "day_aggregates")


def cache_dir() -> Path:
    folder = Path(os.environ.get("MPP_KIOSK_BENCH_CACHE") or Path.home() / ".cache" / "mpp-kiosk" / "bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def replicate(config, month: Path, year: Path, span_days: int, last: date, copies: int = COPIES) -> None:
    """``year``: ``month`` and copies-1 copies of it before it, each ``span_days`` earlier than the next."""
    partial = year.with_name(year.name + ".partial")
    partial.unlink(missing_ok=True)
    store = Store(month)  # a month made by an older version gets the current schema, and its days' aggregates
    try:
        with store.write() as conn:
            aggregates.build_missing(conn, config, (last + timedelta(days=1)).isoformat(), "2000-01-01T00:00:00.000+00:00")
    finally:
        store.close()
    with sqlite3.connect(month) as source, sqlite3.connect(partial) as target:
        source.backup(target)
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("ATTACH ? AS m", (f"file:{month.resolve()}?mode=ro",))
    max_id = conn.execute("SELECT max(id) FROM m.tickets").fetchone()[0] or 0
    max_seq = conn.execute("SELECT max(seq) FROM m.events").fetchone()[0] or 0
    conn.execute("BEGIN")
    for copy in range(1, copies):
        shift = f"'-{copy * span_days} days'"
        for table in TABLES:
            columns = [row[1] for row in conn.execute(f"PRAGMA m.table_info({table})")]
            exprs = []
            for column in columns:
                if column in IDS.get(table, ()):
                    step = max_seq if column == "seq" else max_id
                    exprs.append(f"{column} + {copy * step}")
                elif column in UNIQUE_TEXT.get(table, ()):
                    exprs.append(f"{column} || '-y{copy}'")
                elif column in DAYS.get(table, ()):
                    exprs.append(f"date({column}, {shift})")
                elif column in TIMES.get(table, ()):
                    exprs.append(f"date(substr({column}, 1, 10), {shift}) || substr({column}, 11)")
                else:
                    exprs.append(column)
            conn.execute(f"INSERT INTO main.{table} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM m.{table}")
    conn.execute("COMMIT")
    conn.execute("DETACH m")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("ANALYZE")
    conn.close()
    partial.rename(year)


def timed(function, *args, repeat=1, before=None, **kwargs):
    best, result = None, None
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        result = function(*args, **kwargs)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def evict(db: Path) -> None:
    """Drop the database's pages from the kernel's page cache (clean pages: no root needed), as if the machine
    had not read it since its start."""
    os.sync()  # a dirty page is written out, not dropped
    for path in (db, db.with_name(db.name + "-wal")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def read_bytes() -> int:
    """The bytes this process has had read from the disk (the kernel's count, its read-ahead included)."""
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("read_bytes:"))


WARM_UP = 10  # untimed issues and calls first: the statements prepared, the modules loaded, on both databases
# a ticket issued, called and finished on each database every ROUND_S: 30 writes a second on each, where the
# busiest hour of a large lobby makes under one (2,000 visitors a day, three writes each); back to back, with
# no pause at all, it would time the database's background checkpoint (which waits for a pause, kiosk/store.py)
ROUND_S = 0.1


def issue_latencies(config, dbs: list[Path], day: date, count: int) -> list[tuple[list[float], list[float]]]:
    """Issue ``count`` tickets and call each, on ``day`` (a day after the year), on each database, each timed (ms).

    The databases take turns ticket by ticket, a round every ROUND_S, so the machine's noise (another process,
    a timer) falls on both alike, and each gets its warm-up first: the year and the empty database are compared,
    not the first and the second run."""
    runs = []
    for db in dbs:
        clock = FakeClock(datetime.combine(day, datetime.min.time().replace(hour=8, minute=5), tzinfo=config.lobby.tz))
        engine = QueueEngine(config, Store(db), clock)
        service = next(s for s in config.services if not s.daily_quota)
        counter = next(c for c in config.counters if service.id in c.services)
        engine.open_counter(counter.id)
        runs.append((engine, clock, service, counter, [], []))
    try:
        next_round = time.perf_counter()
        for index in range(WARM_UP + count):
            time.sleep(max(0.0, next_round - time.perf_counter()))
            next_round += ROUND_S
            # each goes first in turn: the first write after the pause finds the CPU's caches cold
            for engine, clock, service, counter, issue_ms, call_ms in runs[index % 2:] + runs[:index % 2]:
                started = time.perf_counter()
                engine.issue_ticket(service.id)
                elapsed = (time.perf_counter() - started) * 1000
                if index >= WARM_UP:
                    issue_ms.append(elapsed)
                clock.advance(seconds=3)
                started = time.perf_counter()
                engine.call_next(counter.id)
                engine.finish(counter.id)
                elapsed = (time.perf_counter() - started) * 1000
                if index >= WARM_UP:
                    call_ms.append(elapsed)
                clock.advance(seconds=3)
    finally:
        for engine, *_ in runs:
            engine.store.close()
    return [(issue_ms, call_ms) for _, _, _, _, issue_ms, call_ms in runs]


STAFF = ("petugas1", "1234")  # the shipped config's counter officer (docs/configuration.md: every agency user's PIN)


def call_to_display(config, dbs: list[Path], day: date, count: int) -> list[list[float]]:
    """Per database, ``count`` times: ms from a counter's call-next request to a display's WebSocket holding the
    "called" event, through the server (uvicorn on loopback, one per database, each a thread of this process, on a
    clock at 13:00 of ``day``); the call is then finished. The databases take turns as in issue_latencies."""
    import asyncio

    from kiosk.server.app import create_app
    from kiosk.server.runner import ServerThread

    user, pin = STAFF
    counter = config.counter_by_id[config.staff_by_user[user].counters[0]]
    service = next(s for s in config.services if s.id in counter.services and not s.daily_quota)
    servers = []
    try:
        for db in dbs:
            clock = FakeClock(datetime.combine(day, datetime.min.time().replace(hour=13), tzinfo=config.lobby.tz))
            engine = QueueEngine(config, Store(db), clock)
            for _ in range(WARM_UP + count):  # by the engine: a kiosk's key may issue 30 a minute
                engine.issue_ticket(service.id)
            clock.advance(seconds=60)
            app = create_app(config, engine, access_log=False, log_events=False)
            servers.append((ServerThread(app).start(), engine))
        return asyncio.run(_calls_to_display(config, [server.url for server, _ in servers], counter.id, user, pin,
                                             count))
    finally:
        for server, engine in servers:
            server.stop()
            engine.store.close()


async def _calls_to_display(config, urls: list[str], counter_id: str, user: str, pin: str,
                            count: int) -> list[list[float]]:
    import asyncio
    import contextlib

    import httpx
    import websockets
    import importlib.util

    # bench/api.py's call → event, one call at a time (by its file: tests/api, on the path first, is another "api")
    spec = importlib.util.spec_from_file_location("bench_api", Path(__file__).with_name("api.py"))
    bench_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_api)
    call_until_heard = bench_api.call_until_heard

    keys = {device.role: device.key for device in config.server.devices}
    async with contextlib.AsyncExitStack() as opened:
        lobbies = []  # (http client, staff headers, the display's socket, the delays) per database
        for url in urls:
            http = await opened.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10))
            login = await http.post("/api/v1/sessions", json={"user": user, "pin": pin, "counter_id": counter_id},
                                    headers={"Authorization": f"Bearer {keys['counter-app']}"})
            login.raise_for_status()
            display = await opened.enter_async_context(
                websockets.connect(url.replace("http://", "ws://") + f"/api/v1/events?key={keys['display']}"))
            assert json.loads(await display.recv())["type"] == "hello"
            lobbies.append((http, {"Authorization": f"Bearer {login.json()['token']}"}, display, []))
        next_round = time.perf_counter()
        for index in range(WARM_UP + count):
            await asyncio.sleep(max(0.0, next_round - time.perf_counter()))
            next_round += ROUND_S
            for http, staff, display, delays in lobbies[index % 2:] + lobbies[:index % 2]:
                elapsed_s = await call_until_heard(http, staff, display, counter_id)
                if index >= WARM_UP:
                    delays.append(elapsed_s * 1000)
        return [lobby[3] for lobby in lobbies]


def p99(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0], 2)


def server_start_s(config_path: Path, db: Path) -> float:
    """Seconds from starting `mpp-kiosk server` on the year to its first answer (the catalog)."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # the bytecode of kiosk/ compiled first, as scripts/setup.sh does at install: the start of an installed
    # server, not of one compiling again the modules edited since (0.1-0.2 s where PYTHONDONTWRITEBYTECODE is set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kiosk")], stdout=subprocess.DEVNULL,
                   check=False)
    # one client made before the clock starts: httpx.get() would build a client and its TLS context at each poll,
    # ~20 ms of this machine's CPU the starting server shares, timed as if it were the server's
    poller = httpx.Client(timeout=1)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "server", "--config", str(config_path), "--db", str(db),
                             "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=config_path.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 60:
            try:
                if poller.get(f"http://127.0.0.1:{port}/api/v1/catalog").status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}")
            time.sleep(0.01)
        raise RuntimeError("the server did not answer within 60 s")
    finally:
        poller.close()
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a quiet day copied 12 times, in a few seconds")
    args = parser.parse_args(argv)
    config_path = ROOT / "config.toml"
    config = load_config(config_path)
    if args.tiny:
        folder = Path(tempfile.mkdtemp(prefix="mpp-kiosk-bench-year-tiny-"))
        first = last = date(2026, 11, 2)
        month = folder / "day.sqlite"
        simulate(config, month, first, last, seed=11, arrivals_per_hour=2)
        samples = 100  # of 30, the p99 was the slowest one
    else:
        folder = cache_dir()
        first, last = date(2026, 11, 1), date(2026, 11, 30)
        month = folder / "month-seed11.sqlite"
        # 1,000 of each, 2 minutes: the p99 is the 10th slowest (of 400 it was the 4th, and two runs gave the year
        # 1.09x and 1.26x of the empty database; of 1,000, 1.11x and 1.04x)
        samples = 1000
        if not month.exists():
            started = time.perf_counter()
            partial = folder / "month-seed11.partial.sqlite"
            partial.unlink(missing_ok=True)
            simulate(config, partial, first, last, seed=11, arrivals_per_hour=15)
            partial.rename(month)
            print(f"simulated the month in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    span = (last - first).days + 1
    year = folder / f"year-v4-{month.stem}.sqlite"  # v4: with the day aggregates and the per-officer ones
    if not year.exists():
        started = time.perf_counter()
        replicate(config, month, year, span, last)
        print(f"copied the month {COPIES} times in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    # the year brought to the current schema once (a cached year made before a migration gets it here, not in
    # the timed start of the server below)
    Store(year).close()
    year_first = first - timedelta(days=span * (COPIES - 1))
    with sqlite3.connect(year) as conn:
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        events = conn.execute("SELECT max(seq) FROM events").fetchone()[0]
    print(f"the year: the simulated {first}..{last} ({span} days) copied {COPIES} times back to back, "
          f"{year_first}..{last}: {tickets} tickets, {events} events", file=sys.stderr)

    month_report_s, report = timed(build_report, config, year, first, last, repeat=3)
    assert sum(r[1] for r in report.table("per_month").rows) == tickets // COPIES
    year_report_s, report = timed(build_report, config, year, year_first, last, repeat=2)
    assert sum(r[1] for r in report.table("per_month").rows) == tickets
    # a year's report is asked for rarely: its pages are likely on the disk only, not in memory
    read_before = read_bytes()
    year_report_cold_s, _ = timed(build_report, config, year, year_first, last, before=lambda: evict(year))
    year_report_cold_read_mb = (read_bytes() - read_before) / 1e6

    work = Path(tempfile.mkdtemp(prefix="mpp-kiosk-bench-year-"))
    try:
        backup_s, _ = timed(backup_database, year, work / "backup.sqlite")
        restore_s, _ = timed(restore_database, work / "backup.sqlite", work / "restored.sqlite")
        # the backup and the restore just wrote twice the year: the kernel writes it out for a minute after,
        # and the server's reads and the queue's fsyncs would wait behind it; the lobby's server is timed, not
        # that minute
        os.sync()
        # the first start after 2 GB of backup and restore: the kernel may have dropped Python's and the
        # libraries' files from its cache for them (this machine's cache is trimmed to ~0.5 GB); then three
        # starts as a restart of the service makes them, their median the figure
        first_start_s = server_start_s(config_path, work / "restored.sqlite")
        start_s = statistics.median(server_start_s(config_path, work / "restored.sqlite") for _ in range(3))
        day_after = last + timedelta(days=1)
        while day_after.weekday() >= 5:
            day_after += timedelta(days=1)
        read_before = read_bytes()
        (year_issue, year_call), (empty_issue, empty_call) = issue_latencies(
            config, [work / "restored.sqlite", work / "empty.sqlite"], day_after, samples)
        year_shown, empty_shown = call_to_display(config, [work / "restored.sqlite", work / "empty.sqlite"],
                                                  day_after, samples)
        # pages of the databases read from the disk while the writes were timed: what the kernel's cache had dropped
        timed_read_mb = (read_bytes() - read_before) / 1e6
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size_mb = year.stat().st_size / 1e6
    print(json.dumps({
        "months_copied_to_make_the_year": COPIES,
        "tickets": tickets,
        "events": events,
        "month_report_on_year_s": round(month_report_s, 3),
        "year_report_s": round(year_report_s, 3),
        "year_report_from_disk_s": round(year_report_cold_s, 3),
        "year_report_from_disk_read_mb": round(year_report_cold_read_mb, 1),
        "issue_p99_ms_year": p99(year_issue),
        "issue_p99_ms_empty": p99(empty_issue),
        "call_finish_p99_ms_year": p99(year_call),
        "call_finish_p99_ms_empty": p99(empty_call),
        "call_to_display_p99_ms_year": p99(year_shown),
        "call_to_display_p99_ms_empty": p99(empty_shown),
        "server_start_to_first_answer_s": round(start_s, 3),
        "server_first_start_after_restore_s": round(first_start_s, 3),
        "disk_read_mb_while_writes_timed": round(timed_read_mb, 1),
        "backup_s": round(backup_s, 2),
        "restore_s": round(restore_s, 2),
        "db_mb_per_year": round(size_mb * 365 / (span * COPIES), 1),
    }))


if __name__ == "__main__":
    main()
