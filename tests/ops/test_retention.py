"""[retention]: personal fields are erased after personal_days (at start and daily out of hours by the server),
the reports and the IKM stay the same; the tidy-up vacuums."""
from __future__ import annotations

import re
import sqlite3
import time
from datetime import date, datetime

import pytest

from kiosk.clock import FakeClock
from kiosk.reports import build_report
from kiosk.retention import NOT_PERSONAL, PERSONAL_FIELDS, Maintenance, erase_personal
from kiosk.store import Store
from support.configs import MAKASSAR, make_config
from support.server import running_server
from support.simulate import simulate

DAY_1, DAY_2 = date(2026, 11, 2), date(2026, 11, 3)
PERSONAL_NAME = re.compile(r"(^|_)(name|phone|email|e_mail|nik|comment|address|hp)($|_)")


def _config(days=30, **retention):
    return make_config(retention={"personal_days": days, **retention})


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    config = _config()
    db = tmp_path_factory.mktemp("retention") / "history.sqlite"
    simulate(config, db, DAY_1, DAY_2, seed=3, arrivals_per_hour=8)
    with sqlite3.connect(db) as conn:  # every visitor wrote something about themselves
        conn.execute("UPDATE surveys SET comment = 'Budi, HP 0812-' || ticket_id")
    return config, db


def _copy(db, to):
    with sqlite3.connect(db) as source, sqlite3.connect(to) as target:
        source.backup(target)
    return to


def _tables(report):
    return {name: (table.columns, table.rows) for name, table in report.tables.items()}


def _comments(db):
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT substr(submitted_at, 1, 10), count(*) FROM surveys WHERE comment != '' "
                                 "GROUP BY 1"))


def without_comment(row: sqlite3.Row) -> dict:
    """A survey's row but its comment: all that erasing its personal field must leave as it was."""
    return {key: row[key] for key in row.keys() if key != "comment"}


def test_personal_fields_go_after_the_period_and_the_report_stays(history, tmp_path):
    config, source = history
    db = _copy(source, tmp_path / "db.sqlite")
    before = _tables(build_report(config, db, DAY_1, DAY_2))
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        scores_before = conn.execute("SELECT * FROM surveys ORDER BY ticket_id").fetchall()
    store = Store(db)
    try:
        # 30 days after DAY_1 (Makassar), DAY_1's comments are inside the period: nothing goes
        assert set(erase_personal(store, config, datetime(2026, 12, 2, 9, tzinfo=MAKASSAR)).values()) == {0}
        # 30 days after DAY_2: DAY_1's go, DAY_2's stay
        erased = erase_personal(store, config, datetime(2026, 12, 3, 9, tzinfo=MAKASSAR))
    finally:
        store.close()
    kept = _comments(db)
    assert erased["surveys.comment"] > 0 and "2026-11-02" not in kept and kept.get("2026-11-03", 0) > 0
    assert _tables(build_report(config, db, DAY_1, DAY_2)) == before  # every table, the SKM/IKM included
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        scores_after = conn.execute("SELECT * FROM surveys ORDER BY ticket_id").fetchall()
    assert [without_comment(row) for row in scores_after] == [without_comment(row) for row in scores_before]


def test_the_server_erases_at_start_and_daily_out_of_hours_then_vacuums(history, tmp_path):
    config, source = history
    db = _copy(source, tmp_path / "db.sqlite")
    # the server starts 31 days after DAY_1, at 10:00: DAY_1's comments go at once
    clock = FakeClock(datetime(2026, 12, 3, 10, tzinfo=MAKASSAR))
    with running_server(config, db, clock, tick_seconds=0.05):
        deadline = time.monotonic() + 10
        while "2026-11-02" in _comments(db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "2026-11-02" not in _comments(db) and "2026-11-03" in _comments(db)
        clock.set(datetime(2026, 12, 4, 21, 30, tzinfo=MAKASSAR))  # a day later, before the tidy-up hour
        time.sleep(0.5)
        assert "2026-11-03" in _comments(db)
        clock.set(datetime(2026, 12, 4, 22, 5, tzinfo=MAKASSAR))  # the tidy-up hour (maintenance_hour = 22)
        while "2026-11-03" in _comments(db) and time.monotonic() < deadline + 10:
            time.sleep(0.05)
        assert _comments(db) == {}
        with sqlite3.connect(db) as conn:
            # the simulated file predates incremental vacuum: the first tidy-up turned it on (a full VACUUM)
            assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
            assert conn.execute("SELECT value FROM meta WHERE key = 'maintenance_day'").fetchone()[0] == "2026-12-04"


def test_the_daily_tidy_up_runs_once_a_day_and_frees_pages(tmp_path):
    config = _config(days=1)
    clock = FakeClock(datetime(2026, 11, 2, 22, 1, tzinfo=MAKASSAR))
    store = Store(tmp_path / "db.sqlite")
    try:
        assert store.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # a new file: incremental
        with store.write() as conn:
            conn.execute("CREATE TABLE filler (x TEXT)")
            conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 3000,) for _ in range(300)])
        with store.write() as conn:
            conn.execute("DROP TABLE filler")
        assert store.conn.execute("PRAGMA freelist_count").fetchone()[0] > 100
        maintenance = Maintenance(store, clock, lambda: config)
        first = maintenance.tick()
        assert first is not None and first.vacuumed == "incremental"
        assert store.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert maintenance.tick() is None  # once a day
        clock.advance(hours=1)
        assert maintenance.tick() is None  # 23:01: not the hour
        clock.set(datetime(2026, 11, 3, 22, 30, tzinfo=MAKASSAR))
        assert maintenance.tick() is not None  # the next day's tidy-up hour
    finally:
        store.close()


def test_every_column_named_like_personal_data_is_erased_or_known_not_to_be(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    try:
        tables = [row[0] for row in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        found = {(table, row[1]) for table in tables for row in store.conn.execute(f"PRAGMA table_info({table})")
                 if PERSONAL_NAME.search(row[1].lower())}
    finally:
        store.close()
    registered = {(table, column) for table, column, _ in PERSONAL_FIELDS}
    assert ("surveys", "comment") in found
    assert found - registered - NOT_PERSONAL == set(), "add these to kiosk.retention.PERSONAL_FIELDS"


def test_the_period_is_checked(tmp_path):
    from kiosk.config import ConfigError, parse_config
    from support.configs import config_dict

    with pytest.raises(ConfigError, match=r"retention\.personal_days"):
        parse_config(config_dict(retention={"personal_days": 0}))
    with pytest.raises(ConfigError, match=r"retention\.maintenance_hour"):
        parse_config(config_dict(retention={"maintenance_hour": 24}))


def test_a_bookings_personal_fields_go_after_the_period_too(tmp_path):
    config = _config(days=30)
    store = Store(tmp_path / "db.sqlite")
    try:
        with store.write() as conn:
            for code, day in (("OLDBOOK1", "2026-11-02"), ("NEWBOOK1", "2026-11-30")):
                conn.execute(
                    "INSERT INTO bookings (code, service_id, agency_id, day, slot_time, slot_at, state, name, phone, "
                    "email, nik_hash, address, created_at, changed_at) VALUES (?, 'paspor', 'imigrasi', ?, '09:00', ?, "
                    "'checked_in', 'Siti Aminah', '081234567890', 'siti@example.id', 'hash', '10.0.0.7', ?, ?)",
                    (code, day, f"{day}T01:00:00.000+00:00", f"{day}T00:00:00.000+00:00", f"{day}T00:00:00.000+00:00"))
            conn.execute(
                "INSERT INTO tickets (token, code, group_id, day, number, service_id, issued_service_id, agency_id, "
                "state, queued_seq, issued_at, booked_name) VALUES ('t', 'P-001', 'imigrasi', '2026-11-02', 1, "
                "'paspor', 'paspor', 'imigrasi', 'done', 1, '2026-11-02T01:00:00.000+00:00', 'Siti Aminah')")
        erased = erase_personal(store, config, datetime(2026, 12, 10, 9, tzinfo=MAKASSAR))
        rows = dict((code, rest) for code, *rest in store.conn.execute(
            "SELECT code, name, phone, email, nik_hash, address FROM bookings"))
        booked_name = store.conn.execute("SELECT booked_name FROM tickets").fetchone()[0]
    finally:
        store.close()
    assert rows["OLDBOOK1"] == ["", "", "", "", ""]
    assert rows["NEWBOOK1"] == ["Siti Aminah", "081234567890", "siti@example.id", "hash", "10.0.0.7"]
    assert booked_name == "" and erased["bookings.phone"] == 1 and erased["tickets.booked_name"] == 1


def test_erasing_reads_only_the_rows_that_still_hold_a_personal_field(tmp_path):
    # at every start and every day: without m016's indexes the erase read every ticket (no index on issued_at),
    # 0.2 s of a server's start on a year's 700,000 tickets (bench/year.py)
    store = Store(tmp_path / "queue.sqlite")
    try:
        with store.write() as conn:
            conn.executemany(
                "INSERT INTO tickets (group_id, day, number, code, service_id, issued_service_id, agency_id, state, "
                "queued_seq, priority, issued_at, token, request_id, booked_name) "
                "VALUES ('a', ?, ?, ?, 's', 's', 'ag', 'done', 0, 0, ?, ?, ?, ?)",
                [("2025-01-01", i, f"A-{i}", "2025-01-01T01:00:00.000+00:00", f"t{i}", f"r{i}", "")
                 for i in range(1, 5001)])
        for table, column, when in PERSONAL_FIELDS:
            plan = " ".join(row[-1] for row in store.conn.execute(
                f"EXPLAIN QUERY PLAN UPDATE {table} SET {column} = '' "
                f"WHERE {when} < ? AND {column} IS NOT NULL AND {column} != ''", ("x",)))
            assert f"USING INDEX {table}_{column}_kept" in plan, (table, column, plan)
        steps = []
        store.conn.set_progress_handler(lambda: steps.append(1), 100)
        erased = erase_personal(store, _config(), datetime(2026, 11, 23, 9, tzinfo=MAKASSAR))
        store.conn.set_progress_handler(None, 100)
        assert erased["tickets.booked_name"] == 0
        assert len(steps) * 100 < 5000, f"{len(steps) * 100} steps for 5,000 tickets with no name left"
    finally:
        store.close()
