"""A USB barcode scanner types like a keyboard: a fast burst of keystrokes ending in Enter.

Qt-free: the window feeds every key it sees (anywhere on the screen) with the moment it came;
a burst whose keys follow each other within ``max_gap_s`` and ends in Enter is a scan. A person
typing (the kiosk has no keyboard, but a technician may plug one in) is far slower than that, so
slow keys are dropped rather than taken for a scan.
"""
from __future__ import annotations

MAX_GAP_S = 0.08     # scanners type a key every 2-20 ms; people about every 150 ms
MIN_LENGTH = 8       # a booking code has 8 characters; its link more
MAX_LENGTH = 200


class ScanBuffer:
    def __init__(self, max_gap_s: float = MAX_GAP_S, min_length: int = MIN_LENGTH):
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self._chars: list[str] = []
        self._last_at: float | None = None

    def key(self, text: str, at: float) -> None:
        """A printable key (its text) at monotonic time ``at``."""
        if not text or not text.isprintable():
            return
        if self._last_at is None or at - self._last_at > self.max_gap_s or len(self._chars) >= MAX_LENGTH:
            self._chars = []
        self._chars.append(text)
        self._last_at = at

    @property
    def in_burst(self) -> bool:
        """The last key came third or later in a fast run: a scanner is typing (two quick keys may be a person)."""
        return len(self._chars) > 2

    def enter(self, at: float) -> str | None:
        """Enter at ``at``: the scanned text if the keys before it were one fast burst, else None."""
        burst = "".join(self._chars)
        fast = self._last_at is not None and at - self._last_at <= self.max_gap_s
        self._chars, self._last_at = [], None
        return burst if fast and len(burst) >= self.min_length else None
