"""The lobby's event types: every row of the event log and every message of the event stream.

An event's ``type`` is one :class:`EventType`; nobody spells one as a bare string. A StrEnum
member *is* its string, so ``EventType.CALLED == "called"`` and the JSON on the wire is unchanged.
"""
from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    # the day
    DAY_ROLLED_OVER = "day_rolled_over"
    # tickets
    TICKET_ISSUED = "ticket_issued"
    REJOINED = "rejoined"
    CALLED = "called"
    RECALLED = "recalled"
    STARTED = "started"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    TICKET_VOIDED = "ticket_voided"
    # counters
    COUNTER_OPENED = "counter_opened"
    COUNTER_CLOSED = "counter_closed"
    COUNTER_PAUSED = "counter_paused"
    COUNTER_RESUMED = "counter_resumed"
    # neither tickets nor counters change
    PRINTER_FAULT = "printer_fault"
    SURVEY_SUBMITTED = "survey_submitted"
    LOGIN_LOCKED = "login_locked"
    COUNTER_TAKEN_OVER = "counter_taken_over"
    DEVICE_ENROLLED = "device_enrolled"
    DEVICE_RENAMED = "device_renamed"
    DEVICE_REVOKED = "device_revoked"


# Shown to staff (counter window, supervisor panel) as they happen.
SECURITY_EVENTS = frozenset({EventType.LOGIN_LOCKED, EventType.COUNTER_TAKEN_OVER})
# The lobby's devices changed (enrolment): the server's key cache follows them.
DEVICE_EVENTS = frozenset({EventType.DEVICE_ENROLLED, EventType.DEVICE_RENAMED, EventType.DEVICE_REVOKED})
# Events after which no queue, ticket or counter is different: windows need not refresh for them.
NO_QUEUE_CHANGE = frozenset({EventType.PRINTER_FAULT, EventType.SURVEY_SUBMITTED, *SECURITY_EVENTS, *DEVICE_EVENTS})
# Every other type changes what a window shows of the queue.
QUEUE_EVENTS = frozenset(set(EventType) - NO_QUEUE_CHANGE)
