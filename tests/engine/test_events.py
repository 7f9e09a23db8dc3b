"""The event log as clients use it: snapshot, then every event after its seq, each applied once."""
from __future__ import annotations

from kiosk.lobby_state import LobbyState

from .helpers import events


def test_every_change_is_one_event_in_order(engine, clock):
    engine.open_counter("loket-1", "petugas1")
    issued = engine.issue_ticket("ktp", lang="en", device="kiosk1")
    engine.call_next("loket-1")
    engine.recall("loket-1")
    engine.start("loket-1")
    engine.finish("loket-1")
    engine.pause("loket-1", "lunch")
    engine.resume("loket-1")
    engine.close_counter("loket-1")
    log = events(engine)
    assert [e["type"] for e in log] == [
        "day_rolled_over", "counter_opened", "ticket_issued", "called", "recalled", "started", "finished",
        "counter_paused", "counter_resumed", "counter_closed"]
    assert [e["seq"] for e in log] == list(range(1, 11))
    assert engine.last_seq() == 10 and issued.seq == 3
    called = log[3]
    assert called == {
        "seq": 4, "type": "called", "at": "2026-11-23T01:00:00.000+00:00", "ticket_id": issued.ticket.id,
        "counter_id": "loket-1",
        "payload": {"code": "A-001", "service_id": "ktp", "agency_id": "dukcapil", "priority": False,
                    "counter_number": "1", "recall": 0, "queued_seq": 3,
                    "issued_at": "2026-11-23T01:00:00.000+00:00"},
    }
    assert engine.events_since(8) == log[8:]
    assert engine.events_since(0, limit=2) == log[:2]
    assert engine.events_since(10) == []


def test_printer_faults_and_surveys_are_logged_but_change_no_queue_state(engine, clock):
    engine.open_counter("loket-1")
    ticket = engine.issue_ticket("ktp").ticket
    engine.call_next("loket-1")
    clock.advance(minutes=3)  # served long enough to be surveyed
    engine.finish("loket-1")
    lobby = LobbyState(engine.snapshot())
    before = lobby.to_snapshot()
    seq = engine.record_printer_fault("kiosk1", "paper_out", "Kertas habis " * 40, ticket_code="A-001")
    engine.submit_survey(ticket.token, [3] * 9, survey_token=engine.survey_token(ticket.token))
    fault, survey = engine.events_since(before["seq"])
    assert fault["seq"] == seq and fault["type"] == "printer_fault"
    assert fault["payload"]["kind"] == "paper_out" and fault["payload"]["code"] == "A-001"
    assert len(fault["payload"]["message"]) == 300  # cut: a device cannot fill the log
    assert survey["type"] == "survey_submitted" and survey["payload"] == {"code": "A-001"}
    for event in (fault, survey):
        assert lobby.apply(event)
    assert lobby.to_snapshot() == {**before, "seq": survey["seq"]} == engine.snapshot()


def test_a_client_that_reconnects_sees_each_call_once(engine):
    engine.open_counter("loket-1")
    engine.issue_ticket("ktp")
    engine.issue_ticket("ktp")
    display = LobbyState(engine.snapshot())
    engine.call_next("loket-1")
    first_batch = engine.events_since(display.seq)
    announced = [e["payload"]["code"] for e in first_batch if display.apply(e) and e["type"] == "called"]
    engine.finish("loket-1")
    engine.call_next("loket-1")
    # the connection dropped: the server sends again from an older seq; only new events count
    resent = engine.events_since(display.seq - 1)
    announced += [e["payload"]["code"] for e in resent if display.apply(e) and e["type"] == "called"]
    assert announced == ["A-001", "A-002"]
    assert display.to_snapshot() == engine.snapshot()
    assert [c["code"] for c in display.recent_calls] == ["A-001", "A-002"]
    assert display.counter_ticket("loket-1")["code"] == "A-002"
    assert display.waiting() == [] and display.waiting_counts() == {}


def test_recent_calls_keep_the_last_twenty(engine):
    engine.open_counter("loket-1")
    for _ in range(25):
        engine.issue_ticket("ktp")
    replay = LobbyState()
    for _ in range(25):
        engine.call_next("loket-1")
        engine.finish("loket-1")
    for event in events(engine):
        replay.apply(event)
    snapshot = engine.snapshot()
    assert [c["code"] for c in snapshot["recent_calls"]] == [f"A-{n:03d}" for n in range(6, 26)]
    assert replay.to_snapshot() == snapshot
