"""Every event a real engine writes fits its type's payload model (kiosk.protocol.events.PAYLOADS).

One lobby day is driven through every path that writes an event (tickets, counters, printer, survey,
staff security, devices, the day's roll-over); then every row of the log is read back as an
:class:`~kiosk.protocol.events.Event` and its payload validated. A field the engine adds, drops or
changes without the model fails here, and so does a type this day never emits.
"""
from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.enrolment import DeviceRegistry
from kiosk.protocol.events import PAYLOADS, Event, EventType, TicketIssued
from kiosk.store import Store
from support.configs import BASE, MONDAY_9, make_config


@pytest.fixture
def day(tmp_path):
    clock = FakeClock(MONDAY_9)
    store = Store(tmp_path / "queue.sqlite")
    numbers = itertools.count(1)
    engine = QueueEngine(make_config(), store, clock, token_factory=lambda: f"tok-{next(numbers)}")
    registry = DeviceRegistry(store, clock)
    yield engine, registry, clock
    store.close()


def drive_a_day(engine: QueueEngine, registry: DeviceRegistry, clock: FakeClock) -> None:
    first = engine.issue_ticket("ktp").ticket                       # day_rolled_over, ticket_issued
    second = engine.issue_ticket("ktp", priority=True).ticket
    waiting = engine.issue_ticket("kk").ticket
    engine.open_counter("loket-1", user="petugas1")                 # counter_opened
    engine.open_counter("loket-2", user="petugas1")
    engine.call_next("loket-1")                                     # called (the priority one)
    engine.recall("loket-1")                                        # recalled
    engine.no_show("loket-1")                                       # no_show
    engine.rejoin(second.token)                                     # rejoined
    engine.call_next("loket-1")
    engine.start("loket-1")                                         # started
    clock.advance(minutes=5)
    engine.finish("loket-1")                                        # finished
    engine.call_ticket("loket-2", first.code)
    engine.transfer("loket-2", "kk")                                # transferred
    engine.pause("loket-2", "prayer")                               # counter_paused
    engine.resume("loket-2")                                        # counter_resumed
    engine.call_next("loket-2")                                     # the one that waited longest: kk's
    engine.void_tickets(codes=[waiting.code], reason="a test ticket", by_user="supervisor1")  # ticket_voided
    engine.call_next("loket-2")                                     # the transferred one
    engine.record_printer_fault("kiosk1", "paper_out", "no paper", first.code)                 # printer_fault
    notice_id, _ = engine.add_notice("Samsat tutup pukul 12:00", "Samsat closes at 12:00", None, "manager1")
    engine.remove_notice(notice_id, "manager1")                                                # notices_changed
    done = next(t for t in (first, second) if engine.find_ticket(t.code).state == "done")
    engine.submit_survey(done.token, [4] * 9, survey_token=engine.survey_token(done.token))   # survey_submitted
    engine.record_login_locked("user", "petugas1", "10.0.0.9", 5, 300)                        # login_locked
    engine.record_counter_taken_over("loket-2", "supervisor1", "petugas1", "10.0.0.8")        # counter_taken_over
    help_seq = engine.request_help("kiosk1", "confirm", "id")                                 # help_requested
    engine.acknowledge_help(help_seq, "petugas1", "loket-2")                                  # help_acknowledged
    engine.finish("loket-2")
    engine.close_counter("loket-1")                                 # counter_closed
    pairing = registry.request_pairing("10.0.0.7", "kiosk-2")
    registry.approve(pairing["code"], "kiosk", "kiosk-2")
    registry.poll(pairing["poll_secret"])                           # device_enrolled
    registry.rename("kiosk-2", "kiosk-hall")                        # device_renamed
    registry.revoke("kiosk-hall")                                   # device_revoked
    from kiosk.live_config import plan_reload

    edited = make_config(services=[*BASE["services"], {"id": "akta", "agency": "dukcapil", "group": "dukcapil",
                                                       "name": {"id": "Akta", "en": "Certificate"}}],
                         counters=[{**BASE["counters"][0], "services": ["ktp", "kk", "akta"]}, *BASE["counters"][1:]])
    engine.replace_config(plan_reload(engine.config, edited))      # config_changed
    engine.issue_ticket("ktp")                                      # left waiting: yesterday's, at midnight
    clock.advance(days=1)
    engine.tick()                                                   # day_rolled_over with tickets expired


def test_every_event_of_a_day_fits_its_payload_model(day):
    engine, registry, clock = day
    drive_a_day(engine, registry, clock)
    rows = engine.events_since(0, limit=10_000)
    seen = set()
    for row in rows:
        event = Event.model_validate(row)
        payload = event.typed_payload()
        assert isinstance(payload, PAYLOADS[event.type]), row
        seen.add(event.type)
    assert seen == set(EventType), f"never emitted: {sorted(set(EventType) - seen)}"
    rolled = [Event.model_validate(r).typed_payload() for r in rows if r["type"] == EventType.DAY_ROLLED_OVER]
    assert rolled[-1].expired, "the second roll-over closed yesterday's waiting ticket"


def test_a_payload_that_drifts_from_its_model_is_refused():
    good = {"code": "A-001", "service_id": "ktp", "agency_id": "dukcapil", "priority": False}
    assert TicketIssued.model_validate(good).code == "A-001"
    with pytest.raises(ValidationError):
        TicketIssued.model_validate({**good, "colour": "red"})      # a field the model does not know
    with pytest.raises(ValidationError):
        TicketIssued.model_validate({k: v for k, v in good.items() if k != "agency_id"})
    envelope = {"seq": 1, "type": "ticket_issued", "at": "2026-11-23T09:00:00.000+08:00", "payload": good}
    with pytest.raises(ValidationError, match="needs ticket_id"):
        Event.model_validate({**envelope, "ticket_id": None})
    with pytest.raises(ValidationError, match="has no counter_id"):
        Event.model_validate({**envelope, "ticket_id": 1, "counter_id": "loket-1"})
    assert Event.model_validate({**envelope, "ticket_id": 1}).typed_payload() == TicketIssued(**good)
