"""A supervisor's void, codes past 9999, and transfers under the target service's rules (issue 12)."""
from __future__ import annotations

import pytest

from kiosk import errors
from kiosk.codes import normalise_code
from kiosk.config import parse_config
from kiosk.lobby_state import LobbyState
from support.configs import config_dict

from .helpers import events, table_dump


def set_last_number(engine, group_id: str, last: int) -> None:
    """The day's numbering as if ``last`` tickets were already issued (10,000 real ones would take minutes)."""
    day = engine.clock.now().date().isoformat()
    with engine.store.write() as conn:
        conn.execute("INSERT OR REPLACE INTO numbering (group_id, day, last_number) VALUES (?, ?, ?)",
                     (group_id, day, last))


# ---------------------------------------------------------------------------- void

def test_void_one_ticket_takes_it_out_of_the_queue_with_one_event(engine):
    first, second, third = (engine.issue_ticket("ktp").ticket for _ in range(3))
    lobby = LobbyState(engine.snapshot())
    result = engine.void_tickets(codes=["a2"], reason="  kertas   macet ", by_user="spv")
    assert [t.code for t in result.tickets] == ["A-002"] and result.skipped == []
    assert result.tickets[0].state == "voided"
    assert [t.code for t in engine.waiting()] == ["A-001", "A-003"]
    voided = events(engine, "ticket_voided")
    assert [(e["ticket_id"], e["payload"]["code"], e["payload"]["reason"], e["payload"]["by"]) for e in voided] == [
        (second.id, "A-002", "kertas macet", "spv")]
    for event in engine.events_since(lobby.seq):
        lobby.apply(event)
    assert lobby.to_snapshot() == engine.snapshot()
    assert [t["code"] for t in lobby.waiting()] == ["A-001", "A-003"]
    assert engine.ticket_status(second.token)["state"] == "voided"
    row = engine.store.query("SELECT voided_by, void_reason, voided_at FROM tickets WHERE id = ?", (second.id,))[0]
    assert (row["voided_by"], row["void_reason"]) == ("spv", "kertas macet") and row["voided_at"]
    assert engine.issue_ticket("ktp").ticket.code == "A-004"  # never A-002 again


def test_void_a_range_skips_served_tickets_and_frees_a_called_one_from_its_counter(engine):
    engine.open_counter("loket-1")
    engine.open_counter("loket-2")
    for _ in range(6):
        engine.issue_ticket("ktp")
    engine.call_next("loket-1")          # A-001 served to the end
    engine.finish("loket-1")
    engine.call_next("loket-1")          # A-002 being served
    engine.start("loket-1")
    engine.call_next("loket-2")          # A-003 called, not yet there
    lobby = LobbyState(engine.snapshot())
    result = engine.void_tickets(prefix="a", from_number=1, to_number=5, reason="flood", by_user="spv")
    assert [t.code for t in result.tickets] == ["A-003", "A-004", "A-005"]
    assert result.skipped == [("A-001", "done"), ("A-002", "serving")]
    assert engine.snapshot()["counters"]["loket-2"]["ticket_id"] is None
    assert engine.snapshot()["counters"]["loket-1"]["ticket_id"] is not None  # A-002 stays
    assert [t.code for t in engine.waiting()] == ["A-006"]
    for event in engine.events_since(lobby.seq):
        lobby.apply(event)
    assert lobby.to_snapshot() == engine.snapshot()
    assert lobby.counter_ticket("loket-2") is None
    assert engine.call_next("loket-2").code == "A-006"


def test_a_named_code_that_cannot_be_voided_refuses_the_whole_void(engine):
    engine.open_counter("loket-1")
    engine.issue_ticket("ktp")
    engine.issue_ticket("ktp")
    engine.call_next("loket-1")
    engine.start("loket-1")
    before = table_dump(engine)
    with pytest.raises(errors.InvalidState) as refused:
        engine.void_tickets(codes=["A-002", "A-001"], reason="test", by_user="spv")
    assert refused.value.message("en") == "A-001 is being served: finish it first; a visit under way cannot be voided."
    with pytest.raises(errors.UnknownTicket):
        engine.void_tickets(codes=["A-002", "A-099"], reason="test", by_user="spv")
    assert table_dump(engine) == before


@pytest.mark.parametrize("kwargs, message", [
    ({"codes": ["A-001"], "reason": " "}, "Give a reason for the void (3-200 characters)."),
    ({"reason": "flood"}, "Name the tickets to void: codes or a range."),
    ({"codes": ["hello"], "reason": "flood"}, "'hello' is not a ticket code."),
    ({"prefix": "Z", "from_number": 1, "to_number": 2, "reason": "flood"}, "No ticket group has the letter 'Z'."),
    ({"prefix": "A", "from_number": 5, "to_number": 2, "reason": "flood"},
     "A range runs from 1 to 999999, its first number no larger than its last."),
    ({"prefix": "A", "from_number": 1, "to_number": 501, "reason": "flood"}, "At most 500 tickets in one void."),
    ({"prefix": "A", "from_number": 1, "reason": "flood"}, "A range needs the group's letter, a first and a last number."),
    ({"prefix": "A", "from_number": 7, "to_number": 9, "reason": "flood"}, "No ticket from A-007 to A-009 of today can be voided."),
])
def test_void_refusals_say_why_and_change_nothing(engine, kwargs, message):
    engine.issue_ticket("ktp")
    before = table_dump(engine)
    with pytest.raises(errors.QueueError) as refused:
        engine.void_tickets(by_user="spv", **kwargs)
    assert refused.value.message("en") == message
    assert table_dump(engine) == before


def test_a_voided_ticket_gives_its_quota_place_back(engine):
    tickets = [engine.issue_ticket("paspor").ticket for _ in range(3)]  # quota 3
    assert engine.service_status("paspor").state == "full"
    engine.void_tickets(codes=[tickets[1].code], reason="double", by_user="spv")
    assert engine.service_status("paspor").state == "open"
    catalog = {s["id"]: s for s in engine.catalog("en")["services"]}
    assert catalog["paspor"]["issued_today"] == 2
    assert engine.issue_ticket("paspor").ticket.code == "B-004"  # the number is not given out again


def test_a_voided_no_show_cannot_rejoin(engine):
    engine.open_counter("loket-1")
    ticket = engine.issue_ticket("ktp").ticket
    engine.call_next("loket-1")
    engine.recall("loket-1")
    engine.no_show("loket-1")
    engine.void_tickets(codes=["A-001"], reason="left the building", by_user="spv")
    with pytest.raises(errors.InvalidState):
        engine.rejoin(ticket.token)
    with pytest.raises(errors.InvalidState):
        engine.call_ticket("loket-1", "A-001")


# ---------------------------------------------------------------------------- codes past 9999

@pytest.mark.parametrize("typed, code", [
    ("A-10005", "A-10005"), ("a10005", "A-10005"), ("A-010005", "A-10005"), ("A 999999", "A-999999"),
    ("a12", "A-012"), ("A0012", "A-012"), ("A-1000000", None), ("A-0", None), ("10005", None)])
def test_codes_are_read_back_up_to_six_digits(typed, code):
    assert normalise_code(typed) == code


def test_a_ticket_past_9999_is_called_and_voided_by_its_code(engine):
    engine.open_counter("loket-1")
    set_last_number(engine, "dukcapil", 10_004)
    ticket = engine.issue_ticket("ktp").ticket
    assert ticket.code == "A-10005"
    assert engine.find_ticket("a10005").id == ticket.id
    engine.issue_ticket("ktp")
    engine.void_tickets(codes=["A-10006"], reason="test", by_user="spv")
    assert engine.call_ticket("loket-1", "A-10005").code == "A-10005"


def test_the_last_number_of_a_day_is_refused_with_a_sentence_not_a_code_that_cannot_be_read(engine):
    set_last_number(engine, "dukcapil", 999_998)
    assert engine.issue_ticket("ktp").ticket.code == "A-999999"
    with pytest.raises(errors.InvalidState) as refused:
        engine.issue_ticket("ktp")
    assert refused.value.message("en") == "Group A has used every number for today (999999)."
    assert engine.issue_ticket("paspor").ticket.code == "B-001"


# ---------------------------------------------------------------------------- transfers

def lobby_with(**changes):
    """The test lobby with some services changed, e.g. kk={'daily_quota': 1}; loket-1 serves ktp and kk."""
    data = config_dict()
    for service in data["services"]:
        service.update(changes.get(service["id"], {}))
    return parse_config(data)


def at_counter(engine, service="ktp"):
    engine.open_counter("loket-1")
    ticket = engine.issue_ticket(service).ticket
    engine.call_next("loket-1")
    return ticket


def test_a_transfer_into_a_closed_service_needs_a_supervisor(make_engine):
    engine = make_engine(lobby_with(kk={"hours": {"mon": ["13:00-15:00"]}}))  # 09:00 now: closed
    at_counter(engine)
    before = table_dump(engine)
    with pytest.raises(errors.SupervisorRequired) as refused:
        engine.transfer("loket-1", "kk")
    assert refused.value.message("en") == "Family card is closed until 13:00: a transfer there needs a supervisor."
    assert refused.value.to_dict("en")["reason"] == "closed" and refused.value.http_status == 403
    assert table_dump(engine) == before
    assert engine.transfer("loket-1", "kk", supervisor=True).service_id == "kk"


def test_a_transfer_into_a_full_service_needs_a_supervisor(make_engine):
    engine = make_engine(lobby_with(kk={"daily_quota": 1}))
    engine.issue_ticket("kk")         # kk's one ticket of the day
    at_counter(engine)                # A-002 (ktp) issued; loket-1 calls the oldest, A-001
    engine.finish("loket-1")
    engine.call_next("loket-1")
    with pytest.raises(errors.SupervisorRequired) as refused:
        engine.transfer("loket-1", "kk")
    assert refused.value.message("id") == "Kartu Keluarga penuh (kuota 1 tercapai): pengalihan ke sana perlu supervisor."
    moved = engine.transfer("loket-1", "kk", supervisor=True)
    # a transferred ticket uses none of the target's quota: kk still counts its one issued ticket
    assert moved.service_id == "kk" and engine.catalog()["services"][1]["issued_today"] == 1


def test_a_transfer_to_another_agency_needs_a_supervisor_even_when_open(engine):
    at_counter(engine)
    with pytest.raises(errors.SupervisorRequired) as refused:
        engine.transfer("loket-1", "paspor")
    assert refused.value.to_dict("en")["reason"] == "other_agency"
    with pytest.raises(errors.SupervisorRequired):
        engine.transfer("loket-1", "kk", keep_place=True)  # keeping the place is a supervisor's choice too
    assert engine.transfer("loket-1", "kk").service_id == "kk"  # same agency, open: any officer


def test_fair_place_a_transfer_joins_the_end_of_a_long_queue(engine, clock):
    moved = at_counter(engine)                       # A-001 (ktp), issued first
    for _ in range(4):
        clock.advance(minutes=1)
        engine.issue_ticket("kk")                    # A-002..A-005 wait in kk
    transferred = engine.transfer("loket-1", "kk")
    status = engine.ticket_status(moved.token)
    assert status["people_ahead"] == 4 and status["estimate_minutes"] > 0
    assert [t.code for t in engine.waiting(service_ids=["kk"])] == ["A-002", "A-003", "A-004", "A-005", "A-001"]
    assert events(engine, "transferred")[-1]["payload"]["place"] == "end"
    assert transferred.queued_seq == events(engine, "transferred")[-1]["seq"]


def test_fair_place_a_transfer_back_gets_the_place_it_had_there(engine, clock):
    engine.open_counter("loket-1")
    ticket = engine.issue_ticket("kk").ticket        # A-001 waits in kk
    engine.issue_ticket("kk")                        # A-002 behind it
    engine.call_next("loket-1")                      # loket-1 takes A-001
    engine.transfer("loket-1", "ktp")                # sent to ktp first: the end of ktp's queue
    engine.issue_ticket("kk")                        # A-003 arrives in kk meanwhile
    engine.call_ticket("loket-1", "A-001")           # done at ktp
    back = engine.transfer("loket-1", "kk")          # back to kk: its old place, ahead of
    assert back.queued_seq == ticket.queued_seq
    assert [t.code for t in engine.waiting(service_ids=["kk"])] == ["A-001", "A-002", "A-003"]
    assert events(engine, "transferred")[-1]["payload"]["place"] == "returned"
    lobby = LobbyState()
    for event in engine.events_since(0):
        lobby.apply(event)
    assert lobby.to_snapshot() == engine.snapshot()


def test_a_supervisor_may_keep_the_place(engine):
    moved = at_counter(engine)
    engine.issue_ticket("kk")
    kept = engine.transfer("loket-1", "kk", supervisor=True, keep_place=True)
    assert kept.queued_seq == moved.queued_seq
    assert [t.code for t in engine.waiting(service_ids=["kk"])] == ["A-001", "A-002"]
    assert events(engine, "transferred")[-1]["payload"]["place"] == "kept"
