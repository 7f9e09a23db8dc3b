"""The lobby as a client sees it: a snapshot plus every event after it.

The server's ``QueueEngine.snapshot()`` and ``LobbyState`` built by replaying
the event log give the same dict (a property test holds them to it). Every
window keeps one ``LobbyState``: it takes the snapshot, then ``apply()``s each
event; an event at or below the state's ``seq`` is ignored, so a client that
reconnects and receives an event again never shows or announces it twice.
"""
from __future__ import annotations

import copy

from kiosk.protocol.events import EventType

RECENT_CALLS = 20
_CLOSED = {"status": "closed", "reason": None, "ticket_id": None, "user": None}


def call_entry(event: dict) -> dict:
    payload = event["payload"]
    return {
        "seq": event["seq"],
        "ticket_id": event["ticket_id"],
        "code": payload["code"],
        "counter_id": event["counter_id"],
        "counter_number": payload["counter_number"],
        "service_id": payload["service_id"],
        "agency_id": payload["agency_id"],
        "at": event["at"],
        "recall": payload["recall"],
    }


class LobbyState:
    def __init__(self, snapshot: dict | None = None):
        snapshot = copy.deepcopy(snapshot) if snapshot else {}
        self.seq: int = snapshot.get("seq", 0)
        self.day: str | None = snapshot.get("day")
        self.tickets: dict[int, dict] = {t["id"]: t for t in snapshot.get("tickets", [])}
        self.counters: dict[str, dict] = snapshot.get("counters", {})
        self.recent_calls: list[dict] = snapshot.get("recent_calls", [])
        self.help_requests: list[dict] = snapshot.get("help_requests", [])  # open calls for help, oldest first

    def to_snapshot(self) -> dict:
        return {
            "seq": self.seq,
            "day": self.day,
            "tickets": [self.tickets[k] for k in sorted(self.tickets)],
            "counters": {k: c for k, c in sorted(self.counters.items()) if c != _CLOSED},
            "recent_calls": list(self.recent_calls),
            "help_requests": list(self.help_requests),
        }

    def _counter(self, counter_id: str) -> dict:
        return self.counters.setdefault(counter_id, dict(_CLOSED))

    def apply(self, event: dict) -> bool:
        """Apply one event; False when it was already applied (seq at or below ours)."""
        if event["seq"] <= self.seq:
            return False
        kind, payload, tid, cid = event["type"], event["payload"], event["ticket_id"], event["counter_id"]
        if kind == EventType.TICKET_ISSUED:
            self.tickets[tid] = {
                "id": tid, "code": payload["code"], "service_id": payload["service_id"],
                "agency_id": payload["agency_id"], "priority": payload["priority"], "state": "waiting",
                "counter_id": None, "queued_seq": event["seq"], "issued_at": event["at"], "called_at": None,
                "recalls": 0,
            }
            if payload.get("slot_at"):  # a checked-in booking (kiosk.bookings)
                self.tickets[tid].update(booked=True, slot_at=payload["slot_at"])
                if payload.get("booked_name"):
                    self.tickets[tid]["booked_name"] = payload["booked_name"]
        elif kind == EventType.CALLED:
            ticket = self.tickets.setdefault(tid, {"id": tid})  # absent: a no-show called back within grace
            ticket.update(
                code=payload["code"], service_id=payload["service_id"], agency_id=payload["agency_id"],
                priority=payload["priority"], state="called", counter_id=cid, queued_seq=payload["queued_seq"],
                issued_at=payload["issued_at"], called_at=event["at"], recalls=0)
            self._counter(cid)["ticket_id"] = tid
            self._add_call(event)
        elif kind == EventType.RECALLED:
            if tid in self.tickets:
                self.tickets[tid]["recalls"] = payload["recall"]
            self._add_call(event)
        elif kind == EventType.STARTED:
            if tid in self.tickets:
                self.tickets[tid]["state"] = "serving"
        elif kind in (EventType.FINISHED, EventType.NO_SHOW):
            self.tickets.pop(tid, None)
            self._counter(cid)["ticket_id"] = None
        elif kind == EventType.TICKET_VOIDED:
            # out of every waiting list; a called one also off its counter (counter_id is set only then)
            self.tickets.pop(tid, None)
            if cid is not None and self.counters.get(cid, {}).get("ticket_id") == tid:
                self.counters[cid]["ticket_id"] = None
        elif kind in (EventType.TRANSFERRED, EventType.REJOINED):
            self.tickets[tid] = {
                "id": tid, "code": payload["code"], "service_id": payload["service_id"],
                "agency_id": payload["agency_id"], "priority": payload["priority"], "state": "waiting",
                "counter_id": None, "queued_seq": payload["queued_seq"], "issued_at": payload["issued_at"],
                "called_at": None, "recalls": 0,
            }
            if kind == EventType.TRANSFERRED:
                self._counter(cid)["ticket_id"] = None
        elif kind == EventType.COUNTER_OPENED:
            self._counter(cid).update(status="open", reason=None, user=payload.get("user"))
        elif kind == EventType.COUNTER_PAUSED:
            self._counter(cid).update(status="paused", reason=payload.get("reason"))
        elif kind == EventType.COUNTER_RESUMED:
            self._counter(cid).update(status="open", reason=None)
        elif kind == EventType.COUNTER_CLOSED:
            self._counter(cid).update(status="closed", reason=None, user=None)
        elif kind == EventType.HELP_REQUESTED:
            self.help_requests.append({"seq": event["seq"], "device": payload["device"], "screen": payload["screen"],
                                       "at": event["at"]})
        elif kind == EventType.HELP_ACKNOWLEDGED:
            self.help_requests = [r for r in self.help_requests if r["seq"] != payload["request_seq"]]
        elif kind == EventType.DAY_ROLLED_OVER:
            self.day = payload["day"]
            expired = set(payload["expired"])
            for ticket_id in expired:
                self.tickets.pop(ticket_id, None)
            for counter in self.counters.values():
                if counter["ticket_id"] in expired:
                    counter["ticket_id"] = None
        # NO_QUEUE_CHANGE (printer faults, surveys, login lockouts, take-overs, devices) and unknown types
        # (an older window against a newer server keeps working): no change
        self.seq = event["seq"]
        return True

    def _add_call(self, event: dict) -> None:
        self.recent_calls.append(call_entry(event))
        del self.recent_calls[:-RECENT_CALLS]

    # ------------------------------------------------------------------ views

    def waiting(self, service_ids=None) -> list[dict]:
        tickets = [t for t in self.tickets.values() if t["state"] == "waiting"
                   and (service_ids is None or t["service_id"] in service_ids)]
        return sorted(tickets, key=lambda t: t["queued_seq"] or 0)

    def waiting_counts(self, key: str = "service_id") -> dict[str, int]:
        counts: dict[str, int] = {}
        for ticket in self.tickets.values():
            if ticket["state"] == "waiting":
                counts[ticket[key]] = counts.get(ticket[key], 0) + 1
        return counts

    def counter_ticket(self, counter_id: str) -> dict | None:
        ticket_id = self.counters.get(counter_id, {}).get("ticket_id")
        return self.tickets.get(ticket_id) if ticket_id is not None else None
