"""Benchmark of the queue server over real HTTP and WebSocket on loopback.

    .venv/bin/python bench/api.py [--seconds 5] [--clients 32] [--calls 200]

Starts the server in its own process (uvicorn with uvloop and httptools, no
access log) over a SQLite file in a temp folder, with the clock fixed at a
Monday 09:00 so the service is open, and a service without a quota. Then:

* tickets issued per second with 1 client and with N concurrent clients
  (keep-alive connections; a lean HTTP/1.1 load generator by default, or
  httpx.AsyncClient with --client httpx), with the p50/p95 latency of one
  issue and the server's CPU time per ticket, while a display-like listener
  takes every event over the WebSocket; each run starts on an empty day;
* call → event: the time from sending a counter's call-next until a
  WebSocket listener receives the "called" event (p50/p95).

One kiosk key issues far faster than a person here, so the config raises
server.limits.issue_per_minute and issue_burst, and the output says so.
The last line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

KIOSK_KEY = "bench-kiosk-key-0123456789"
DISPLAY_KEY = "bench-display-key-0123456789"
COUNTER_KEY = "bench-counter-key-0123456789"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
# one kiosk key issues thousands of tickets a second here: far over the lobby's limit (30 a minute), on purpose
ISSUE_LIMITS = {"issue_per_minute": 100_000, "issue_burst": 100_000}


def bench_config(pin_hash: str) -> dict:
    return {
        "lobby": {"name": "MPP Bench", "timezone": "Asia/Makassar"},
        "server": {"limits": ISSUE_LIMITS, "devices": [
            {"name": "kiosk1", "role": "kiosk", "key": KIOSK_KEY},
            {"name": "display1", "role": "display", "key": DISPLAY_KEY},
            {"name": "counter1", "role": "counter-app", "key": COUNTER_KEY},
        ]},
        "agencies": [{"id": "dukcapil", "name": "Disdukcapil", "short_name": "Disdukcapil"}],
        "groups": [{"id": "a", "prefix": "A"}, {"id": "b", "prefix": "B"}],
        "services": [
            {"id": "ktp", "agency": "dukcapil", "group": "a", "name": {"id": "KTP-el", "en": "e-ID card"}},
            {"id": "kk", "agency": "dukcapil", "group": "b", "name": {"id": "Kartu Keluarga", "en": "Family card"}},
        ],
        "counters": [
            {"id": "loket-1", "number": "1", "agency": "dukcapil", "services": ["ktp"]},
            {"id": "loket-2", "number": "2", "agency": "dukcapil", "services": ["kk"]},
        ],
        "staff": [{"user": "petugas", "name": "Petugas", "pin_hash": pin_hash, "counters": ["*"]}],
        "schedule": {"weekly": {"mon": ["08:00-15:00"]}},
        "audio": {"enabled": False},
        "sign": {"enabled": False},
    }


# --------------------------------------------------------------------------- the server process

def serve(args) -> int:
    import logging

    import uvicorn

    from kiosk.clock import FakeClock
    from kiosk.config import parse_config
    from kiosk.server.app import create_app

    logging.basicConfig(level=logging.WARNING)
    config = parse_config(json.loads(Path(args.config).read_text()), base_dir=Path(args.db).parent)
    app = create_app(config, clock=FakeClock(MONDAY_9), db_path=args.db, access_log=False)
    def run():
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                    loop="uvloop", http="httptools", log_config=None, ws_per_message_deflate=False)

    if args.profile:
        import cProfile
        import signal

        # a plain exit on SIGTERM (uvicorn would re-raise it and lose the profile)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        profiler = cProfile.Profile()
        try:
            profiler.runcall(run)
        except KeyboardInterrupt:
            pass
        profiler.dump_stats(args.profile)
    else:
        run()
    return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_server(folder: Path, profile: str | None = None) -> tuple[subprocess.Popen, str]:
    from kiosk.pins import hash_pin

    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.json"
    config_path.write_text(json.dumps(bench_config(hash_pin("1234"))))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--config", str(config_path), "--db", str(folder / "bench.sqlite"),
         "--port", str(port)] + (["--profile", profile] if profile else []),
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the server did not start")


# --------------------------------------------------------------------------- the measurements

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class RawHttpClient:
    """One keep-alive HTTP/1.1 connection that sends a fixed request and reads the answer: a load generator
    as lean as wrk's, so on 2 cores the numbers are the server's, not the client's."""

    def __init__(self, port: int, request: bytes):
        self.port = port
        self.request = request

    async def __aenter__(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc):
        self.writer.close()

    async def send(self) -> int:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return int(head[9:12])


def issue_request(service: str) -> bytes:
    body = json.dumps({"service_id": service}).encode()
    return (f"POST /api/v1/tickets HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {KIOSK_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def issue_load(url: str, clients: int, seconds: float, service: str, client_kind: str):
    """Each client issues tickets back to back over one keep-alive connection for ``seconds``."""
    latencies: list[float] = []
    port = int(url.rsplit(":", 1)[1])

    if client_kind == "httpx":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        http = httpx.AsyncClient(base_url=url, timeout=10, limits=limits,
                                 headers={"Authorization": f"Bearer {KIOSK_KEY}"})

        async def send_one(_conn) -> int:
            return (await http.post("/api/v1/tickets", json={"service_id": service})).status_code

        connections = [None] * clients
    else:
        http = None
        connections = [RawHttpClient(port, issue_request(service)) for _ in range(clients)]
        for conn in connections:
            await conn.__aenter__()

        async def send_one(conn) -> int:
            return await conn.send()

    try:
        await asyncio.gather(*(send_one(conn) for conn in connections))  # warm up
        stop_at = time.perf_counter() + seconds

        async def one_client(conn):
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                status = await send_one(conn)
                if status != 201:
                    raise SystemExit(f"issue failed: HTTP {status}")
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(one_client(conn) for conn in connections))
        elapsed = time.perf_counter() - began
    finally:
        if http is not None:
            await http.aclose()
        for conn in connections:
            if conn is not None:
                await conn.__aexit__()
    return len(latencies), elapsed, latencies


async def drain_events(url: str, received: list[int]) -> None:
    """A display-like listener: takes every event the server sends."""
    import websockets

    async with websockets.connect(url.replace("http://", "ws://") + f"/api/v1/events?key={DISPLAY_KEY}",
                                  max_size=2**22) as listener:
        async for message in listener:
            received.append(len(message))


async def issue_run(url: str, pid: int, clients: int, seconds: float, client_kind: str, listeners: int):
    received: list[int] = []
    tasks = [asyncio.create_task(drain_events(url, received)) for _ in range(listeners)]
    await asyncio.sleep(0.2)
    cpu_before = cpu_seconds(pid)
    try:
        count, elapsed, latencies = await issue_load(url, clients, seconds, "ktp", client_kind)
    finally:
        cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, count + clients)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if listeners and len(received) < count:
        raise SystemExit(f"the listeners missed events: {len(received)} of {count}")
    return count, elapsed, latencies, cpu_ms


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def call_to_event(url: str, calls: int) -> list[float]:
    """Send call-next; time until a WebSocket listener has the 'called' event."""
    import websockets

    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        kiosk = {"Authorization": f"Bearer {KIOSK_KEY}"}
        for _ in range(calls):
            (await http.post("/api/v1/tickets", json={"service_id": "kk"}, headers=kiosk)).raise_for_status()
        login = await http.post("/api/v1/sessions", json={"user": "petugas", "pin": "1234", "counter_id": "loket-2"},
                                headers={"Authorization": f"Bearer {COUNTER_KEY}"})
        login.raise_for_status()
        staff = {"Authorization": f"Bearer {login.json()['token']}"}
        last_seq = (await http.get("/healthz")).json()["seq"]
        ws_url = url.replace("http://", "ws://") + f"/api/v1/events?since={last_seq}&key={DISPLAY_KEY}"
        async with websockets.connect(ws_url) as listener:
            assert json.loads(await listener.recv())["type"] == "hello"
            return [await call_until_heard(http, staff, listener, "loket-2") for _ in range(calls)]


async def call_until_heard(http: httpx.AsyncClient, staff: dict, listener, counter_id: str) -> float:
    """Seconds from sending the counter's call-next until ``listener`` (an event WebSocket) has the "called"
    event; the call is then finished, and its "finished" event taken, untimed (bench/year.py uses it too)."""

    async def next_event(kind: str) -> None:
        while json.loads(await listener.recv()).get("type") != kind:
            pass

    started = time.perf_counter()
    call = asyncio.create_task(http.post(f"/api/v1/counters/{counter_id}/call-next", headers=staff))
    await next_event("called")
    elapsed = time.perf_counter() - started
    (await call).raise_for_status()
    (await http.post(f"/api/v1/counters/{counter_id}/finish", headers=staff)).raise_for_status()
    await next_event("finished")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each issue run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw",
                        help="load generator: lean keep-alive HTTP/1.1 (default) or httpx.AsyncClient")
    parser.add_argument("--listeners", type=int, default=1,
                        help="WebSocket event listeners during the issue runs, as a lobby's display (default 1)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile", help="write a cProfile of the server process to this file")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args()
    if args.tiny:
        args.seconds, args.clients, args.calls = 0.5, 2, 5
    if args.serve:
        return serve(args)

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    results = {}
    profile = os.path.abspath(args.profile) if args.profile else None
    with tempfile.TemporaryDirectory(prefix="mpp-bench-") as folder:
        # each run starts from an empty day, on a fresh server and database
        for run, clients in enumerate((1, args.clients)):
            process, url = start_server(Path(folder) / f"issue-{run}", profile)
            try:
                count, elapsed, latencies, cpu_ms = asyncio.run(
                    issue_run(url, process.pid, clients, args.seconds, args.client, args.listeners))
            finally:
                stop_server(process)
            rate = count / elapsed
            p50, p95 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.95) * 1000
            print(f"issue, {clients:>2} client(s): {rate:7.0f} tickets/s   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"
                  f"   server CPU {cpu_ms:.2f} ms/ticket   ({count} tickets in {elapsed:.1f} s)")
            results[f"issue_per_s_{clients}_clients"] = round(rate, 1)
            results[f"issue_p50_ms_{clients}_clients"] = round(p50, 2)
            results[f"issue_p95_ms_{clients}_clients"] = round(p95, 2)
            results[f"server_cpu_ms_per_issue_{clients}_clients"] = round(cpu_ms, 3)
        process, url = start_server(Path(folder) / "calls", profile)
        try:
            delays = asyncio.run(call_to_event(url, args.calls))
        finally:
            stop_server(process)
    p50, p95 = percentile(delays, 0.5) * 1000, percentile(delays, 0.95) * 1000
    print(f"call -> event over WebSocket: p50 {p50:.2f} ms   p95 {p95:.2f} ms   ({len(delays)} calls)")
    results["call_to_event_p50_ms"] = round(p50, 2)
    results["call_to_event_p95_ms"] = round(p95, 2)
    results["call_to_event_mean_ms"] = round(statistics.fmean(delays) * 1000, 2)
    results["event_listeners_during_issue"] = args.listeners
    results["client"] = args.client
    results["cpu_count"] = os.cpu_count()
    results["load_average_1min"] = round(os.getloadavg()[0], 2)
    results["issue_limit_per_minute"] = ISSUE_LIMITS["issue_per_minute"]
    print(f"issue limit raised to {ISSUE_LIMITS['issue_per_minute']}/min (burst {ISSUE_LIMITS['issue_burst']}) "
          "for this benchmark; a lobby's default is 30/min")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
