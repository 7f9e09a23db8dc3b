"""Time to build a month's report of a large lobby: the shipped config (27 agencies, ~80 services,
45 counters), ~50,000 tickets simulated through the real engine over November 2026.

Prints the figures; the last line is one JSON object. Target: report ≤ 2 s."""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the kiosk package and the simulation

from kiosk.config import load_config  # noqa: E402
from kiosk.reports import build_report, write_html, write_xlsx  # noqa: E402
from support.simulate import simulate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args(argv)
    config = load_config(ROOT / "config.toml")
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    if args.tiny:  # one quiet day, made afresh each time
        folder = Path(tempfile.mkdtemp(prefix="mpp-kiosk-bench-report-tiny-"))
        first = last = date(2026, 11, 2)
        db = folder / "day.sqlite"
        simulate(config, db, first, last, seed=11, arrivals_per_hour=2)
    else:
        folder = Path(tempfile.gettempdir()) / "mpp-kiosk-bench-report"
        folder.mkdir(exist_ok=True)
        # The simulated month takes minutes to make; it is kept between runs (same seed, same month).
        db = folder / "month-seed11.sqlite"
    if not db.exists():
        started = time.perf_counter()
        partial = folder / "month-seed11.partial.sqlite"
        partial.unlink(missing_ok=True)
        simulate(config, partial, first, last, seed=11, arrivals_per_hour=15)
        partial.rename(db)
        print(f"simulated the month in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    with sqlite3.connect(db) as conn:
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        surveys = conn.execute("SELECT count(*) FROM surveys").fetchone()[0]

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = build_report(config, db, first, last)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    write_html(report, folder / "report.html")
    html_s = time.perf_counter() - started
    started = time.perf_counter()
    write_xlsx(report, folder / "report.xlsx")
    xlsx_s = time.perf_counter() - started
    issued = sum(r[1] for r in report.table("per_month").rows)
    assert issued == tickets, (issued, tickets)
    print(json.dumps({
        "tickets": tickets,
        "surveys": surveys,
        "report_build_s": round(min(timings), 3),
        "report_build_s_max": round(max(timings), 3),
        "html_write_s": round(html_s, 3),
        "xlsx_write_s": round(xlsx_s, 3),
    }))


if __name__ == "__main__":
    main()
