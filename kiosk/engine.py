"""The queue engine: every rule of the queue, in plain Python over the store.

Each public method is one write transaction (BEGIN IMMEDIATE) that changes the
tickets or counters AND appends the event describing the change, so the event
log and the state never disagree. Time comes from the clock passed in; tokens
from the token factory passed in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from kiosk import aggregates, errors
from kiosk.locations import location_text
from kiosk.clock import Clock, SystemClock
from kiosk.codes import MAX_TICKET_NUMBER, format_code, normalise_code
from kiosk.config import Config, Counter, Service, service_location
from kiosk.protocol.events import SECURITY_EVENTS, EventType
from kiosk.protocol.requests import MAX_VOID  # tickets in one void (see there)
from kiosk.schedule import ServiceStatus, local_day, lobby_status, service_status
from kiosk.store import Store

ACTIVE_STATES = ("waiting", "called", "serving")
RECENT_CALLS = 20
SURVEY_ELEMENTS = 9
# Why a survey was refused (kept as counts in survey_refusals; shown in the report's survey_refusals table):
SURVEY_REFUSALS = (
    "staff_or_device",   # the request carried a device key or a staff session: not the visitor
    "unknown_ticket",    # no ticket has this token
    "already_done",      # this ticket's survey was already accepted
    "not_served",        # the ticket is not finished (waiting, called, serving, no-show, expired)
    "too_soon",          # served for less than queue.survey_min_service_seconds (start or call to finish)
    "expired",           # more than queue.survey_open_hours after the finish
    "no_survey_token",   # sent without the survey token the phone page gives out
    "bad_token",         # a survey token, but not this ticket's
)
REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# a supervisor may void these; a ticket being served or done was a real visit and stays one
VOIDABLE_STATES = ("waiting", "called", "no_show")


def iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def _utc_iso(when: datetime) -> str:
    """In UTC, so that times compare as text (a notice's end against now)."""
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


# the officer logged in at a counter (one parameter: the counter id), as a SQL expression
_OFFICER = "(SELECT user FROM counter_state WHERE counter_id = ?)"


@dataclass(frozen=True)
class Ticket:
    id: int
    token: str
    code: str
    service_id: str
    issued_service_id: str
    agency_id: str
    priority: bool
    lang: str
    state: str
    day: str
    issued_at: str
    queued_seq: int
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    no_show_at: str | None
    counter_id: str | None
    recalls: int
    transfers: int
    booking_id: int | None = None   # a checked-in booking's ticket (kiosk.bookings)
    slot_at: str | None = None      # its slot (UTC), the time it is called ahead of walk-ins from
    booked_name: str | None = None  # the name the booking gave, where the service asks for one

    @property
    def booked(self) -> bool:
        return self.booking_id is not None

    @classmethod
    def from_row(cls, row: dict) -> "Ticket":
        fields = {k: row[k] for k in cls.__dataclass_fields__}
        fields["priority"] = bool(fields["priority"])
        return cls(**fields)

    def public(self) -> dict:
        """What may be shown to the ticket holder or a device: everything but the token."""
        data = asdict(self)
        for key in ("token", "booking_id", "slot_at", "booked_name"):
            data.pop(key)
        data["booked"] = self.booked
        if self.booked:
            data["slot_at"] = self.slot_at
            if self.booked_name:
                data["booked_name"] = self.booked_name
        return data


@dataclass(frozen=True)
class Voided:
    tickets: list[Ticket]             # voided now, in number order
    skipped: list[tuple[str, str]]    # (code, state) of tickets in the range that cannot be voided


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    people_ahead: int
    estimate_minutes: int
    seq: int                # the seq of the ticket's ticket_issued event
    replayed: bool = False  # True: an earlier request with the same request_id made this ticket


class QueueEngine:
    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Clock | None = None,
        token_factory: Callable[[], str] = lambda: secrets.token_urlsafe(16),
        secret_factory: Callable[[], str] = lambda: secrets.token_hex(32),
    ):
        self.config = config
        self.store = store
        self.clock = clock or SystemClock()
        self.token_factory = token_factory
        self.services = config.service_by_id
        self.counters = config.counter_by_id
        self.groups = config.group_by_id
        with self.store.write() as conn:
            for counter in config.counters:
                conn.execute("INSERT OR IGNORE INTO counter_state (counter_id) VALUES (?)", (counter.id,))
            # the key of the survey tokens: one per database, so every process and a restart agree
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('survey_key', ?)", (secret_factory(),))
            self._survey_key = conn.execute("SELECT value FROM meta WHERE key = 'survey_key'").fetchone()[0].encode()
        from kiosk.bookings import BookingDesk

        self.bookings = BookingDesk(self)

    def replace_config(self, plan) -> int:
        """Switch to the config of a kiosk.live_config.ReloadPlan between two writes (the caller's thread is
        the one every write runs on) and record a config_changed event; its seq.

        Refused (kiosk.live_config.ConfigRefused, nothing changed) while a service the edit removes still has
        tickets waiting or at a counter, or a counter it removes has a ticket: they are served or transferred first.
        """
        from kiosk.live_config import ConfigRefused, config_version, removed_counters, removed_services

        new = plan.config
        gone_services = removed_services(self.config, new)
        gone_counters = removed_counters(self.config, new)
        now = self.clock.now()
        with self.store.write() as conn:
            if gone_services:
                marks = ",".join("?" * len(gone_services))
                busy = conn.execute(
                    f"SELECT service_id, count(*) FROM tickets WHERE state IN ('waiting', 'called', 'serving') "
                    f"AND service_id IN ({marks}) GROUP BY service_id ORDER BY service_id", gone_services).fetchall()
                if busy:
                    listed = ", ".join(f"{sid} ({n} ticket{'s' if n != 1 else ''})" for sid, n in busy)
                    raise ConfigRefused(
                        f"the edit removes services that still have tickets waiting or being served: {listed}; "
                        f"serve or transfer them first, then save the file again")
            if gone_counters:
                marks = ",".join("?" * len(gone_counters))
                busy = conn.execute(f"SELECT counter_id FROM counter_state WHERE ticket_id IS NOT NULL "
                                    f"AND counter_id IN ({marks}) ORDER BY counter_id", gone_counters).fetchall()
                if busy:
                    raise ConfigRefused(
                        f"the edit removes counters with a ticket at them: {', '.join(r[0] for r in busy)}; "
                        f"finish or transfer it first, then save the file again")
            for counter in new.counters:
                conn.execute("INSERT OR IGNORE INTO counter_state (counter_id) VALUES (?)", (counter.id,))
            seq = self._emit(conn, EventType.CONFIG_CHANGED, now, version=plan.version,
                             from_version=config_version(self.config), sections=list(plan.sections),
                             needs_restart=list(plan.needs_restart))
        # after the commit: a failed write leaves the running config as it was
        self.config = new
        self.services = new.service_by_id
        self.counters = new.counter_by_id
        self.groups = new.group_by_id
        return seq

    # ------------------------------------------------------------------ helpers

    def _service(self, service_id: str) -> Service:
        try:
            return self.services[service_id]
        except (KeyError, TypeError):
            raise errors.UnknownService(str(service_id)) from None

    def _counter(self, counter_id: str) -> Counter:
        try:
            return self.counters[counter_id]
        except (KeyError, TypeError):
            raise errors.UnknownCounter(str(counter_id)) from None

    @staticmethod
    def _one(conn, sql, params=()) -> dict | None:
        cursor = conn.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row))

    def _ticket(self, conn, ticket_id: int) -> Ticket:
        return Ticket.from_row(self._one(conn, "SELECT * FROM tickets WHERE id = ?", (ticket_id,)))

    def _emit(self, conn, type_: EventType, now: datetime, *, ticket_id=None, counter_id=None, **payload) -> int:
        cursor = conn.execute(
            "INSERT INTO events (type, at, ticket_id, counter_id, payload) VALUES (?, ?, ?, ?, ?)",
            (type_, iso(now), ticket_id, counter_id, json.dumps(payload, separators=(",", ":"), sort_keys=True)),
        )
        return cursor.lastrowid

    def _ticket_payload(self, ticket: Ticket) -> dict:
        return {
            "code": ticket.code,
            "service_id": ticket.service_id,
            "agency_id": ticket.agency_id,
            "priority": ticket.priority,
        }

    def _roll_over(self, conn, now: datetime) -> None:
        """At the first write of a new local day: close yesterday's open tickets as configured."""
        today = local_day(self.config, now).isoformat()
        row = self._one(conn, "SELECT value FROM meta WHERE key = 'day'")
        if row and row["value"] == today:
            return
        expired: list[int] = []
        if row is not None and self.config.queue.day_end == "expire":
            expired = [r[0] for r in conn.execute(
                "SELECT id FROM tickets WHERE state IN ('waiting', 'called', 'serving') AND day < ? ORDER BY id", (today,))]
            conn.execute(
                "UPDATE tickets SET state = 'expired' WHERE state IN ('waiting', 'called', 'serving') AND day < ?", (today,))
            # each counter's own ticket, by its id: every expired ticket of the years before is not read again
            # (420,000 of them, 0.25 s of the day's first write on a year's database)
            conn.execute(
                "UPDATE counter_state SET ticket_id = NULL WHERE ticket_id IS NOT NULL "
                "AND (SELECT state FROM tickets WHERE id = counter_state.ticket_id) = 'expired'")
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('day', ?)", (today,))
        # the closed days' report figures (yesterday, and any day a change made the report forget), in this write
        aggregates.build_missing(conn, self.config, today, iso(now))
        self._emit(conn, EventType.DAY_ROLLED_OVER, now, day=today, expired=expired)

    def _counter_row(self, conn, counter_id: str) -> dict:
        return self._one(conn, "SELECT * FROM counter_state WHERE counter_id = ?", (counter_id,))

    def _require_open(self, conn, counter: Counter) -> dict:
        state = self._counter_row(conn, counter.id)
        if state["status"] == "closed":
            raise errors.CounterUnavailable(msgid="error.counter_not_open", fields={"counter": counter.number})
        if state["status"] == "paused":
            raise errors.CounterUnavailable(msgid="error.counter_paused", fields={"counter": counter.number})
        return state

    def _require_free(self, conn, counter: Counter, state: dict) -> None:
        if state["ticket_id"] is not None:
            current = self._ticket(conn, state["ticket_id"])
            raise errors.CounterUnavailable(msgid="error.counter_still_has", fields={"counter": counter.number, "code": current.code},
                                            ticket=current.code)

    def _current(self, conn, counter: Counter, allowed: tuple[str, ...], action_id: str,
                 action_en: tuple[str, str]) -> Ticket:
        """The counter's ticket, if it is in an allowed state; action_en is (verb, participle)."""
        verb_en, done_en = action_en
        state = self._counter_row(conn, counter.id)
        if state["ticket_id"] is None:
            raise errors.InvalidState(msgid="error.counter_has_no_ticket", fields={
                "counter": counter.number, "action": lambda lang: verb_en if lang == "en" else action_id})
        ticket = self._ticket(conn, state["ticket_id"])
        if ticket.state not in allowed:
            raise errors.InvalidState(msgid="error.ticket_cannot_act", fields={
                "code": ticket.code, "state": ticket.state, "action": lambda lang: done_en if lang == "en" else action_id})
        return ticket

    def _issued_today(self, conn, service_id: str, day: str) -> int:
        """The day's tickets issued for the service, the quota's count: a voided ticket gives its place back,
        a ticket transferred in uses none (it holds the number of the service it was issued for)."""
        return conn.execute(
            "SELECT count(*) FROM tickets WHERE issued_service_id = ? AND day = ? AND state != 'voided'",
            (service_id, day)).fetchone()[0]

    def _open_counters(self, conn, service_id: str) -> int:
        ids = [c.id for c in self.config.counters if service_id in c.services]
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        return conn.execute(
            f"SELECT count(*) FROM counter_state WHERE status = 'open' AND counter_id IN ({marks})", ids).fetchone()[0]

    def _mean_service_minutes(self, conn, service: Service) -> float:
        rows = conn.execute(
            "SELECT started_at, finished_at FROM tickets WHERE service_id = ? AND started_at IS NOT NULL "
            "AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
            (service.id, self.config.queue.estimate_window),
        ).fetchall()
        durations = [
            (datetime.fromisoformat(done) - datetime.fromisoformat(start)).total_seconds() / 60 for start, done in rows]
        durations = [d for d in durations if d > 0]
        return sum(durations) / len(durations) if durations else service.service_minutes

    def _people_ahead(self, conn, ticket: Ticket) -> int:
        if ticket.state != "waiting":
            return 0
        # Two range counts on the queue index (service, state, priority, queued_seq):
        # older tickets of the same class, plus every priority ticket ahead of a regular one.
        same_class = conn.execute(
            "SELECT count(*) FROM tickets WHERE service_id = ? AND state = 'waiting' AND priority = ? AND queued_seq < ?",
            (ticket.service_id, int(ticket.priority), ticket.queued_seq)).fetchone()[0]
        if ticket.priority:
            return same_class
        return same_class + conn.execute(
            "SELECT count(*) FROM tickets WHERE service_id = ? AND state = 'waiting' AND priority = 1",
            (ticket.service_id,)).fetchone()[0]

    def _estimate(self, conn, service: Service, people_ahead: int) -> int:
        counters = max(1, self._open_counters(conn, service.id))
        return round(people_ahead / counters * self._mean_service_minutes(conn, service))

    def _status(self, conn, service: Service, now: datetime) -> ServiceStatus:
        day = local_day(self.config, now).isoformat()
        # only a quota needs the day's count; the bookings still to come hold their places
        issued = 0
        if service.daily_quota is not None:
            issued = self._issued_today(conn, service.id, day)
            if service.booking is not None:
                from kiosk.bookings import outstanding_bookings
                issued += outstanding_bookings(conn, self.config, service, now)
        return service_status(self.config, service, now, issued)

    # ------------------------------------------------------------------ visitors

    def issue_ticket(self, service_id: str, *, priority: bool = False, lang: str = "id", device: str | None = None,
                     request_id: str | None = None) -> Issued:
        """Issue the next number. With a ``request_id`` the call is idempotent: the same id again
        (a kiosk retrying after a lost answer) returns the ticket it made, not a second number."""
        if request_id is not None and not (isinstance(request_id, str) and REQUEST_ID.fullmatch(request_id)):
            raise errors.InvalidRequestId()
        service = self._service(service_id)
        if priority and not service.priority_allowed:
            raise errors.PriorityNotAllowed(service_id)
        lang = lang if lang in ("id", "en") else self.config.lobby.default_language
        now = self.clock.now()
        with self.store.write() as conn:
            if request_id is not None:
                # before the open/quota checks: the visitor already holds this number
                # even if the service closed while the answer was lost
                row = self._one(conn, "SELECT * FROM tickets WHERE request_id = ?", (request_id,))
                if row is not None:
                    return self._replay_issue(conn, row, service, priority, device)
            self._roll_over(conn, now)
            status = self._status(conn, service, now)
            if not status.is_open:
                raise errors.ServiceUnavailable(status)
            return self._issue_in(conn, service, now, priority=priority, lang=lang, device=device,
                                  request_id=request_id)

    def _issue_in(self, conn, service: Service, now: datetime, *, priority: bool, lang: str, device: str | None,
                  request_id: str | None = None, booking: dict | None = None) -> Issued:
        """The next number of the service's group, inside the caller's write transaction (a walk-in's, or a
        booking's check-in: ``booking`` is its row, and the ticket keeps its id, slot and the name given)."""
        day = local_day(self.config, now).isoformat()
        group = self.groups[service.group]
        number = conn.execute(
            "INSERT INTO numbering (group_id, day, last_number) VALUES (?, ?, 1) "
            "ON CONFLICT (group_id, day) DO UPDATE SET last_number = last_number + 1 RETURNING last_number",
            (group.id, day),
        ).fetchone()[0]
        if number > MAX_TICKET_NUMBER:
            # a code past it could not be read back (kiosk.codes); the rollback keeps the counter at the limit
            raise errors.InvalidState(msgid="error.group_numbers_used", fields={"prefix": group.prefix, "max": MAX_TICKET_NUMBER})
        code = format_code(group.prefix, number)
        seq_row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        queued_seq = (seq_row[0] if seq_row else 0) + 1  # the seq of the event below
        cursor = conn.execute(
            "INSERT INTO tickets (token, code, group_id, day, number, service_id, issued_service_id, agency_id, "
            "priority, lang, device, state, queued_seq, issued_at, request_id, booking_id, slot_at, booked_name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?)",
            (self.token_factory(), code, group.id, day, number, service.id, service.id, service.agency,
             int(priority), lang, device, queued_seq, iso(now), request_id,
             booking["id"] if booking else None, booking["slot_at"] if booking else None,
             (booking["name"] or None) if booking else None),
        )
        ticket = self._ticket(conn, cursor.lastrowid)
        booked = {}
        if ticket.booked:
            booked = {"slot_at": ticket.slot_at, **({"booked_name": ticket.booked_name} if ticket.booked_name else {})}
        seq = self._emit(conn, EventType.TICKET_ISSUED, now, ticket_id=ticket.id, **self._ticket_payload(ticket),
                         **booked)
        assert seq == queued_seq, "events.seq must be the queue order"
        ahead = self._people_ahead(conn, ticket)
        return Issued(ticket, ahead, self._estimate(conn, service, ahead), seq)

    def _replay_issue(self, conn, row: dict, service: Service, priority: bool, device: str | None) -> Issued:
        """The ticket an earlier request with this request_id made, as it stands now; writes nothing."""
        if (row["issued_service_id"], bool(row["priority"]), row["device"]) != (service.id, bool(priority), device):
            raise errors.RequestIdConflict()
        ticket = Ticket.from_row(row)
        seq = conn.execute(
            "SELECT seq FROM events WHERE ticket_id = ? AND type = ?", (ticket.id, EventType.TICKET_ISSUED)).fetchone()[0]
        ahead = self._people_ahead(conn, ticket)
        # the current service: the ticket may have been transferred since
        estimate = self._estimate(conn, self._service(ticket.service_id), ahead)
        return Issued(ticket, ahead, estimate, seq, replayed=True)

    def ticket_by_token(self, token: str) -> Ticket:
        rows = self.store.query("SELECT * FROM tickets WHERE token = ?", (str(token),))
        if not rows:
            raise errors.UnknownTicket("?")
        return Ticket.from_row(rows[0])

    def ticket_status(self, token: str) -> dict:
        """The public view behind the QR: position, estimate, counter when called."""
        with self.store.read() as conn:
            row = self._one(conn, "SELECT * FROM tickets WHERE token = ?", (str(token),))
            if row is None:
                raise errors.UnknownTicket("?")
            ticket = Ticket.from_row(row)
            service = self._service(ticket.service_id)
            ahead = self._people_ahead(conn, ticket)
            counter = self.counters.get(ticket.counter_id) if ticket.counter_id else None
            surveyed = conn.execute("SELECT 1 FROM surveys WHERE ticket_id = ?", (ticket.id,)).fetchone() is not None
            survey = "done" if surveyed else (self._survey_closed(ticket, self.clock.now()) or "open")
            seq = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
            public = ticket.public()
            public.pop("booked_name", None)  # the holder's page shows no name: the phone may be anyone's
            return {
                **public,
                "people_ahead": ahead,
                "estimate_minutes": self._estimate(conn, service, ahead) if ticket.state == "waiting" else 0,
                "counter_number": counter.number if counter else None,
                "surveyed": surveyed,
                "survey": survey,  # open, done, or why it is closed: not_served, too_soon, expired
                "can_rejoin": self._can_rejoin(ticket, self.clock.now()),
                "seq": seq,
            }

    def _can_rejoin(self, ticket: Ticket, now: datetime) -> bool:
        if ticket.state != "no_show" or ticket.no_show_at is None:
            return False
        if ticket.day != local_day(self.config, now).isoformat():
            return False
        return now - datetime.fromisoformat(ticket.no_show_at) <= timedelta(minutes=self.config.queue.rejoin_grace_minutes)

    def rejoin(self, token: str) -> Ticket:
        """A no-show comes back within the grace period: back in the queue, at its end."""
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            row = self._one(conn, "SELECT * FROM tickets WHERE token = ?", (str(token),))
            if row is None:
                raise errors.UnknownTicket("?")
            ticket = Ticket.from_row(row)
            if not self._can_rejoin(ticket, now):
                raise errors.InvalidState(msgid="error.cannot_rejoin", fields={
                    "code": ticket.code, "minutes": self.config.queue.rejoin_grace_minutes})
            return self._requeue(conn, ticket, now)

    def _requeue(self, conn, ticket: Ticket, now: datetime) -> Ticket:
        seq_row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        queued_seq = (seq_row[0] if seq_row else 0) + 1
        conn.execute(
            "UPDATE tickets SET state = 'waiting', queued_seq = ?, counter_id = NULL, no_show_at = NULL, called_at = NULL, "
            "recalls = 0 WHERE id = ?",
            (queued_seq, ticket.id))
        ticket = self._ticket(conn, ticket.id)
        self._emit(conn, EventType.REJOINED, now, ticket_id=ticket.id, queued_seq=queued_seq,
                   issued_at=ticket.issued_at, **self._ticket_payload(ticket))
        return ticket

    # ------------------------------------------------------------------ counters

    def open_counter(self, counter_id: str, user: str | None = None) -> None:
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            state = self._counter_row(conn, counter.id)
            if state["status"] == "open" and state["user"] == user:
                return
            conn.execute("UPDATE counter_state SET status = 'open', reason = NULL, user = ? WHERE counter_id = ?",
                         (user, counter.id))
            self._emit(conn, EventType.COUNTER_OPENED, now, counter_id=counter.id, user=user)

    def close_counter(self, counter_id: str) -> None:
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            state = self._counter_row(conn, counter.id)
            if state["status"] == "closed":
                return
            self._require_free(conn, counter, state)
            # the priority streak stays: reopening must not let priority jump the waiting regulars again
            conn.execute("UPDATE counter_state SET status = 'closed', reason = NULL, user = NULL WHERE counter_id = ?",
                         (counter.id,))
            self._emit(conn, EventType.COUNTER_CLOSED, now, counter_id=counter.id)

    def pause(self, counter_id: str, reason: str = "break") -> None:
        counter = self._counter(counter_id)
        reason = (str(reason) or "break")[:80]
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            self._require_open(conn, counter)
            conn.execute("UPDATE counter_state SET status = 'paused', reason = ? WHERE counter_id = ?", (reason, counter.id))
            self._emit(conn, EventType.COUNTER_PAUSED, now, counter_id=counter.id, reason=reason)

    def resume(self, counter_id: str) -> None:
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            state = self._counter_row(conn, counter.id)
            if state["status"] != "paused":
                raise errors.InvalidState(msgid="error.counter_not_paused", fields={"counter": counter.number})
            conn.execute("UPDATE counter_state SET status = 'open', reason = NULL WHERE counter_id = ?", (counter.id,))
            self._emit(conn, EventType.COUNTER_RESUMED, now, counter_id=counter.id)

    def _next_for(self, conn, counter: Counter, streak: int, booked_streak: int = 0,
                  now: datetime | None = None) -> tuple[int | None, int, int]:
        """The ticket call-next takes, and the counter's priority and booked streaks after taking it.

        Oldest priority ticket first, but at most N priority calls in a row while a regular
        one waits. The streak counts only those calls: a priority call with no regular
        ticket waiting harms no one, and a regular call ends the streak.

        Among regular tickets, a checked-in booking whose slot has begun ("due") goes before the
        walk-ins, oldest slot first, but at most ``queue.max_consecutive_booked`` booked calls in a
        row while a walk-in waits; a booking checked in before its slot waits as a walk-in until then
        (docs/booking.md, "Who is called next").
        """
        now_iso = iso(now or self.clock.now())
        oldest = {}
        for priority in (1, 0):
            best = None
            for service_id in counter.services:
                row = conn.execute(
                    "SELECT queued_seq, id FROM tickets WHERE service_id = ? AND state = 'waiting' AND priority = ? "
                    "AND (priority = 1 OR slot_at IS NULL OR slot_at > ?) "
                    "ORDER BY queued_seq LIMIT 1", (service_id, priority, now_iso)).fetchone()
                if row and (best is None or row[0] < best[0]):
                    best = row
            oldest[priority] = best
        due = None
        for service_id in counter.services:
            row = conn.execute(
                "SELECT slot_at, queued_seq, id FROM tickets WHERE service_id = ? AND state = 'waiting' "
                "AND priority = 0 AND slot_at IS NOT NULL AND slot_at <= ? ORDER BY slot_at, queued_seq LIMIT 1",
                (service_id, now_iso)).fetchone()
            if row and (due is None or row[:2] < due[:2]):
                due = row
        walk_in, prio = oldest[0], oldest[1]
        if due and (walk_in is None or booked_streak < self.config.queue.max_consecutive_booked):
            regular, next_booked = (due[2],), (booked_streak + 1 if walk_in else 0)
        elif walk_in:
            regular, next_booked = (walk_in[1],), 0
        else:
            regular, next_booked = None, booked_streak
        if prio and regular is None:
            return prio[1], 0, booked_streak
        if prio and streak < self.config.queue.max_consecutive_priority:
            return prio[1], streak + 1, booked_streak
        if regular:
            return regular[0], 0, next_booked
        return None, streak, booked_streak

    def _call(self, conn, counter: Counter, ticket_id: int, now: datetime, streak: int,
              booked_streak: int | None = None) -> Ticket:
        conn.execute(
            "UPDATE tickets SET state = 'called', called_at = ?, counter_id = ?, recalls = 0, started_at = NULL, "
            # the first call's time and counter, for the report's waiting time (store.m009_day_aggregates)
            "first_call_counter_id = CASE WHEN first_called_at IS NULL THEN ? ELSE first_call_counter_id END, "
            "first_called_at = coalesce(first_called_at, ?), "
            f"served_by = {_OFFICER} WHERE id = ?", (iso(now), counter.id, counter.id, iso(now), counter.id, ticket_id))
        conn.execute("UPDATE counter_state SET ticket_id = ?, priority_streak = ?, "
                     "booked_streak = coalesce(?, booked_streak) WHERE counter_id = ?",
                     (ticket_id, streak, booked_streak, counter.id))
        ticket = self._ticket(conn, ticket_id)
        self._emit(conn, EventType.CALLED, now, ticket_id=ticket.id, counter_id=counter.id,
                   counter_number=counter.number, recall=0, queued_seq=ticket.queued_seq,
                   issued_at=ticket.issued_at, **self._ticket_payload(ticket))
        return ticket

    def call_next(self, counter_id: str) -> Ticket:
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            state = self._require_open(conn, counter)
            self._require_free(conn, counter, state)
            ticket_id, streak, booked_streak = self._next_for(
                conn, counter, state["priority_streak"], state["booked_streak"], now)
            if ticket_id is None:
                raise errors.NothingWaiting()
            return self._call(conn, counter, ticket_id, now, streak, booked_streak)

    def find_ticket(self, ref: str) -> Ticket:
        """A ticket of today by its code ('A-012', 'a12', 'A012') or by its token / status URL."""
        ref = str(ref).strip()
        if "/t/" in ref:
            ref = ref.rsplit("/t/", 1)[1].split("?")[0].strip("/")
        day = local_day(self.config, self.clock.now()).isoformat()
        rows = self.store.query("SELECT * FROM tickets WHERE token = ?", (ref,))
        if not rows:
            code = _normalise_code(ref)
            if code:
                rows = self.store.query(
                    "SELECT * FROM tickets WHERE code = ? AND day = ? ORDER BY id DESC LIMIT 1", (code, day))
        if not rows:
            raise errors.UnknownTicket(ref[:24])
        return Ticket.from_row(rows[0])

    def call_ticket(self, counter_id: str, ref: str) -> Ticket:
        """Call one given ticket (from the list, typed or scanned): waiting, or a no-show within grace."""
        counter = self._counter(counter_id)
        ticket = self.find_ticket(ref)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            state = self._require_open(conn, counter)
            self._require_free(conn, counter, state)
            ticket = self._ticket(conn, ticket.id)  # fresh, inside the lock
            if ticket.service_id not in counter.services:
                raise errors.NotServedHere(counter.number, ticket.service_id)
            if ticket.state == "no_show" and self._can_rejoin(ticket, now):
                pass
            elif ticket.state != "waiting":
                raise errors.InvalidState(msgid="error.ticket_not_waiting", fields={"code": ticket.code, "state": ticket.state})
            return self._call(conn, counter, ticket.id, now, state["priority_streak"])

    def recall(self, counter_id: str) -> Ticket:
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            ticket = self._current(conn, counter, ("called",), "dipanggil ulang", ("recall", "recalled"))
            conn.execute("UPDATE tickets SET recalls = recalls + 1 WHERE id = ?", (ticket.id,))
            ticket = self._ticket(conn, ticket.id)
            self._emit(conn, EventType.RECALLED, now, ticket_id=ticket.id, counter_id=counter.id,
                       counter_number=counter.number, recall=ticket.recalls, **self._ticket_payload(ticket))
            return ticket

    def start(self, counter_id: str) -> Ticket:
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            ticket = self._current(conn, counter, ("called",), "dilayani", ("start", "started"))
            conn.execute("UPDATE tickets SET state = 'serving', started_at = ? WHERE id = ?", (iso(now), ticket.id))
            self._emit(conn, EventType.STARTED, now, ticket_id=ticket.id, counter_id=counter.id, code=ticket.code)
            return self._ticket(conn, ticket.id)

    def finish(self, counter_id: str) -> Ticket:
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            ticket = self._current(conn, counter, ("called", "serving"), "diselesaikan", ("finish", "finished"))
            # Finished straight from "called": service began when the visitor was called.
            conn.execute("UPDATE tickets SET state = 'done', finished_at = ?, started_at = coalesce(started_at, called_at), "
                         f"served_by = coalesce({_OFFICER}, served_by) WHERE id = ?", (iso(now), counter.id, ticket.id))
            conn.execute("UPDATE counter_state SET ticket_id = NULL WHERE counter_id = ?", (counter.id,))
            self._emit(conn, EventType.FINISHED, now, ticket_id=ticket.id, counter_id=counter.id, code=ticket.code)
            return self._ticket(conn, ticket.id)

    def no_show(self, counter_id: str) -> Ticket:
        counter = self._counter(counter_id)
        now = self.clock.now()
        needed = self.config.queue.recalls_before_no_show
        with self.store.write() as conn:
            self._roll_over(conn, now)
            ticket = self._current(conn, counter, ("called",), "ditandai tidak hadir", ("mark no-show", "marked no-show"))
            if ticket.recalls < needed:
                raise errors.InvalidState(msgid="error.recall_first", fields={
                    "code": ticket.code, "recalls": ticket.recalls, "needed": needed})
            conn.execute(f"UPDATE tickets SET state = 'no_show', no_show_at = ?, served_by = coalesce({_OFFICER}, served_by) "
                         "WHERE id = ?", (iso(now), counter.id, ticket.id))
            conn.execute("UPDATE counter_state SET ticket_id = NULL WHERE counter_id = ?", (counter.id,))
            self._emit(conn, EventType.NO_SHOW, now, ticket_id=ticket.id, counter_id=counter.id, code=ticket.code)
            return self._ticket(conn, ticket.id)

    def undo_no_show(self, counter_id: str) -> Ticket:
        """The counter's last no-show, marked within ``queue.no_show_undo_s``, is called back to it (a mistaken F5).

        It is called again (a ``called`` event), so every window and the display show it at this counter."""
        counter = self._counter(counter_id)
        now = self.clock.now()
        limit = self.config.queue.no_show_undo_s
        with self.store.write() as conn:
            self._roll_over(conn, now)
            state = self._require_open(conn, counter)
            self._require_free(conn, counter, state)
            row = self._one(conn, "SELECT * FROM tickets WHERE counter_id = ? AND state = 'no_show' AND day = ? "
                                  "ORDER BY no_show_at DESC, id DESC LIMIT 1",
                            (counter.id, local_day(self.config, now).isoformat()))
            ticket = Ticket.from_row(row) if row else None
            if ticket is None or now - datetime.fromisoformat(ticket.no_show_at) > timedelta(seconds=limit):
                raise errors.InvalidState(msgid="error.no_show_not_undoable", fields={"counter": counter.number, "limit": limit})
            conn.execute("UPDATE tickets SET no_show_at = NULL WHERE id = ?", (ticket.id,))
            return self._call(conn, counter, ticket.id, now, state["priority_streak"])

    def transfer(self, counter_id: str, service_id: str, *, supervisor: bool = False,
                 keep_place: bool = False) -> Ticket:
        """Send the counter's ticket to another service's queue, under that service's rules.

        Who may: a transfer into a service that takes no tickets now (closed, or full: its daily quota
        reached), or that belongs to another agency, needs a supervisor (``supervisor``: the server passes
        the session's flag); otherwise SupervisorRequired says why. ``keep_place`` is a supervisor's only.

        Where it lands (the fair place rule): at the END of the target's queue, as if issued at the moment
        of the transfer, so it never jumps anyone already waiting there; except a transfer BACK into a
        service the ticket already waited in today (sent to fetch a document, then back), which gets back
        the place it last had in that queue, so no one waits twice for the same service. A supervisor's
        ``keep_place`` queues it by the moment it was issued instead, as if it had waited in the target
        from the start (e.g. the kiosk's catalog sent the visitor to the wrong service). It keeps its code
        and priority.

        Quota: a transferred ticket keeps counting for the service it was issued for and uses none of the
        target's quota (the quota counts the numbers the kiosk gives out); a full target still needs a
        supervisor, so staff cannot send visitors into a service that has stopped taking them.
        """
        counter = self._counter(counter_id)
        target = self._service(service_id)
        if keep_place and not supervisor:
            raise errors.SupervisorRequired(msgid="error.transfer_keep_place_supervisor")
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            ticket = self._current(conn, counter, ("called", "serving"), "dialihkan", ("transfer", "transferred"))
            if target.id == ticket.service_id:
                raise errors.InvalidState(msgid="error.already_in_service", fields={"code": ticket.code})
            if not supervisor:
                self._require_transfer_allowed(conn, ticket, target, now)
            seq_row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
            next_seq = (seq_row[0] if seq_row else 0) + 1  # the seq of the transferred event below
            if keep_place:
                issued_seq = conn.execute("SELECT seq FROM events WHERE ticket_id = ? AND type = ?",
                                          (ticket.id, EventType.TICKET_ISSUED)).fetchone()
                queued_seq, place = (issued_seq[0] if issued_seq else ticket.queued_seq), "kept"
            else:
                earlier = self._last_place_in(conn, ticket.id, target.id)
                queued_seq, place = (earlier, "returned") if earlier is not None else (next_seq, "end")
            conn.execute(
                "UPDATE tickets SET state = 'waiting', service_id = ?, agency_id = ?, counter_id = NULL, "
                "called_at = NULL, started_at = NULL, recalls = 0, transfers = transfers + 1, queued_seq = ? "
                "WHERE id = ?",
                (target.id, target.agency, queued_seq, ticket.id))
            conn.execute("UPDATE counter_state SET ticket_id = NULL WHERE counter_id = ?", (counter.id,))
            moved = self._ticket(conn, ticket.id)
            seq = self._emit(conn, EventType.TRANSFERRED, now, ticket_id=ticket.id, counter_id=counter.id,
                             from_service_id=ticket.service_id, queued_seq=moved.queued_seq, place=place,
                             issued_at=moved.issued_at, **self._ticket_payload(moved))
            assert seq == next_seq, "events.seq must be the queue order"
            return moved

    def _require_transfer_allowed(self, conn, ticket: Ticket, target: Service, now: datetime) -> None:
        """What a plain officer may not do alone: send a visitor to a closed or full service, or to another agency."""
        def name(lang: str) -> str:
            return target.name.get(lang) or target.name.get("id")

        if target.agency != ticket.agency_id:
            agency = self.config.agency_by_id.get(target.agency)
            short = agency.short_name if agency else target.agency
            raise errors.SupervisorRequired(msgid="error.transfer_other_agency", fields={"service": name, "agency": short},
                                            service_id=target.id, reason="other_agency")
        status = self._status(conn, target, now)
        if status.state == "full":
            raise errors.SupervisorRequired(msgid="error.transfer_full", fields={"service": name, "quota": target.daily_quota},
                                            service_id=target.id, reason="full")
        if not status.is_open:
            raise errors.SupervisorRequired(msgid="error.transfer_closed", fields={"service": name, "status": status.text},
                                            service_id=target.id, reason="closed")

    def _last_place_in(self, conn, ticket_id: int, service_id: str) -> int | None:
        """The queued_seq the ticket last had in that service's queue today (issued, transferred or rejoined
        there), or None if it never waited in it."""
        place = None
        for type_, seq, payload in conn.execute(
                "SELECT type, seq, payload FROM events WHERE ticket_id = ? AND type IN (?, ?, ?) ORDER BY seq",
                (ticket_id, EventType.TICKET_ISSUED, EventType.TRANSFERRED, EventType.REJOINED)):
            data = json.loads(payload)
            if data.get("service_id") == service_id:
                place = seq if type_ == EventType.TICKET_ISSUED else data["queued_seq"]
        return place

    # ------------------------------------------------------------------ supervisors

    def void_tickets(self, *, codes: list[str] | None = None, prefix: str | None = None,
                     from_number: int | None = None, to_number: int | None = None,
                     reason: str, by_user: str) -> "Voided":
        """A supervisor cancels tickets of today: named ``codes``, and/or the range ``prefix`` from_number..to_number.

        A voided ticket leaves the queue (state 'voided'; a ticket called to a counter is taken off it and
        the counter is free), gives its place in the daily quota back, and leaves the reports' visits (they
        count it as voided). Its number is never given out again. Only a waiting, called or missed (no-show)
        ticket can be voided: one being served or done was a real visit. A named code that cannot be voided
        refuses the whole call (nothing changes); in a range such tickets are skipped and listed.
        One event per ticket (``ticket_voided``: code, reason, by), in the same transaction.
        """
        reason = " ".join(str(reason or "").split())
        if not 3 <= len(reason) <= 200:
            raise errors.VoidRefused(msgid="error.void_reason")
        codes = list(codes or [])
        wants_range = prefix is not None or from_number is not None or to_number is not None
        if not codes and not wants_range:
            raise errors.VoidRefused(msgid="error.void_nothing_named")
        named: list[str] = []
        for ref in codes:
            code = normalise_code(str(ref))
            if code is None:
                raise errors.VoidRefused(msgid="error.void_not_a_code", fields={"ref": str(ref)[:24]})
            if code not in named:
                named.append(code)
        span = None
        if wants_range:
            span = self._void_range(prefix, from_number, to_number)
            if span[2] - span[1] + 1 > MAX_VOID:
                raise errors.VoidRefused(msgid="error.void_too_many", fields={"max": MAX_VOID})
        if len(named) > MAX_VOID:
            raise errors.VoidRefused(msgid="error.void_too_many", fields={"max": MAX_VOID})
        by_user = str(by_user)[:40]
        now = self.clock.now()
        day = local_day(self.config, now).isoformat()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            chosen: dict[int, dict] = {}
            for code in named:
                row = self._one(conn, "SELECT * FROM tickets WHERE code = ? AND day = ? ORDER BY id DESC LIMIT 1",
                                (code, day))
                if row is None:
                    raise errors.UnknownTicket(code)
                if row["state"] not in VOIDABLE_STATES:
                    raise errors.InvalidState(msgid=_not_voidable(row["state"]), fields={"code": row["code"], "state": row["state"]},
                                              ticket=row["code"])
                chosen[row["id"]] = row
            skipped: list[tuple[str, str]] = []
            if span is not None:
                group_id, low, high = span
                cursor = conn.execute(
                    "SELECT * FROM tickets WHERE group_id = ? AND day = ? AND number BETWEEN ? AND ? ORDER BY number",
                    (group_id, day, low, high))
                names = [d[0] for d in cursor.description]
                found = [dict(zip(names, r)) for r in cursor.fetchall()]
                for row in found:
                    if row["state"] in VOIDABLE_STATES:
                        chosen.setdefault(row["id"], row)
                    elif row["id"] not in chosen:
                        skipped.append((row["code"], row["state"]))
                if not any(r["id"] in chosen for r in found) and not named:
                    first, last = (format_code(self.groups[group_id].prefix, n) for n in (low, high))
                    raise errors.VoidRefused(msgid="error.void_range_empty", fields={"first": first, "last": last},
                                             skipped=len(skipped))
            if len(chosen) > MAX_VOID:
                raise errors.VoidRefused(msgid="error.void_too_many", fields={"max": MAX_VOID})
            voided = []
            for ticket_id in sorted(chosen, key=lambda i: chosen[i]["number"]):
                row = chosen[ticket_id]
                at_counter = row["counter_id"] if row["state"] == "called" else None
                conn.execute(
                    "UPDATE tickets SET state = 'voided', voided_at = ?, void_reason = ?, voided_by = ? WHERE id = ?",
                    (iso(now), reason, by_user, ticket_id))
                if at_counter is not None:
                    conn.execute("UPDATE counter_state SET ticket_id = NULL WHERE counter_id = ? AND ticket_id = ?",
                                 (at_counter, ticket_id))
                self._emit(conn, EventType.TICKET_VOIDED, now, ticket_id=ticket_id, counter_id=at_counter,
                           code=row["code"], reason=reason, by=by_user, service_id=row["service_id"],
                           agency_id=row["agency_id"], was=row["state"])
                voided.append(self._ticket(conn, ticket_id))
            return Voided(voided, skipped)

    def _void_range(self, prefix, from_number, to_number) -> tuple[str, int, int]:
        """(group id, low, high) of a range given by its printed prefix and numbers."""
        if prefix is None or from_number is None or to_number is None:
            raise errors.VoidRefused(msgid="error.void_range_incomplete")
        group = next((g for g in self.config.groups if g.prefix == str(prefix).strip().upper()), None)
        if group is None:
            raise errors.VoidRefused(msgid="error.void_unknown_group", fields={"prefix": str(prefix)[:8]})
        if isinstance(from_number, bool) or isinstance(to_number, bool) or not (
                isinstance(from_number, int) and isinstance(to_number, int)
                and 1 <= from_number <= to_number <= MAX_TICKET_NUMBER):
            raise errors.VoidRefused(msgid="error.void_range_bounds", fields={"max": MAX_TICKET_NUMBER})
        return group.id, from_number, to_number

    # ------------------------------------------------------------------ notices on the displays' ticker

    def notices(self) -> list[dict]:
        """Every notice up now, oldest first: [{id, text: {id, en}, until, sign}] (one ended by its time is not);
        ``sign``: the key of its clip in the sign pack, or None."""
        with self.store.read() as conn:
            return self._notices(conn, self.clock.now())

    def _notices(self, conn, now: datetime) -> list[dict]:
        rows = conn.execute("SELECT id, text_id, text_en, until, sign FROM notices WHERE removed_at IS NULL "
                            "AND (until IS NULL OR until > ?) ORDER BY id", (_utc_iso(now),)).fetchall()
        return [{"id": row[0], "text": {"id": row[1], "en": row[2]}, "until": row[3], "sign": row[4]} for row in rows]

    def add_notice(self, text_id: str, text_en: str, until: datetime | None, by: str,
                   sign: str | None = None) -> tuple[int, int]:
        """Put a notice up: (its id, the seq of the notices_changed event every display follows)."""
        now = self.clock.now()
        if until is not None and until <= now:
            raise errors.NoticeInvalid(msgid="error.notice_ended", fields={})
        with self.store.write() as conn:
            self._roll_over(conn, now)
            cursor = conn.execute(
                "INSERT INTO notices (text_id, text_en, until, created_at, created_by, sign) VALUES (?, ?, ?, ?, ?, ?)",
                (text_id, text_en, _utc_iso(until) if until is not None else None, iso(now), by, sign))
            notice_id = cursor.lastrowid
            seq = self._emit(conn, EventType.NOTICES_CHANGED, now, notices=self._notices(conn, now))
        return notice_id, seq

    def remove_notice(self, notice_id: int, by: str) -> int:
        """Take a notice down: the seq of the notices_changed event."""
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            cursor = conn.execute("UPDATE notices SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL",
                                  (iso(now), by, int(notice_id)))
            if cursor.rowcount == 0:
                raise errors.NotFound(msgid="error.notice_not_found", fields={"id": notice_id})
            return self._emit(conn, EventType.NOTICES_CHANGED, now, notices=self._notices(conn, now))

    # ------------------------------------------------------------------ devices and surveys

    def record_printer_fault(self, device: str, kind: str, message: str, ticket_code: str | None = None) -> int:
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            return self._emit(conn, EventType.PRINTER_FAULT, now, device=str(device)[:40], kind=str(kind)[:40],
                              message=str(message)[:300], code=ticket_code)

    # ------------------------------------------------------------------ a visitor's call for help

    def request_help(self, device: str, screen: str, lang: str) -> int:
        """The help button or key at a kiosk: open until a staff member acknowledges it. A kiosk that asks
        again while its call is open gets the same call (seq), not a second one."""
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            open_ = self._open_help(conn)
            for request in open_:
                if request["device"] == device:
                    return request["seq"]
            seq = self._emit(conn, EventType.HELP_REQUESTED, now, device=str(device)[:40], screen=str(screen)[:20],
                             lang=str(lang)[:5])
            open_.append({"seq": seq, "device": str(device)[:40], "screen": str(screen)[:20], "at": iso(now)})
            self._save_open_help(conn, open_)
            return seq

    def acknowledge_help(self, request_seq: int, user: str, counter_id: str | None = None) -> int:
        """A staff member is on the way: the call leaves every window. Unknown or answered already: NotFound."""
        now = self.clock.now()
        with self.store.write() as conn:
            open_ = self._open_help(conn)
            request = next((r for r in open_ if r["seq"] == int(request_seq)), None)
            if request is None:
                raise errors.NotFound(msgid="error.help_not_open", fields={"seq": int(request_seq)})
            seq = self._emit(conn, EventType.HELP_ACKNOWLEDGED, now, counter_id=counter_id,
                             request_seq=int(request_seq), device=request["device"], user=str(user)[:40])
            self._save_open_help(conn, [r for r in open_ if r["seq"] != int(request_seq)])
            return seq

    def _open_help(self, conn) -> list[dict]:
        # kept in meta (no scan of the event log): the calls not yet acknowledged, oldest first
        row = self._one(conn, "SELECT value FROM meta WHERE key = 'help_open'")
        return json.loads(row["value"]) if row else []

    def _save_open_help(self, conn, requests: list[dict]) -> None:
        conn.execute("INSERT INTO meta (key, value) VALUES ('help_open', ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (json.dumps(requests),))

    # ------------------------------------------------------------------ security (staff logins)

    def record_login_locked(self, scope: str, user: str, address: str, failures: int, retry_after_s: int) -> int:
        """Wrong PINs reached a limit (kiosk.server.auth.LoginLimiter): ``scope`` says which count."""
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            return self._emit(conn, EventType.LOGIN_LOCKED, now, scope=str(scope)[:20], user=str(user)[:40],
                              address=str(address)[:64], failures=int(failures), retry_after_s=int(retry_after_s))

    def record_counter_taken_over(self, counter_id: str, user: str, from_user: str, address: str) -> int:
        """A supervisor (``user``) logged in to a counter while ``from_user`` was still logged in there."""
        counter = self._counter(counter_id)
        now = self.clock.now()
        with self.store.write() as conn:
            self._roll_over(conn, now)
            return self._emit(conn, EventType.COUNTER_TAKEN_OVER, now, counter_id=counter.id, user=str(user)[:40],
                              from_user=str(from_user)[:40], address=str(address)[:64])

    def security_events(self, limit: int = 500) -> list[dict]:
        """Today's (the lobby's day) lockouts and take-overs, oldest first, at most the last ``limit``."""
        today = local_day(self.config, self.clock.now()).isoformat()
        placeholders = ", ".join("?" * len(SECURITY_EVENTS))
        with self.store.read() as conn:
            # every write of a day follows that day's day_rolled_over: only today's events are scanned
            rolled = conn.execute("SELECT seq, payload FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1",
                                  (EventType.DAY_ROLLED_OVER,)).fetchone()
            if rolled is None or json.loads(rolled[1]).get("day") != today:
                return []
            rows = conn.execute(
                f"SELECT seq, type, at, ticket_id, counter_id, payload FROM events WHERE seq > ? "
                f"AND type IN ({placeholders}) ORDER BY seq DESC LIMIT ?",
                (rolled[0], *SECURITY_EVENTS, int(limit))).fetchall()
        return [_event_dict(r) for r in reversed(rows)]

    # The survey rules, in the order they are checked (the first that applies is the reason), and the HTTP
    # status of each; the sentence is the catalog's error.survey_refused.<reason>.
    _SURVEY_STATUS = {
        "staff_or_device": 403,
        "already_done": 409,
        "not_served": 409,
        "too_soon": 409,
        "expired": 409,
        "no_survey_token": 403,
        "bad_token": 403,
    }

    def _survey_closed(self, ticket: Ticket, now: datetime) -> str | None:
        """Why this ticket's survey cannot be taken now (not_served, too_soon, expired), or None: it is open."""
        if ticket.state != "done" or not ticket.finished_at:
            return "not_served"
        finished = datetime.fromisoformat(ticket.finished_at)
        began = ticket.started_at or ticket.called_at
        served_s = (finished - datetime.fromisoformat(began)).total_seconds() if began else 0.0
        if served_s < self.config.queue.survey_min_service_seconds:
            return "too_soon"
        if now - finished > timedelta(hours=self.config.queue.survey_open_hours):
            return "expired"
        return None

    def _survey_token_of(self, ticket: Ticket) -> str:
        # an HMAC of the ticket and its finish: the same for every render of its page (a half-filled
        # form is never replaced by a new one), worthless for any other ticket, and once its survey is
        # accepted the ticket is "already_done", so the token is good for one survey only
        message = f"survey:{ticket.id}:{ticket.token}:{ticket.finished_at}".encode()
        digest = hmac.new(self._survey_key, message, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()

    def survey_token(self, token: str) -> str | None:
        """The one-time survey token the phone page puts in its survey form; None while the survey is not open."""
        with self.store.read() as conn:
            row = self._one(conn, "SELECT * FROM tickets WHERE token = ?", (str(token),))
            if row is None:
                return None
            ticket = Ticket.from_row(row)
            if conn.execute("SELECT 1 FROM surveys WHERE ticket_id = ?", (ticket.id,)).fetchone() is not None:
                return None
        if self._survey_closed(ticket, self.clock.now()) is not None:
            return None
        return self._survey_token_of(ticket)

    def _survey_refusal(self, conn, ticket: Ticket | None, survey_token: str | None, credentialed: bool,
                        now: datetime) -> str | None:
        if credentialed:
            return "staff_or_device"
        if ticket is None:
            return "unknown_ticket"
        if conn.execute("SELECT 1 FROM surveys WHERE ticket_id = ?", (ticket.id,)).fetchone() is not None:
            return "already_done"
        closed = self._survey_closed(ticket, now)
        if closed:
            return closed
        if not survey_token:
            return "no_survey_token"
        if not hmac.compare_digest(str(survey_token).encode("utf-8", "replace")[:64],
                                   self._survey_token_of(ticket).encode()):
            return "bad_token"
        return None

    def _record_survey_refusal(self, conn, ticket: Ticket | None, reason: str, now: datetime) -> None:
        day = local_day(self.config, now).isoformat()
        conn.execute(
            "INSERT INTO survey_refusals (day, agency_id, service_id, counter_id, reason, refused, first_at, last_at) "
            "VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (day, agency_id, service_id, counter_id, reason) "
            "DO UPDATE SET refused = refused + 1, last_at = excluded.last_at",
            (day, ticket.agency_id if ticket else "", ticket.service_id if ticket else "",
             (ticket.counter_id or "") if ticket else "", reason, iso(now), iso(now)))

    def submit_survey(self, token: str, scores: list[int], comment: str = "", *, survey_token: str | None = None,
                      credentialed: bool = False) -> None:
        """The SKM survey (PermenPANRB 14/2017): 9 elements scored 1-4, accepted once per finished ticket, only
        from its phone page (``survey_token``, see :meth:`survey_token`; ``credentialed``: the request carried a
        device key or staff session) and only after a real service (queue.survey_min_service_seconds).

        A refusal raises SurveyRefused (UnknownTicket for an unknown token) and is counted with its reason."""
        if not isinstance(scores, (list, tuple)) or len(scores) != SURVEY_ELEMENTS or any(not isinstance(s, int) or isinstance(s, bool) or not 1 <= s <= 4
                                                 for s in scores):
            raise errors.SurveyError(msgid="error.survey_scores")
        now = self.clock.now()
        with self.store.write() as conn:
            row = self._one(conn, "SELECT * FROM tickets WHERE token = ?", (str(token),))
            ticket = Ticket.from_row(row) if row is not None else None
            reason = self._survey_refusal(conn, ticket, survey_token, credentialed, now)
            if reason is not None:
                # committed with the write: the refusal is counted even though the caller gets an error
                self._record_survey_refusal(conn, ticket, reason, now)
            else:
                conn.execute(
                    "INSERT INTO surveys (ticket_id, submitted_at, agency_id, service_id, counter_id, u1, u2, u3, u4, "
                    "u5, u6, u7, u8, u9, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ticket.id, iso(now), ticket.agency_id, ticket.service_id, ticket.counter_id, *scores,
                     str(comment)[:1000]))
                self._emit(conn, EventType.SURVEY_SUBMITTED, now, ticket_id=ticket.id, code=ticket.code)
        if reason == "unknown_ticket":
            raise errors.UnknownTicket("?")
        if reason is not None:
            raise errors.SurveyRefused(reason, self._SURVEY_STATUS[reason])

    def tick(self) -> None:
        """Called periodically by the server so midnight closes the day even in a quiet lobby."""
        now = self.clock.now()
        today = local_day(self.config, now).isoformat()
        rows = self.store.query("SELECT value FROM meta WHERE key = 'day'")
        if rows and rows[0]["value"] == today:
            return
        with self.store.write() as conn:
            self._roll_over(conn, now)

    # ------------------------------------------------------------------ reads

    def service_status(self, service_id: str) -> ServiceStatus:
        service = self._service(service_id)
        with self.store.read() as conn:
            return self._status(conn, service, self.clock.now())

    def catalog(self, lang: str = "id") -> dict:
        """Agencies and services with status, waiting count and estimated wait."""
        now = self.clock.now()
        day = local_day(self.config, now).isoformat()
        with self.store.read() as conn:
            waiting = dict(conn.execute(
                "SELECT service_id, count(*) FROM tickets WHERE state = 'waiting' GROUP BY service_id").fetchall())
            issued = dict(conn.execute(
                "SELECT issued_service_id, count(*) FROM tickets WHERE day = ? AND state != 'voided' "
                "GROUP BY issued_service_id", (day,)).fetchall())
            services = []
            statuses = []
            for service in self.config.services:
                status = service_status(self.config, service, now, issued.get(service.id, 0))
                statuses.append(status)
                count = waiting.get(service.id, 0)
                services.append({
                    "id": service.id,
                    "agency_id": service.agency,
                    "name": service.name.get(lang),
                    "status": status.to_dict(lang),
                    "waiting": count,
                    "estimate_minutes": self._estimate(conn, service, count),
                    "priority_allowed": service.priority_allowed,
                    "requirements": service.requirements.get(lang),
                    "keywords": service.keywords,
                    "daily_quota": service.daily_quota,
                    "issued_today": issued.get(service.id, 0),
                    "location": location_text(service_location(self.config, service.id), lang),
                    "pictogram": service.pictogram,
                })
        agencies = []
        english = lang == "en"
        for agency in self.config.agencies:
            mine = [s for s in services if s["agency_id"] == agency.id]
            agencies.append({
                "id": agency.id, "colour": agency.colour,
                # in English the English names where the config gives them (the Indonesian ones otherwise)
                "name": (english and agency.name_en) or agency.name,
                "short_name": (english and agency.short_name_en) or agency.short_name,
                "logo": str(agency.logo) if agency.logo else None,
                "pictogram": agency.pictogram,
                "waiting": sum(s["waiting"] for s in mine),
                "services": [s["id"] for s in mine],
            })
        return {"lang": lang, "lobby": self.config.lobby.name, "agencies": agencies, "services": services,
                "status": lobby_status(self.config, statuses).to_dict(lang)}

    def waiting(self, *, counter_id: str | None = None, service_ids: list[str] | None = None) -> list[Ticket]:
        """Waiting tickets in queue order (priority marked, oldest first)."""
        if counter_id is not None:
            service_ids = self._counter(counter_id).services
        if service_ids is None:
            rows = self.store.query("SELECT * FROM tickets WHERE state = 'waiting' ORDER BY queued_seq")
        else:
            marks = ",".join("?" * len(service_ids))
            rows = self.store.query(
                f"SELECT * FROM tickets WHERE state = 'waiting' AND service_id IN ({marks}) ORDER BY queued_seq",
                list(service_ids))
        return [Ticket.from_row(r) for r in rows]

    def counter_state(self, counter_id: str) -> dict:
        """The counter's row: status, reason, ticket_id, user (a counter never opened reads as closed)."""
        rows = self.store.query(
            "SELECT status, reason, ticket_id, user FROM counter_state WHERE counter_id = ?", (counter_id,))
        return rows[0] if rows else {"status": "closed", "reason": None, "ticket_id": None, "user": None}

    def counter_ticket(self, counter_id: str) -> Ticket | None:
        """The ticket at the counter now (called or being served), if any."""
        rows = self.store.query(
            "SELECT t.* FROM tickets t JOIN counter_state c ON c.ticket_id = t.id WHERE c.counter_id = ?", (counter_id,))
        return Ticket.from_row(rows[0]) if rows else None

    def counter_stats(self, counter_id: str) -> dict:
        """The counter's day so far: served, mean service minutes, no-shows, and the tickets waiting for it."""
        self._counter(counter_id)
        day = local_day(self.config, self.clock.now()).isoformat()
        rows = self.store.query(
            "SELECT started_at, finished_at FROM tickets WHERE counter_id = ? AND day = ? AND state = 'done'",
            (counter_id, day))
        minutes = [
            (datetime.fromisoformat(r["finished_at"]) - datetime.fromisoformat(r["started_at"])).total_seconds() / 60
            for r in rows if r["started_at"] and r["finished_at"]]
        no_shows = self.store.query(
            "SELECT count(*) AS n FROM tickets WHERE counter_id = ? AND day = ? AND state = 'no_show'",
            (counter_id, day))[0]["n"]
        return {
            "counter_id": counter_id,
            "day": day,
            "served_today": len(rows),
            "mean_service_minutes": round(sum(minutes) / len(minutes), 1) if minutes else None,
            "no_shows_today": no_shows,
            "waiting": len(self.waiting(counter_id=counter_id)),
        }

    def has_request(self, request_id: str) -> bool:
        """A ticket was already issued for this kiosk request id (a retry is a replay)."""
        return bool(self.store.query("SELECT 1 FROM tickets WHERE request_id = ?", (request_id,)))

    def snapshot(self) -> dict:
        """The lobby now, with the seq of the last event it includes (see kiosk.lobby_state)."""
        with self.store.read() as conn:
            seq = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
            day_row = self._one(conn, "SELECT value FROM meta WHERE key = 'day'")
            cursor = conn.execute(
                "SELECT id, code, service_id, agency_id, priority, state, counter_id, queued_seq, issued_at, called_at, "
                "recalls, booking_id, slot_at, booked_name FROM tickets WHERE state IN ('waiting', 'called', 'serving') "
                "ORDER BY id")
            names = [d[0] for d in cursor.description]
            tickets = []
            for row in cursor.fetchall():
                ticket = dict(zip(names, row))
                ticket["priority"] = bool(ticket["priority"])
                booking_id, booked_name = ticket.pop("booking_id"), ticket.pop("booked_name")
                if booking_id is None:  # a walk-in's ticket: the keys of before there were bookings
                    del ticket["slot_at"]
                else:
                    ticket["booked"] = True
                    if booked_name:
                        ticket["booked_name"] = booked_name
                tickets.append(ticket)
            counters = {}
            for row in conn.execute("SELECT counter_id, status, reason, ticket_id, user FROM counter_state ORDER BY counter_id"):
                # a counter never opened looks the same as one absent: leave it out, as replay does
                if row[0] in self.counters and (row[1], row[2], row[3], row[4]) != ("closed", None, None, None):
                    counters[row[0]] = {"status": row[1], "reason": row[2], "ticket_id": row[3], "user": row[4]}
            calls = conn.execute(
                "SELECT seq, type, at, ticket_id, counter_id, payload FROM events WHERE type IN (?, ?) "
                "ORDER BY seq DESC LIMIT ?", (EventType.CALLED, EventType.RECALLED, RECENT_CALLS)).fetchall()
            help_requests = self._open_help(conn)
        from kiosk.lobby_state import call_entry

        recent = [call_entry(_event_dict(r)) for r in reversed(calls)]
        return {
            "seq": seq,
            "day": day_row["value"] if day_row else None,
            "tickets": tickets,
            "counters": counters,
            "recent_calls": recent,
            "help_requests": help_requests,
        }

    def events_since(self, seq: int, limit: int = 1000) -> list[dict]:
        """Events after ``seq``, oldest first: what a client that handled ``seq`` has not seen."""
        with self.store.lock:
            rows = self.store.conn.execute(
                "SELECT seq, type, at, ticket_id, counter_id, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (int(seq), int(limit))).fetchall()
        return [_event_dict(r) for r in rows]

    def last_seq(self) -> int:
        with self.store.lock:
            return self.store.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]


def _event_dict(row) -> dict:
    seq, type_, at, ticket_id, counter_id, payload = row
    return {"seq": seq, "type": type_, "at": at, "ticket_id": ticket_id, "counter_id": counter_id,
            "payload": json.loads(payload)}


def _not_voidable(state: str) -> str:
    """The msgid (fields code, state) saying why a ticket in ``state`` cannot be voided."""
    if state in ("voided", "serving", "done"):
        return f"error.not_voidable.{state}"
    return "error.not_voidable"


def _normalise_code(ref: str) -> str | None:
    """'a12', 'A012', 'A-12', 'a - 012' → 'A-012'; 'a10005' → 'A-10005' (kiosk.codes)."""
    return normalise_code(ref)
