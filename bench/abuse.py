"""Abuse benchmark: what one hostile client can do to the queue server (issue 12, "safe in a public hall").

    .venv/bin/python bench/abuse.py [--quick] [--flood-seconds 10] [--hold-seconds 15]
                                    [--idle 2000] [--slow 20] [--huge 5] [--huge-mb 100]

Each phase starts a fresh server process the way `mpp-kiosk server` listens
(kiosk.server.listen) with the shipped config.toml as it is — its demo keys
(loopback only), its [server.limits] defaults, its issue limit — over a SQLite
file in a temp folder, with the clock at a Monday 09:00 so services are open:

1. flood: N clients issue tickets with the one kiosk key back to back for
   ``--flood-seconds`` over keep-alive connections; ``tickets_in_flood`` counts the 201s
   (target <= 40: the shipped 30 a minute plus a burst of 10);
2. hold: from 127.0.0.1 the attacker opens ``--idle`` idle connections (reopening each
   one the server closes) and ``--slow`` clients send a never-ending header one byte a
   second (reconnecting when cut off); meanwhile a LAN device on 127.0.0.2 asks /healthz
   every 50 ms and issues a ticket every second, each on a new connection:
   ``healthz_p95_ms``, ``issue_p95_ms`` (target <= 200) and ``failures`` (target 0);
3. huge headers: ``--huge`` clients each stream an unterminated ``--huge-mb`` MB header;
   ``rss_peak_mb`` is the server's resident memory peak meanwhile (target <= 150).

The last line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

SHIPPED_CONFIG = ROOT / "config.toml"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
ATTACKER, DEVICE = "127.0.0.1", "127.0.0.2"


def raise_open_files() -> int:
    """The client side holds thousands of sockets: soft RLIMIT_NOFILE up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65536)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --------------------------------------------------------------------------- the server process

def serve(args) -> int:
    import logging

    from kiosk.clock import FakeClock
    from kiosk.config import load_config
    from kiosk.server import listen
    from kiosk.server.app import create_app

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = load_config(SHIPPED_CONFIG)
    app = create_app(config, clock=FakeClock(MONDAY_9), db_path=args.db, access_log=False)
    listen.serve(app, config, "127.0.0.1", args.port)
    return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"server-{self.port}.log"

    def __enter__(self) -> "ServerProcess":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--db", str(self.folder / f"bench-{self.port}.sqlite"),
             "--port", str(self.port)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited at start:\n{self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    self.ps = psutil.Process(self.process.pid)
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.__exit__()
        raise SystemExit("the server did not start within 30 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def rss_mb(self) -> float:
        return self.ps.memory_info().rss / 2**20


def shipped_keys() -> tuple[str, str, str]:
    """The shipped kiosk key and a service without a daily quota (a quota would end the flood, not the limit)."""
    from kiosk.config import load_config

    config = load_config(SHIPPED_CONFIG)
    service = next(s.id for s in config.services if s.daily_quota is None and s.hours is None)
    limits = config.server.limits
    return config.server.key_for("kiosk"), service, f"{limits.issue_per_minute}/min + burst {limits.issue_burst}"


def issue_request(key: str, service: str) -> bytes:
    body = json.dumps({"service_id": service}).encode()
    return (f"POST /api/v1/tickets HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


# --------------------------------------------------------------------------- 1. the flood

async def flood(port: int, request: bytes, clients: int, seconds: float) -> dict:
    """Back-to-back issues on ``clients`` keep-alive connections; a closed connection is reopened."""
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.monotonic() + seconds

    async def one_client():
        nonlocal errors
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
            except (OSError, asyncio.TimeoutError):
                errors += 1
                await asyncio.sleep(0.05)
                continue
            try:
                while time.monotonic() < deadline:
                    writer.write(request)
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line[:15].lower() == b"content-length:":
                            length = int(line[15:])
                    await reader.readexactly(length)
                    status = int(head[9:12])
                    statuses[status] = statuses.get(status, 0) + 1
                    if b"connection: close" in head.lower():
                        break
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, asyncio.LimitOverrunError):
                errors += 1
            finally:
                writer.close()

    await asyncio.gather(*(one_client() for _ in range(clients)))
    return {"statuses": statuses, "errors": errors}


# --------------------------------------------------------------------------- 2. the hold (attacker process)

async def attack(port: int, idle: int, slow: int, seconds: float) -> dict:
    """Hold ``idle`` idle connections and ``slow`` slow-header clients on 127.0.0.1 for ``seconds``."""
    deadline = time.monotonic() + seconds
    stats = {"idle_connections_opened": 0, "idle_connections_closed_by_server": 0, "idle_connections_open_at_end": 0,
             "connect_errors": 0, "slow_clients_cut_off": 0, "slow_clients_open_at_end": 0}
    slow_held: list[float] = []  # seconds each slow-header connection lasted before the server cut it
    open_now = {"idle": 0, "slow": 0}

    async def hold_idle():
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0)), 5)
            except (OSError, asyncio.TimeoutError):
                stats["connect_errors"] += 1
                await asyncio.sleep(0.2)
                continue
            stats["idle_connections_opened"] += 1
            open_now["idle"] += 1
            try:
                left = deadline - time.monotonic()
                if left > 0 and not await asyncio.wait_for(reader.read(1), left):
                    stats["idle_connections_closed_by_server"] += 1
            except asyncio.TimeoutError:
                pass  # still held when the phase ended
            except OSError:
                stats["idle_connections_closed_by_server"] += 1
            finally:
                open_now["idle"] -= 1
                writer.close()
            await asyncio.sleep(0.05)  # reopen at once, but not as a busy loop

    async def slow_headers():
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0)), 5)
            except (OSError, asyncio.TimeoutError):
                stats["connect_errors"] += 1
                await asyncio.sleep(0.2)
                continue
            open_now["slow"] += 1
            opened = time.monotonic()
            try:
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
                while time.monotonic() < deadline:
                    writer.write(b"a")
                    await writer.drain()
                    try:
                        if not await asyncio.wait_for(reader.read(1024), 1.0):
                            stats["slow_clients_cut_off"] += 1
                            slow_held.append(time.monotonic() - opened)
                            break
                    except asyncio.TimeoutError:
                        pass  # nothing from the server: send the next byte
            except OSError:
                stats["slow_clients_cut_off"] += 1
                slow_held.append(time.monotonic() - opened)
            finally:
                open_now["slow"] -= 1
                writer.close()
            await asyncio.sleep(0.05)

    async def count_at_end():
        await asyncio.sleep(max(0.0, deadline - time.monotonic() - 0.2))
        stats["idle_connections_open_at_end"], stats["slow_clients_open_at_end"] = open_now["idle"], open_now["slow"]

    async def later(seconds, job):
        await asyncio.sleep(seconds)
        await job

    # the slow clients first, so they hold slots of the address's cap (and meet the header deadline)
    await asyncio.gather(count_at_end(), *(slow_headers() for _ in range(slow)),
                         *(later(0.3, hold_idle()) for _ in range(idle)))
    if slow_held:
        stats["slow_held_max_s"] = round(max(slow_held), 1)
        stats["slow_held_median_s"] = round(statistics.median(slow_held), 1)
    return stats


def attack_main(args) -> int:
    raise_open_files()
    stats = asyncio.run(attack(args.port, args.idle, args.slow, args.hold_seconds))
    print(json.dumps(stats), flush=True)
    return 0


def measure_from_device(url: str, key: str, service: str, seconds: float) -> dict:
    """A LAN device on 127.0.0.2: /healthz every 50 ms, a ticket every second, each on a new connection."""
    healthz, issues, failures = [], [], []
    transport = httpx.HTTPTransport(local_address=DEVICE)
    with httpx.Client(base_url=url, transport=transport, timeout=5,
                      limits=httpx.Limits(max_keepalive_connections=0)) as client:
        deadline = time.monotonic() + seconds
        next_issue = time.monotonic()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                if time.monotonic() >= next_issue:
                    next_issue += 1.0
                    answer = client.post("/api/v1/tickets", json={"service_id": service},
                                         headers={"Authorization": f"Bearer {key}"})
                    issues.append(time.perf_counter() - started)
                    if answer.status_code != 201:
                        failures.append(f"issue {answer.status_code} {answer.text[:120]}")
                else:
                    answer = client.get("/healthz")
                    healthz.append(time.perf_counter() - started)
                    if answer.status_code != 200:
                        failures.append(f"healthz {answer.status_code}")
            except httpx.HTTPError as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            time.sleep(max(0.0, 0.05 - (time.perf_counter() - started)))
    return {"healthz": healthz, "issues": issues, "failures": failures}


# --------------------------------------------------------------------------- 3. huge headers

def stream_header(port: int, megabytes: int, result: dict) -> None:
    chunk = b"a" * 65536
    sent = 0
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Huge: ")
            while sent < megabytes * 2**20 and time.monotonic() - started < 60:
                sock.sendall(chunk)
                sent += len(chunk)
        result["cut_off"] = False
    except OSError:
        result["cut_off"] = True
    result["sent_mb"] = sent / 2**20


# --------------------------------------------------------------------------- the run

def run(args) -> dict:
    raise_open_files()
    key, service, issue_limit = shipped_keys()
    folder = Path(tempfile.mkdtemp(prefix="mpp-abuse-"))
    result: dict = {"config": "config.toml as shipped (demo keys, loopback only)", "issue_limit": issue_limit,
                    "service": service}

    print(f"1. flood: {args.flood_clients} clients issue with the kiosk key for {args.flood_seconds} s "
          f"(issue limit of the config: {issue_limit})", flush=True)
    with ServerProcess(folder) as server:
        started = time.monotonic()
        outcome = asyncio.run(flood(server.port, issue_request(key, service), args.flood_clients, args.flood_seconds))
        result["flood_s"] = round(time.monotonic() - started, 1)
    statuses = outcome["statuses"]
    result.update(tickets_in_flood=statuses.get(201, 0), flood_requests=sum(statuses.values()),
                  flood_requests_refused_429=statuses.get(429, 0),
                  flood_other_statuses={str(k): v for k, v in statuses.items() if k not in (201, 429)},
                  flood_connection_errors=outcome["errors"])
    print(f"   {result['tickets_in_flood']} tickets of {result['flood_requests']} requests "
          f"({result['flood_requests_refused_429']} refused 429)", flush=True)

    print(f"2. hold: {args.idle} idle + {args.slow} slow-header connections from {ATTACKER} for "
          f"{args.hold_seconds} s; a device on {DEVICE} asks /healthz and issues", flush=True)
    with ServerProcess(folder) as server:
        attacker = subprocess.Popen(
            [sys.executable, __file__, "--attack", "--port", str(server.port), "--idle", str(args.idle),
             "--slow", str(args.slow), "--hold-seconds", str(args.hold_seconds + args.settle_seconds + 2)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
        time.sleep(args.settle_seconds)  # the attacker's connections are open (and the extras closed)
        measured = measure_from_device(server.url, key, service, args.hold_seconds)
        server_connections = len(server.ps.net_connections("tcp"))  # the attacker is still at it
        try:
            out, _ = attacker.communicate(timeout=args.hold_seconds + 30)
            attack_stats = json.loads(out.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            attacker.kill()
            attacker.wait()
            attack_stats = {"error": "the attacker process did not report"}
    result.update(
        healthz_p95_ms=ms(percentile(measured["healthz"], 0.95)),
        healthz_p50_ms=ms(percentile(measured["healthz"], 0.5)),
        healthz_max_ms=ms(max(measured["healthz"], default=None)),
        issue_p95_ms=ms(percentile(measured["issues"], 0.95)),
        issue_p50_ms=ms(statistics.median(measured["issues"]) if measured["issues"] else None),
        healthz_requests=len(measured["healthz"]), issue_requests=len(measured["issues"]),
        failures=len(measured["failures"]), first_failures=measured["failures"][:5],
        idle_connections=args.idle, slow_header_clients=args.slow, attacker=attack_stats,
        server_tcp_sockets_under_attack=server_connections)
    print(f"   healthz p95 {result['healthz_p95_ms']} ms, issue p95 {result['issue_p95_ms']} ms, "
          f"{result['failures']} failures; attacker {attack_stats}", flush=True)

    print(f"3. huge headers: {args.huge} clients each stream an unterminated {args.huge_mb} MB header", flush=True)
    with ServerProcess(folder) as server:
        result["rss_before_mb"] = round(server.rss_mb(), 1)
        outcomes = [{} for _ in range(args.huge)]
        senders = [threading.Thread(target=stream_header, args=(server.port, args.huge_mb, o)) for o in outcomes]
        peak = server.rss_mb()
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 120
        while any(s.is_alive() for s in senders) and time.monotonic() < deadline:
            peak = max(peak, server.rss_mb())
            time.sleep(0.02)
        for sender in senders:
            sender.join(5)
        peak = max(peak, server.rss_mb())
        result["healthz_status_after_huge"] = httpx.get(f"{server.url}/healthz", timeout=5).status_code
    result.update(rss_peak_mb=round(peak, 1), huge_headers=args.huge, huge_header_mb=args.huge_mb,
                  huge_headers_cut_off=sum(1 for o in outcomes if o.get("cut_off")),
                  huge_max_sent_mb=round(max((o.get("sent_mb", 0) for o in outcomes), default=0), 2))
    print(f"   RSS {result['rss_before_mb']} -> peak {result['rss_peak_mb']} MB; "
          f"{result['huge_headers_cut_off']} of {args.huge} cut off after at most {result['huge_max_sent_mb']} MB", flush=True)
    result["targets"] = {"tickets_in_flood": "<= 40", "healthz_p95_ms": "<= 200", "issue_p95_ms": "<= 200",
                         "failures": "0", "rss_peak_mb": "<= 150"}
    result["targets_met"] = bool(
        result["tickets_in_flood"] <= 40 and result["failures"] == 0
        and (result["healthz_p95_ms"] or 1e9) <= 200 and (result["issue_p95_ms"] or 1e9) <= 200
        and result["rss_peak_mb"] <= 150)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds per phase, fewer connections (tests)")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    parser.add_argument("--flood-seconds", type=float, default=10.0)
    parser.add_argument("--flood-clients", type=int, default=16)
    parser.add_argument("--hold-seconds", type=float, default=15.0)
    parser.add_argument("--settle-seconds", type=float, default=2.0)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--slow", type=int, default=20)
    parser.add_argument("--huge", type=int, default=5)
    parser.add_argument("--huge-mb", type=int, default=100)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--attack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args)
    if args.attack:
        return attack_main(args)
    if args.quick:
        args.flood_seconds, args.flood_clients, args.hold_seconds, args.settle_seconds = 2.0, 4, 3.0, 1.0
        args.idle, args.slow, args.huge, args.huge_mb = 300, 4, 2, 20
    if args.tiny:
        args.flood_seconds, args.flood_clients, args.hold_seconds, args.settle_seconds = 1.0, 2, 1.0, 0.5
        args.idle, args.slow, args.huge, args.huge_mb = 20, 2, 1, 2
    result = run(args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
