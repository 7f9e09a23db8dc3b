"""Issue 19's per-officer table: from the day aggregates per officer (store.m015_day_officers) for the built days,
from the tickets for the others, and the same figures as the ticket scan it replaces, across live and archive."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk import aggregates, reports
from kiosk.archive import archive_days, archive_path
from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.reports import SURVEY_ELEMENTS, build_report, ikm_from_nrr
from kiosk.store import Store
from support.configs import MAKASSAR, make_config
from support.processes import copy_database
from support.simulate import simulate

DAY_1, DAY_2, DAY_3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
LATER = datetime(2026, 11, 20, 9, tzinfo=MAKASSAR)
# the simulation logs every counter in as "sim": spread its tickets over officers (two of the config, one it does
# not name, none for a ticket from before m011), and give the service times milliseconds, not whole minutes
_OFFICERS = """
UPDATE tickets SET
    served_by = CASE WHEN id % 7 = 0 THEN NULL WHEN counter_id = 'loket-3' THEN 'petugas3'
                     WHEN id % 2 = 1 THEN 'petugas1' ELSE 'tamu' END,
    finished_at = CASE WHEN state = 'done' THEN strftime('%Y-%m-%dT%H:%M:%f', finished_at,
                       '+' || (((id * 7919) % 60000) / 1000.0) || ' seconds') || '+00:00' ELSE finished_at END
WHERE served_by IS NOT NULL
"""


def ticket_scan(config, db, date_from: date, date_to: date, agency: str | None = None) -> list[tuple]:
    """The per-officer table as the report computed it before issue 19: every ticket and survey of the period."""
    elements = [e[0] for e in SURVEY_ELEMENTS]
    params = {"from": date_from.isoformat(), "to": date_to.isoformat(), "agency": agency}
    where = ("t.served_by IS NOT NULL AND t.state != 'voided' AND t.day BETWEEN :from AND :to "
             "AND (:agency IS NULL OR s.agency_id = :agency)")
    conn = sqlite3.connect(db)
    try:
        reports._prepare(conn, config)
        figures = conn.execute(f"""
            SELECT t.served_by, sum(t.state = 'done'), avg(CASE WHEN t.state = 'done'
                   THEN round((julianday(t.finished_at) - julianday(t.started_at)) * 1440.0, 6) END),
                   sum(t.state = 'no_show')
            FROM tickets t JOIN temp.service_agency s ON s.service_id = t.issued_service_id
            WHERE {where} GROUP BY t.served_by ORDER BY t.served_by""", params).fetchall()
        surveys = {row[0]: row[1:] for row in conn.execute(f"""
            SELECT t.served_by, count(*), {", ".join(f"avg(v.{e})" for e in elements)}
            FROM surveys v JOIN tickets t ON t.id = v.ticket_id
            JOIN temp.service_agency s ON s.service_id = t.issued_service_id
            WHERE {where} GROUP BY t.served_by""", params)}
    finally:
        conn.close()
    names = {staff.user: staff.name for staff in config.staff}
    rows = []
    for user, served, service_mean, no_shows in figures:
        respondents, *nrr = surveys.get(user, (0,))
        ikm = round(ikm_from_nrr(nrr), 2) if respondents else None
        rows.append((user, names.get(user, user), served, no_shows,
                     None if service_mean is None else round(service_mean, 2), respondents, ikm))
    return rows


def _build(db, config, today: date) -> list[str]:
    store = Store(db)
    try:
        with store.write() as conn:
            return aggregates.build_missing(conn, config, today.isoformat(), "2026-12-01T00:00:00.000+00:00")
    finally:
        store.close()


def _officers(config, db, *period, agency=None, by="month") -> list[tuple]:
    return build_report(config, db, *period, agency, by=by).table("per_officer").rows


def _built(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT day FROM day_aggregates ORDER BY day")]


@pytest.fixture(scope="module")
def lobby(tmp_path_factory):
    """Three simulated days: DAY_1 and DAY_2 built (as at DAY_3's first write), DAY_3 still open (its tickets)."""
    config = make_config(queue={"recalls_before_no_show": 1})
    db = tmp_path_factory.mktemp("officers") / "mpp.sqlite"
    result = simulate(config, db, DAY_1, DAY_3, seed=19, arrivals_per_hour=6, transfer_rate=0.1)
    assert result.tickets > 80 and result.surveys > 20
    with sqlite3.connect(db) as conn:
        conn.execute(_OFFICERS)  # the trigger forgets the days it changes ...
    assert _built(db) == []
    assert _build(db, config, DAY_3) == ["2026-11-02", "2026-11-03"]  # ... and they are built again
    with sqlite3.connect(db) as conn:  # what the aggregates have to get right is in the data
        officers = dict(conn.execute("SELECT coalesce(served_by, '-'), count(*) FROM tickets GROUP BY 1"))
        assert set(officers) == {"-", "petugas1", "petugas3", "tamu"}
        assert conn.execute("SELECT count(*) FROM tickets WHERE state = 'done' AND finished_at IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM tickets WHERE state = 'no_show' AND served_by IS NOT NULL").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM day_officers WHERE respondents > 0 AND day = '2026-11-03'").fetchone()[0]
    return config, db


# what takes a database back to before store.m015_day_officers
UNDO_M015 = ("DROP TABLE day_officers", "DROP TRIGGER surveys_insert_forgets_day",
             "DROP TRIGGER surveys_update_forgets_day", "DROP TRIGGER surveys_delete_forgets_day",
             "DELETE FROM _sqlite_migrations WHERE name = 'm015_day_officers'")
PERIODS = [(DAY_1, DAY_3), (DAY_1, DAY_2), (DAY_2, DAY_2), (DAY_3, DAY_3)]


@pytest.mark.parametrize("period", PERIODS)
def test_the_per_officer_table_equals_the_ticket_scan(lobby, period):
    config, db = lobby
    expected = ticket_scan(config, db, *period)
    assert len(expected) >= 3 and any(row[5] for row in expected) and any(row[4] for row in expected)
    assert _officers(config, db, *period) == expected
    assert _officers(config, db, *period, by="day") == expected
    agency = config.agencies[0].id
    assert _officers(config, db, *period, agency=agency) == ticket_scan(config, db, *period, agency)


def test_the_mean_from_days_sums_is_the_mean_of_the_tickets(lobby):
    config, db = lobby
    with sqlite3.connect(db) as conn:  # two built days' sums, in whole millionths of a minute
        rows = conn.execute("SELECT officer, sum(timed), sum(service_microminutes) FROM day_officers "
                            "WHERE day IN ('2026-11-02', '2026-11-03') GROUP BY officer").fetchall()
        times = conn.execute(
            "SELECT served_by, round((julianday(finished_at) - julianday(started_at)) * 1440.0, 6) FROM tickets "
            "WHERE state = 'done' AND served_by IS NOT NULL AND day IN ('2026-11-02', '2026-11-03')").fetchall()
    assert rows
    for officer, timed, microminutes in rows:
        mine = [minutes for user, minutes in times if user == officer]
        assert timed == len(mine) and microminutes == sum(round(minutes * 1_000_000) for minutes in mine)
        assert any(minutes != int(minutes) for minutes in mine)


def test_the_report_reads_the_built_days_aggregates_not_their_tickets(lobby, tmp_path):
    config, db = lobby
    copy = copy_database(db, tmp_path / "data")
    before = _officers(config, copy, DAY_1, DAY_3)
    with sqlite3.connect(copy) as conn:  # the built days' tickets and surveys gone, their aggregates kept
        for trigger in ("tickets_delete_forgets_day", "surveys_delete_forgets_day"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DELETE FROM surveys WHERE ticket_id IN (SELECT id FROM tickets WHERE day < '2026-11-04')")
        conn.execute("DELETE FROM tickets WHERE day < '2026-11-04'")
    assert _built(copy) == ["2026-11-02", "2026-11-03"]
    assert _officers(config, copy, DAY_1, DAY_3) == before
    with sqlite3.connect(copy) as conn:  # and what it reads for them is the aggregates: spoiled, the table changes
        conn.execute("UPDATE day_officers SET served = served + 1000")
    assert _officers(config, copy, DAY_1, DAY_3) != before


def test_the_unbuilt_days_tickets_are_read_by_the_day_index(lobby):
    config, db = lobby
    conn = sqlite3.connect(db)
    try:
        reports._prepare(conn, config)
        conn.execute("CREATE TEMP TABLE unbuilt (day TEXT PRIMARY KEY)")
        params = {"from": "2026-11-02", "to": "2026-11-04", "offset": "+8 hours", "agency": None}
        plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + reports._OFFICERS, params)]
    finally:
        conn.close()
    assert any("tickets USING INDEX tickets_day" in step for step in plan), plan
    assert any("day_officers USING" in step for step in plan), plan
    assert not any(step.startswith("SCAN") and ("tickets" in step or "surveys" in step or "day_officers" in step)
                   for step in plan), plan


def test_a_late_survey_forgets_its_day_until_it_is_built_again(tmp_path):
    config = make_config(queue={"survey_min_service_seconds": 0, "survey_open_hours": 48})
    monday_9 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 09:00 WITA
    clock = FakeClock(monday_9)
    db = tmp_path / "lobby.sqlite"
    engine = QueueEngine(config, Store(db), clock)
    try:
        engine.open_counter("loket-1", user="petugas1")
        ticket = engine.issue_ticket("ktp").ticket
        engine.call_next("loket-1")
        engine.start("loket-1")
        clock.advance(minutes=7, seconds=30)
        engine.finish("loket-1")
        clock.set(monday_9 + timedelta(days=1))
        engine.issue_ticket("ktp")  # Tuesday's first write builds Monday
        assert _built(db) == ["2026-11-23"]
        monday = date(2026, 11, 23)
        assert _officers(config, db, monday, monday) == [("petugas1", "Petugas Satu", 1, 0, 7.5, 0, None)]
        engine.submit_survey(ticket.token, [4, 3, 4, 3, 4, 3, 4, 3, 4], "pelayanan cepat",
                             survey_token=engine.survey_token(ticket.token))
        assert _built(db) == []  # the survey forgot Monday, in its own transaction: read from its tickets
        expected = [("petugas1", "Petugas Satu", 1, 0, 7.5, 1, round(ikm_from_nrr([4, 3] * 4 + [4]), 2))]
        assert _officers(config, db, monday, monday) == expected == ticket_scan(config, db, monday, monday)
        with engine.store.write() as conn:
            assert aggregates.build_missing(conn, config, "2026-11-24", "2026-11-24T00:00:00.000+00:00") == [
                "2026-11-23"]
            conn.execute("UPDATE surveys SET comment = ''")  # the retention erasing a comment keeps the day built
        assert _built(db) == ["2026-11-23"]
        assert _officers(config, db, monday, monday) == expected
    finally:
        engine.store.close()


def test_the_migration_fills_the_days_built_before_it(lobby, tmp_path):
    config, db = lobby
    old = copy_database(db, tmp_path / "data")
    expected = ticket_scan(config, old, DAY_1, DAY_3)
    with sqlite3.connect(old) as conn:  # the database as m014 left it
        for statement in UNDO_M015:
            conn.execute(statement)
    Store(old).close()
    assert _built(old) == ["2026-11-02", "2026-11-03"]  # still built: the migration built their officers' figures
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT count(DISTINCT day) FROM day_officers").fetchone()[0] == 2
    assert _officers(config, old, DAY_1, DAY_3) == expected


def test_archive_and_live_give_the_same_per_officer_table(lobby, tmp_path):
    config, db = lobby
    live = copy_database(db, tmp_path / "data")
    assert _build(live, config, DAY_3 + timedelta(days=1)) == ["2026-11-04"]
    agency = config.agencies[0].id
    before = {(p, a): _officers(config, live, *p, agency=a) for p in PERIODS for a in (None, agency)}
    archive_days(config, live, DAY_2, now=LATER)
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT min(day) FROM day_officers").fetchone()[0] == "2026-11-03"
    with sqlite3.connect(archive_path(live)) as conn:
        assert conn.execute("SELECT DISTINCT day FROM day_officers").fetchall() == [("2026-11-02",)]
    for (period, agency_id), expected in before.items():
        assert _officers(config, live, *period, agency=agency_id) == expected, (period, agency_id)
    assert before[(PERIODS[0], None)] == ticket_scan(config, db, *PERIODS[0])
