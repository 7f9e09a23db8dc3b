"""Time is passed in: the real clock in production, a settable one in tests."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime (UTC)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FakeClock:
    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(timezone.utc)

    def advance(self, **delta) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class ShiftedClock:
    """The real clock's pace from another starting instant: the demo's lobby time (`run --demo`)."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic):
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self.start = start.astimezone(timezone.utc)
        self._monotonic = monotonic
        self._t0 = monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self._monotonic() - self._t0)
