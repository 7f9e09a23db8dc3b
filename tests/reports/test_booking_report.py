"""The report's bookings table: made, checked in, no-show, cancelled per service and day, punctuality, and
booked vs walk-in waiting times."""
from __future__ import annotations

from datetime import date

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.reports import build_report
from kiosk.store import Store
from support.bookings import booking_config, counting_codes, person
from support.configs import MONDAY_9

MONDAY = MONDAY_9.date()


def test_bookings_per_service_and_day(tmp_path):
    clock = FakeClock(MONDAY_9)
    config = booking_config(places_per_slot=5)
    store = Store(tmp_path / "queue.sqlite")
    engine = QueueEngine(config, store, clock)
    engine.bookings.code_factory = counting_codes()
    desk = engine.bookings
    kept = desk.book("paspor", MONDAY, "09:30", person(1))
    desk.book("paspor", MONDAY, "09:30", person(2))                     # never comes: a no-show
    desk.cancel(desk.book("paspor", MONDAY, "10:00", person(3)).code)
    engine.open_counter("loket-3")
    engine.issue_ticket("paspor")                                       # a walk-in at 09:00
    clock.set(MONDAY_9.replace(minute=20))
    desk.check_in(kept.code)                                            # 10 minutes before its slot
    clock.set(MONDAY_9.replace(minute=30))
    engine.call_next("loket-3")                                         # the booking, due now: waited 10 min
    engine.finish("loket-3")
    clock.set(MONDAY_9.replace(minute=40))
    engine.call_next("loket-3")                                         # the walk-in: waited 40 min
    clock.set(MONDAY_9.replace(hour=10, minute=30))
    report = build_report(config, tmp_path / "queue.sqlite", MONDAY, date(2026, 11, 23), now=MONDAY_9)
    assert report.table("bookings").dicts() == [{
        "day": "2026-11-23", "service_id": "paspor", "service": "Paspor", "booked": 3, "checked_in": 1,
        "no_show": 0, "cancelled": 1, "checkin_minutes_before_slot_mean": 10.0,
        "wait_booked_min_mean": 10.0, "wait_walk_in_min_mean": 40.0}]
    desk.counts(MONDAY.isoformat())  # marks the one never checked in
    report = build_report(config, tmp_path / "queue.sqlite", MONDAY, date(2026, 11, 23), now=MONDAY_9)
    assert report.table("bookings").dicts()[0]["no_show"] == 1
    store.close()
