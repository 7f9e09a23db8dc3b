"""Queue engine speed on a real database file: tickets issued per second, and the
time of one call-next with 5,000 tickets waiting.

    .venv/bin/python bench/engine.py [--issues 5000] [--calls 200]

The last line is one JSON object (units in the keys) for scripts to read.
Targets: at least 2,000 issues/s; call_next at most 2 ms with 5,000 waiting.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import parse_config  # noqa: E402
from kiosk.engine import QueueEngine  # noqa: E402
from kiosk.store import Store  # noqa: E402

# A Monday morning in Balikpapan; the lobby is open all day so the run never meets a break.
START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Makassar"))
SERVICES = ("ktp", "kk", "akta", "paspor")

LOBBY = {
    "lobby": {"name": "MPP Bench", "timezone": "Asia/Makassar"},
    "server": {"devices": [
        {"name": "kiosk1", "role": "kiosk", "key": "kiosk-key-0123456789abcdef"},
        {"name": "display1", "role": "display", "key": "display-key-0123456789abcdef"},
        {"name": "counter1", "role": "counter-app", "key": "counter-key-0123456789abcdef"},
    ]},
    "agencies": [
        {"id": "dukcapil", "name": "Disdukcapil", "short_name": "Disdukcapil"},
        {"id": "imigrasi", "name": "Imigrasi", "short_name": "Imigrasi"},
    ],
    "groups": [{"id": "dukcapil", "prefix": "A"}, {"id": "imigrasi", "prefix": "B"}],
    "services": [
        {"id": "ktp", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "KTP-el", "en": "e-ID"}},
        {"id": "kk", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "KK", "en": "Family card"}},
        {"id": "akta", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "Akta", "en": "Certificate"}},
        {"id": "paspor", "agency": "imigrasi", "group": "imigrasi", "name": {"id": "Paspor", "en": "Passport"}},
    ],
    "counters": [
        {"id": "loket-1", "number": "1", "agency": "dukcapil", "services": ["ktp", "kk", "akta"]},
        {"id": "loket-2", "number": "2", "agency": "imigrasi", "services": ["paspor"]},
    ],
    "schedule": {"weekly": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                 "last_ticket_minutes": 0},
    "audio": {"enabled": False},
    "sign": {"enabled": False},
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(issues: int, calls: int, folder: Path) -> dict:
    config = parse_config(LOBBY)
    clock = FakeClock(START)
    tokens = (f"bench-{n}" for n in itertools.count())
    store = Store(folder / "bench.sqlite")
    engine = QueueEngine(config, store, clock, token_factory=lambda: next(tokens))
    engine.open_counter("loket-1", "bench")
    # Every 7th ticket priority: the call-next query sees both classes.
    plan = [(SERVICES[n % 3], n % 7 == 0) for n in range(issues)]

    began, began_cpu = time.perf_counter(), time.process_time()
    for service_id, priority in plan:
        clock.advance(milliseconds=50)
        engine.issue_ticket(service_id, priority=priority)
    issue_seconds = time.perf_counter() - began
    # CPU time too: on a machine shared with other work, wall time says more about the neighbours
    issue_cpu_seconds = time.process_time() - began_cpu
    waiting_before = len(engine.waiting(counter_id="loket-1"))

    call_ms, refill_ms = [], []
    for n in range(calls):
        clock.advance(seconds=1)
        t0 = time.perf_counter()
        engine.call_next("loket-1")
        call_ms.append((time.perf_counter() - t0) * 1000)
        clock.advance(seconds=30)
        engine.finish("loket-1")
        # refill, so the queue is back at its full length for the next call
        t0 = time.perf_counter()
        engine.issue_ticket(SERVICES[n % 3], priority=n % 7 == 0)
        refill_ms.append((time.perf_counter() - t0) * 1000)
    waiting_after = len(engine.waiting(counter_id="loket-1"))
    store.close()
    return {
        "issues": issues,
        "issues_per_s": round(issues / issue_seconds),
        "issues_per_cpu_s": round(issues / issue_cpu_seconds),
        "issue_ms_p95_at_full_queue": round(percentile(refill_ms, 0.95), 3),
        "call_next_ms_p50": round(statistics.median(call_ms), 3),
        "call_next_ms_p95": round(percentile(call_ms, 0.95), 3),
        "call_next_calls": calls,
        "waiting_tickets": min(waiting_before, waiting_after),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000, help="tickets to issue (and keep waiting)")
    parser.add_argument("--calls", type=int, default=200, help="call_next calls to time")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.issues, args.calls = 200, 20
    with tempfile.TemporaryDirectory(prefix="mpp-bench-") as folder:
        result = run(args.issues, args.calls, Path(folder))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"issued {result['issues']} tickets: {result['issues_per_s']} tickets/s "
          f"({result['issues_per_cpu_s']} per CPU second) "
          f"(one issue at a full queue: p95 {result['issue_ms_p95_at_full_queue']} ms)")
    print(f"call_next with {result['waiting_tickets']} waiting, {result['call_next_calls']} calls: "
          f"p50 {result['call_next_ms_p50']} ms, p95 {result['call_next_ms_p95']} ms")
    met = result["issues_per_s"] >= 2000 and result["call_next_ms_p95"] <= 2
    print("targets (>= 2000 issues/s, call_next <= 2 ms):", "met" if met else "MISSED")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
