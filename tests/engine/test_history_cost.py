"""The queue's everyday writes cost the same after a year of days as on the first day (issue 19: a year in the
lobby). Counted in SQLite's virtual-machine steps (a progress handler): a busy machine changes a clock, not that."""
from __future__ import annotations

from kiosk.schedule import local_day

STEP = 10  # the progress handler is called every STEP virtual-machine instructions


def vm_steps(engine, action) -> int:
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0  # go on

    engine.store.conn.set_progress_handler(count, STEP)
    try:
        action()
    finally:
        engine.store.conn.set_progress_handler(None, 0)
    return steps[0] * STEP


def add_expired_history(engine, tickets: int) -> None:
    """``tickets`` expired tickets spread over the 60 days before today: what a year of day ends leaves behind
    (a lobby expires tens of tickets a day; a year's database holds ~400,000)."""
    service = engine.config.services[0]
    today = local_day(engine.config, engine.clock.now())
    with engine.store.write() as conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO tickets (token, code, group_id, day, number, service_id, issued_service_id, agency_id, "
            "state, queued_seq, issued_at) "
            "SELECT 'old-' || i, 'X-' || i, ?, date(?, '-' || (1 + i % 60) || ' days'), i, ?, ?, ?, 'expired', 0, "
            "date(?, '-' || (1 + i % 60) || ' days') || 'T01:00:00.000+00:00' FROM n",
            (tickets, service.group, today.isoformat(), service.id, service.id, service.agency, today.isoformat()))


def next_days_first_write(make_engine, clock, history: int) -> int:
    """The VM steps of the day's first write (the midnight tick: the day's roll-over) with ``history`` expired
    tickets in the database, the figures of their days built already by the day before's."""
    engine = make_engine()
    add_expired_history(engine, history)
    engine.open_counter(engine.config.counters[0].id)  # today's roll-over: the old days' figures are built
    clock.advance(days=1)
    steps = vm_steps(engine, engine.tick)
    assert engine.store.query("SELECT value FROM meta WHERE key = 'day'")[0]["value"] == \
        local_day(engine.config, clock.now()).isoformat()  # the tick did roll the day over
    clock.advance(days=-1)
    return steps


def test_the_day_roll_over_does_not_read_the_expired_tickets_of_the_days_before(make_engine, clock):
    few = next_days_first_write(make_engine, clock, history=50)
    many = next_days_first_write(make_engine, clock, history=5_000)
    # before: every expired ticket ever was listed to clear the counters' own (0.25 s on a year's database)
    assert many <= 1.2 * few, (few, many)


def test_issuing_costs_the_same_with_days_of_history(make_engine, clock):
    """Each statement of an issue finds its rows by an index that starts at today's or the service's queue."""
    def issue_steps(history: int) -> int:
        engine = make_engine()
        add_expired_history(engine, history)
        service = engine.config.services[0]
        engine.issue_ticket(service.id)  # the day's roll-over, out of the count
        return vm_steps(engine, lambda: engine.issue_ticket(service.id))

    few, many = issue_steps(50), issue_steps(5_000)
    assert many <= 1.2 * few, (few, many)


def test_a_counters_own_expired_ticket_is_still_let_go_at_the_roll_over(make_engine, clock):
    engine = make_engine()
    counter = engine.config.counters[0]
    engine.open_counter(counter.id)
    engine.issue_ticket(counter.services[0])
    called = engine.call_next(counter.id)
    clock.advance(days=1)
    engine.tick()
    assert engine.store.query("SELECT state FROM tickets WHERE id = ?", (called.id,))[0]["state"] == "expired"
    assert engine.store.query("SELECT ticket_id FROM counter_state WHERE counter_id = ?",
                              (counter.id,))[0]["ticket_id"] is None
