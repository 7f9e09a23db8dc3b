"""A ticket's life at the counter: recall, no-show, rejoin, transfer, start, finish — and the typed refusals."""
from __future__ import annotations

import pytest

from kiosk import errors

from .helpers import events


@pytest.fixture
def counter(engine):
    engine.open_counter("loket-1", "petugas1")
    return "loket-1"


def test_recall_counts_and_is_announced_again(engine, counter):
    ticket = engine.issue_ticket("ktp").ticket
    engine.call_next(counter)
    assert engine.recall(counter).recalls == 1
    assert engine.recall(counter).recalls == 2
    calls = engine.snapshot()["recent_calls"]
    assert [(c["code"], c["recall"], c["counter_number"]) for c in calls] == [("A-001", 0, "1"), ("A-001", 1, "1"), ("A-001", 2, "1")]
    assert engine.ticket_status(ticket.token)["recalls"] == 2


@pytest.mark.parametrize("needed", [0, 1, 2])
def test_no_show_only_after_the_configured_recalls(make_engine, needed):
    engine = make_engine(queue={"recalls_before_no_show": needed})
    engine.open_counter("loket-1")
    engine.issue_ticket("ktp")
    engine.call_next("loket-1")
    for done in range(needed):
        with pytest.raises(errors.InvalidState) as refused:
            engine.no_show("loket-1")
        assert refused.value.message("en") == f"Recall A-001 first ({done} of {needed} times)."
        assert refused.value.message("id") == f"Panggil ulang A-001 dulu ({done} dari {needed} kali)."
        engine.recall("loket-1")
    ticket = engine.no_show("loket-1")
    assert ticket.state == "no_show" and ticket.no_show_at is not None
    assert engine.snapshot()["counters"]["loket-1"]["ticket_id"] is None  # the counter is free


def test_no_show_is_refused_once_service_started(engine, counter):
    engine.issue_ticket("ktp")
    engine.call_next(counter)
    engine.recall(counter)
    engine.start(counter)
    with pytest.raises(errors.InvalidState) as refused:
        engine.no_show(counter)
    assert refused.value.message("en") == "A-001 cannot be marked no-show now (state: serving)."


def test_rejoin_within_grace_goes_to_the_end_of_the_queue(engine, counter, clock):
    late = engine.issue_ticket("ktp").ticket
    engine.issue_ticket("ktp")
    engine.call_next(counter)
    engine.recall(counter)
    engine.no_show(counter)
    assert engine.ticket_status(late.token)["can_rejoin"] is True
    clock.advance(minutes=30)  # the grace is 30 minutes, inclusive
    rejoined = engine.rejoin(late.token)
    assert (rejoined.code, rejoined.state, rejoined.recalls, rejoined.counter_id) == ("A-001", "waiting", 0, None)
    assert [t.code for t in engine.waiting()] == ["A-002", "A-001"]
    assert events(engine)[-1]["type"] == "rejoined"


def test_rejoin_after_grace_is_refused(engine, counter, clock):
    late = engine.issue_ticket("ktp").ticket
    engine.call_next(counter)
    engine.recall(counter)
    engine.no_show(counter)
    clock.advance(minutes=30, seconds=1)
    assert engine.ticket_status(late.token)["can_rejoin"] is False
    with pytest.raises(errors.InvalidState) as refused:
        engine.rejoin(late.token)
    assert refused.value.message("en") == "A-001 cannot rejoin the queue (limit 30 minutes)."
    assert refused.value.message("id") == "A-001 tidak dapat kembali ke antrean (batas 30 menit)."


def test_rejoin_is_only_for_no_shows(engine, counter):
    ticket = engine.issue_ticket("ktp").ticket
    with pytest.raises(errors.InvalidState):
        engine.rejoin(ticket.token)
    with pytest.raises(errors.UnknownTicket):
        engine.rejoin("no-such-token")


def test_a_no_show_can_be_called_back_by_code_within_grace(engine, counter, clock):
    engine.issue_ticket("ktp")
    engine.issue_ticket("ktp")
    engine.call_next(counter)
    engine.recall(counter)
    engine.no_show(counter)
    clock.advance(minutes=10)
    called = engine.call_ticket(counter, "a-1")  # the visitor is back at the counter
    assert (called.code, called.state, called.counter_id) == ("A-001", "called", counter)
    assert engine.snapshot()["counters"][counter]["ticket_id"] == called.id
    engine.finish(counter)
    engine.call_next(counter)
    engine.recall(counter)
    engine.no_show(counter)
    clock.advance(minutes=31)
    with pytest.raises(errors.InvalidState) as refused:
        engine.call_ticket(counter, "A-002")
    assert refused.value.message("en") == "A-002 is not waiting (state: no_show)."


def test_transfer_keeps_code_joins_the_end_of_the_target_queue_and_frees_the_counter(engine, counter, clock):
    engine.open_counter("loket-2", "petugas1")  # serves kk first
    moved = engine.issue_ticket("ktp").ticket  # A-001 at 09:00
    clock.advance(minutes=5)
    engine.issue_ticket("kk")                  # A-002 at 09:05
    engine.call_next(counter)
    engine.start(counter)
    clock.advance(minutes=3)
    transferred = engine.transfer(counter, "kk")
    assert (transferred.code, transferred.service_id, transferred.state) == ("A-001", "kk", "waiting")
    assert transferred.issued_at == moved.issued_at
    assert transferred.queued_seq == engine.last_seq() > moved.queued_seq  # queued as of the transfer
    assert (transferred.transfers, transferred.called_at, transferred.started_at) == (1, None, None)
    assert engine.snapshot()["counters"][counter]["ticket_id"] is None
    # A-002 was waiting in kk before A-001 came: it stays ahead
    assert [t.code for t in engine.waiting(service_ids=["kk"])] == ["A-002", "A-001"]
    assert engine.ticket_status(moved.token)["people_ahead"] == 1
    assert engine.call_next("loket-2").code == "A-002"
    assert engine.ticket_status(moved.token)["service_id"] == "kk"


def test_transfer_to_another_agency_changes_the_agency_and_needs_a_supervisor(make_engine):
    engine = make_engine()
    engine.open_counter("loket-1")
    engine.issue_ticket("ktp")
    engine.call_next("loket-1")
    with pytest.raises(errors.SupervisorRequired) as refused:
        engine.transfer("loket-1", "paspor")
    assert refused.value.message("en") == "Passport belongs to another agency (Imigrasi): a transfer there needs a supervisor."
    moved = engine.transfer("loket-1", "paspor", supervisor=True)
    assert (moved.agency_id, moved.service_id, moved.code) == ("imigrasi", "paspor", "A-001")


def test_transfer_refusals(engine, counter):
    with pytest.raises(errors.InvalidState):
        engine.transfer(counter, "kk")  # nothing at the counter
    engine.issue_ticket("ktp")
    engine.call_next(counter)
    with pytest.raises(errors.InvalidState) as refused:
        engine.transfer(counter, "ktp")
    assert refused.value.message("en") == "A-001 is already in that service."
    with pytest.raises(errors.UnknownService):
        engine.transfer(counter, "sim")


def test_start_then_finish(engine, counter, clock):
    ticket = engine.issue_ticket("ktp").ticket
    engine.call_next(counter)
    clock.advance(minutes=1)
    started = engine.start(counter)
    assert started.state == "serving" and started.started_at == "2026-11-23T01:01:00.000+00:00"
    with pytest.raises(errors.InvalidState) as refused:
        engine.start(counter)
    assert refused.value.message("en") == "A-001 cannot be started now (state: serving)."
    with pytest.raises(errors.InvalidState):
        engine.recall(counter)  # a visitor being served is not called again
    clock.advance(minutes=7)
    done = engine.finish(counter)
    assert (done.state, done.finished_at) == ("done", "2026-11-23T01:08:00.000+00:00")
    assert engine.ticket_status(ticket.token)["state"] == "done"
    assert engine.snapshot()["tickets"] == []


def test_finish_straight_from_called_counts_service_from_the_call(engine, counter, clock):
    engine.issue_ticket("ktp")
    called = engine.call_next(counter)
    clock.advance(minutes=4)
    done = engine.finish(counter)
    assert done.state == "done" and done.started_at == called.called_at


def test_finishing_with_nothing_called_is_invalid(engine, counter):
    with pytest.raises(errors.InvalidState) as refused:
        engine.finish(counter)
    assert refused.value.message("en") == "Counter 1 has no ticket to finish."
    assert refused.value.message("id") == "Tidak ada nomor di loket 1 untuk diselesaikan."
    engine.issue_ticket("ktp")
    engine.call_next(counter)
    engine.finish(counter)
    with pytest.raises(errors.InvalidState):
        engine.finish(counter)  # finished already: the counter holds nothing


@pytest.mark.parametrize("call", [
    lambda e: e.issue_ticket("sim"),
    lambda e: e.service_status("sim"),
    lambda e: e.transfer("loket-1", "sim"),
])
def test_unknown_service(engine, call):
    engine.open_counter("loket-1")
    with pytest.raises(errors.UnknownService) as refused:
        call(engine)
    assert refused.value.message("id") == "Layanan 'sim' tidak dikenal."
    assert refused.value.message("en") == "Unknown service 'sim'."
    assert refused.value.http_status == 404
    assert refused.value.to_dict("en") == {"error": "unknown_service", "message": "Unknown service 'sim'.", "service_id": "sim"}


@pytest.mark.parametrize("method", ["call_next", "recall", "start", "finish", "no_show", "open_counter",
                                    "close_counter", "pause", "resume"])
def test_unknown_counter(engine, method):
    with pytest.raises(errors.UnknownCounter) as refused:
        getattr(engine, method)("loket-99")
    assert refused.value.message("id") == "Loket 'loket-99' tidak dikenal."
    assert refused.value.message("en") == "Unknown counter 'loket-99'."
    with pytest.raises(errors.UnknownCounter):
        engine.waiting(counter_id="loket-99")


@pytest.mark.parametrize("call", [
    lambda e: e.find_ticket("A-042"),
    lambda e: e.call_ticket("loket-1", "Z-001"),
    lambda e: e.ticket_status("no-such-token"),
    lambda e: e.ticket_by_token("no-such-token"),
    lambda e: e.submit_survey("no-such-token", [4] * 9),
])
def test_unknown_ticket(engine, call):
    engine.open_counter("loket-1")
    engine.issue_ticket("ktp")
    with pytest.raises(errors.UnknownTicket) as refused:
        call(engine)
    assert refused.value.message("id").startswith("Nomor antrean ") and "tidak ditemukan" in refused.value.message("id")
    assert refused.value.message("en").startswith("Ticket ") and "not found" in refused.value.message("en")
    assert "no-such-token" not in refused.value.message("en")  # a token is never echoed back
