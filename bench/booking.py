"""Booking ahead: the booking pages under concurrent phones, and check-in → ticket bytes at the printer.

    .venv/bin/python bench/booking.py [--clients 50] [--rounds 6] [--checkins 40] [--tiny]

A real queue server in its own process (`mpp-kiosk server` as kiosk.server.listen starts it) with a copy of
the shipped config.toml, its clock from Monday 09:00 (services open), over a SQLite file in a temp folder.
The copy raises what one address may do (every phone here comes from 127.0.0.1) and the passport service's
places per slot, so the bench measures the pages, not the limits; the output says so.

  - pages: ``--clients`` phones at once, each ``--rounds`` times: the day's slot page (GET), a booking (POST,
    answered 303, or 409 when that slot is full), the booking's page with its QR (GET), each phone pausing
    between pages (``--think-ms``, 1000 by default: a random pause up to twice that; a person reading the page
    and typing a NIK takes far longer). ``booking_page_ms_p95`` over every request. Target ≤ 100 ms.
  - saturated: the same phones again back to back, 50 requests always in flight: ``saturated_pages_per_s`` is
    the server's throughput on this machine (the load generator shares its 2 cores) and
    ``saturated_booking_page_ms_p95`` the wait when the server is the queue (no target: it is capacity).
  - check-in: ``--checkins`` bookings of the 09:30 slot checked in one after another through the kiosk's client
    (POST /api/v1/bookings/check-in), each ticket printed through the real ESC/POS network backend to a fake
    network printer on loopback; ``checkin_to_ticket_ms_p95`` from the request to the printer holding the
    whole ticket. Target ≤ 150 ms (as a walk-in ticket, bench/kiosk_tap.py).

The last line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import httpx  # noqa: E402

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
SERVICE = "imigrasi-paspor-baru"
DAY = "2026-11-23"
TARGETS = {"booking_page_ms_p95": 100.0, "checkin_to_ticket_ms_p95": 150.0}
LIMITS = {"visitor_requests_per_second": 100_000, "visitor_burst": 100_000, "booking_per_hour": 100_000,
          "booking_misses_per_hour": 100_000, "issue_per_minute": 100_000, "issue_burst": 100_000}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")


def nik(n: int) -> str:
    return f"6471051708{n // 10000 % 100:02d}{n % 10000 + 1:04d}"  # born 17-08-19xx: plausible


def form(n: int, slot: str) -> dict:
    return {"slot": slot, "name": f"Pengunjung {n}", "phone": f"0812{n:08d}", "email": f"p{n}@example.org",
            "nik": nik(n)}


def bench_config(folder: Path) -> Path:
    import tomlkit

    from support.configs import shipped_config_with_limits

    path = shipped_config_with_limits(folder, LIMITS)
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    for service in document["services"]:
        if service["id"] == SERVICE:
            service["booking"]["places_per_slot"] = 500  # the schema's most
            service.pop("daily_quota", None)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def phones(url: str, clients: int, rounds: int, think_s: float, people_from: int = 0) -> tuple[list[float], dict[int, int]]:
    import random
    slots = ["0930", "1000", "1030", "1100", "1130", "1300", "1330", "1400"]
    timings: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(clients)

    parts = urlsplit(url)

    def phone(number: int) -> None:
        # a plain keep-alive HTTP/1.1 connection per phone (http.client): the load generator shares the 2 cores
        # with the server, and httpx's own work per request used more CPU than the server's (a phone's CPU is
        # its own); every answer is read whole, as a browser would
        mine, seen = [], {}
        pause = random.Random(number)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

        def request(method: str, path: str, data: dict | None = None):
            body = urlencode(data) if data is not None else None
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {}
            began = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            mine.append((time.perf_counter() - began) * 1000)
            seen[answer.status] = seen.get(answer.status, 0) + 1
            return answer

        start.wait()
        try:
            for round_ in range(rounds):
                person = people_from + number * 1000 + round_
                time.sleep(pause.uniform(0, 2 * think_s))
                request("GET", f"/booking/{SERVICE}/{DAY}")
                time.sleep(pause.uniform(0, 2 * think_s))
                answer = request("POST", f"/booking/{SERVICE}/{DAY}", form(person, slots[person % 8]))
                if answer.status == 303:
                    time.sleep(pause.uniform(0, 2 * think_s))
                    request("GET", answer.getheader("location"))
        finally:
            connection.close()
        with lock:
            timings.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, statuses


def checkins(url: str, count: int) -> list[float]:
    import re

    from kiosk.client import ApiClient
    from kiosk.config import load_config
    from kiosk.printer.backends import EscposTicketPrinter
    from kiosk.printer.layout import TicketPrint
    from support.fake_printer import FakeNetworkPrinter

    config = load_config(ROOT / "config.toml")
    codes = []
    with httpx.Client(base_url=url, timeout=10) as client:
        for n in range(count + 1):  # one more: the first check-in warms the connection and the printer up
            answer = client.post(f"/booking/{SERVICE}/{DAY}", data=form(900_000 + n, "0930"))
            codes.append(re.search(r"/b/([A-Z0-9]{8})", answer.headers["location"]).group(1))
    api = ApiClient(url, config.server.key_for("kiosk"))
    timings = []
    with FakeNetworkPrinter() as fake:
        printer = EscposTicketPrinter(fake.printer_config(timeout_s=2))
        for n, code in enumerate(codes):
            began = time.perf_counter()
            ticket = api.check_in(code)
            printer.print_ticket(TicketPrint(
                lobby_name=config.lobby.name, agency_name=ticket["agency_name"], service_name=ticket["service_name"],
                code=ticket["code"], priority=False, issued_at=datetime.fromisoformat(ticket["issued_at"]),
                people_ahead=ticket["position"], estimate_minutes=ticket["estimate_minutes"],
                status_url=ticket["status_url"], local_tz=config.lobby.tz, booked_slot=ticket["slot_time"]))
            fake.wait_for_ticket(timeout=5, count=n + 1)
            if n:
                timings.append((time.perf_counter() - began) * 1000)
    api.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--checkins", type=int, default=40)
    parser.add_argument("--think-ms", type=float, default=1000, help="a person's pause between pages")
    parser.add_argument("--tiny", action="store_true", help="a few seconds: 8 phones × 2 rounds, 5 check-ins")
    args = parser.parse_args()
    if args.tiny:
        args.clients, args.rounds, args.checkins, args.think_ms = 8, 2, 5, min(args.think_ms, 50)
    from support.server import running_server_process

    with tempfile.TemporaryDirectory(prefix="mpp-bench-booking-") as folder:
        config_path = bench_config(Path(folder))
        with running_server_process(config_path, Path(folder) / "queue.sqlite", now=MONDAY_9) as server:
            began = time.perf_counter()
            page_ms, statuses = phones(server.url, args.clients, args.rounds, args.think_ms / 1000)
            elapsed = time.perf_counter() - began
            began = time.perf_counter()
            saturated_ms, saturated_statuses = phones(server.url, args.clients, args.rounds, 0, people_from=500_000)
            saturated_elapsed = time.perf_counter() - began
            checkin_ms = checkins(server.url, args.checkins)
    result = {
        "clients": args.clients,
        "think_ms": args.think_ms,
        "page_requests": len(page_ms),
        "pages_per_s": round(len(page_ms) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "booking_page_ms_p50": round(percentile(page_ms, 0.5), 1),
        "booking_page_ms_p95": round(percentile(page_ms, 0.95), 1),
        "saturated_page_requests": len(saturated_ms),
        "saturated_statuses": {str(k): v for k, v in sorted(saturated_statuses.items())},
        "saturated_pages_per_s": round(len(saturated_ms) / saturated_elapsed, 1),
        "saturated_booking_page_ms_p50": round(percentile(saturated_ms, 0.5), 1),
        "saturated_booking_page_ms_p95": round(percentile(saturated_ms, 0.95), 1),
        "checkins": len(checkin_ms),
        "checkin_to_ticket_ms_p50": round(percentile(checkin_ms, 0.5), 1),
        "checkin_to_ticket_ms_p95": round(percentile(checkin_ms, 0.95), 1),
        "targets_ms": TARGETS,
        "note": "limits per address and the passport's places per slot raised in the server's copy of config.toml",
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
