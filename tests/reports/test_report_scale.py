"""The report at year scale: it reads the closed days' aggregates and the other days' ticket rows (first call kept
on the ticket by the engine, store.m009_day_aggregates), never the event log, and its figures are the same as the
old way's (tests/support/report_before_m009.py)."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from kiosk import aggregates, reports
from kiosk.reports import build_report
from kiosk.store import Store
from support.configs import make_config
from support import report_before_m009
from support.simulate import simulate

from .test_report_officer_aggregates import UNDO_M015

DAY_1, DAY_2 = date(2026, 11, 2), date(2026, 11, 3)

@pytest.fixture(scope="module")
def days(tmp_path_factory):
    config = make_config(queue={"recalls_before_no_show": 1, "target_wait_minutes": 10})
    db = tmp_path_factory.mktemp("scale") / "days.sqlite"
    result = simulate(config, db, DAY_1, DAY_2, seed=5, arrivals_per_hour=8, transfer_rate=0.15)
    assert result.tickets > 50 and result.surveys > 20
    return config, db


def _tables(report) -> dict:
    return {name: (table.columns, table.rows) for name, table in report.tables.items()}


def _as_old(new_report, old_report) -> dict:
    """The new report's tables cut to the old one's: the tables and columns added since (per_officer, the IKM's
    sample size) are not in the reference."""
    old = _tables(old_report)
    cut = {}
    for name, (columns, rows) in _tables(new_report).items():
        if name in old:
            width = len(old[name][0])
            cut[name] = (columns[:width], [row[:width] for row in rows])
    return cut


def _old_way(config, db, monkeypatch, *args, **kwargs):
    return report_before_m009.build_report(config, db, *args, **kwargs)


@pytest.mark.parametrize("by", ["day", "month"])
def test_the_report_equals_the_old_way(days, monkeypatch, by):
    config, db = days
    with sqlite3.connect(db) as conn:  # the simulation has what makes the first call differ from the last
        assert conn.execute("SELECT count(*) FROM tickets WHERE transfers > 0 AND first_called_at IS NOT NULL").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM tickets WHERE first_called_at != called_at").fetchone()[0]
    new = build_report(config, db, DAY_1, DAY_2, by=by)
    old = _old_way(config, db, monkeypatch, DAY_1, DAY_2, by=by)
    assert _as_old(new, old) == _tables(old)
    assert new.table("per_day").rows and any(r[6] is not None for r in new.table("per_day").rows)
    agency = new.table("per_agency").rows[0][1]
    old_one = _old_way(config, db, monkeypatch, DAY_1, DAY_1, agency)
    assert _as_old(build_report(config, db, DAY_1, DAY_1, agency), old_one) == _tables(old_one)


def test_the_report_does_not_read_the_event_log(days, tmp_path):
    config, db = days
    copy = tmp_path / "no-events.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    before = _tables(build_report(config, copy, DAY_1, DAY_2))
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM events")
    assert _tables(build_report(config, copy, DAY_1, DAY_2)) == before


def test_a_period_is_read_by_the_day_index(days):
    config, db = days
    conn = sqlite3.connect(db)
    try:
        reports._prepare(conn, config)
        conn.execute("CREATE TEMP TABLE unbuilt (day TEXT PRIMARY KEY)")
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN " + reports._VISITS, {"agency": None}))
        assert "USING INDEX tickets_day" in plan, plan
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM surveys WHERE submitted_at >= ? AND submitted_at < ?", ("a", "b")))
        assert "surveys_bursts" in plan, plan
        # the booking table's waits: the tickets of the days and services with bookings, not the period's
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN " + reports._BOOKING_WAITS, {"from": "a", "to": "b", "agency": None}))
        assert "SEARCH t USING INDEX tickets_quota" in plan and "SCAN t" not in plan, plan
    finally:
        conn.close()


def _built(db) -> dict:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT day, visits FROM day_aggregates"))


def test_the_engine_builds_each_closed_day_and_the_report_reads_it(days, monkeypatch, tmp_path):
    config, db = days
    built = _built(db)
    # DAY_2's first write built DAY_1; DAY_2 is the last day simulated: still read from its tickets
    assert list(built) == ["2026-11-02"] and built["2026-11-02"] > 0
    old_report = _old_way(config, db, monkeypatch, DAY_1, DAY_2)
    expected = _tables(old_report)
    copy = tmp_path / "copy.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:  # the aggregates are what the report reads for DAY_1: spoil them
        conn.execute("UPDATE day_visits SET issued = issued + 1000, waits = '0.0'")
    spoiled = build_report(config, copy, DAY_1, DAY_2)
    assert _as_old(spoiled, old_report) != expected
    with sqlite3.connect(copy) as conn:  # a change to a ticket of DAY_1 forgets DAY_1 (the trigger) ...
        conn.execute("UPDATE tickets SET recalls = recalls WHERE id = (SELECT min(id) FROM tickets)")
    assert _built(copy) == {}
    with sqlite3.connect(copy) as conn:  # noted, so the next build finds it without reading every ticket
        assert conn.execute("SELECT day FROM day_forgotten").fetchall() == [("2026-11-02",)]
    assert _as_old(build_report(config, copy, DAY_1, DAY_2), old_report) == expected  # ... read from its tickets again
    store = Store(copy)
    try:
        with store.write() as conn:  # ... and built again (at the next roll-over, or the server's tidy-up)
            assert aggregates.build_missing(conn, config, "2026-11-04", "2026-11-04T00:00:00.000+00:00") == [
                "2026-11-02", "2026-11-03"]
    finally:
        store.close()
    assert _as_old(build_report(config, copy, DAY_1, DAY_2), old_report) == expected


def test_the_migration_fills_the_first_calls_of_an_older_database(days, monkeypatch, tmp_path):
    config, db = days
    old = tmp_path / "before-m009.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(old) as target:
        source.backup(target)
    old_report = _old_way(config, old, monkeypatch, DAY_1, DAY_2)
    expected = _tables(old_report)
    with sqlite3.connect(old) as conn:  # the database as m008 left it (m015 first: its triggers read m009's tables)
        for statement in (*UNDO_M017, *UNDO_M015, "DROP INDEX tickets_day", "DROP INDEX surveys_submitted",
                          "DROP TABLE day_aggregates",
                          "DROP TABLE day_visits", "DROP TABLE day_hours", "DROP TABLE day_forgotten",
                          "DROP TRIGGER tickets_insert_forgets_day",
                          "DROP TRIGGER tickets_update_forgets_day", "DROP TRIGGER tickets_delete_forgets_day",
                          "ALTER TABLE tickets DROP COLUMN first_called_at",
                          "ALTER TABLE tickets DROP COLUMN first_call_counter_id",
                          "DELETE FROM _sqlite_migrations WHERE name = 'm009_day_aggregates'"):
            conn.execute(statement)
    Store(old).close()
    assert _as_old(build_report(config, old, DAY_1, DAY_2), old_report) == expected


# the database as m016 left it (the index m017 dropped made again, for the undo of m009 above)
UNDO_M017 = ("DROP INDEX surveys_bursts", "ALTER TABLE surveys DROP COLUMN counter_id",
             "CREATE INDEX surveys_submitted ON surveys (submitted_at)",
             "DELETE FROM _sqlite_migrations WHERE name = 'm017_survey_counters'")


def test_each_survey_keeps_its_counter_and_the_bursts_read_only_the_surveys(days, tmp_path):
    config, db = days
    with sqlite3.connect(db) as conn:  # the engine wrote each survey's counter: its finished ticket's
        pairs = conn.execute("SELECT s.counter_id, t.counter_id FROM surveys s JOIN tickets t ON t.id = s.ticket_id"
                             ).fetchall()
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT counter_id, submitted_at FROM surveys WHERE submitted_at >= ? AND "
            "submitted_at < ? AND (? IS NULL OR agency_id = ?) AND counter_id IS NOT NULL", ("a", "b", None, None)))
    assert len(pairs) > 20 and all(ours == theirs and ours for ours, theirs in pairs), pairs
    assert "COVERING INDEX surveys_bursts" in plan, plan  # not one ticket row read
    old = tmp_path / "before-m017.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(old) as target:
        source.backup(target)
    expected = _tables(build_report(config, old, DAY_1, DAY_2))
    with sqlite3.connect(old) as conn:
        for statement in UNDO_M017:
            conn.execute(statement)
    Store(old).close()  # m017 again: the counters filled from the tickets
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT s.ticket_id, s.counter_id FROM surveys s ORDER BY 1").fetchall() == \
            conn.execute("SELECT s.ticket_id, t.counter_id FROM surveys s JOIN tickets t ON t.id = s.ticket_id "
                         "ORDER BY 1").fetchall()
    assert _tables(build_report(config, old, DAY_1, DAY_2)) == expected


def test_the_report_command_explains_a_database_it_cannot_read(tmp_path):
    import subprocess
    import sys

    from support.configs import config_dict
    from support.toml_writer import write_config

    cfg = write_config(tmp_path / "config.toml", config_dict())
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE TABLE tickets (id INTEGER)")
    proc = subprocess.run([sys.executable, "-m", "kiosk", "report", "--config", str(cfg), "--db", str(old),
                           "--from", "2026-11-02", "--to", "2026-11-02"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "cannot be read" in proc.stderr and "Traceback" not in proc.stderr
