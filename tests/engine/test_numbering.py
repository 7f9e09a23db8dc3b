"""Ticket numbers: per numbering group, per local day, restarting at local midnight, never reused."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from kiosk import errors
from kiosk.engine import QueueEngine
from kiosk.store import Store
from support.configs import make_config

from .helpers import events, round_the_clock

UTC = timezone.utc


def test_codes_count_per_numbering_group(engine):
    codes = [engine.issue_ticket(service).ticket.code for service in ("ktp", "kk", "paspor", "ktp", "paspor")]
    # ktp and kk share group A; paspor has its own group B
    assert codes == ["A-001", "A-002", "B-001", "A-003", "B-002"]


def test_ticket_records_its_local_day_and_issue_time(engine, clock):
    ticket = engine.issue_ticket("ktp").ticket
    assert ticket.day == "2026-11-23"
    assert ticket.issued_at == "2026-11-23T01:00:00.000+00:00"  # 09:00 in Balikpapan is 01:00 UTC
    assert ticket.state == "waiting" and ticket.priority is False


def test_midnight_in_makassar_restarts_numbering_and_expires_open_tickets(make_engine, clock):
    engine = make_engine(round_the_clock())
    engine.open_counter("loket-1", "petugas1")
    clock.set(datetime(2026, 11, 23, 15, 57, tzinfo=UTC))  # 23:57 local
    first = engine.issue_ticket("ktp").ticket
    second = engine.issue_ticket("kk").ticket
    third = engine.issue_ticket("ktp").ticket
    engine.call_next("loket-1")  # `first` is called and never finished
    clock.set(datetime(2026, 11, 23, 15, 59, tzinfo=UTC))  # 23:59 local: still Monday
    assert engine.issue_ticket("ktp").ticket.code == "A-004"

    clock.advance(minutes=1)  # 00:00 local Tuesday = 16:00 UTC, not 00:00 UTC
    assert clock.now() == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    fresh = engine.issue_ticket("ktp").ticket
    assert (fresh.code, fresh.day) == ("A-001", "2026-11-24")

    rolled = events(engine, "day_rolled_over")[-1]
    assert rolled["payload"]["day"] == "2026-11-24"
    assert sorted(rolled["payload"]["expired"]) == sorted([first.id, second.id, third.id, first.id + 3])
    states = dict(engine.store.conn.execute("SELECT id, state FROM tickets").fetchall())
    assert [states[t.id] for t in (first, second, third)] == ["expired"] * 3
    assert [t.code for t in engine.waiting()] == ["A-001"]
    assert engine.snapshot()["counters"]["loket-1"]["ticket_id"] is None  # the counter is free again
    assert engine.snapshot()["day"] == "2026-11-24"


def test_no_rollover_at_utc_midnight(make_engine, clock):
    engine = make_engine(round_the_clock())
    clock.set(datetime(2026, 11, 23, 23, 59, tzinfo=UTC))  # 07:59 local Tuesday
    assert engine.issue_ticket("ktp").ticket.code == "A-001"
    clock.advance(minutes=2)  # 00:01 UTC Wednesday, still 08:01 Tuesday in Balikpapan
    ticket = engine.issue_ticket("ktp").ticket
    assert (ticket.code, ticket.day) == ("A-002", "2026-11-24")
    assert len(events(engine, "day_rolled_over")) == 1


def test_tick_closes_the_day_in_a_quiet_lobby(make_engine, clock):
    engine = make_engine(round_the_clock())
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    waiting = engine.issue_ticket("ktp").ticket
    engine.tick()
    assert len(events(engine, "day_rolled_over")) == 1  # same day: tick writes nothing
    clock.set(datetime(2026, 11, 23, 16, 0, 1, tzinfo=UTC))
    engine.tick()
    rolled = events(engine, "day_rolled_over")
    assert len(rolled) == 2 and rolled[-1]["payload"] == {"day": "2026-11-24", "expired": [waiting.id]}
    assert engine.waiting() == []


def test_day_end_keep_leaves_yesterdays_queue_waiting(make_engine, clock):
    engine = make_engine(round_the_clock(queue={"day_end": "keep"}))
    engine.open_counter("loket-1", "petugas1")
    clock.set(datetime(2026, 11, 23, 15, 58, tzinfo=UTC))
    yesterday = [engine.issue_ticket("ktp").ticket for _ in range(2)]
    clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    today = engine.issue_ticket("ktp").ticket
    assert today.code == "A-001"
    rolled = events(engine, "day_rolled_over")[-1]
    assert rolled["payload"] == {"day": "2026-11-24", "expired": []}
    assert [t.id for t in engine.waiting()] == [yesterday[0].id, yesterday[1].id, today.id]
    # yesterday's visitors came first and are called first
    assert engine.call_next("loket-1").id == yesterday[0].id
    # a code typed at the counter means today's ticket
    assert engine.find_ticket("A-001").id == today.id


def test_numbers_live_in_the_database_not_in_one_engine(make_engine, tmp_path, clock):
    """A restarted server, or a second engine on the same file, continues the day's numbering."""
    path = tmp_path / "shared.sqlite"
    first = make_engine(path=path)
    assert [first.issue_ticket("ktp").ticket.code for _ in range(3)] == ["A-001", "A-002", "A-003"]
    second = make_engine(path=path)
    assert second.issue_ticket("kk").ticket.code == "A-004"
    assert first.issue_ticket("ktp").ticket.code == "A-005"
    assert second.issue_ticket("ktp").ticket.code == "A-006"


def test_a_refused_issue_does_not_consume_a_number(engine):
    engine.issue_ticket("paspor")
    with pytest.raises(errors.PriorityNotAllowed):
        engine.issue_ticket("paspor", priority=True)  # paspor has no priority queue
    assert engine.issue_ticket("paspor").ticket.code == "B-002"


def test_numbers_are_never_reused_on_a_day(engine):
    """Transfer, no-show and rejoin keep the code; the next ticket always gets a new number."""
    engine.open_counter("loket-1", "petugas1")
    issued = [engine.issue_ticket("ktp").ticket for _ in range(3)]
    engine.call_next("loket-1")
    engine.recall("loket-1")
    engine.no_show("loket-1")
    engine.rejoin(issued[0].token)
    engine.call_next("loket-1")
    engine.transfer("loket-1", "kk")
    assert engine.issue_ticket("kk").ticket.code == "A-004"
    codes = [row[0] for row in engine.store.conn.execute("SELECT code FROM tickets ORDER BY id")]
    assert codes == ["A-001", "A-002", "A-003", "A-004"]


def test_the_database_refuses_a_duplicate_number(engine):
    """The UNIQUE index is the last guard, whatever code path writes a ticket."""
    ticket = engine.issue_ticket("ktp").ticket
    with pytest.raises(sqlite3.IntegrityError):
        with engine.store.write() as conn:
            conn.execute(
                "INSERT INTO tickets (token, code, group_id, day, number, service_id, issued_service_id, agency_id, "
                "state, queued_seq, issued_at) VALUES ('other', 'A-001', 'dukcapil', ?, 1, 'ktp', 'ktp', 'dukcapil', "
                "'waiting', 99, ?)", (ticket.day, ticket.issued_at))


def test_default_tokens_are_long_and_distinct(tmp_path, clock):
    store = Store(tmp_path / "tokens.sqlite")
    engine = QueueEngine(make_config(), store, clock)  # the production token factory
    tokens = {engine.issue_ticket("ktp").ticket.token for _ in range(20)}
    store.close()
    assert len(tokens) == 20 and all(len(token) >= 20 for token in tokens)
