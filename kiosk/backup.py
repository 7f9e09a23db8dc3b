"""`mpp-kiosk backup`: an online, consistent copy of the database while the server runs.

SQLite's backup API copies pages under a read transaction, so the copy is the
database as it was at one moment: every ticket committed before the backup
began is in it, and nothing half-written is.
"""
from __future__ import annotations

import sqlite3
import sys
from datetime import datetime
from pathlib import Path


def backup_database(db_path: Path | str, out: Path | str) -> Path:
    db_path, out = Path(db_path), Path(out)
    if not db_path.is_file():
        raise FileNotFoundError(f"no database at {db_path}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    source = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(partial)
        try:
            # pages=-1: one step, so the copy is one consistent snapshot even while others write
            source.backup(target, pages=-1)
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise RuntimeError(f"the copy failed its integrity check: {check}")
        finally:
            target.close()
    finally:
        source.close()
    partial.replace(out)  # a finished copy or none: never a half-written backup under the real name
    return out


def main(args) -> int:
    from kiosk.cli import load_or_report

    config = load_or_report(args.config)
    if config is None:
        return 1
    db_path = args.db or config.path(config.server.database)
    stamp = datetime.now(config.lobby.tz).strftime("%Y%m%d-%H%M%S")
    out = args.out or config.path(Path("data") / "backups" / f"mpp-{stamp}.sqlite")
    try:
        written = backup_database(db_path, out)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 2
    size = written.stat().st_size
    print(f"backup: {written} ({size / 1024:.0f} KiB)")
    return 0
