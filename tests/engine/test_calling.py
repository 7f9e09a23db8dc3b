"""Who call-next takes, and what a counter may do: priority, fairness, oldest first, paused and busy counters."""
from __future__ import annotations

import pytest

from kiosk import errors


def issue(engine, service, priority=False):
    return engine.issue_ticket(service, priority=priority).ticket


def call_codes(engine, counter_id, times):
    codes = []
    for _ in range(times):
        codes.append(engine.call_next(counter_id).code)
        engine.finish(counter_id)
    return codes


def test_priority_goes_first(engine):
    engine.open_counter("loket-1", "petugas1")
    issue(engine, "ktp")
    issue(engine, "ktp")
    issue(engine, "ktp", priority=True)
    assert call_codes(engine, "loket-1", 3) == ["A-003", "A-001", "A-002"]


@pytest.mark.parametrize("limit, expected", [
    (1, ["A-002", "A-001", "A-003", "A-006", "A-004", "A-005"]),
    (2, ["A-002", "A-003", "A-001", "A-004", "A-005", "A-006"]),
    (3, ["A-002", "A-003", "A-004", "A-001", "A-005", "A-006"]),
])
def test_at_most_n_priority_calls_in_a_row_while_regular_ones_wait(make_engine, limit, expected):
    engine = make_engine(queue={"max_consecutive_priority": limit})
    engine.open_counter("loket-1", "petugas1")
    issue(engine, "ktp")                      # A-001 regular
    for _ in range(4):
        issue(engine, "ktp", priority=True)   # A-002 .. A-005 priority
    issue(engine, "ktp")                      # A-006 regular
    assert call_codes(engine, "loket-1", 6) == expected


def test_priority_calls_with_no_one_else_waiting_do_not_use_up_the_limit(make_engine):
    """The limit protects waiting regular visitors; it counts only priority calls made while they wait."""
    engine = make_engine(queue={"max_consecutive_priority": 2})
    engine.open_counter("loket-1", "petugas1")
    for _ in range(3):
        issue(engine, "ktp", priority=True)   # A-001 .. A-003
    assert call_codes(engine, "loket-1", 2) == ["A-001", "A-002"]
    issue(engine, "ktp")                      # A-004 regular arrives
    assert call_codes(engine, "loket-1", 2) == ["A-003", "A-004"]


def test_the_limit_survives_closing_and_reopening_the_counter(make_engine):
    engine = make_engine(queue={"max_consecutive_priority": 1})
    engine.open_counter("loket-1", "petugas1")
    issue(engine, "ktp")
    issue(engine, "ktp", priority=True)
    issue(engine, "ktp", priority=True)
    assert call_codes(engine, "loket-1", 1) == ["A-002"]
    engine.close_counter("loket-1")
    engine.open_counter("loket-1", "petugas1")
    assert call_codes(engine, "loket-1", 2) == ["A-001", "A-003"]


def test_the_limit_is_per_counter(make_engine):
    engine = make_engine(queue={"max_consecutive_priority": 1})
    engine.open_counter("loket-1", "petugas1")
    engine.open_counter("loket-2", "petugas1")
    issue(engine, "ktp")
    for _ in range(3):
        issue(engine, "ktp", priority=True)
    assert engine.call_next("loket-1").code == "A-002"
    assert engine.call_next("loket-2").code == "A-003"  # loket-2 has made no priority call yet


def test_oldest_first_across_the_counters_services(engine, clock):
    engine.open_counter("loket-1", "petugas1")  # serves ktp then kk
    issue(engine, "kk")
    clock.advance(minutes=1)
    issue(engine, "ktp")
    clock.advance(minutes=1)
    issue(engine, "kk")
    # the service order of the counter does not let a later ktp ticket jump ahead
    assert call_codes(engine, "loket-1", 3) == ["A-001", "A-002", "A-003"]


def test_a_counter_calls_only_its_own_services(engine):
    engine.open_counter("loket-3", "petugas3")
    issue(engine, "ktp")
    with pytest.raises(errors.NothingWaiting) as refused:
        engine.call_next("loket-3")
    assert refused.value.message("id") == "Tidak ada antrean yang menunggu."
    assert refused.value.message("en") == "No one is waiting."
    issue(engine, "paspor")
    assert engine.call_next("loket-3").code == "B-001"


def test_call_next_on_a_closed_counter(engine):
    issue(engine, "ktp")
    with pytest.raises(errors.CounterUnavailable) as refused:
        engine.call_next("loket-1")
    assert refused.value.message("id") == "Loket 1 belum dibuka."
    assert refused.value.message("en") == "Counter 1 is not open."


def test_call_next_on_a_paused_counter(engine):
    issue(engine, "ktp")
    engine.open_counter("loket-1", "petugas1")
    engine.pause("loket-1", "istirahat")
    with pytest.raises(errors.CounterUnavailable) as refused:
        engine.call_next("loket-1")
    assert refused.value.message("en") == "Counter 1 is paused; resume it first."
    assert refused.value.message("id") == "Loket 1 sedang jeda; lanjutkan dulu."
    assert engine.snapshot()["counters"]["loket-1"] == {
        "status": "paused", "reason": "istirahat", "ticket_id": None, "user": "petugas1"}
    engine.resume("loket-1")
    assert engine.call_next("loket-1").code == "A-001"


def test_a_busy_counter_must_finish_first(engine):
    issue(engine, "ktp")
    issue(engine, "ktp")
    engine.open_counter("loket-1", "petugas1")
    engine.call_next("loket-1")
    with pytest.raises(errors.CounterUnavailable) as refused:
        engine.call_next("loket-1")
    assert refused.value.message("en") == "Counter 1 still has A-001: finish it or mark it no-show first."
    assert refused.value.message("id") == "Loket 1 masih melayani A-001: selesaikan atau tandai tidak hadir dulu."
    with pytest.raises(errors.CounterUnavailable):
        engine.close_counter("loket-1")
    engine.finish("loket-1")
    engine.close_counter("loket-1")


def test_counter_state_changes(engine):
    with pytest.raises(errors.CounterUnavailable):
        engine.pause("loket-1")  # not open
    engine.open_counter("loket-1", "petugas1")
    engine.open_counter("loket-1", "petugas1")  # again: no second event
    assert [e["type"] for e in engine.events_since(0)][-1:] == ["counter_opened"]
    assert len([e for e in engine.events_since(0) if e["type"] == "counter_opened"]) == 1
    with pytest.raises(errors.InvalidState) as refused:
        engine.resume("loket-1")
    assert refused.value.message("en") == "Counter 1 is not paused."
    engine.pause("loket-1", "")
    assert engine.snapshot()["counters"]["loket-1"]["reason"] == "break"
    with pytest.raises(errors.CounterUnavailable):
        engine.pause("loket-1")  # already paused
    engine.close_counter("loket-1")
    engine.close_counter("loket-1")  # closing a closed counter is a no-op
    assert "loket-1" not in engine.snapshot()["counters"]


def test_call_ticket_must_be_served_here(engine):
    ticket = issue(engine, "ktp")
    engine.open_counter("loket-3", "petugas3")
    with pytest.raises(errors.NotServedHere) as refused:
        engine.call_ticket("loket-3", ticket.code)
    assert refused.value.message("en") == "Counter 3 does not serve 'ktp'."
    assert refused.value.message("id") == "Loket 3 tidak melayani layanan 'ktp'."
    assert refused.value.to_dict("en")["service_id"] == "ktp"


def test_call_ticket_takes_a_ticket_out_of_order(engine):
    engine.open_counter("loket-1", "petugas1")
    issue(engine, "ktp")
    issue(engine, "ktp")
    assert engine.call_ticket("loket-1", "a2").code == "A-002"
    engine.finish("loket-1")
    with pytest.raises(errors.InvalidState) as refused:
        engine.call_ticket("loket-1", "A-002")
    assert refused.value.message("en") == "A-002 is not waiting (state: done)."
    assert engine.call_next("loket-1").code == "A-001"


def test_priority_on_a_service_without_a_priority_queue(engine):
    with pytest.raises(errors.PriorityNotAllowed) as refused:
        engine.issue_ticket("paspor", priority=True)
    assert refused.value.message("en") == "This service has no priority queue."
    assert refused.value.message("id") == "Layanan ini tidak memiliki antrean prioritas."
    assert refused.value.http_status == 422
    assert engine.issue_ticket("ktp", priority=True).ticket.priority is True
