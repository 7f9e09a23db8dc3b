"""The display's board without Qt: current calls, counter states, the lobby's notice, and replay.

The replay test records a lobby day (random but seeded: calls, recalls, transfers, finishes, no-shows,
voids, pauses, closings) from a real engine, then for every seq of it rebuilds the board from the
snapshot at that seq plus the events after it, and requires the same board as the live one.
"""
from __future__ import annotations

import itertools
import random

import pytest

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.errors import NothingWaiting, ServiceUnavailable
from kiosk.lobby_state import LobbyState
from kiosk.sign import WORD_CALL, WORD_COUNTER, WORD_GO_TO, PlaylistItem
from kiosk.store import Store
from kiosk.ui.display.board import (SLOTS, Call, CallSlots, Zone, brief_playlist, counter_lines, lobby_notice,
                                    true_board, true_calls)
from support.configs import MONDAY_9, make_config

COUNTERS = ("loket-1", "loket-2", "loket-3")


@pytest.fixture
def lobby(tmp_path):
    clock = FakeClock(MONDAY_9)
    store = Store(tmp_path / "queue.sqlite")
    numbers = itertools.count(1)
    config = make_config()
    engine = QueueEngine(config, store, clock, token_factory=lambda: f"tok-{next(numbers)}")
    yield config, engine, clock
    store.close()


def live_state(engine) -> LobbyState:
    state = LobbyState()
    for event in engine.events_since(0, limit=100_000):
        state.apply(event)
    return state


def settle(slots: CallSlots, state) -> None:
    """Every waiting call's time comes: what the slots show once nothing waits."""
    now = 0.0
    while slots.queue:
        now += 1000.0
        slots.update(state, now)
    slots.update(state, now)


# --------------------------------------------------------------------------- the slots in time

def test_a_burst_of_three_takes_three_slots_at_once_and_a_transfer_leaves_within_its_event(lobby):
    config, engine, _ = lobby
    for service in ("ktp", "ktp", "kk", "paspor", "ktp"):
        engine.issue_ticket(service)
    for counter_id in COUNTERS:
        engine.open_counter(counter_id)
    slots = CallSlots(size=SLOTS, min_seconds=6.0)
    slots.load(live_state(engine))
    state = live_state(engine)
    seen = state.seq

    def deliver(now):
        nonlocal seen
        taken = []
        for event in engine.events_since(seen):
            state.apply(event)
            seen = event["seq"]
            if event["type"] in ("called", "recalled"):
                slots.add(Call.from_entry(state.recent_calls[-1]))
            taken += slots.update(state, now)
        return [call.code for call in taken]

    codes = [engine.call_next(c).code for c in COUNTERS]
    assert deliver(0.0) == codes  # all three at once: nobody waits for a free slot
    assert [c.code for c in slots.calls()] == codes[::-1]
    engine.recall("loket-1")
    assert deliver(1.0) == [codes[0]]  # a recall takes its own ticket's slot at once, on top
    assert [c.code for c in slots.calls()] == [codes[0], codes[2], codes[1]]
    assert slots.current.recall == 1
    # a finish takes its call off; the counter's next call comes on top
    engine.finish("loket-2")
    fourth = engine.call_next("loket-2").code
    assert deliver(2.0) == [fourth]
    engine.transfer("loket-3", "ktp", supervisor=True)
    assert codes[1] not in [c.code for c in slots.calls()]
    assert codes[2] in [c.code for c in slots.calls()]  # the transfer is not delivered yet
    deliver(2.5)
    assert codes[2] not in [c.code for c in slots.calls()]  # transferred: off the board within that event
    assert len(slots.calls()) == 2
    # the transferred ticket called at its new counter: on the board again, with that counter
    engine.finish("loket-1")
    engine.call_ticket("loket-1", codes[2])
    assert deliver(3.0) == [codes[2]]
    assert [(c.code, c.counter_number) for c in slots.calls()] == [(codes[2], "1"), (fourth, "2")]


def test_a_full_board_holds_each_call_for_its_time(lobby):
    slots = CallSlots(size=2, min_seconds=6.0)
    state = LobbyState()
    calls = []
    for n, counter_id in enumerate(COUNTERS, start=1):
        state.counters[counter_id] = {"status": "open", "reason": None, "ticket_id": n, "user": None}
        entry = {"seq": n, "ticket_id": n, "code": f"A-00{n}", "counter_id": counter_id, "counter_number": str(n),
                 "service_id": "ktp", "agency_id": "dukcapil", "at": "2026-11-23T01:00:00+00:00", "recall": 0}
        state.recent_calls.append(entry)
        state.seq = n
        calls.append(Call.from_entry(entry))
        assert slots.add(calls[-1])
    assert slots.add(calls[0]) is False  # a repeat after a reconnect
    assert [c.code for c in slots.update(state, 0.0)] == ["A-001", "A-002"]
    assert slots.update(state, 5.9) == [] and slots.next_change(5.9) == pytest.approx(0.1)
    assert [c.code for c in slots.update(state, 6.0)] == ["A-003"]
    assert [c.code for c in slots.calls()] == ["A-003", "A-002"]
    # A-003 finished: its slot is free and the newest current call not shown comes back, quietly
    state.counters["loket-3"]["ticket_id"] = None
    assert slots.update(state, 7.0) == [] and [c.code for c in slots.calls()] == ["A-002", "A-001"]


# --------------------------------------------------------------------------- counters and the notice

def test_counter_lines_say_serving_paused_with_the_reason_and_closed(lobby):
    config, engine, _ = lobby
    engine.issue_ticket("ktp")
    for counter_id in ("loket-1", "loket-2"):
        engine.open_counter(counter_id)
    code = engine.call_next("loket-1").code
    engine.pause("loket-2", "prayer")
    lines = counter_lines(live_state(engine), config.counters)
    assert [(line.status, line.text("id")) for line in lines] == [
        ("serving", code), ("paused", "Jeda: Salat"), ("closed", "Tutup")]
    assert lines[1].text("en") == "Paused: Prayer"
    engine.finish("loket-1")
    assert counter_lines(live_state(engine), config.counters)[0].text("en") == "Open"


@pytest.mark.parametrize("hour, minute, texts", [
    (9, 0, None),
    (12, 15, ("Istirahat · sampai 13:00", "Break · until 13:00")),
    (14, 40, ("Loket tutup pukul 15:00", "Counters close at 15:00")),
    (16, 0, ("Tutup · buka lagi besok 08:00", "Closed · opens tomorrow 08:00")),
    (7, 0, ("Tutup · buka lagi 08:00", "Closed · opens 08:00")),
])
def test_the_lobby_notice_in_full_with_its_reason_and_end(hour, minute, texts):
    config = make_config(schedule={
        "weekly": {d: ["08:00-15:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "breaks": [{"days": ["mon"], "span": "12:00-13:00", "reason": {"id": "Istirahat", "en": "Break"}}],
        "last_ticket_minutes": 30})
    now = MONDAY_9.replace(hour=hour, minute=minute)
    notice = lobby_notice(config, now)
    if texts is None:
        assert notice is None
    else:
        assert (notice.text("id", now.date()), notice.text("en", now.date())) == texts


def test_a_lobby_open_until_midnight_closes_at_24_00():
    config = make_config(schedule={"weekly": {"mon": ["00:00-24:00"]}, "last_ticket_minutes": 30})
    now = MONDAY_9.replace(hour=23, minute=45)
    assert lobby_notice(config, now).text("en", now.date()) == "Counters close at 24:00"
    assert lobby_notice(config, MONDAY_9) is None


def test_a_holiday_says_its_name_and_the_next_opening():
    config = make_config(schedule={"weekly": {d: ["08:00-15:00"] for d in ("mon", "tue")},
                                   "holidays": [{"date": "2026-11-23", "name": "Hari Uji"}]})
    notice = lobby_notice(config, MONDAY_9)
    assert notice.text("id", MONDAY_9.date()) == "Hari Uji · Tutup · buka lagi besok 08:00"


def test_a_brief_playlist_keeps_the_code_and_the_counter():
    items = [PlaylistItem(token, None) for token in (WORD_CALL, "A", "12", WORD_GO_TO, WORD_COUNTER, "3")]
    assert [item.token for item in brief_playlist(items)] == ["A", "12", WORD_COUNTER, "3"]
    whole = [PlaylistItem(f"{WORD_CALL} A 12 {WORD_GO_TO} {WORD_COUNTER} 3", None)]
    assert brief_playlist(whole) == whole  # one clip of the whole call: nothing to leave out


# --------------------------------------------------------------------------- replay

def record_a_day(engine, clock, seed: int) -> None:
    """Three counters through a busy morning: every way a call ends, pauses and closings, in a seeded order."""
    rng = random.Random(seed)
    status = {counter_id: "closed" for counter_id in COUNTERS}
    services = {"loket-1": "ktp", "loket-2": "kk", "loket-3": "paspor"}
    for _ in range(60):
        clock.advance(seconds=rng.randint(5, 60))
        counter_id = rng.choice(COUNTERS)
        if status[counter_id] == "closed":
            engine.open_counter(counter_id, user="petugas1")
        elif status[counter_id] == "paused":
            engine.resume(counter_id)
        status[counter_id] = "open"
        for _ in range(rng.randint(1, 2)):
            try:
                engine.issue_ticket(services[counter_id])
            except ServiceUnavailable:
                pass  # the passport service's daily quota (3) is reached: its counter calls no more
        current = engine.snapshot()["counters"].get(counter_id, {}).get("ticket_id")
        if current is None:
            try:
                engine.call_next(counter_id)
            except NothingWaiting:
                continue
            current = engine.snapshot()["counters"][counter_id]["ticket_id"]
        ticket = next(t for t in engine.snapshot()["tickets"] if t["id"] == current)
        ending = rng.choice(("finish", "no_show", "transfer", "void", "stay", "start_finish", "recall"))
        if ending in ("no_show", "recall"):
            engine.recall(counter_id)
        if ending == "finish":
            engine.finish(counter_id)
        elif ending == "no_show":
            engine.no_show(counter_id)
        elif ending == "transfer":
            engine.transfer(counter_id, rng.choice([s for s in ("ktp", "kk", "paspor") if s != ticket["service_id"]]),
                            supervisor=True)
        elif ending == "void":
            engine.void_tickets(codes=[ticket["code"]], reason="a test ticket", by_user="supervisor1")
        elif ending == "start_finish":
            engine.start(counter_id)
            engine.finish(counter_id)
        then = rng.random()
        if then < 0.15 and engine.snapshot()["counters"].get(counter_id, {}).get("ticket_id") is None:
            engine.pause(counter_id, rng.choice(("prayer", "break", "system")))
            status[counter_id] = "paused"
        elif then < 0.25 and engine.snapshot()["counters"].get(counter_id, {}).get("ticket_id") is None:
            engine.close_counter(counter_id)
            status[counter_id] = "closed"
    # the day ends mid-morning, with calls up: the Disdukcapil counters call once more
    for counter_id in ("loket-1", "loket-2"):
        if status[counter_id] != "open":
            engine.open_counter(counter_id, user="petugas1") if status[counter_id] == "closed" else engine.resume(counter_id)
        if engine.snapshot()["counters"].get(counter_id, {}).get("ticket_id") is None:
            engine.issue_ticket(services[counter_id])
            engine.call_next(counter_id)


@pytest.mark.parametrize("seed, zone_agencies", [(1, None), (2, None), (3, None), (4, ("dukcapil",))])
def test_replaying_from_any_seq_gives_the_same_board_as_the_live_display(lobby, seed, zone_agencies):
    config, engine, clock = lobby
    zone = None
    if zone_agencies:  # a zone display: the same holds for its part of the board
        zone = Zone("zone", frozenset(zone_agencies),
                    frozenset(c.id for c in config.counters if c.agency in zone_agencies))
    record_a_day(engine, clock, seed)
    events = engine.events_since(0, limit=100_000)
    kinds = {event["type"] for event in events}
    assert {"called", "recalled", "finished", "no_show", "transferred", "ticket_voided", "counter_paused",
            "counter_closed"} <= kinds, kinds  # the day has every way a call ends

    # live: one state and one set of slots fed every event as it comes, in time
    live, slots, now = LobbyState(), CallSlots(SLOTS, 6.0, tz=config.lobby.tz, zone=zone), 0.0
    for event in events:
        live.apply(event)
        now += 0.5
        if event["type"] in ("called", "recalled"):
            slots.add(Call.from_entry(live.recent_calls[-1]))
        slots.update(live, now)
        # within this one event: no call on the board whose ticket has left its counter
        assert all(live.counters[c.counter_id]["ticket_id"] == c.ticket_id for c in slots.calls())
    settle(slots, live)
    board = true_board(live, config, zone=zone)
    assert board == true_board(LobbyState(engine.snapshot()), config, zone=zone)  # the server's snapshot agrees
    assert tuple(slots.calls()) == board.calls
    assert board.calls, "a day that ends with nobody called tests little"

    for k in range(0, len(events) + 1, 3):
        at_k = LobbyState()
        for event in events[:k]:
            at_k.apply(event)
        # a display started at seq k: the snapshot, quietly, then the events after it
        replay = LobbyState(at_k.to_snapshot())
        late = CallSlots(SLOTS, 6.0, tz=config.lobby.tz, zone=zone)
        late.load(replay)
        for event in events[k:]:
            replay.apply(event)
            if event["type"] in ("called", "recalled"):
                late.add(Call.from_entry(replay.recent_calls[-1]))
            late.update(replay, 0.0)
        settle(late, replay)
        assert true_board(replay, config, zone=zone) == board, k
        assert tuple(late.calls()) == board.calls, k
        assert true_calls(replay, zone=zone)[:SLOTS] == list(board.calls)
    if zone is not None:
        assert all(call.agency_id in zone_agencies for call in board.calls)
        assert [line.counter_id for line in board.counters] == ["loket-1", "loket-2"]
