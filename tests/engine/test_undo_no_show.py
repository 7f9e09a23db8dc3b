"""Undo of a no-show (queue.no_show_undo_s): the ticket is called back to the same counter, only in time."""
from __future__ import annotations

import pytest

from kiosk import errors


@pytest.fixture
def counter(engine):
    engine.open_counter("loket-1", "petugas1")
    return "loket-1"


def _no_show(engine, counter):
    engine.issue_ticket("ktp")
    engine.call_next(counter)
    engine.recall(counter)
    return engine.no_show(counter)


def test_undo_within_the_limit_calls_the_ticket_back_to_the_same_counter(engine, counter, clock):
    marked = _no_show(engine, counter)
    clock.advance(seconds=9)
    back = engine.undo_no_show(counter)
    assert (back.id, back.code, back.state, back.counter_id, back.no_show_at) == (marked.id, "A-001", "called",
                                                                                   counter, None)
    snapshot = engine.snapshot()
    assert snapshot["counters"][counter]["ticket_id"] == marked.id
    assert engine.events_since(0)[-1]["type"] == "called"
    engine.finish(counter)  # served as any other called ticket
    with pytest.raises(errors.InvalidState):  # and done is not undone
        engine.undo_no_show(counter)


def test_undo_too_late_or_with_nothing_to_undo_is_refused_in_a_sentence(engine, counter, clock):
    with pytest.raises(errors.InvalidState) as nothing:
        engine.undo_no_show(counter)
    assert nothing.value.message("en") == "Counter 1 has no no-show that can still be undone (10 seconds)."
    _no_show(engine, counter)
    clock.advance(seconds=11)
    with pytest.raises(errors.InvalidState) as late:
        engine.undo_no_show(counter)
    assert "dibatalkan (10 detik)" in late.value.message("id")


def test_undo_needs_the_counter_free_and_only_takes_its_own_no_show(engine, counter, clock):
    _no_show(engine, counter)
    engine.issue_ticket("ktp")
    engine.call_next(counter)  # the officer called the next one already
    with pytest.raises(errors.CounterUnavailable):
        engine.undo_no_show(counter)
    engine.open_counter("loket-2", "petugas2")
    with pytest.raises(errors.InvalidState):  # loket-2 marked nothing
        engine.undo_no_show("loket-2")
