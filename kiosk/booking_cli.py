"""`mpp-kiosk import-bookings FILE.csv`: bookings made elsewhere (e.g. the day's passport appointments of a
national system), checked row by row by the booking page's rules; every bad row is reported with its line.

The CSV's header names the columns: service_id, day (YYYY-MM-DD), time (HH:MM), the fields the service asks
(name, phone, email, nik) and optionally lang (id/en). Unless --partial, one bad row imports nothing."""
from __future__ import annotations

import csv
import sqlite3
import sys
from pathlib import Path

MAX_ROWS = 10_000


def import_main(args) -> int:
    from kiosk.cli import load_or_report
    from kiosk.engine import QueueEngine
    from kiosk.store import Store

    config = load_or_report(args.config)
    if config is None:
        return 1
    try:
        with open(args.file, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))[: MAX_ROWS + 1]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        print(f"import-bookings: {args.file}: {exc}", file=sys.stderr)
        return 2
    if len(rows) > MAX_ROWS:
        print(f"import-bookings: {args.file}: more than {MAX_ROWS} rows; split the file", file=sys.stderr)
        return 2
    missing = {"service_id", "day", "time"} - set(rows[0].keys() if rows else ())
    if missing:
        print(f"import-bookings: {args.file}: the header lacks {', '.join(sorted(missing))}", file=sys.stderr)
        return 2
    try:
        store = Store(args.db or config.path(config.server.database))
    except (OSError, sqlite3.Error) as exc:
        print(f"import-bookings: {exc}", file=sys.stderr)
        return 2
    try:
        made, problems = QueueEngine(config, store).bookings.import_rows(rows, partial=args.partial)
    finally:
        store.close()
    for number, problem in problems:
        print(f"{args.file}:{number + 1}: {problem}", file=sys.stderr)  # line 1 is the header
    for booking in made:
        print(f"{booking.display_code}  {booking.service_id}  {booking.day} {booking.slot_time}  {booking.name}")
    kept = "" if args.partial or not problems else " (nothing imported: fix the rows, or use --partial)"
    print(f"import-bookings: {len(made)} imported, {len(problems)} refused{kept}", file=sys.stderr)
    return 1 if problems else 0


def add_arguments(parsers) -> None:
    p = parsers["import-bookings"]
    p.add_argument("file", type=Path, help="the CSV file")
    p.add_argument("--partial", action="store_true", help="import the good rows even when some are refused")
    p.add_argument("--db", type=Path, help="database file (default server.database)")
