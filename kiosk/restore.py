"""`mpp-kiosk restore BACKUP`: put a backup back as the server's database (the drill for a dead server PC).

The backup is checked first: it is a SQLite file, it passes ``PRAGMA integrity_check``, and it is an
mpp-kiosk database (its migrations table names mpp-kiosk and it has the queue's tables). A database
already at the target whose last event is newer than the backup's is not overwritten without
``--force`` (a restore onto the wrong PC would lose today's tickets); with ``--force`` it is moved
aside, never deleted. The copy is written beside the target and renamed into place when whole, then
opened once so a backup from an older version gets the migrations it lacks.
"""
from __future__ import annotations

import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

QUEUE_TABLES = {"tickets", "events", "numbering", "meta", "surveys"}


class RestoreError(Exception):
    """A backup that cannot be restored, or a target that must not be overwritten; the message says why."""


@dataclass(frozen=True)
class DatabaseFacts:
    tickets: int
    last_event_at: datetime | None


def inspect_database(path: Path | str, *, check: bool = True) -> DatabaseFacts:
    """The facts of an mpp-kiosk database file, or RestoreError saying why it is not one."""
    path = Path(path)
    if not path.exists():
        raise RestoreError(f"no file at {path}")
    if not path.is_file():
        raise RestoreError(f"{path} is not a file")
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise RestoreError(f"{path} is not a SQLite database")
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise RestoreError(f"{path} cannot be opened: {exc}") from exc
    try:
        if check:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
            if problems != ["ok"]:
                raise RestoreError(f"{path} failed its integrity check: {'; '.join(problems)}")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        marked = "_sqlite_migrations" in tables and conn.execute(
            "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'mpp-kiosk'").fetchone()[0] > 0
        if not marked or not QUEUE_TABLES <= tables:
            raise RestoreError(f"{path} is a SQLite database but not an mpp-kiosk one")
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        last = conn.execute("SELECT at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"{path} cannot be read as a database: {exc}") from exc
    finally:
        conn.close()
    return DatabaseFacts(tickets, datetime.fromisoformat(last[0]) if last else None)


def restore_database(backup: Path | str, db_path: Path | str, *, force: bool = False,
                     now: datetime | None = None) -> Path | None:
    """Copy ``backup`` to ``db_path``; the old database's new name when one was moved aside, else None."""
    backup, db_path = Path(backup), Path(db_path)
    facts = inspect_database(backup)
    moved: Path | None = None
    if db_path.exists():
        if db_path.resolve() == backup.resolve():
            raise RestoreError(f"{backup} is the database itself")
        try:
            current = inspect_database(db_path, check=False)
        except RestoreError as exc:
            if not force:
                raise RestoreError(f"{db_path} is there and is not a database this can compare ({exc}); "
                                   "--force moves it aside and restores") from exc
            current = None
        if current is not None and not force and current.last_event_at is not None and (
                facts.last_event_at is None or current.last_event_at > facts.last_event_at):
            raise RestoreError(
                f"{db_path} is newer than the backup (its last event {current.last_event_at.isoformat()}, the "
                f"backup's {facts.last_event_at.isoformat() if facts.last_event_at else 'none'}); "
                "stop the server and add --force to replace it (it is moved aside, not deleted)")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".restoring")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{backup.resolve()}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target, pages=-1)
        finally:
            target.close()
    finally:
        source.close()
    if db_path.exists():
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        moved = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
        os.replace(db_path, moved)
    for suffix in ("-wal", "-shm"):  # the old database's journal must not be replayed over the restored file
        side = db_path.with_name(db_path.name + suffix)
        if side.exists():
            if moved is not None:
                os.replace(side, moved.with_name(moved.name + suffix))
            else:
                side.unlink()
    os.replace(partial, db_path)
    from kiosk.store import Store

    Store(db_path).close()  # the migrations a backup from an older version lacks
    return moved


def main(args) -> int:
    from kiosk.cli import load_or_report

    config = load_or_report(args.config)
    if config is None:
        return 1
    db_path = args.db or config.path(config.server.database)
    try:
        moved = restore_database(args.backup, db_path, force=args.force)
        facts = inspect_database(db_path, check=False)
    except RestoreError as exc:
        print(f"restore: {exc}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        print(f"restore: {exc}", file=sys.stderr)
        return 2
    if moved is not None:
        print(f"restore: the database that was there is kept as {moved}")
    last = facts.last_event_at.isoformat() if facts.last_event_at else "none"
    print(f"restore: {db_path} restored from {args.backup} ({facts.tickets} tickets, last event {last})")
    return 0
