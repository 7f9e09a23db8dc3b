"""Booking ahead: slots, places, quotas, per-person limits, the check-in window, moves and cancellations,
all on a fake clock (the test lobby: Mon-Thu 08:00-15:00 with lunch 12-13, Friday prayer 11:30-13:30,
no tickets in the last 30 minutes, Christmas a holiday)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kiosk.bookings import format_booking_code, nik_problem, normalise_booking_code
from kiosk.errors import BookingRefused, ServiceUnavailable
from support.configs import MAKASSAR, MONDAY_9

from support.bookings import NIK, booking_config, counting_codes, person

MONDAY = MONDAY_9.date()
FRIDAY = date(2026, 11, 27)


@pytest.fixture
def make_desk(make_engine):
    def make(**options):
        engine = make_engine(booking_config(**options))
        engine.bookings.code_factory = counting_codes()
        return engine
    return make


def refusal(call) -> BookingRefused:
    with pytest.raises(BookingRefused) as caught:
        call()
    return caught.value


def test_a_days_slots_follow_the_hours_the_breaks_the_friday_prayer_and_the_cutoff(make_desk):
    desk = make_desk().bookings
    tuesday = [s.time for s in desk.slots("paspor", MONDAY + timedelta(days=1))]
    assert tuesday == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
                       "13:00", "13:30", "14:00"]  # lunch 12-13; 14:30 is in the last 30 minutes
    friday = [s.time for s in desk.slots("paspor", FRIDAY)]
    assert friday == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "13:30", "14:00", "14:30"]
    assert desk.slots("paspor", date(2026, 11, 28)) == []  # Saturday: closed
    # today, at 09:00: only the slots still to come
    assert [s.time for s in desk.slots("paspor", MONDAY)][:2] == ["09:30", "10:00"]
    assert {s.free for s in desk.slots("paspor", MONDAY)} == {2}


def test_a_holiday_has_no_slots(make_desk, clock):
    clock.set(datetime(2026, 12, 22, 9, 0, tzinfo=MAKASSAR))
    desk = make_desk().bookings
    assert desk.slots("paspor", date(2026, 12, 25)) == []
    error = refusal(lambda: desk.book("paspor", date(2026, 12, 25), "09:00", person()))
    assert error.reason == "no_such_slot"


def test_a_service_without_booking_refuses_in_the_visitors_language(make_desk):
    desk = make_desk().bookings
    error = refusal(lambda: desk.book("ktp", MONDAY, "10:00", person()))
    assert error.reason == "not_bookable"
    assert "kios" in error.message("id") and "kiosk" in error.message("en")


def test_a_slot_takes_its_places_and_no_more(make_desk):
    desk = make_desk().bookings
    first = desk.book("paspor", MONDAY, "10:00", person(1))
    second = desk.book("paspor", MONDAY, "10:00", person(2))
    assert (first.state, first.slot_time, first.day) == ("booked", "10:00", MONDAY.isoformat())
    assert first.code != second.code and normalise_booking_code(format_booking_code(first.code).lower()) == first.code
    error = refusal(lambda: desk.book("paspor", MONDAY, "10:00", person(3)))
    assert error.reason == "slot_full"
    assert error.message("id") == "Jam 10:00 sudah penuh. Pilih jam lain."
    assert error.message("en") == "10:00 is fully booked. Choose another time."
    assert [s.free for s in desk.slots("paspor", MONDAY) if s.time == "10:00"] == [0]


def test_the_walk_in_share_of_the_quota_is_kept(make_desk):
    desk = make_desk(quota=10, walk_in_share=0.3, places_per_slot=50).bookings
    for n in range(7):  # 10 × (1 - 0.3)
        desk.book("paspor", MONDAY + timedelta(days=1), "09:00", person(n))
    assert desk.day_free("paspor", MONDAY + timedelta(days=1)) == 0
    assert refusal(lambda: desk.book("paspor", MONDAY + timedelta(days=1), "10:00", person(9))).reason == "day_full"


def test_one_phone_or_one_nik_holds_one_booking_a_day_per_service(make_desk):
    desk = make_desk(places_per_slot=10).bookings
    desk.book("paspor", MONDAY, "10:00", person(1))
    same_phone = {**person(2), "phone": person(1)["phone"]}
    assert refusal(lambda: desk.book("paspor", MONDAY, "11:00", same_phone)).reason == "person_limit"
    same_nik = {**person(3), "nik": person(1)["nik"]}
    assert refusal(lambda: desk.book("paspor", MONDAY, "11:00", same_nik)).reason == "person_limit"
    # another day is another limit
    assert desk.book("paspor", MONDAY + timedelta(days=1), "11:00", same_phone).state == "booked"


def test_a_booking_finds_the_persons_other_bookings_and_its_messages_by_index(make_desk):
    """The per-person limit and a booking's page read through indexes, not a scan of the day (bench/booking.py)."""
    engine = make_desk(places_per_slot=10)
    booked = engine.bookings.book("paspor", MONDAY, "10:00", {**person(1), "email": "siti@example.org"})
    statements = []
    conn = engine.store.conn
    conn.set_trace_callback(statements.append)
    try:
        engine.bookings.book("paspor", MONDAY, "11:00", {**person(2), "email": "rina@example.org"})
        from kiosk.notify import messages_of

        messages_of(engine, booked.code)
    finally:
        conn.set_trace_callback(None)
    index_of = {"phone": "bookings_phone", "email": "bookings_email", "nik_hash": "bookings_nik"}
    used = {}
    for statement in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}"))
        for column, index in index_of.items():
            if f" {column} = '" in statement:
                used[column] = index in plan
        if "FROM booking_messages" in statement:
            used["messages"] = "booking_messages_booking" in plan
    asked = {"phone", "nik_hash"} | ({"email"} if "email" in engine.config.service_by_id["paspor"].booking.fields
                                      else set())
    assert used == {column: True for column in asked | {"messages"}}, used


def test_the_fields_are_checked_and_nothing_unasked_is_kept(make_desk):
    engine = make_desk()
    desk = engine.bookings
    assert refusal(lambda: desk.book("paspor", MONDAY, "10:00", {**person(), "name": ""})).message("en") == \
        "Please fill in your name."
    assert refusal(lambda: desk.book("paspor", MONDAY, "10:00", {**person(), "phone": "12ab"})).reason == "bad_phone"
    assert refusal(lambda: desk.book("paspor", MONDAY, "10:00", {**person(), "nik": "12345"})).message("id") == \
        "NIK harus 16 angka."
    bad_birth = NIK[:6] + "3213" + NIK[10:]  # 32nd of the 13th month
    assert refusal(lambda: desk.book("paspor", MONDAY, "10:00", {**person(), "nik": bad_birth})).reason == "bad_nik"
    booking = desk.book("paspor", MONDAY, "10:00", {**person(), "email": "x@example.org", "phone": "+62 812-3456-0001"})
    assert booking.email == "" and booking.phone == "081234560001"
    row = engine.store.query("SELECT nik_hash FROM bookings")[0]
    assert NIK[:12] not in row["nik_hash"] and len(row["nik_hash"]) == 64


@pytest.mark.parametrize(("nik", "problem"), [
    ("6471055708900001", None),                       # woman born 17-08-1990
    ("6471051708900001", None),                       # man born 17-08-1990
    ("647105170890000", "booking.bad_nik_digits"),
    ("64710517089000a1", "booking.bad_nik_digits"),
    ("6471053002900001", "booking.bad_nik_birth"),    # 30 February
    ("6471051708300001", None),                       # born 1930
    ("6471051712260001", "booking.bad_nik_birth"),    # 17-12-2026: not born yet
    ("0571051708900001", "booking.bad_nik_birth"),    # no province 05
    ("6471051708900000", "booking.bad_nik_birth"),    # serial 0000
])
def test_a_nik_is_16_digits_with_a_plausible_birth_date(nik, problem):
    assert nik_problem(nik, date(2026, 11, 23)) == problem


def test_check_in_opens_before_the_slot_and_closes_after_it(make_desk, clock):
    engine = make_desk()
    desk = engine.bookings
    booking = desk.book("paspor", MONDAY, "10:00", person())
    early = refusal(lambda: desk.check_in(booking.code))
    assert early.reason == "too_early" and early.message("en") == \
        "Too early: your booking is at 10:00. Check-in opens at 09:30."
    walk_in = engine.issue_ticket("paspor").ticket
    clock.set(MONDAY_9.replace(hour=9, minute=30))
    issued = desk.check_in(format_booking_code(booking.code).lower())  # as typed
    ticket = issued.ticket
    assert ticket.booked and ticket.booked_name == "Siti 1"
    assert ticket.slot_at == booking.slot_at and ticket.code == "B-002" and walk_in.code == "B-001"
    assert desk.view(booking.code).state == "checked_in" and desk.view(booking.code).ticket_id == ticket.id
    assert refusal(lambda: desk.check_in(booking.code)).reason == "already_checked_in"

    late = desk.book("paspor", MONDAY, "10:30", person(2))
    clock.set(MONDAY_9.replace(hour=10, minute=45, second=1))
    error = refusal(lambda: desk.check_in(late.code))
    assert error.reason == "too_late" and "walk-in" in error.message("en")
    assert desk.view(late.code).state == "no_show"


def test_check_in_on_another_day_or_after_a_cancellation_is_refused(make_desk, clock):
    desk = make_desk().bookings
    tomorrow = desk.book("paspor", MONDAY + timedelta(days=1), "10:00", person(1))
    error = refusal(lambda: desk.check_in(tomorrow.code))
    assert error.reason == "other_day" and "2026-11-24" in error.message("id")
    today = desk.book("paspor", MONDAY, "09:30", person(2))
    desk.cancel(today.code)
    assert refusal(lambda: desk.check_in(today.code)).reason == "cancelled"
    unknown = refusal(lambda: desk.check_in("ZZZZ-ZZZZ"))
    assert unknown.reason == "unknown_code" and unknown.http_status == 404


def test_moving_and_cancelling_give_the_place_back(make_desk):
    desk = make_desk(places_per_slot=1).bookings
    booking = desk.book("paspor", MONDAY, "10:00", person(1))
    assert refusal(lambda: desk.book("paspor", MONDAY, "10:00", person(2))).reason == "slot_full"
    moved = desk.move(booking.code, MONDAY + timedelta(days=2), "13:00")
    assert (moved.day, moved.slot_time, moved.moves, moved.code) == ("2026-11-25", "13:00", 1, booking.code)
    assert desk.book("paspor", MONDAY, "10:00", person(2)).state == "booked"  # its old place is free
    other = desk.book("paspor", MONDAY, "11:00", person(3))
    assert refusal(lambda: desk.move(other.code, MONDAY, "10:00")).reason == "slot_full"
    # moving within one's own limit is not hoarding
    assert desk.move(booking.code, MONDAY + timedelta(days=2), "13:30").slot_time == "13:30"
    assert desk.cancel(other.code).state == "cancelled"
    assert refusal(lambda: desk.cancel(other.code)).reason == "cancelled"
    assert refusal(lambda: desk.move(other.code, MONDAY, "11:30")).reason == "cancelled"
    assert desk.book("paspor", MONDAY, "11:00", person(4)).state == "booked"


def test_days_beyond_the_horizon_and_slots_gone_by_are_refused(make_desk):
    desk = make_desk(days_ahead=3).bookings
    assert refusal(lambda: desk.book("paspor", MONDAY + timedelta(days=4), "10:00", person())).reason == \
        "day_out_of_range"
    assert refusal(lambda: desk.book("paspor", MONDAY - timedelta(days=1), "10:00", person())).reason == \
        "day_out_of_range"
    assert refusal(lambda: desk.book("paspor", MONDAY, "08:30", person())).reason == "slot_passed"
    assert refusal(lambda: desk.book("paspor", MONDAY, "12:00", person())).reason == "no_such_slot"


def test_bookings_hold_quota_places_until_their_window_ends(make_desk, clock):
    engine = make_desk(quota=3, walk_in_share=0, places_per_slot=5)
    desk = engine.bookings
    desk.book("paspor", MONDAY, "09:30", person(1))
    desk.book("paspor", MONDAY, "10:00", person(2))
    engine.issue_ticket("paspor")
    with pytest.raises(ServiceUnavailable):
        engine.issue_ticket("paspor")  # 1 walk-in + 2 bookings to come = the quota
    clock.set(MONDAY_9.replace(hour=9, minute=46))  # the 09:30 booking's window is over: its place is free
    assert engine.issue_ticket("paspor").ticket.code == "B-002"
    assert desk.counts(MONDAY.isoformat()) == [
        {"service_id": "paspor", "booked": 1, "checked_in": 0, "cancelled": 0, "no_show": 1}]
