"""`mpp-kiosk archive --before DATE`: move the days before DATE out of the live database into an archive file
that the reports still read.

The archive is an mpp-kiosk database of its own (same schema) beside the live one: ``data/mpp.sqlite`` →
``data/mpp-archive.sqlite``. Moved: the tickets of those days, their events and surveys, the survey refusals,
numbering and day aggregates of those days, and the events without a ticket from before DATE.

Two files cannot commit together in WAL mode, so the move is two steps that are each safe to repeat: the rows are
copied into the archive (its meta ``archived_before`` = DATE), then deleted from the live file in one transaction
that sets the live meta ``archived_before``. The report reads a day from the archive only when it is before the
live file's ``archived_before``: a move cut short reads as before it, and running it again finishes it.
"""
from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from kiosk.config import Config
from kiosk.schedule import local_day
from kiosk.store import Store

OPEN_STATES = ("waiting", "called", "serving")


class ArchiveError(Exception):
    """An archive that cannot be made; the message says why."""


@dataclass(frozen=True)
class Moved:
    days: int
    tickets: int
    events: int
    surveys: int
    archive: Path


def archive_path(db_path: Path | str) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}-archive{db_path.suffix or '.sqlite'}")


def archived_before(conn: sqlite3.Connection, schema: str = "main") -> str | None:
    try:
        row = conn.execute(f"SELECT value FROM {schema}.meta WHERE key = 'archived_before'").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def latest_allowed(config: Config, today: date) -> date:
    """The latest DATE allowed: a ticket's survey stays open survey_open_hours after its finish, on the live file."""
    return today - timedelta(days=-(-config.queue.survey_open_hours // 24) + 1)


# table -> the rows of it that move (the archive's copy is INSERT OR IGNORE: a repeated move adds nothing twice)
_MOVED = {
    "tickets": "day < :before",
    "events": "ticket_id IN (SELECT id FROM main.tickets WHERE day < :before) OR (ticket_id IS NULL AND at < :cutoff)",
    "surveys": "ticket_id IN (SELECT id FROM main.tickets WHERE day < :before)",
    "survey_refusals": "day < :before",
    "numbering": "day < :before",
    "day_visits": "day < :before",
    "day_hours": "day < :before",
    "day_officers": "day < :before",
    "day_aggregates": "day < :before",
}
# deleted children first (surveys reference tickets), copied parents first
_DELETE_ORDER = ("surveys", "events", "survey_refusals", "numbering", "day_aggregates", "day_visits", "day_hours",
                 "day_officers", "tickets")


def archive_days(config: Config, db_path: Path | str, before: date, *, archive: Path | str | None = None,
                 now: datetime | None = None) -> Moved:
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ArchiveError(f"no database at {db_path}")
    archive = Path(archive) if archive is not None else archive_path(db_path)
    if archive.resolve() == db_path.resolve():
        raise ArchiveError("the archive cannot be the database itself")
    now = now or datetime.now(config.lobby.tz)
    latest = latest_allowed(config, local_day(config, now))
    if before > latest:
        raise ArchiveError(f"--before {before} is too recent: the latest allowed is {latest} (a survey stays open "
                           f"queue.survey_open_hours = {config.queue.survey_open_hours} after a finish)")
    from kiosk.restore import RestoreError, inspect_database

    try:
        inspect_database(db_path, check=False)
        if archive.exists():
            inspect_database(archive, check=False)
    except RestoreError as exc:
        raise ArchiveError(str(exc)) from exc
    store = Store(db_path)
    Store(archive).close()  # the same schema as the live file
    params = {"before": before.isoformat(), "cutoff": _utc_iso(config, before)}
    try:
        conn = store.conn
        with store.lock:
            done = archived_before(conn)
            if done is not None and done >= params["before"]:
                raise ArchiveError(f"the days before {done} are archived already")
            open_row = conn.execute(
                f"SELECT count(*) FROM tickets WHERE day < :before AND state IN {OPEN_STATES}", params).fetchone()[0]
            if open_row:
                raise ArchiveError(f"{open_row} ticket(s) before {before} are still open: the server closes them at "
                                   "the next day's first write; start it once, then archive")
            later = conn.execute("SELECT count(*) FROM tickets WHERE day >= :before", params).fetchone()[0]
            moving = conn.execute("SELECT count(*) FROM tickets WHERE day < :before", params).fetchone()[0]
            if moving and not later:
                # a ticket's id is the next after the largest left: with none left, ids of archived tickets come back
                raise ArchiveError(f"every ticket is before {before}: keep at least one day of tickets in the database")
            conn.execute("ATTACH DATABASE ? AS arc", (str(archive),))
            try:
                counts = {}
                conn.execute("BEGIN IMMEDIATE")  # the copy: the archive's writes, the live file only read
                try:
                    for table, where in _MOVED.items():
                        columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA main.table_info({table})"))
                        counts[table] = conn.execute(
                            f"INSERT OR IGNORE INTO arc.{table} ({columns}) SELECT {columns} FROM main.{table} "
                            f"WHERE {where}", params).rowcount
                    conn.execute("INSERT INTO arc.meta (key, value) VALUES ('archived_before', :before) "
                                 "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)", params)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                days = conn.execute("SELECT count(DISTINCT day) FROM main.tickets WHERE day < :before",
                                    params).fetchone()[0]
                conn.execute("BEGIN IMMEDIATE")  # the delete, and the mark the report reads
                try:
                    for table in _DELETE_ORDER:
                        conn.execute(f"DELETE FROM main.{table} WHERE {_MOVED[table]}", params)
                    conn.execute("INSERT INTO main.meta (key, value) VALUES ('archived_before', :before) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", params)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            finally:
                conn.execute("DETACH DATABASE arc")
    finally:
        store.close()
    return Moved(days, counts["tickets"], counts["events"], counts["surveys"], archive)


def _utc_iso(config: Config, day: date) -> str:
    """The UTC ISO time the local ``day`` begins (the engine writes times in UTC)."""
    start = datetime.combine(day, time(0), tzinfo=config.lobby.tz).astimezone(timezone.utc)
    return start.isoformat(timespec="milliseconds")


def main(args) -> int:
    from kiosk.cli import load_or_report

    config = load_or_report(args.config)
    if config is None:
        return 1
    try:
        before = date.fromisoformat(args.before)
    except ValueError:
        print(f"archive: --before is a day as YYYY-MM-DD, got {args.before!r}", file=sys.stderr)
        return 2
    db_path = args.db or config.path(config.server.database)
    try:
        moved = archive_days(config, db_path, before, archive=args.archive)
    except ArchiveError as exc:
        print(f"archive: {exc}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        print(f"archive: {exc}", file=sys.stderr)
        return 2
    print(f"archive: {moved.tickets} tickets of {moved.days} day(s) before {before}, {moved.events} events and "
          f"{moved.surveys} surveys moved to {moved.archive}; reports read it")
    return 0
