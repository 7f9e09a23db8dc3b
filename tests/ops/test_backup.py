"""An online backup taken while 500 tickets are being issued."""
import multiprocessing
import sqlite3
import subprocess
import sys
import time

from kiosk.backup import backup_database
from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.store import Store
from support.configs import MONDAY_9, config_dict, make_config
from support.toml_writer import write_config


def _issue_many(db_path, count, started, progress):
    config = make_config(services=[{
        "id": "ktp", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "KTP-el", "en": "e-ID card"}}],
        counters=[{"id": "loket-1", "number": "1", "agency": "dukcapil", "services": ["ktp"]}],
        staff=[])
    engine = QueueEngine(config, Store(db_path), FakeClock(MONDAY_9))
    started.set()
    for i in range(count):
        engine.issue_ticket("ktp")
        progress.value = i + 1
        time.sleep(0.002)


def test_backup_during_500_issues_holds_every_ticket_committed_before_it(tmp_path):
    db = tmp_path / "live.sqlite"
    Store(db).close()
    ctx = multiprocessing.get_context("spawn")
    started, progress = ctx.Event(), ctx.Value("i", 0)
    writer = ctx.Process(target=_issue_many, args=(db, 500, started, progress))
    writer.start()
    assert started.wait(30)
    while progress.value < 150:
        time.sleep(0.01)
    committed_before = progress.value  # every ticket up to here was committed before the backup began
    out = backup_database(db, tmp_path / "backup.sqlite")
    writer.join(60)
    assert writer.exitcode == 0
    copy = sqlite3.connect(out)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    numbers = [r[0] for r in copy.execute("SELECT number FROM tickets ORDER BY number")]
    assert len(numbers) >= committed_before
    assert numbers == list(range(1, len(numbers) + 1))  # no hole: a prefix of what was issued
    assert len(numbers) < 500  # taken mid-run, not after
    events = [r[0] for r in copy.execute("SELECT seq FROM events ORDER BY seq")]
    assert events == list(range(1, len(events) + 1))
    live = sqlite3.connect(db)
    assert live.execute("SELECT count(*) FROM tickets").fetchone()[0] == 500


def test_backup_command_reports_a_missing_database(tmp_path):
    cfg = write_config(tmp_path / "config.toml", config_dict())
    proc = subprocess.run([sys.executable, "-m", "kiosk", "backup", "--config", str(cfg), "--db", str(tmp_path / "nope.sqlite")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no database" in proc.stderr and "Traceback" not in proc.stderr
    Store(tmp_path / "yes.sqlite").close()
    proc = subprocess.run([sys.executable, "-m", "kiosk", "backup", "--config", str(cfg), "--db", str(tmp_path / "yes.sqlite"),
                           "--out", str(tmp_path / "b.sqlite")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sqlite3.connect(tmp_path / "b.sqlite").execute("SELECT count(*) FROM events").fetchone()[0] == 0
