"""Who is called next when bookings are in the queue (docs/booking.md, "Who is called next").

A checked-in booking whose slot has begun goes before the walk-ins, oldest slot first, but at most
queue.max_consecutive_booked booked calls in a row while a walk-in waits; a booking checked in
before its slot waits as a walk-in until the slot begins. Priority tickets keep their own rule.
"""
from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.engine import QueueEngine
from kiosk.errors import QueueError
from kiosk.store import Store
from support.configs import MAKASSAR, config_dict

from support.bookings import BOOKING, counting_codes
from .helpers import counting_tokens

MONDAY_8 = datetime(2026, 11, 23, 8, 0, tzinfo=MAKASSAR)


def lobby(max_booked: int = 2, **queue):
    data = config_dict(queue={"max_consecutive_booked": max_booked, **queue})
    paspor = data["services"][2]
    paspor.pop("daily_quota")
    paspor["priority_allowed"] = True
    paspor["booking"] = {**BOOKING, "places_per_slot": 100, "fields": ["phone"], "per_person_per_day": 1}
    return parse_config(data)


def make(folder: Path, config, clock) -> QueueEngine:
    engine = QueueEngine(config, Store(folder / "queue.sqlite"), clock, token_factory=counting_tokens())
    engine.bookings.code_factory = counting_codes()
    engine.open_counter("loket-3")
    return engine


phones = iter(range(10**6))


def book(engine, clock, slot: str) -> str:
    """Book ``slot`` of today; its code."""
    return engine.bookings.book("paspor", clock.now().astimezone(MAKASSAR).date(), slot,
                                {"phone": f"0812{next(phones):07d}"}).code


def booked_ticket(engine, clock, slot: str):
    """Book ``slot`` of today and check in at once (the clock is within its window)."""
    return engine.bookings.check_in(book(engine, clock, slot)).ticket


def test_a_booking_due_is_called_before_walk_ins_who_came_earlier_and_walk_ins_are_not_starved(tmp_path):
    clock = FakeClock(MONDAY_8.replace(hour=8, minute=40))
    engine = make(tmp_path, lobby(max_booked=2), clock)
    walk_ins = [engine.issue_ticket("paspor").ticket.code for _ in range(3)]
    early = booked_ticket(engine, clock, "09:00")  # checked in before its slot
    later = [book(engine, clock, "09:00"), book(engine, clock, "09:00")]
    assert engine.call_next("loket-3").code == walk_ins[0]  # not due yet: it waits like a walk-in
    engine.finish("loket-3")
    clock.set(MONDAY_8.replace(hour=9, minute=5))
    late_comers = [engine.bookings.check_in(code).ticket.code for code in later]
    called = []
    for _ in range(5):
        called.append(engine.call_next("loket-3").code)
        engine.finish("loket-3")
    # the due bookings first, at most two in a row while a walk-in waits
    assert called == [early.code, late_comers[0], walk_ins[1], late_comers[1], walk_ins[2]]


def test_a_booked_ticket_is_marked_in_the_counters_view(tmp_path):
    clock = FakeClock(MONDAY_8.replace(hour=8, minute=50))
    engine = make(tmp_path, lobby(), clock)
    ticket = booked_ticket(engine, clock, "09:00")
    assert ticket.public()["booked"] is True and ticket.public()["slot_at"] == "2026-11-23T01:00:00.000+00:00"
    assert engine.issue_ticket("paspor").ticket.public()["booked"] is False


# weighted so that bookings come due while walk-ins wait (one_of merges a strategy given twice: each weight is new)
command = st.one_of(
    st.tuples(st.just("walk_in"), st.booleans()), st.tuples(st.just("walk_in"), st.just(False)),
    st.tuples(st.just("book"), st.integers(0, 1)), st.tuples(st.just("book"), st.just(0)),
    st.tuples(st.just("book"), st.just(0)),
    st.tuples(st.just("call")), st.tuples(st.just("call"), st.just(1)),
    st.tuples(st.just("advance"), st.integers(1, 20)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(max_booked=st.integers(1, 3), max_priority=st.integers(1, 2), steps=st.lists(command, min_size=25, max_size=60))
def test_random_mornings_hold_the_booked_calling_rule(max_booked, max_priority, steps):
    clock = FakeClock(MONDAY_8)
    with tempfile.TemporaryDirectory() as folder:
        engine = make(Path(folder), lobby(max_booked, max_consecutive_priority=max_priority), clock)
        booked_run = 0  # booked calls in a row while a walk-in waited
        for step in steps:
            if step[0] == "walk_in":
                try:
                    engine.issue_ticket("paspor", priority=step[1])
                except QueueError:
                    pass
            elif step[0] == "book":
                local = clock.now().astimezone(MAKASSAR)
                # the next slot (its check-in window is open) or the one after it (too early: refused)
                start = local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)
                slot = (start + timedelta(minutes=30 * (1 + step[1]))).strftime("%H:%M")
                try:
                    booked_ticket(engine, clock, slot)
                except QueueError:
                    pass
            elif step[0] == "advance":
                clock.advance(minutes=step[1])
            else:
                booked_run = check_one_call(engine, clock, max_booked, booked_run)
        rows = engine.store.query("SELECT group_id, day, number FROM tickets")
        assert len({(r["group_id"], r["day"], r["number"]) for r in rows}) == len(rows)  # booked or not: one numbering
        engine.store.close()


def check_one_call(engine: QueueEngine, clock, max_booked: int, booked_run: int) -> int:
    now = clock.now().isoformat(timespec="milliseconds")
    waiting = engine.store.query(
        "SELECT id, priority, slot_at, queued_seq FROM tickets WHERE state = 'waiting' AND service_id = 'paspor' "
        "ORDER BY queued_seq")
    due = sorted((t for t in waiting if not t["priority"] and t["slot_at"] and t["slot_at"] <= now),
                 key=lambda t: (t["slot_at"], t["queued_seq"]))
    walk_ins = [t for t in waiting if not t["priority"] and t not in due]
    try:
        engine.finish("loket-3")
    except QueueError:
        pass
    try:
        called = engine.call_next("loket-3")
    except QueueError:
        assert not waiting
        return booked_run
    if called.priority:
        return booked_run
    if due and called.id == due[0]["id"]:
        booked_run = booked_run + 1 if walk_ins else 0
    else:
        # a walk-in is taken while a booking is due only when the booked run reached its limit
        assert not due or booked_run == max_booked, (due, walk_ins, called)
        assert walk_ins and called.id == walk_ins[0]["id"]
        booked_run = 0
    assert booked_run <= max_booked
    return booked_run


def test_a_booked_ticket_replays_into_the_lobby_as_the_snapshot_has_it(tmp_path):
    from kiosk.lobby_state import LobbyState

    clock = FakeClock(MONDAY_8.replace(hour=8, minute=50))
    config = lobby()
    data = config.model_dump(mode="json")
    data["services"][2]["booking"]["fields"] = ["name", "phone"]
    engine = make(tmp_path, parse_config(data), clock)
    code = engine.bookings.book("paspor", MONDAY_8.date(), "09:00", {"name": "Siti", "phone": "081234567890"}).code
    engine.issue_ticket("paspor")
    engine.bookings.check_in(code)
    replayed = LobbyState()
    for one in engine.events_since(0):
        replayed.apply(one)
    snapshot = engine.snapshot()
    assert replayed.to_snapshot() == snapshot
    booked = [t for t in snapshot["tickets"] if t.get("booked")]
    assert [(t["slot_at"], t["booked_name"]) for t in booked] == [("2026-11-23T01:00:00.000+00:00", "Siti")]
