"""Taking a number over a network that may drop an answer, without Qt.

An issue whose answer was lost (timeout, reset) may have issued a number: it is sent again
with the same request_id, which the server answers with that same ticket.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from kiosk.printer.backends import PrinterFault

log = logging.getLogger("kiosk.ui.kiosk.window")

ISSUE_RETRY_DELAYS_S = (0.3, 0.7, 1.5)
ISSUE_RETRY_BUDGET_S = 5.0  # no retry starts later than this after the first lost answer


@dataclass
class IssueResult:
    """What one tap on "take number" produced (made on a worker thread)."""

    ticket: dict
    fault: PrinterFault | None
    tapped_at: float                       # perf_counter() of the tap
    printed_at: float | None               # ... when the printer had the whole ticket
    steps_ms: dict[str, float] = field(default_factory=dict)  # check / issue / print, for the logs and bench
    issue_attempts: int = 1                # requests sent for this tap (more than one: answers were lost)


def issue_with_retries(api: Any, service_id: str, *, priority: bool, lang: str, request_id: str,
                       delays_s: tuple[float, ...] = ISSUE_RETRY_DELAYS_S, budget_s: float = ISSUE_RETRY_BUDGET_S,
                       sleep=time.sleep, monotonic=time.monotonic) -> tuple[dict, int]:
    """(ticket, attempts): ``api.issue`` with one request_id, sent again after each lost answer.

    Only a lost answer (ApiError.status None) is retried: a refusal (4xx) is final, and
    the same request_id makes a retry safe — the server never issues a second number for it.
    """
    first_lost = None
    for attempt, delay in enumerate((*delays_s, None), start=1):
        try:
            return api.issue(service_id, priority=priority, lang=lang, request_id=request_id), attempt
        except Exception as exc:
            if not _is_api_error(exc) or exc.status is not None:
                raise
            now = monotonic()
            first_lost = now if first_lost is None else first_lost
            if delay is None or now + delay - first_lost > budget_s:
                log.warning("kiosk: issue %s got no answer after %d attempt(s), giving up: %s",
                            request_id, attempt, exc.details.get("reason", exc.message))
                raise
            log.warning("kiosk: issue %s got no answer (%s); retry %d of %d in %.1f s",
                        request_id, exc.details.get("reason", exc.message), attempt, len(delays_s), delay)
            sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _api_error_parts(exc: BaseException) -> tuple[int | None, str, str]:
    """(http status or None when unreachable, error code, message) of a client error."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", "") or ""
    message = getattr(exc, "message", "") or ""
    return status, code, message


def _is_api_error(exc: BaseException) -> bool:
    from kiosk.client import ApiError  # no Qt, light; imported late so tests can build the window first

    return isinstance(exc, ApiError)
