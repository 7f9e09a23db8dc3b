"""The calls the display shows, without Qt: the big slot, its queue and the previous calls.

A call is identified by the seq of its event, so a reconnect or a resync can neither repeat a
call nor lose one.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    """One call (or recall) of a ticket to a counter; ``seq`` is its event's and identifies it for ever."""
    seq: int
    ticket_id: int
    code: str
    counter_id: str
    counter_number: str
    agency_id: str
    service_id: str
    recall: int
    at: str

    @classmethod
    def from_entry(cls, entry: dict) -> "Call":
        """From a ``recent_calls`` entry of a snapshot (or ``call_entry(event)``)."""
        return cls(seq=int(entry["seq"]), ticket_id=entry["ticket_id"], code=str(entry["code"]),
                   counter_id=str(entry["counter_id"]), counter_number=str(entry["counter_number"]),
                   agency_id=str(entry["agency_id"]), service_id=str(entry["service_id"]),
                   recall=int(entry.get("recall") or 0), at=str(entry["at"]))


class CallBoard:
    """What the big slot shows, what waits for it, and what was shown before: plain Python, no clock.

    ``last_seq`` is the seq of the last event handled; a call at or below it was
    handled already (a repeat after a reconnect), so ``add`` refuses it.
    """

    def __init__(self, recent_size: int):
        self.recent_size = recent_size
        self.current: Call | None = None
        self.queue: deque[Call] = deque()
        self.previous: list[Call] = []  # calls that have left the big slot, oldest first
        self.last_seq = 0

    def load(self, calls: list[Call], seq: int) -> None:
        """The calls of a first snapshot: the last one takes the big slot, quietly (it was announced before)."""
        calls = sorted(calls, key=lambda c: c.seq)
        self.previous = calls[:-1]
        self.current = calls[-1] if calls else None
        self.queue.clear()
        self.last_seq = max(seq, calls[-1].seq if calls else 0)

    def add(self, call: Call) -> bool:
        """Queue a new call for the big slot; False when it was handled before."""
        if call.seq <= self.last_seq:
            return False
        self.last_seq = call.seq
        self.queue.append(call)
        return True

    def new_day(self) -> None:
        """Numbers restart at midnight: yesterday's calls leave the screen (calls still queued stay)."""
        self.current = None
        self.previous = []

    def seen(self, seq: int) -> None:
        self.last_seq = max(self.last_seq, seq)

    def advance(self) -> Call | None:
        """The next queued call takes the big slot; None (and no change) when nothing waits."""
        if not self.queue:
            return None
        if self.current is not None:
            self.previous.append(self.current)
            del self.previous[:-50]
        self.current = self.queue.popleft()
        return self.current

    def recent(self) -> list[Call]:
        """Previous calls, newest first, one line per ticket, not the one in the big slot."""
        shown: list[Call] = []
        tickets = {self.current.ticket_id} if self.current is not None else set()
        for call in reversed(self.previous):
            if call.ticket_id in tickets:
                continue
            tickets.add(call.ticket_id)
            shown.append(call)
            if len(shown) == self.recent_size:
                break
        return shown


def waiting_pages(items: list[tuple[str, int]], widths: list[int], available: int, gap: int) -> list[list[int]]:
    """Split chips (by their pixel widths) into pages that fit ``available`` pixels: indexes per page."""
    pages: list[list[int]] = []
    page: list[int] = []
    used = 0
    for index, width in enumerate(widths):
        need = width if not page else used + gap + width
        if page and need > available:
            pages.append(page)
            page, used = [index], width
        else:
            page.append(index)
            used = need
    if page:
        pages.append(page)
    return pages
