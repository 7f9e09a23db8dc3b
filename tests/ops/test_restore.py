"""`mpp-kiosk restore BACKUP`: the backup is checked, a newer database is kept unless --force, the copy is whole."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from kiosk.backup import backup_database
from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.restore import RestoreError, restore_database
from kiosk.store import Store
from support.configs import MONDAY_9, config_dict, make_config
from support.toml_writer import write_config


def _lobby(db, clock, tickets):
    engine = QueueEngine(make_config(), Store(db), clock)
    service = engine.config.services[0].id
    for _ in range(tickets):
        engine.issue_ticket(service)
        clock.advance(seconds=5)
    engine.store.close()


def _tickets(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM tickets").fetchone()[0]


def _restore(tmp_path, *args):
    cfg = write_config(tmp_path / "config.toml", config_dict())
    return subprocess.run([sys.executable, "-m", "kiosk", "restore", "--config", str(cfg), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_restore_onto_a_new_pc_gives_the_backup_back(tmp_path):
    clock = FakeClock(MONDAY_9)
    _lobby(tmp_path / "old-pc.sqlite", clock, 5)
    backup = backup_database(tmp_path / "old-pc.sqlite", tmp_path / "usb" / "mpp.sqlite")
    new_pc = tmp_path / "new-pc" / "data" / "mpp.sqlite"
    proc = _restore(tmp_path, backup, "--db", new_pc)
    assert proc.returncode == 0, proc.stderr
    assert "5 tickets" in proc.stdout
    assert _tickets(new_pc) == 5
    with sqlite3.connect(new_pc) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    _lobby(new_pc, clock, 1)  # the server goes on from the restored numbers
    with sqlite3.connect(new_pc) as conn:
        assert [r[0] for r in conn.execute("SELECT number FROM tickets ORDER BY id")] == [1, 2, 3, 4, 5, 6]


def test_a_newer_database_is_kept_unless_forced_and_then_moved_aside(tmp_path):
    clock = FakeClock(MONDAY_9)
    live = tmp_path / "mpp.sqlite"
    _lobby(live, clock, 2)
    backup = backup_database(live, tmp_path / "backup.sqlite")
    _lobby(live, clock, 3)  # today's tickets after the backup
    proc = _restore(tmp_path, backup, "--db", live)
    assert proc.returncode == 2 and "newer than the backup" in proc.stderr and "--force" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _tickets(live) == 5
    moved = restore_database(backup, live, force=True)
    assert _tickets(live) == 2
    assert moved is not None and _tickets(moved) == 5
    # an older database at the target is replaced without --force
    assert restore_database(backup, live) is not None and _tickets(live) == 2


@pytest.mark.parametrize("case", ["missing", "text", "other_sqlite", "corrupt"])
def test_a_bad_backup_is_refused_with_a_sentence(tmp_path, case):
    bad = tmp_path / "bad.sqlite"
    expected = {"missing": "no file at", "text": "not a SQLite database", "other_sqlite": "not an mpp-kiosk one",
                "corrupt": "integrity check"}[case]
    if case == "text":
        bad.write_text("not a database\n" * 100)
    elif case == "other_sqlite":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE tickets (id INTEGER)")
    elif case == "corrupt":
        _lobby(bad, FakeClock(MONDAY_9), 300)
        with sqlite3.connect(bad) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tickets_number'").fetchone()[0]
        data = bytearray(bad.read_bytes())
        start = (root - 1) * page
        data[start + 8:start + page] = b"\x07" * (page - 8)  # an index page overwritten, the header kept
        bad.write_bytes(bytes(data))
    target = tmp_path / "target.sqlite"
    proc = _restore(tmp_path, bad, "--db", target)
    assert proc.returncode == 2, proc.stdout
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert not target.exists()
    with pytest.raises(RestoreError, match=expected):
        restore_database(bad, target)
