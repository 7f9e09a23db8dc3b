"""What each process of the multi-process test runs (importable by a spawned child)."""
from __future__ import annotations

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.store import Store
from support.configs import MONDAY_9, make_config

from .helpers import counting_tokens


def issue_many(worker: int, path: str, count: int, start, results) -> None:
    """Open its own store and engine on the shared file, then issue ``count`` tickets — both at the
    moment the other processes do (``start`` is a barrier passed twice)."""
    codes, failures = [], []
    config = make_config()
    try:
        start.wait(timeout=60)
        store = Store(path)
        engine = QueueEngine(config, store, FakeClock(MONDAY_9), token_factory=counting_tokens(f"w{worker}-"))
        start.wait(timeout=60)
        for _ in range(count):
            try:
                codes.append(engine.issue_ticket("ktp", device=f"kiosk-{worker}").ticket.code)
            except Exception as exc:  # counted and reported: the test wants zero
                failures.append(repr(exc))
        store.close()
    except Exception as exc:
        failures.append(repr(exc))
    results.put((worker, codes, failures))


def issue_with_request_id(worker: int, path: str, request_id: str, count: int, start, results) -> None:
    """Like ``issue_many``, but every call carries the same request_id: a kiosk retrying one tap
    through four processes at once. Reports (code, token, replayed) of each answer."""
    answers, failures = [], []
    config = make_config()
    try:
        start.wait(timeout=60)
        store = Store(path)
        engine = QueueEngine(config, store, FakeClock(MONDAY_9), token_factory=counting_tokens(f"w{worker}-"))
        start.wait(timeout=60)
        for _ in range(count):
            try:
                issued = engine.issue_ticket("ktp", device="kiosk1", request_id=request_id)
                answers.append((issued.ticket.code, issued.ticket.token, issued.replayed))
            except Exception as exc:  # counted and reported: the test wants zero
                failures.append(repr(exc))
        store.close()
    except Exception as exc:
        failures.append(repr(exc))
    results.put((worker, answers, failures))


def book_many(worker: int, path: str, count: int, start, results) -> None:
    """Book ``count`` different people into one slot (Monday 10:00 of the passport service) at the
    moment the other processes do; reports the codes it got and the refusals' reasons."""
    from datetime import date

    from kiosk.errors import BookingRefused

    from support.bookings import booking_config, person

    codes, refusals, failures = [], [], []
    try:
        start.wait(timeout=60)
        store = Store(path)
        engine = QueueEngine(booking_config(places_per_slot=5), store, FakeClock(MONDAY_9),
                             token_factory=counting_tokens(f"w{worker}-"))
        start.wait(timeout=60)
        for n in range(count):
            try:
                codes.append(engine.bookings.book("paspor", date(2026, 11, 23), "10:00",
                                                  person(worker * 100 + n)).code)
            except BookingRefused as exc:
                refusals.append(exc.reason)
            except Exception as exc:  # counted and reported: the test wants zero
                failures.append(repr(exc))
        store.close()
    except Exception as exc:
        failures.append(repr(exc))
    results.put((worker, codes, refusals, failures))
