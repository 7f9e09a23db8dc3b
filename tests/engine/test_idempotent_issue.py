"""Issuing with a request_id: the same id again returns the ticket already made, never a second number."""
from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from kiosk import errors
from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.store import Store
from support.configs import MONDAY_9, make_config

from .helpers import events, table_dump
from .workers import issue_with_request_id

REQUEST = "3f0c9a1e5b7d4c2a8e6f1b0d9c7a5e3f"


def test_the_same_request_id_twice_issues_one_ticket(engine):
    first = engine.issue_ticket("ktp", device="kiosk1", request_id=REQUEST)
    again = engine.issue_ticket("ktp", device="kiosk1", request_id=REQUEST)
    assert again.ticket == first.ticket
    assert (again.ticket.code, again.ticket.token, again.seq) == ("A-001", first.ticket.token, first.seq)
    assert (first.replayed, again.replayed) == (False, True)
    assert (again.people_ahead, again.estimate_minutes) == (first.people_ahead, first.estimate_minutes)
    assert len(events(engine, "ticket_issued")) == 1
    assert engine.store.query("SELECT code, request_id FROM tickets") == [{"code": "A-001", "request_id": REQUEST}]
    # the numbering was not advanced by the replay
    assert engine.issue_ticket("ktp").ticket.code == "A-002"


def test_a_replay_writes_nothing(engine):
    engine.issue_ticket("ktp", request_id=REQUEST)
    before = table_dump(engine)
    engine.issue_ticket("ktp", request_id=REQUEST)
    assert table_dump(engine) == before


def test_a_replay_reports_the_queue_as_it_is_now(engine, clock):
    engine.issue_ticket("ktp")
    mine = engine.issue_ticket("ktp", request_id=REQUEST)
    assert mine.people_ahead == 1
    engine.open_counter("loket-1")
    engine.call_next("loket-1")  # the one ahead is called between the lost answer and the retry
    again = engine.issue_ticket("ktp", request_id=REQUEST)
    assert again.ticket.code == mine.ticket.code and again.people_ahead == 0


def test_a_replay_still_answers_after_the_service_closed(engine, clock):
    first = engine.issue_ticket("ktp", request_id=REQUEST)
    clock.advance(hours=12)  # closed now: a new ticket would be refused, the visitor's own is not
    with pytest.raises(errors.ServiceUnavailable):
        engine.issue_ticket("ktp")
    assert engine.issue_ticket("ktp", request_id=REQUEST).ticket.code == first.ticket.code


def test_different_request_ids_issue_different_tickets(engine):
    first = engine.issue_ticket("ktp", request_id="tap-1")
    second = engine.issue_ticket("ktp", request_id="tap-2")
    third = engine.issue_ticket("ktp")  # without one, as before
    fourth = engine.issue_ticket("ktp")
    assert [t.ticket.code for t in (first, second, third, fourth)] == ["A-001", "A-002", "A-003", "A-004"]
    assert len(events(engine, "ticket_issued")) == 4
    assert [r["request_id"] for r in engine.store.query("SELECT request_id FROM tickets ORDER BY id")] == [
        "tap-1", "tap-2", None, None]


@pytest.mark.parametrize("bad", ["", "x" * 65, "has space", "semi;colon", "ünïcode", "a/b", "a.b", 12, b"bytes"])
def test_a_bad_request_id_is_a_typed_error_and_issues_nothing(engine, bad):
    before = table_dump(engine)
    with pytest.raises(errors.InvalidRequestId) as refused:
        engine.issue_ticket("ktp", request_id=bad)
    assert refused.value.http_status == 422 and refused.value.code == "invalid_request_id"
    assert "1-64" in refused.value.message("id") and "1-64" in refused.value.message("en")
    assert table_dump(engine) == before


def test_the_longest_and_shortest_request_ids_are_accepted(engine):
    assert engine.issue_ticket("ktp", request_id="A" * 64).ticket.code == "A-001"
    assert engine.issue_ticket("ktp", request_id="_").ticket.code == "A-002"


@pytest.mark.parametrize("other", [
    {"service_id": "kk"},                              # another service (same numbering group)
    {"service_id": "paspor"},                          # another agency
    {"service_id": "ktp", "priority": True},           # the priority queue instead
    {"service_id": "ktp", "device": "kiosk2"},         # another kiosk
])
def test_a_request_id_reused_for_another_request_is_refused(engine, other):
    engine.issue_ticket("ktp", device="kiosk1", request_id=REQUEST)
    before = table_dump(engine)
    with pytest.raises(errors.RequestIdConflict) as refused:
        engine.issue_ticket(**{"device": "kiosk1", **other}, request_id=REQUEST)
    assert refused.value.http_status == 409
    assert refused.value.message("en") and refused.value.message("id") != refused.value.message("en")
    assert table_dump(engine) == before


def test_a_transferred_ticket_is_still_found_by_its_request_id(engine):
    first = engine.issue_ticket("ktp", request_id=REQUEST)
    engine.open_counter("loket-1")
    engine.call_next("loket-1")
    engine.transfer("loket-1", "kk")
    again = engine.issue_ticket("ktp", request_id=REQUEST)  # asked for ktp, as the first time
    assert again.ticket.id == first.ticket.id and again.ticket.service_id == "kk"


def test_an_old_database_gets_the_request_id_column(tmp_path):
    """A file made before the migration: its tickets keep working, with no request_id."""
    path = tmp_path / "old.sqlite"
    store = Store(path)
    engine = QueueEngine(make_config(), store, FakeClock(MONDAY_9))
    engine.issue_ticket("ktp")
    store.conn.execute("DROP INDEX tickets_request_id")
    store.conn.execute("ALTER TABLE tickets DROP COLUMN request_id")
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_ticket_request_ids'")
    store.close()
    store = Store(path)
    engine = QueueEngine(make_config(), store, FakeClock(MONDAY_9))
    assert store.query("SELECT code, request_id FROM tickets") == [{"code": "A-001", "request_id": None}]
    assert engine.issue_ticket("ktp", request_id=REQUEST).ticket.code == "A-002"
    store.close()


PROCESSES = 4


@pytest.mark.slow
def test_four_processes_racing_the_same_request_id_make_one_ticket(tmp_path):
    path = tmp_path / "shared.sqlite"
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [context.Process(target=issue_with_request_id, args=(n, str(path), REQUEST, 20, start, results))
               for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    assert [failures for _n, _answers, failures in outcomes] == [[]] * PROCESSES
    answers = [answer for _n, per_worker, _failures in outcomes for answer in per_worker]
    assert len(answers) == PROCESSES * 20
    assert {(code, token) for code, token, _replayed in answers} == {("A-001", answers[0][1])}
    assert [replayed for _c, _t, replayed in answers].count(False) == 1  # exactly one call made it

    store = Store(path)
    engine = QueueEngine(make_config(), store, FakeClock(MONDAY_9))
    assert store.query("SELECT code, request_id FROM tickets") == [{"code": "A-001", "request_id": REQUEST}]
    assert len(events(engine, "ticket_issued")) == 1
    store.close()


def test_a_database_at_the_current_schema_opens_without_the_migrations_library(tmp_path):
    """A start on an up-to-date file reads the applied names and imports no sqlite-utils (~40 ms of every server
    start); a file that lacks a migration still gets it, through sqlite-utils' Migrations."""
    import subprocess
    import sys

    db = tmp_path / "q.sqlite"
    script = ("import sys\nfrom kiosk.store import Store\n"
              f"Store({str(db)!r}).close()\nfirst = 'sqlite_utils' in sys.modules\n"
              f"Store({str(db)!r}).close()\nprint(first, 'sqlite_utils' in sys.modules)\n")
    run = lambda: subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)  # noqa: E731
    done = run()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]  # a new file: every migration, by sqlite-utils
    done = run()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]  # at the current schema: not imported
    with sqlite3.connect(db) as conn:
        for (index,) in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_kept'").fetchall():
            conn.execute(f"DROP INDEX {index}")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm016_personal_field_indexes'")
    done = run()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'surveys_comment_kept'").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE name = 'm016_personal_field_indexes'"
                            ).fetchone() == (1,)
