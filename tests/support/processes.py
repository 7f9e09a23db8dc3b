"""Child processes and database files of tests and benches (no kiosk.server import: bench/display.py measures a
process that must not hold the server's code)."""
from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path


def stop_process(process: subprocess.Popen, timeout_s: float = 10) -> None:
    """SIGTERM, and SIGKILL if it has not ended within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def copy_database(db: Path, folder: Path) -> Path:
    """An online copy of ``db`` as ``folder``/mpp.sqlite (what an archive or restore test works on)."""
    folder.mkdir(exist_ok=True)
    copy = folder / "mpp.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy
