"""The report at year scale: it reads the ticket rows (first call kept on the ticket by the engine,
store.m009_day_aggregates), never the event log, and its figures are the same as the old way's."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from kiosk import reports
from kiosk.reports import build_report
from kiosk.store import Store
from support.configs import make_config
from support.simulate import simulate

DAY_1, DAY_2 = date(2026, 11, 2), date(2026, 11, 3)

# The report's per-ticket facts as computed before m009: each ticket's first call looked up in the whole event log.
OLD_VISITS = """
CREATE TEMP TABLE visits AS
WITH first_call AS (
    SELECT ticket_id, min(at) AS called_at, min(seq) AS seq FROM events WHERE type = 'called' GROUP BY ticket_id
),
first_counter AS (
    SELECT e.ticket_id, e.counter_id FROM events e JOIN first_call f ON f.seq = e.seq
),
visits AS (
    SELECT
        t.id, t.day, t.code,
        strftime('%Y-W%W', t.day) AS week,
        substr(t.day, 1, 7) AS month,
        CAST(strftime('%H', t.issued_at, :offset) AS INTEGER) AS hour,
        t.issued_service_id AS service_id,
        s.agency_id AS agency_id,
        t.service_id AS final_service_id,
        t.agency_id AS final_agency_id,
        t.state, t.priority, t.transfers,
        coalesce(t.counter_id, fc.counter_id) AS counter_id,
        round((julianday(f.called_at) - julianday(t.issued_at)) * 1440.0, 6) AS wait_min,
        CASE WHEN t.state = 'done' THEN round((julianday(t.finished_at) - julianday(t.started_at)) * 1440.0, 6)
        END AS service_min
    FROM tickets t
    JOIN service_agency s ON s.service_id = t.issued_service_id
    LEFT JOIN first_call f ON f.ticket_id = t.id
    LEFT JOIN first_counter fc ON fc.ticket_id = t.id
    WHERE t.state != 'voided' AND t.day BETWEEN :from AND :to AND (:agency IS NULL OR s.agency_id = :agency)
)
SELECT * FROM visits
"""


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    config = make_config(queue={"recalls_before_no_show": 1, "target_wait_minutes": 10})
    db = tmp_path_factory.mktemp("scale") / "days.sqlite"
    result = simulate(config, db, DAY_1, DAY_2, seed=5, arrivals_per_hour=8, transfer_rate=0.15)
    assert result.tickets > 50 and result.surveys > 20
    return config, db


def _tables(report) -> dict:
    return {name: (table.columns, table.rows) for name, table in report.tables.items()}


def _old_way(config, db, monkeypatch, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(reports, "_VISITS", OLD_VISITS)
        return build_report(config, db, *args, **kwargs)


@pytest.mark.parametrize("by", ["day", "month"])
def test_the_report_equals_the_old_way(days, monkeypatch, by):
    config, db = days
    with sqlite3.connect(db) as conn:  # the simulation has what makes the first call differ from the last
        assert conn.execute("SELECT count(*) FROM tickets WHERE transfers > 0 AND first_called_at IS NOT NULL").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM tickets WHERE first_called_at != called_at").fetchone()[0]
    new = build_report(config, db, DAY_1, DAY_2, by=by)
    old = _old_way(config, db, monkeypatch, DAY_1, DAY_2, by=by)
    assert _tables(new) == _tables(old)
    assert new.table("per_day").rows and any(r[6] is not None for r in new.table("per_day").rows)
    agency = new.table("per_agency").rows[0][1]
    assert _tables(build_report(config, db, DAY_1, DAY_1, agency)) == \
        _tables(_old_way(config, db, monkeypatch, DAY_1, DAY_1, agency))


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
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN " + reports._VISITS.split(" AS\n", 1)[1],
            {"offset": "+7 hours", "from": "2026-11-02", "to": "2026-11-02", "agency": None}))
        assert "USING INDEX tickets_day" in plan, plan
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM surveys WHERE submitted_at >= ? AND submitted_at < ?", ("a", "b")))
        assert "surveys_submitted" in plan, plan
    finally:
        conn.close()


def test_the_migration_fills_the_first_calls_of_an_older_database(days, monkeypatch, tmp_path):
    config, db = days
    old = tmp_path / "before-m009.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(old) as target:
        source.backup(target)
    expected = _tables(_old_way(config, old, monkeypatch, DAY_1, DAY_2))
    with sqlite3.connect(old) as conn:  # the database as m008 left it
        for statement in ("DROP INDEX tickets_day", "DROP INDEX surveys_submitted",
                          "ALTER TABLE tickets DROP COLUMN first_called_at",
                          "ALTER TABLE tickets DROP COLUMN first_call_counter_id",
                          "DELETE FROM _sqlite_migrations WHERE name = 'm009_day_aggregates'"):
            conn.execute(statement)
    Store(old).close()
    assert _tables(build_report(config, old, DAY_1, DAY_2)) == expected
