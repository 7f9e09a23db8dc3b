"""Random days in the lobby: whatever staff and visitors do, the queue's invariants hold.

Each example is a fresh engine on a fresh file and a random sequence of commands
(issue, call, recall, start, finish, no-show, transfer, rejoin, void, counter changes,
the clock moving, across midnight too). Only the queue's own refusals
(QueueError) are swallowed; after every command the test checks:

- a refused command wrote nothing;
- no (group, day, number) twice, and the code is prefix + number;
- tickets move only along the allowed transitions; done and expired are final,
  a no-show leaves only by rejoining or being called back;
- call-next takes exactly the ticket the rules name: the oldest waiting priority
  ticket of the counter's services, unless the counter already made N priority
  calls in a row while a regular one waited, then the oldest regular one;
- event seqs are contiguous, and LobbyState fed each new event equals
  engine.snapshot(); at the end, a replay from 0 and from mid-day snapshots does too.
"""
from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.clock import FakeClock
from kiosk.errors import QueueError
from kiosk.engine import QueueEngine
from kiosk.lobby_state import LobbyState
from kiosk.schedule import local_day
from kiosk.store import Store
from support.configs import MAKASSAR

from .helpers import counting_tokens, round_the_clock, table_dump

SERVICES = ("ktp", "kk", "paspor")
COUNTERS = ("loket-1", "loket-2", "loket-3")
# Monday 22:00 in Balikpapan: two hours before the first midnight.
START = datetime(2026, 11, 23, 22, 0, tzinfo=MAKASSAR)

NEXT_STATES = {
    "waiting": {"called", "expired", "voided"},
    "called": {"serving", "done", "no_show", "waiting", "expired", "voided"},
    "serving": {"done", "waiting", "expired"},
    "no_show": {"waiting", "called", "voided"},
    "done": set(),
    "expired": set(),
    "voided": set(),
}
# the command without which a transition cannot happen
ONLY_BY = {("no_show", "waiting"): "rejoin", ("no_show", "called"): "call_ticket",
           ("called", "waiting"): "transfer", ("serving", "waiting"): "transfer",
           ("waiting", "voided"): "void", ("called", "voided"): "void", ("no_show", "voided"): "void"}

# (n, aimed): aimed picks the n-th counter where the command can work (a busy one for finish,
# a free open one for call-next), so that runs get through whole services, not only refusals
aimed = st.sampled_from([True, True, True, False])
counter = st.tuples(st.integers(0, 5), aimed)
AT_WORK = {"call_next": "free", "call_ticket": "free", "finish": "busy", "recall": "busy", "no_show": "busy",
           "start": "busy", "transfer": "busy", "open": "not_open", "resume": "paused"}


def at_counter(*names: str):
    return st.tuples(st.sampled_from(names), counter)


def issue():
    return st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.booleans())


# weighted so that counters get through whole services, not only refusals
command = st.one_of(
    # one_of merges a strategy given twice, so each weight is a new strategy
    issue(), issue(), issue(), issue(), issue(), issue(),
    at_counter("call_next"), at_counter("call_next"), at_counter("call_next"), at_counter("call_next"),
    at_counter("finish"), at_counter("finish"),
    at_counter("recall"), at_counter("recall"), at_counter("no_show"), at_counter("no_show"), at_counter("start"),
    at_counter("open"), at_counter("close", "pause", "resume"),
    st.tuples(st.just("call_ticket"), counter, st.integers(0, 40), st.booleans(), aimed),
    st.tuples(st.just("transfer"), counter, st.sampled_from(SERVICES)),
    st.tuples(st.just("rejoin"), st.integers(0, 40), aimed),
    st.tuples(st.just("void"), st.integers(0, 40), st.integers(0, 3)),  # a code, and a range of 0-3 more numbers
    st.tuples(st.just("advance"), st.sampled_from([1, 5, 29, 31, 90, 240, 600])),
    st.tuples(st.just("tick")),
)
policy = st.fixed_dictionaries({
    "max_consecutive_priority": st.integers(1, 3),
    "recalls_before_no_show": st.integers(0, 2),
    "rejoin_grace_minutes": st.sampled_from([0, 30]),
    "day_end": st.sampled_from(["expire", "keep"]),
})


class Lobby:
    """One engine, its clock, and what the test remembers between commands."""

    def __init__(self, folder: Path, queue_policy: dict):
        self.config = round_the_clock(queue=queue_policy)
        self.limit = queue_policy["max_consecutive_priority"]
        self.clock = FakeClock(START)
        self.store = Store(folder / "queue.sqlite")
        self.engine = QueueEngine(self.config, self.store, self.clock, token_factory=counting_tokens("t"))
        self.lobby = LobbyState()
        self.seq = 0
        self.priority_run = dict.fromkeys(COUNTERS, 0)  # priority calls in a row while a regular one waited
        self.states: dict[int, str] = {}
        self.snapshots: list[dict] = []

    # ---------------------------------------------------------------- reading the database

    def rows(self, sql: str, params=()) -> list[dict]:
        return self.store.query(sql, params)

    def ticket_ref(self, pick: int, by_code: bool, aimed_at: tuple[str, ...] = ()) -> str | None:
        """The pick-th ticket (of those in the aimed-at states, when there are some), by code or token."""
        tickets = self.rows("SELECT token, code, state FROM tickets ORDER BY id")
        aimed = [t for t in tickets if t["state"] in aimed_at]
        tickets = aimed or tickets
        if not tickets:
            return None
        ticket = tickets[pick % len(tickets)]
        return ticket["code"] if by_code else ticket["token"]

    def expected_call(self, counter_id: str) -> tuple[str, int | None]:
        """What call-next must do now: ('call', ticket id) or the name of the refusal."""
        state = self.rows("SELECT * FROM counter_state WHERE counter_id = ?", (counter_id,))[0]
        meta = self.rows("SELECT value FROM meta WHERE key = 'day'")
        today = local_day(self.config, self.clock.now()).isoformat()
        expiring = bool(meta) and meta[0]["value"] != today and self.config.queue.day_end == "expire"
        if state["status"] != "open":
            return "CounterUnavailable", None
        if state["ticket_id"] is not None and not expiring:
            return "CounterUnavailable", None
        if expiring:
            return "NothingWaiting", None  # every waiting ticket is from an earlier day and expires first
        services = self.config.counter_by_id[counter_id].services
        marks = ",".join("?" * len(services))
        waiting = self.rows(
            f"SELECT id, priority FROM tickets WHERE state = 'waiting' AND service_id IN ({marks}) ORDER BY queued_seq",
            services)
        oldest_priority = next((t["id"] for t in waiting if t["priority"]), None)
        oldest_regular = next((t["id"] for t in waiting if not t["priority"]), None)
        if oldest_priority is not None and (oldest_regular is None or self.priority_run[counter_id] < self.limit):
            return "call", oldest_priority
        if oldest_regular is not None:
            return "call", oldest_regular
        return "NothingWaiting", None

    # ---------------------------------------------------------------- running one command

    def pick_counter(self, name: str, pick: tuple[int, bool]) -> str:
        n, aimed = pick
        if aimed and name in AT_WORK:
            rows = self.rows("SELECT counter_id, status, ticket_id FROM counter_state ORDER BY counter_id")
            fits = {
                "free": [r["counter_id"] for r in rows if r["status"] == "open" and r["ticket_id"] is None],
                "busy": [r["counter_id"] for r in rows if r["ticket_id"] is not None],
                "not_open": [r["counter_id"] for r in rows if r["status"] != "open"],
                "paused": [r["counter_id"] for r in rows if r["status"] == "paused"],
            }[AT_WORK[name]]
            if fits:
                return fits[n % len(fits)]
        return COUNTERS[n % len(COUNTERS)]

    def run(self, step: tuple) -> None:
        engine, name = self.engine, step[0]
        if len(step) > 1 and isinstance(step[1], tuple):
            step = (name, self.pick_counter(name, step[1]), *step[2:])
        expected = self.expected_call(step[1]) if name == "call_next" else None
        regular_waited = name == "call_next" and self._regular_waits(step[1])
        before = table_dump(engine)
        refused = None
        result = None
        try:
            if name == "issue":
                result = engine.issue_ticket(step[1], priority=step[2])
            elif name == "call_next":
                result = engine.call_next(step[1])
            elif name == "call_ticket":
                ref = self.ticket_ref(step[2], step[3], ("waiting", "no_show") if step[4] else ())
                if ref is None:
                    return
                engine.call_ticket(step[1], ref)
            elif name == "transfer":
                engine.transfer(step[1], step[2])
            elif name == "rejoin":
                ref = self.ticket_ref(step[1], False, ("no_show",) if step[2] else ())
                if ref is None:
                    return
                engine.rejoin(ref)
            elif name == "void":
                rows = self.rows("SELECT code, group_id, number FROM tickets ORDER BY id")
                if not rows:
                    return
                row = rows[step[1] % len(rows)]
                if step[2]:
                    prefix = self.config.group_by_id[row["group_id"]].prefix
                    engine.void_tickets(prefix=prefix, from_number=row["number"], to_number=row["number"] + step[2],
                                        reason="test", by_user="spv")
                else:
                    engine.void_tickets(codes=[row["code"]], reason="test", by_user="spv")
            elif name == "advance":
                self.clock.advance(minutes=step[1])
            elif name == "tick":
                engine.tick()
            else:
                method = {"open": "open_counter", "close": "close_counter"}.get(name, name)
                getattr(engine, method)(step[1])
        except QueueError as exc:
            refused = exc
        event(f"{name}: {type(refused).__name__ if refused else 'done'}")
        if refused is not None:
            assert table_dump(engine) == before, f"{step} was refused ({refused}) but wrote something"
        if name == "call_next":
            self._check_call(step[1], expected, regular_waited, result, refused)
        self._check_after(name)

    def _regular_waits(self, counter_id: str) -> bool:
        services = self.config.counter_by_id[counter_id].services
        marks = ",".join("?" * len(services))
        return bool(self.rows(
            f"SELECT 1 FROM tickets WHERE state = 'waiting' AND priority = 0 AND service_id IN ({marks}) LIMIT 1",
            services))

    def _check_call(self, counter_id, expected, regular_waited, called, refused) -> None:
        outcome, ticket_id = expected
        if outcome != "call":
            assert refused is not None and type(refused).__name__ == outcome, (expected, refused, called)
            return
        assert refused is None, (expected, refused)
        assert called.id == ticket_id, f"call-next at {counter_id} took {called.code}, the rules name #{ticket_id}"
        if called.priority and regular_waited:
            self.priority_run[counter_id] += 1
        else:
            if not called.priority and self.priority_run[counter_id] == self.limit:
                event("a regular ticket called at the priority limit")
            self.priority_run[counter_id] = 0
        assert self.priority_run[counter_id] <= self.limit

    def _check_after(self, name: str) -> None:
        engine = self.engine
        # events: contiguous seqs, each applied once to the client-side state
        new = engine.events_since(self.seq, limit=100_000)
        assert [e["seq"] for e in new] == list(range(self.seq + 1, self.seq + 1 + len(new)))
        for event in new:
            received = json.loads(json.dumps(event))  # as a client gets it over the WebSocket
            assert self.lobby.apply(received)
            assert not self.lobby.apply(received)  # a repeated event is ignored
        if new:
            self.seq = new[-1]["seq"]
        snapshot = engine.snapshot()
        assert self.lobby.to_snapshot() == snapshot == json.loads(json.dumps(snapshot))
        self.snapshots.append(snapshot)
        rolled = any(e["type"] == "day_rolled_over" for e in new)

        # numbering
        assert self.rows("SELECT group_id, day, number FROM tickets GROUP BY group_id, day, number "
                         "HAVING count(*) > 1") == []
        prefixes = {g.id: g.prefix for g in self.config.groups}
        for row in self.rows("SELECT code, group_id, number FROM tickets"):
            assert row["code"] == f"{prefixes[row['group_id']]}-{row['number']:03d}"

        # state transitions
        states = {r["id"]: r["state"] for r in self.rows("SELECT id, state FROM tickets")}
        changed = 0
        for ticket_id, state in states.items():
            old = self.states.get(ticket_id)
            if old is None:
                assert name == "issue" and state == "waiting", (name, state)
                continue
            if old == state:
                continue
            assert state in NEXT_STATES[old], f"ticket #{ticket_id}: {old} -> {state} by {name}"
            if state == "expired":
                assert rolled and self.config.queue.day_end == "expire"
                continue
            assert ONLY_BY.get((old, state), name) == name, f"ticket #{ticket_id}: {old} -> {state} by {name}"
            changed += 1
        assert changed <= 1 or name == "void", f"{name} changed {changed} tickets"
        assert set(self.states) <= set(states)
        self.states = states

    def check_replays(self) -> None:
        events = self.engine.events_since(0, limit=100_000)
        final = self.engine.snapshot()
        replayed = LobbyState()
        for event in events:
            replayed.apply(event)
        assert replayed.to_snapshot() == final
        # a client that joined at any earlier moment and then followed the events agrees too
        for snapshot in self.snapshots[:: max(1, len(self.snapshots) // 4)]:
            joined = LobbyState(json.loads(json.dumps(snapshot)))
            for event in events:
                joined.apply(event)
            assert joined.to_snapshot() == final

    def close(self) -> None:
        self.store.close()


@settings(max_examples=150, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(queue_policy=policy, steps=st.lists(command, min_size=30, max_size=80))
def test_random_days_keep_the_queue_invariants(queue_policy, steps):
    with tempfile.TemporaryDirectory(prefix="queue-prop-") as folder:
        lobby = Lobby(Path(folder), queue_policy)
        try:
            for n in range(len(COUNTERS)):
                lobby.run(("open", (n, False)))
            for step in steps:
                lobby.run(step)
            lobby.check_replays()
        finally:
            lobby.close()
