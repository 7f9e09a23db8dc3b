"""The lobby's event types: every row of the event log and every message of the event stream.

An event's ``type`` is one :class:`EventType`; nobody spells one as a bare string. A StrEnum
member *is* its string, so ``EventType.CALLED == "called"`` and the JSON on the wire is unchanged.
"""
from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator


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
    # the server took a new config.toml (kiosk.live_config): windows fetch their settings again
    CONFIG_CHANGED = "config_changed"
    # a visitor at a kiosk asked for help (the help button or key); staff acknowledge it
    HELP_REQUESTED = "help_requested"
    HELP_ACKNOWLEDGED = "help_acknowledged"
    # a manager put up or took down a notice (POST/DELETE /api/v1/notices): the displays' tickers follow
    NOTICES_CHANGED = "notices_changed"


# Shown to staff (counter window, supervisor panel) as they happen.
SECURITY_EVENTS = frozenset({EventType.LOGIN_LOCKED, EventType.COUNTER_TAKEN_OVER})
# The lobby's devices changed (enrolment): the server's key cache follows them.
DEVICE_EVENTS = frozenset({EventType.DEVICE_ENROLLED, EventType.DEVICE_RENAMED, EventType.DEVICE_REVOKED})
# A visitor's call for help and its answer: the counters and the supervisor show it until acknowledged.
HELP_EVENTS = frozenset({EventType.HELP_REQUESTED, EventType.HELP_ACKNOWLEDGED})
# Events after which no queue, ticket or counter is different: windows need not refresh for them.
NO_QUEUE_CHANGE = frozenset({EventType.PRINTER_FAULT, EventType.SURVEY_SUBMITTED, EventType.NOTICES_CHANGED,
                             *SECURITY_EVENTS, *DEVICE_EVENTS, *HELP_EVENTS})
# Every other type changes what a window shows of the queue.
QUEUE_EVENTS = frozenset(set(EventType) - NO_QUEUE_CHANGE)


# ---------------------------------------------------------------------------- payloads
# One model per type: the ``payload`` JSON the engine writes with it. Strict (no unknown field), so
# a field the engine adds without adding it here fails the test that replays a day's log
# (tests/unit/test_protocol_events.py). ``ticket_id`` and ``counter_id`` are the event's own columns;
# each model says whether its type has them (True: always, False: never, None: sometimes).


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    has_ticket: ClassVar[bool | None] = False
    has_counter: ClassVar[bool | None] = False


class TicketPayload(Payload):
    """What every event that puts a ticket into a queue says of it (the engine's ``_ticket_payload``)."""

    has_ticket: ClassVar[bool | None] = True
    code: str
    service_id: str
    agency_id: str
    priority: bool


class CodePayload(Payload):
    has_ticket: ClassVar[bool | None] = True
    has_counter: ClassVar[bool | None] = True
    code: str


class DayRolledOver(Payload):
    day: str                  # the new local day, ISO
    expired: list[int]        # ticket ids of yesterday closed as 'expired'


class TicketIssued(TicketPayload):
    # a checked-in booking's ticket (kiosk.bookings) says so; a walk-in's event has neither key
    slot_at: str | None = None       # the booking's slot (UTC)
    booked_name: str | None = None   # the name the booking gave, where the service asks one


class Rejoined(TicketPayload):
    queued_seq: int
    issued_at: str


class Called(TicketPayload):
    has_counter: ClassVar[bool | None] = True
    counter_number: str
    recall: int
    queued_seq: int
    issued_at: str


class Recalled(TicketPayload):
    has_counter: ClassVar[bool | None] = True
    counter_number: str
    recall: int               # how many recalls so far, this one included


class Started(CodePayload):
    pass


class Finished(CodePayload):
    pass


class NoShow(CodePayload):
    pass


class Transferred(TicketPayload):
    has_counter: ClassVar[bool | None] = True
    from_service_id: str
    queued_seq: int
    place: Literal["end", "returned", "kept"]
    issued_at: str


class TicketVoided(Payload):
    has_ticket: ClassVar[bool | None] = True
    has_counter: ClassVar[bool | None] = None  # the counter it was called to, if it was
    code: str
    reason: str
    by: str
    service_id: str
    agency_id: str
    was: Literal["waiting", "called", "no_show"]


class CounterOpened(Payload):
    has_counter: ClassVar[bool | None] = True
    user: str | None


class CounterClosed(Payload):
    has_counter: ClassVar[bool | None] = True


class CounterPaused(Payload):
    has_counter: ClassVar[bool | None] = True
    reason: str


class CounterResumed(Payload):
    has_counter: ClassVar[bool | None] = True


class PrinterFault(Payload):
    device: str
    kind: str
    message: str
    code: str | None          # the ticket being printed, if any


class SurveySubmitted(Payload):
    has_ticket: ClassVar[bool | None] = True
    code: str


class LoginLocked(Payload):
    scope: str
    user: str
    address: str
    failures: int
    retry_after_s: int


class CounterTakenOver(Payload):
    has_counter: ClassVar[bool | None] = True
    user: str
    from_user: str
    address: str


class DeviceEnrolled(Payload):
    name: str
    role: str


class DeviceRenamed(Payload):
    name: str
    from_name: str
    role: str


class DeviceRevoked(Payload):
    name: str
    role: str


class ConfigChanged(Payload):
    version: str              # SHA-256 of the config's public part (kiosk.live_config.config_version)
    from_version: str
    sections: list[str]       # top-level sections that changed, e.g. ["services", "schedule"]
    needs_restart: list[str]  # keys edited that apply only at the next start, e.g. ["server.port"]


class HelpRequested(Payload):
    device: str               # the kiosk's device name: where to go
    screen: str               # where the visitor was (home, agencies, services, confirm, ticket...)
    lang: str


class HelpAcknowledged(Payload):
    has_counter: ClassVar[bool | None] = None
    request_seq: int          # the help_requested event answered
    device: str
    user: str                 # who is coming


class NoticeEntry(BaseModel):
    """One notice on the displays' ticker."""
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: int
    text: dict[str, str]      # lang -> words: {"id": "...", "en": "..."}
    until: str | None         # ISO time it ends by itself, or None (until taken down)
    sign: str | None = None   # the key of its clip in the sign pack (token "notice:<sign>"), or None


class NoticesChanged(Payload):
    notices: list[NoticeEntry]  # every notice up now, oldest first (the whole list: a display just takes it)


PAYLOADS: dict[EventType, type[Payload]] = {
    EventType.DAY_ROLLED_OVER: DayRolledOver,
    EventType.NOTICES_CHANGED: NoticesChanged,
    EventType.TICKET_ISSUED: TicketIssued,
    EventType.REJOINED: Rejoined,
    EventType.CALLED: Called,
    EventType.RECALLED: Recalled,
    EventType.STARTED: Started,
    EventType.FINISHED: Finished,
    EventType.NO_SHOW: NoShow,
    EventType.TRANSFERRED: Transferred,
    EventType.TICKET_VOIDED: TicketVoided,
    EventType.COUNTER_OPENED: CounterOpened,
    EventType.COUNTER_CLOSED: CounterClosed,
    EventType.COUNTER_PAUSED: CounterPaused,
    EventType.COUNTER_RESUMED: CounterResumed,
    EventType.PRINTER_FAULT: PrinterFault,
    EventType.SURVEY_SUBMITTED: SurveySubmitted,
    EventType.LOGIN_LOCKED: LoginLocked,
    EventType.COUNTER_TAKEN_OVER: CounterTakenOver,
    EventType.DEVICE_ENROLLED: DeviceEnrolled,
    EventType.DEVICE_RENAMED: DeviceRenamed,
    EventType.DEVICE_REVOKED: DeviceRevoked,
    EventType.CONFIG_CHANGED: ConfigChanged,
    EventType.HELP_REQUESTED: HelpRequested,
    EventType.HELP_ACKNOWLEDGED: HelpAcknowledged,
}


class Event(BaseModel):
    """One row of the event log, as ``events_since`` and the event stream give it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    seq: int
    type: EventType
    at: str                   # ISO local time, milliseconds
    ticket_id: int | None = None
    counter_id: str | None = None
    payload: dict

    @model_validator(mode="after")
    def _columns_fit_the_type(self) -> "Event":
        model = PAYLOADS[self.type]
        for column, rule in (("ticket_id", model.has_ticket), ("counter_id", model.has_counter)):
            present = getattr(self, column) is not None
            if rule is not None and present != rule:
                raise ValueError(f"a {self.type} event {'needs' if rule else 'has no'} {column}")
        return self

    def typed_payload(self) -> Payload:
        """The payload as its type's model (a ValidationError names any field that does not fit)."""
        return PAYLOADS[self.type].model_validate(self.payload)
