"""How long a ticket takes: layout, ESC/POS bytes (native and image QR), the PNG preview,
and a whole print over TCP to the fake network printer on loopback.

    .venv/bin/python bench/printer_bench.py [--config config.toml] [--runs 50]
    .venv/bin/python bench/printer_bench.py --screenshots docs/screenshots   # also redraws the docs' tickets

The last line is one JSON object: each step's median in ms, per paper width.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
tempfile.tempdir = tempfile.mkdtemp(prefix="printer-bench-")  # every `import escpos` leaves a folder here

from kiosk.config import load_config  # noqa: E402
from kiosk.printer.backends import EscposTicketPrinter  # noqa: E402
from kiosk.printer.escpos_render import ticket_bytes  # noqa: E402
from kiosk.printer.layout import ticket_lines  # noqa: E402
from kiosk.printer.preview import render_png, sample_ticket  # noqa: E402


def timed(label: str, runs: int, work) -> float:
    """Run work() ``runs`` times; print the median and the maximum; return the median in ms."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    size = f"  {len(result):>6} bytes" if isinstance(result, bytes) else ""
    print(f"{label:<34} median {statistics.median(times):7.2f} ms   max {max(times):7.2f} ms{size}")
    return round(statistics.median(times), 3)


def screenshots(config, folder: Path) -> None:
    """The two tickets shown in docs/printers.md, at a fixed time so they do not change by themselves."""
    now = datetime(2026, 11, 23, 10, 15, tzinfo=ZoneInfo(config.lobby.timezone))
    first = sample_ticket(config, None, "id", now=now)
    wide = dataclasses.replace(first, code=first.code.replace("001", "012"), people_ahead=5,
                               estimate_minutes=25, paper_mm=80)
    other = next((s for s in config.services if s.agency != config.services[0].agency), config.services[0])
    narrow = dataclasses.replace(sample_ticket(config, other.id, "en", now=now), priority=True, paper_mm=58)
    folder.mkdir(parents=True, exist_ok=True)
    for name, ticket in (("ticket-80mm-id.png", wide), ("ticket-58mm-en.png", narrow)):
        render_png(ticket).save(folder / name)
        print(f"wrote {folder / name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--screenshots", type=Path, help="write the docs' ticket PNGs to this folder")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args()
    if args.tiny:
        args.runs = 2
    config = load_config(args.config)
    ticket = sample_ticket(config, None, "id")
    result = {"runs": args.runs}

    for paper in (80, 58):
        t = dataclasses.replace(ticket, paper_mm=paper)
        print(f"-- {paper} mm")
        result[f"layout_{paper}mm_median_ms"] = timed("layout (ticket_lines)", args.runs, lambda: ticket_lines(t))
        result[f"escpos_native_qr_{paper}mm_median_ms"] = timed(
            "ESC/POS bytes, native QR", args.runs, lambda: ticket_bytes(t, "native"))
        result[f"escpos_image_qr_{paper}mm_median_ms"] = timed(
            "ESC/POS bytes, image QR", args.runs, lambda: ticket_bytes(t, "image"))
        result[f"png_preview_{paper}mm_median_ms"] = timed("PNG preview", max(1, args.runs // 5), lambda: render_png(t))

    from support.fake_printer import FakeNetworkPrinter

    print("-- network, loopback fake printer (fresh connection, status before and after)")
    with FakeNetworkPrinter() as fake:
        for qr in ("native", "image"):
            printer = EscposTicketPrinter(fake.printer_config(qr=qr, timeout_s=2))
            result[f"network_print_{qr}_qr_median_ms"] = timed(
                f"print_ticket, {qr} QR", args.runs, lambda: printer.print_ticket(ticket))
        result["network_status_check_median_ms"] = timed("check()", args.runs, lambda: printer.check())
    if args.screenshots:
        screenshots(config, args.screenshots)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
