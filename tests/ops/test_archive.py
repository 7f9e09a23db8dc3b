"""`mpp-kiosk archive --before DATE`: old days move to the archive file; a report across live + archive equals
the report before archiving; bad input gets a sentence."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date, datetime

import pytest

from kiosk.archive import ArchiveError, archive_days, archive_path
from kiosk.reports import build_report
from support.configs import MAKASSAR, config_dict, make_config
from support.simulate import simulate
from support.toml_writer import write_config
from support.processes import copy_database

FIRST, LAST, BEFORE = date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 4)
LATER = datetime(2026, 11, 20, 9, tzinfo=MAKASSAR)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    config = make_config()
    db = tmp_path_factory.mktemp("archive") / "mpp.sqlite"
    simulate(config, db, FIRST, LAST, seed=4, arrivals_per_hour=5)
    return config, db


def _tables(report):
    return {name: (table.columns, table.rows) for name, table in report.tables.items()}


def _count(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.mark.parametrize("by", ["day", "month"])
def test_reports_across_live_and_archive_equal_the_reports_before(history, tmp_path, by):
    config, source = history
    db = copy_database(source, tmp_path / "data")
    periods = [(FIRST, LAST), (FIRST, date(2026, 11, 3)), (date(2026, 11, 3), date(2026, 11, 4)), (BEFORE, LAST)]
    agency = config.agencies[0].id
    before = {(p, a): _tables(build_report(config, db, *p, a, by=by)) for p in periods for a in (None, agency)}
    tickets, surveys = _count(db, "SELECT count(*) FROM tickets"), _count(db, "SELECT count(*) FROM surveys")
    moved = archive_days(config, db, BEFORE, now=LATER)
    archive = archive_path(db)
    assert moved.archive == archive and moved.days == 2 and moved.tickets > 0 and moved.surveys > 0
    assert _count(db, "SELECT count(*) FROM tickets WHERE day < '2026-11-04'") == 0
    assert _count(archive, "SELECT min(day) || max(day) FROM tickets") == "2026-11-022026-11-03"
    assert _count(db, "SELECT count(*) FROM tickets") + _count(archive, "SELECT count(*) FROM tickets") == tickets
    assert _count(db, "SELECT count(*) FROM surveys") + _count(archive, "SELECT count(*) FROM surveys") == surveys
    assert _count(db, "SELECT count(*) FROM events WHERE ticket_id IN (SELECT id FROM tickets WHERE day < '2026-11-04')") == 0
    for (period, agency_id), expected in before.items():
        assert _tables(build_report(config, db, *period, agency_id, by=by)) == expected, (period, agency_id)


def test_the_command_moves_once_and_refuses_bad_input_with_a_sentence(history, tmp_path):
    config, source = history
    db = copy_database(source, tmp_path / "data")
    cfg = write_config(tmp_path / "config.toml", config_dict())

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "kiosk", "archive", "--config", str(cfg), *map(str, args)],
                              capture_output=True, text=True, timeout=60)
        assert "Traceback" not in proc.stderr
        return proc

    proc = run("--before", "4-11-2026", "--db", db)
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr
    proc = run("--before", "2026-11-04", "--db", tmp_path / "missing.sqlite")
    assert proc.returncode == 2 and "no database at" in proc.stderr
    (tmp_path / "text.sqlite").write_text("hello")
    proc = run("--before", "2026-11-04", "--db", tmp_path / "text.sqlite")
    assert proc.returncode == 2 and "not a SQLite database" in proc.stderr
    proc = run("--before", "2099-01-01", "--db", db)  # today is not over, nor are its surveys
    assert proc.returncode == 2 and "too recent" in proc.stderr
    proc = run("--before", "2026-11-04", "--db", db)
    assert proc.returncode == 0, proc.stderr
    assert "moved to" in proc.stdout and archive_path(db).is_file()
    proc = run("--before", "2026-11-03", "--db", db)
    assert proc.returncode == 2 and "archived already" in proc.stderr
    with pytest.raises(ArchiveError, match="keep at least one day"):
        archive_days(config, db, date(2026, 11, 10), now=LATER)


def test_the_retention_period_erases_in_the_archive_too(history, tmp_path):
    from kiosk.clock import FakeClock
    from kiosk.retention import Maintenance
    from kiosk.store import Store

    config, source = history
    db = copy_database(source, tmp_path / "data")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE surveys SET comment = 'nomor HP saya 0812'")
    archive_days(config, db, BEFORE, now=LATER)
    assert _count(archive_path(db), "SELECT count(*) FROM surveys WHERE comment != ''") > 0
    config = make_config(retention={"personal_days": 30})
    store = Store(db)
    try:  # 30 days after every simulated day
        Maintenance(store, FakeClock(datetime(2026, 12, 10, 9, tzinfo=MAKASSAR)), lambda: config).at_start()
    finally:
        store.close()
    assert _count(archive_path(db), "SELECT count(*) FROM surveys WHERE comment != ''") == 0
    assert _count(db, "SELECT count(*) FROM surveys WHERE comment != ''") == 0
