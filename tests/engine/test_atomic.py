"""A refused or failed command writes nothing: no ticket, no number, no event, no half-changed counter."""
from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from kiosk import errors
from kiosk.engine import QueueEngine
from support.configs import MAKASSAR

from .helpers import events, table_dump


@pytest.fixture
def busy_lobby(engine, clock):
    """Counter 1 holds a called ticket, counter 2 is open with no one waiting, counter 3 is closed;
    paspor's quota is used up, a no-show is past its grace, a finished ticket has its survey."""
    engine.open_counter("loket-1", "petugas1")
    engine.open_counter("loket-2", "petugas1")
    engine.open_counter("loket-3", "petugas3")
    gone = engine.issue_ticket("ktp").ticket
    engine.call_next("loket-1")
    engine.recall("loket-1")
    engine.no_show("loket-1")
    finished = [engine.issue_ticket("paspor").ticket for _ in range(3)][0]
    for _ in range(3):
        engine.call_next("loket-3")
        clock.advance(minutes=1)  # long enough for its survey to count
        engine.finish("loket-3")
    engine.close_counter("loket-3")
    engine.submit_survey(finished.token, [4] * 9, survey_token=engine.survey_token(finished.token))
    clock.advance(minutes=45)
    engine.issue_ticket("ktp")
    engine.call_next("loket-1")
    return {"gone": gone, "finished": finished}


REFUSED = {
    "quota full": (lambda e, t: e.issue_ticket("paspor"), errors.ServiceUnavailable),
    "priority not allowed": (lambda e, t: e.issue_ticket("paspor", priority=True), errors.PriorityNotAllowed),
    "unknown service": (lambda e, t: e.issue_ticket("sim"), errors.UnknownService),
    "counter busy": (lambda e, t: e.call_next("loket-1"), errors.CounterUnavailable),
    "counter closed": (lambda e, t: e.call_next("loket-3"), errors.CounterUnavailable),
    "pause a closed counter": (lambda e, t: e.pause("loket-3"), errors.CounterUnavailable),
    "nothing waiting": (lambda e, t: e.call_next("loket-2"), errors.NothingWaiting),
    "no-show before recall": (lambda e, t: e.no_show("loket-1"), errors.InvalidState),
    "finish nothing": (lambda e, t: e.finish("loket-2"), errors.InvalidState),
    "recall nothing": (lambda e, t: e.recall("loket-2"), errors.InvalidState),
    "transfer to the same service": (lambda e, t: e.transfer("loket-1", "ktp"), errors.InvalidState),
    "transfer to an unknown service": (lambda e, t: e.transfer("loket-1", "sim"), errors.UnknownService),
    "rejoin after grace": (lambda e, t: e.rejoin(t["gone"].token), errors.InvalidState),
    "call a no-show after grace": (lambda e, t: e.call_ticket("loket-2", "A-001"), errors.InvalidState),
    "call a ticket another counter serves": (lambda e, t: e.call_ticket("loket-2", "B-001"), errors.NotServedHere),
    "survey twice": (lambda e, t: e.submit_survey(t["finished"].token, [4] * 9), errors.InvalidState),
    "bad survey": (lambda e, t: e.submit_survey(t["finished"].token, [9] * 9), errors.SurveyError),
    "resume an open counter": (lambda e, t: e.resume("loket-2"), errors.InvalidState),
    "close a busy counter": (lambda e, t: e.close_counter("loket-1"), errors.CounterUnavailable),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_refused_command_changes_nothing(engine, busy_lobby, name):
    call, error = REFUSED[name]
    before = table_dump(engine)
    with pytest.raises(error):
        call(engine, busy_lobby)
    after = table_dump(engine)
    if name == "survey twice":  # the one refusal that writes: its count, for the report (nothing else)
        refusals = [row[4:6] for row in after.pop("survey_refusals")]
        assert refusals == [("already_done", 1)] and before.pop("survey_refusals") == []
    assert after == before


def test_a_refusal_on_the_first_command_of_a_day_leaves_the_day_unrolled(engine, clock):
    """The roll-over runs inside the refused command's transaction, so it is undone with it."""
    engine.issue_ticket("ktp")
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=MAKASSAR))  # Tuesday, before opening
    before = table_dump(engine)
    with pytest.raises(errors.ServiceUnavailable):
        engine.issue_ticket("ktp")
    assert table_dump(engine) == before
    assert [e["payload"]["day"] for e in events(engine, "day_rolled_over")] == ["2026-11-23"]


def test_a_crash_in_the_middle_of_issuing_writes_nothing(make_engine, clock):
    engine = make_engine()
    engine.issue_ticket("ktp")

    def broken_tokens():
        raise RuntimeError("entropy source failed")

    broken = QueueEngine(engine.config, engine.store, clock, token_factory=broken_tokens)
    before = table_dump(engine)
    with pytest.raises(RuntimeError):
        broken.issue_ticket("ktp")  # after the number was taken, before the ticket was written
    assert table_dump(engine) == before
    assert not engine.store.conn.in_transaction
    assert engine.issue_ticket("ktp").ticket.code == "A-002"


def test_a_duplicate_token_is_rolled_back_whole(make_engine, clock):
    engine = make_engine()
    first = engine.issue_ticket("ktp").ticket
    clash = QueueEngine(engine.config, engine.store, clock, token_factory=lambda: first.token)
    before = table_dump(engine)
    with pytest.raises(sqlite3.IntegrityError):  # the UNIQUE token index
        clash.issue_ticket("kk")
    assert table_dump(engine) == before
    assert engine.issue_ticket("kk").ticket.code == "A-002"
