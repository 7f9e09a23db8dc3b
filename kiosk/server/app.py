"""The queue server's application: JSON API under /api/v1, live events, the phone page.

Here: the middleware every request passes (body limit, network gate, security headers, access log), the
error answers, the :class:`Backend` every route uses (engine, worker thread, event hub, sessions), and
:func:`create_app`. The routes are in kiosk.server.routes, one router per resource; who may call each is
a dependency of kiosk.server.deps.

Every engine call runs on ONE worker thread (kiosk.server.worker): the event
loop stays free for other requests and writes are serialised. After each
write the event hub is told, and it wakes every WebSocket waiting for events.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection

from kiosk import errors as queue_errors
from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.engine import QueueEngine, Ticket
from kiosk.enrolment import DeviceRegistry
from kiosk.protocol.actions import CounterAction
from kiosk.protocol.requests import IssueRequest, VoidRequest
from kiosk.schedule import local_day
from kiosk.server.access import Buckets, LanGate, Listener, add_access_to_openapi, declare_access
from kiosk.server.auth import DeviceKeys, LoginLimiter, Principal, SessionStore, bearer, token_hash
from kiosk.server.deps import AUTHED
from kiosk.server.devices_api import DeviceWatch, install_device_routes
from kiosk.server.errors import ApiProblem, request_lang
from kiosk.server.events import EventHub
from kiosk.server.reports_api import install_report_routes
from kiosk.server.routes import (booking_page, bookings, counters, devices, files, lobby, notices, phone_page,
                                 sessions, settings, tickets)
from kiosk.server.worker import EngineWorker
from kiosk.store import Store

log = logging.getLogger(__name__)
access_log = logging.getLogger("kiosk.server.access")

STATIC = Path(__file__).parent / "static"
SETTINGS_PER_SECOND, SETTINGS_BURST = 1.0, 10

TAGS = [
    {"name": "visitors", "description": "The kiosk issues tickets; the ticket holder follows one and rates the service."},
    {"name": "staff", "description": "Counter staff log in to one counter and work its queue."},
    {"name": "lobby", "description": "Catalog, snapshot and live events for every window."},
    {"name": "devices", "description": "Reports from devices."},
    {"name": "reports", "description": "Figures for managers (manager key); today's summary also for supervisors."},
]


# --------------------------------------------------------------------------- ASGI middleware

class BodyLimit:
    """Reads each request body up to max_bytes; larger ones get 413 before any handler runs."""

    def __init__(self, app, max_bytes: int, default_lang: str):
        self.app = app
        self.max_bytes = max_bytes
        self.default_lang = default_lang

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.max_bytes + 1
                if declared > self.max_bytes:
                    return await self._too_large(scope, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return await self._too_large(scope, send)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope, send):
        lang = request_lang(HTTPConnection(scope), self.default_lang)
        response = error_response(ApiProblem("payload_too_large"), lang)
        response.headers["connection"] = "close"
        await response(scope, None, send)


# ticket tokens are the visitor's only credential: never written to a log
_TOKEN_PATH = re.compile(r"^(/t/|/api/v1/tickets/|/api/v1/enrol/)(?!void$)[^/]+")


def loggable_path(path: str) -> str:
    return _TOKEN_PATH.sub(r"\1…", path[:300])


class RefusalLog:
    """Refused requests (401, 403, 404, 429) logged at most once a second per address, with a count,
    so a flood of them cannot rotate the lobby's log history away."""

    MAX_ADDRESSES = 10_000

    def __init__(self, logger: logging.Logger, monotonic=time.monotonic, interval: float = 1.0):
        self.logger = logger
        self.monotonic = monotonic
        self.interval = interval
        self._seen: dict[str, tuple[float, int]] = {}  # address -> (last line at, refusals not logged since)

    def refused(self, address: str | None, what: str) -> None:
        address = address or "-"
        now = self.monotonic()
        last, hidden = self._seen.get(address, (None, 0))
        if last is not None and now - last < self.interval:
            self._seen[address] = (last, hidden + 1)
            return
        if len(self._seen) >= self.MAX_ADDRESSES:
            self._seen = {a: v for a, v in self._seen.items() if now - v[0] < self.interval}
        self._seen[address] = (now, 0)
        more = f" (+{hidden} more refused from this address since the last line)" if hidden else ""
        self.logger.warning("refused %s from %s%s", what, address, more)

    def flush(self) -> None:
        """At shutdown: the refusals not yet logged, one line per address, so the count is whole."""
        for address, (_last, hidden) in self._seen.items():
            if hidden:
                self.logger.warning("refused %d more requests from %s since the last line", hidden, address)
        self._seen.clear()


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy",
     b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"),
]


class SecurityHeaders:
    """Every answer: no sniffing, no referrer, never in a frame, only this server's own scripts and styles;
    API answers (ticket status included) are never cached."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        # a lobby file's bytes carry their own Cache-Control (its ETag is its checksum)
        no_store = scope["path"].startswith("/api/") and not scope["path"].startswith("/api/v1/files/")

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (no_store and k.lower() == b"cache-control")]
                names = {k.lower() for k, _v in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class AccessLog:
    """One line per request: method, path (tokens hidden), status, milliseconds, client; refusals through
    RefusalLog instead."""

    REFUSED = (401, 403, 404, 405, 429)

    def __init__(self, app, refusals: RefusalLog):
        self.app = app
        self.refusals = refusals

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 0

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            client = scope.get("client") or ("-", 0)
            path = loggable_path(scope["path"])
            if status in self.REFUSED:
                self.refusals.refused(client[0], f"{scope['method']} {path} ({status})")
            else:
                access_log.info("%s %s %s %.1fms %s", scope["method"], path, status or 500,
                                (time.perf_counter() - started) * 1000, client[0])


# --------------------------------------------------------------------------- errors

def error_response(problem, lang: str) -> JSONResponse:
    return JSONResponse(problem.to_dict(lang), status_code=problem.http_status,
                        headers=getattr(problem, "headers", None) or None)


_PROBLEM_ID = {
    "missing": "wajib diisi",
    "extra_forbidden": "tidak dikenal",
    "string_type": "harus berupa teks",
    "bool_type": "harus true atau false",
    "int_type": "harus bilangan bulat",
    "list_type": "harus berupa daftar",
    "too_short": "terlalu sedikit atau terlalu pendek",
    "too_long": "terlalu banyak atau terlalu panjang",
    "string_too_short": "terlalu pendek",
    "string_too_long": "terlalu panjang",
    "greater_than_equal": "terlalu kecil",
    "less_than_equal": "terlalu besar",
    "literal_error": "nilainya tidak dikenal",
    "model_attributes_type": "harus berupa objek JSON",
    "dict_type": "harus berupa objek JSON",
    "model_type": "harus berupa objek JSON",
}


def validation_problem(exc: RequestValidationError) -> ApiProblem:
    problems = []
    for error in exc.errors()[:10]:
        kind = error.get("type", "")
        if kind == "json_invalid":
            return ApiProblem("invalid_json")
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        problems.append({"field": where, "type": kind, "problem_en": str(error.get("msg", ""))[:200],
                         "problem_id": _PROBLEM_ID.get(kind, "tidak valid")})
    if not problems:
        return ApiProblem("invalid_request")
    first = problems[0]
    return ApiProblem(
        "invalid_request", msgid="error.invalid_request.field", fields={
            "field": first["field"],
            "problem": lambda lang: first["problem_en"] if lang == "en" else first["problem_id"]},
        problems=[{"field": p["field"], "type": p["type"]} for p in problems],
    )


# --------------------------------------------------------------------------- the server's state

class Backend:
    """The engine, its worker thread, live events and sessions: what every endpoint uses."""

    def __init__(self, config: Config, engine: QueueEngine, *, owns_engine: bool, poll_seconds: float,
                 ping_seconds: float, tick_seconds: float, log_events: bool, monotonic,
                 config_path: Path | None = None, watch_seconds: float = 2.0):
        self.config = config
        self.config_path = Path(config_path) if config_path is not None else None
        self.watch_seconds = watch_seconds
        self.config_watcher = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.engine = engine
        self.owns_engine = owns_engine
        self.ping_seconds = ping_seconds
        self.tick_seconds = tick_seconds
        self.poll_seconds = poll_seconds
        self.log_events = log_events
        self.default_lang = config.lobby.default_language
        # config devices, and devices enrolled at run time (kiosk.enrolment; only key hashes are stored)
        self.registry = DeviceRegistry(engine.store, engine.clock)
        self.devices = DeviceKeys(config, self.registry, engine.clock, monotonic)
        self.device_watch = DeviceWatch(self, monotonic)
        self.staff = config.staff_by_user
        self.services = config.service_by_id
        self.agencies = config.agency_by_id
        self.counters = config.counter_by_id
        self.sessions = SessionStore(engine.store, engine.clock, config.server.session_hours)
        self.limiter = LoginLimiter(config.server.login_attempts_per_minute, config.server.limits.login_failures_per_address,
                                    config.server.limits.login_failures_per_user, monotonic)
        limits = config.server.limits
        # per kiosk device: a stolen or looping kiosk key cannot fill the day's quotas in a second
        self.issue_budget = Buckets(limits.issue_per_minute / 60, limits.issue_burst, monotonic)
        # per device or session: a window fetches at its start and after each config_changed
        self.settings_budget = Buckets(SETTINGS_PER_SECOND, SETTINGS_BURST, monotonic)
        # the booking page, per client address: bookings made and unknown codes asked for, an hour
        self.booking_budget = Buckets(limits.booking_per_hour / 3600, limits.booking_per_hour, monotonic)
        self.booking_misses = Buckets(limits.booking_misses_per_hour / 3600, limits.booking_misses_per_hour, monotonic)
        self.worker: EngineWorker | None = None
        self.hub: EventHub | None = None
        self._tick_task: asyncio.Task | None = None
        from kiosk.retention import Maintenance

        # [retention]: personal fields erased at start and daily out of hours, then a vacuum (kiosk.retention)
        self.maintenance = Maintenance(engine.store, engine.clock, lambda: self.config)

    # -- lifecycle

    async def start(self) -> None:
        self.hub = EventHub(self.engine, self.run, poll_seconds=self.poll_seconds, log_events=self.log_events)
        self.worker = EngineWorker(after_writes=self.hub.pull, on_results=self.hub.drain)
        await self.hub.start()
        await self.run(self.devices.reload)
        await self.write(self.maintenance.at_start)
        self.device_watch.start()
        self._tick_task = asyncio.create_task(self._ticker(), name="engine-tick")
        self.outbox = None  # made at the first round: kiosk.notify brings httpx and smtplib, ~25 ms of a start
        self._outbox_kick = asyncio.Event()
        self._outbox_task = asyncio.create_task(self._deliver_messages(self.engine.config), name="booking-messages")
        if self.config_path is not None:
            from kiosk.config_watch import ConfigWatcher

            self._loop = asyncio.get_running_loop()
            self.config_watcher = ConfigWatcher(self.config_path, self._edited_from_watcher,
                                                interval_s=self.watch_seconds)
        log.info("queue server ready: %d services, %d counters, events up to seq %d",
                 len(self.services), len(self.counters), self.hub.last_seq)

    async def stop(self) -> None:
        if self.config_watcher is not None:
            await asyncio.to_thread(self.config_watcher.stop)
        for task in (self._tick_task, getattr(self, "_outbox_task", None)):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.device_watch.stop()
        if self.hub:
            await self.hub.stop()
        if self.worker:
            self.worker.stop()
        if self.owns_engine:
            self.engine.store.close()
        log.info("queue server stopped")

    def kick_outbox(self) -> None:
        """A booking queued messages: send them now rather than at the next round."""
        kick = getattr(self, "_outbox_kick", None)
        if kick is not None:
            kick.set()

    async def _deliver_messages(self, config: Config) -> None:
        """Booking messages (kiosk.notify) on a thread of their own: a slow gateway never holds the engine. The
        gateways are those of ``config``, the config the server started with."""
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._outbox_kick.wait(), timeout=self.tick_seconds)
            self._outbox_kick.clear()
            if self.outbox is None:
                from kiosk.notify import Outbox, notifiers_of

                self.outbox = Outbox(self.engine, notifiers_of(config))
            if not self.outbox.notifiers:
                continue
            try:
                await asyncio.to_thread(self.outbox.deliver_due)
            except Exception:
                log.exception("delivering booking messages failed")

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                await self.write(self.engine.tick)
            except Exception:
                log.exception("engine tick failed")
            try:
                await self.write(self.maintenance.tick)
            except Exception:
                log.exception("the daily tidy-up failed")

    # -- live configuration (kiosk.live_config)

    def _edited_from_watcher(self, edited: Config) -> None:
        """The watcher's thread: a valid edit of config.toml, applied on the engine thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self.reload_config(edited), loop).result(timeout=60)

    async def reload_config(self, edited: Config):
        """Switch to ``edited`` between two writes; the kiosk.live_config.ReloadPlan, or None when refused."""
        from kiosk.live_config import ConfigRefused

        name = self.config_path.name if self.config_path else "the config"
        try:
            plan = await self.write(self.apply_config, edited)
        except ConfigRefused as exc:
            log.error("%s changed but is not applied: %s; the running config is kept", name, exc)
            return None
        if plan.needs_restart:
            log.warning("%s: %s changed; the running server keeps the old value until it is restarted", name,
                        ", ".join(plan.needs_restart))
        if plan.sections:
            log.info("%s applied without a restart (config_changed, version %s): %s changed", name,
                     plan.version[:12], ", ".join(plan.sections))
        else:
            log.info("%s changed, but nothing the running server applies live is different", name)
        return plan

    def apply_config(self, edited: Config):
        """On the engine thread: the engine first (it may refuse), then every lookup of the backend."""
        from kiosk.live_config import plan_reload

        plan = plan_reload(self.config, edited)
        if not plan.sections:
            return plan
        self.engine.replace_config(plan)
        config = plan.config
        self.config = config
        self.staff = config.staff_by_user
        self.services = config.service_by_id
        self.agencies = config.agency_by_id
        self.counters = config.counter_by_id
        self.devices.use_config(config)
        return plan

    # -- the engine thread

    async def run(self, fn, *args, **kwargs):
        """A read (or the hub's pull) on the engine thread."""
        return await self.worker.call(fn, *args, **kwargs)

    async def write(self, fn, *args, **kwargs):
        """A write on the engine thread; the events it appended are read there right after it."""
        return await self.worker.call(fn, *args, write=True, **kwargs)

    # -- who is asking

    async def authenticate(self, conn: HTTPConnection, *, allow_query: bool = False) -> Principal:
        credential = bearer(conn.headers.get("authorization"))
        if credential is None and allow_query:
            credential = conn.query_params.get("key")
        if not credential or len(credential) > 256:
            raise ApiProblem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
        device = self.devices.find(credential)
        if device is not None:
            return device
        digest = token_hash(credential)
        session = self.sessions.cached(digest)
        if session is None:
            session = await self.run(self.sessions.lookup, digest)
        staff = self.staff.get(session.user) if session else None
        if session is None or staff is None:
            raise ApiProblem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
        if self.devices.is_revoked(session.device_hash):  # logged in from a counter PC since revoked
            raise ApiProblem("device_revoked", headers={"WWW-Authenticate": "Bearer"})
        return Principal("staff", "staff", session.user, session.counter_id, staff.supervisor, digest,
                         session.device_hash)

    # -- views (run on the engine thread)

    def names(self, service_id: str, agency_id: str, lang: str) -> dict:
        service = self.services.get(service_id)
        agency = self.agencies.get(agency_id)
        return {
            "service_name": service.name.get(lang) if service else service_id,
            "agency_name": agency.name if agency else agency_id,
            "agency_short_name": agency.short_name if agency else agency_id,
        }

    def ticket_view(self, token: str, lang: str | None) -> tuple[dict, int]:
        """The ticket holder's view (nothing about other tickets), and the ticket's id."""
        status = self.engine.ticket_status(token)
        ticket_id = status["id"]
        view = {k: v for k, v in status.items() if k not in ("id", "queued_seq", "seq")}
        view.update(self.names(status["service_id"], status["agency_id"], lang or status["lang"]))
        view["view_lang"] = lang or status["lang"]
        return view, ticket_id

    async def panel_of(self, view: dict, token: str) -> dict:
        """What the phone panel shows: the view, and for an open survey its one-time survey token; only the panel
        (page, panel JSON, the ticket's socket) carries that token, never the ticket's JSON status."""
        survey_token = await self.run(self.engine.survey_token, token) if view.get("survey") == "open" else None
        return {**view, "token_path": token, "survey_token": survey_token}

    def counter_view(self, counter_id: str) -> dict:
        counter = self.counters[counter_id]
        return {"id": counter.id, "number": counter.number, "agency_id": counter.agency,
                "services": list(counter.services), **self.engine.counter_state(counter_id)}

    def counter_action(self, counter_id: str, action: CounterAction, body: BaseModel | None, lang: str, *,
                       supervisor: bool = False) -> dict:
        """Do one action of kiosk.protocol.actions.ACTIONS (the engine's rules decide; e.g. a supervisor may
        transfer where others may not)."""
        engine = self.engine
        args, kwargs = action.engine_arguments(body, supervisor=supervisor)
        ticket = getattr(engine, action.engine_method)(counter_id, *args, **kwargs)
        if action.keeps_ticket:
            ticket = engine.counter_ticket(counter_id)
        return {
            "action": action.path,
            "ticket": self.public_ticket(ticket, lang) if ticket else None,
            "counter": self.counter_view(counter_id),
            "seq": engine.last_seq(),
        }

    def public_ticket(self, ticket: Ticket, lang: str) -> dict:
        return {**ticket.public(), **self.names(ticket.service_id, ticket.agency_id, lang)}

    def void(self, request: VoidRequest, user: str, lang: str) -> dict:
        span = request.range
        result = self.engine.void_tickets(
            codes=request.codes, prefix=span.prefix if span else None, from_number=span.from_number if span else None,
            to_number=span.to_number if span else None, reason=request.reason, by_user=user)
        return {
            "voided": [self.public_ticket(t, lang) for t in result.tickets],
            "skipped": [{"code": code, "state": state} for code, state in result.skipped],
            "seq": self.engine.last_seq(),
        }

    def waiting_view(self, counter_id: str, lang: str) -> dict:
        tickets = self.engine.waiting(counter_id=counter_id)
        return {"counter_id": counter_id, "tickets": [self.public_ticket(t, lang) for t in tickets],
                "seq": self.engine.last_seq()}

    def issue(self, request: IssueRequest, lang: str, device: str) -> dict:
        # On the engine thread, so "already made?" and the issue itself see the same tickets. A replay returns
        # the ticket the kiosk already has: never refused, never counted.
        replay = request.request_id is not None and self.engine.has_request(request.request_id)
        if not replay:
            wait = self.issue_budget.take(device)
            if wait is not None:
                seconds = max(1, math.ceil(wait))  # logged by the access log's RefusalLog: once a second at most
                raise ApiProblem("issue_rate_limited", headers={"Retry-After": str(seconds)}, retry_after=seconds)
        try:
            issued = self.engine.issue_ticket(request.service_id, priority=request.priority, lang=lang, device=device,
                                              request_id=request.request_id)
        except Exception:
            if not replay:
                self.issue_budget.give_back(device)  # no ticket made (closed, full, bad id): nothing spent
            raise
        if issued.replayed:
            log.info("issue replayed for %s: request %s already made %s", device, request.request_id,
                     issued.ticket.code)
        return self.issued_view(issued, lang)

    def check_in(self, code: str, lang: str | None, device: str) -> dict:
        """A booking's check-in at the kiosk: its ticket, marked as booked with its slot."""
        wait = self.issue_budget.take(device)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise ApiProblem("issue_rate_limited", headers={"Retry-After": str(seconds)}, retry_after=seconds)
        try:
            issued = self.engine.bookings.check_in(code, device=device)
        except Exception:
            self.issue_budget.give_back(device)  # no ticket made: nothing spent
            raise
        ticket = issued.ticket
        slot = datetime.fromisoformat(ticket.slot_at).astimezone(self.config.lobby.tz)
        booking = self.engine.bookings.view(code)
        view = self.issued_view(issued, lang or ticket.lang)
        view.update(booked=True, slot_time=slot.strftime("%H:%M"), booking_code=booking.display_code)
        if ticket.booked_name:
            view["booked_name"] = ticket.booked_name
        return view

    def issued_view(self, issued, lang: str) -> dict:
        ticket = issued.ticket
        return {
            "id": ticket.id,
            "code": ticket.code,
            "token": ticket.token,
            "status_url": f"{self.config.lobby.public_url}/t/{ticket.token}",
            "position": issued.people_ahead,
            "estimate_minutes": issued.estimate_minutes,
            "issued_at": ticket.issued_at,
            "day": ticket.day,
            "priority": ticket.priority,
            "lang": ticket.lang,
            "service_id": ticket.service_id,
            "agency_id": ticket.agency_id,
            **self.names(ticket.service_id, ticket.agency_id, lang),
            "seq": issued.seq,
            "replayed": issued.replayed,
        }

    def open_session(self, user: str, counter_id: str, address: str, device_hash: str | None = None) -> dict:
        """Log ``user`` in to a counter (on the engine thread, so two logins cannot both find it free).

        While another officer's session is live there, only a supervisor may log in (taking the counter over,
        recorded as a counter_taken_over event); the same user again may (their PC crashed or was swapped).
        """
        staff = self.staff[user]
        holder = self.sessions.holder(counter_id)
        holder_staff = self.staff.get(holder.user) if holder else None  # removed from config: no live session
        taken_from = None
        if holder_staff is not None and holder.user != user:
            if not staff.supervisor:
                number = self.counters[counter_id].number
                log.warning("login of %s to %s refused from %s: %s is logged in there",
                            user, counter_id, address, holder.user)
                raise ApiProblem(
                    "counter_busy", counter_id=counter_id, in_use_by=holder_staff.name,
                    msgid="error.counter_busy.by", fields={"counter": number, "name": holder_staff.name})
            taken_from = holder.user
        self.engine.open_counter(counter_id, user)
        token, session = self.sessions.create(user, counter_id, device_hash)
        if taken_from is not None:
            log.warning("%s took %s over from %s (from %s)", user, counter_id, taken_from, address)
            self.engine.record_counter_taken_over(counter_id, user, taken_from, address)
        return {
            "token": token,
            "user": user,
            "name": staff.name,
            "supervisor": staff.supervisor,
            "counter_id": counter_id,
            "expires_at": session.expires_at.isoformat(timespec="seconds"),
            "counter": self.counter_view(counter_id),
        }

    def security_view(self) -> dict:
        """Today's lockouts and take-overs, flat, for the supervisor's panel."""
        events = []
        for event in self.engine.security_events():
            payload = event["payload"]
            counter = self.counters.get(event["counter_id"]) if event["counter_id"] else None
            user = self.staff.get(payload.get("user", ""))
            from_user = self.staff.get(payload.get("from_user", ""))
            events.append({
                "seq": event["seq"], "type": event["type"], "at": event["at"],
                "scope": payload.get("scope"), "user": payload.get("user"), "name": user.name if user else None,
                "from_user": payload.get("from_user"), "from_name": from_user.name if from_user else None,
                "counter_id": event["counter_id"],
                "counter_number": counter.number if counter else None, "address": payload.get("address"),
                "failures": payload.get("failures"), "retry_after_s": payload.get("retry_after_s"),
            })
        return {"day": local_day(self.config, self.engine.clock.now()).isoformat(), "events": events}

    def close_session(self, who: Principal) -> dict:
        closed = True
        try:
            self.engine.close_counter(who.counter_id)
        except queue_errors.CounterUnavailable:
            closed = False  # a ticket is still at the counter: it stays open for whoever logs in next
        self.sessions.delete(who.token_hash)
        return {"closed": closed, "counter": self.counter_view(who.counter_id)}


# --------------------------------------------------------------------------- the app

def create_app(config: Config, engine: QueueEngine | None = None, *, clock: Clock | None = None,
               db_path: Path | str | None = None, access_log: bool = True, log_events: bool = True,
               poll_seconds: float = 1.0, ping_seconds: float = 15.0, tick_seconds: float = 30.0,
               monotonic=time.monotonic, config_path: Path | str | None = None,
               watch_seconds: float = 2.0) -> FastAPI:
    """The queue server as an ASGI app.

    Without ``engine`` it opens the database (``db_path``, default
    ``server.database``) with ``clock`` and closes it at shutdown; a given engine
    stays the caller's. With ``config_path`` the server watches that file and applies each valid edit
    live (kiosk.live_config; every ``watch_seconds``).
    """
    owns_engine = engine is None
    if engine is None:
        store = Store(db_path if db_path is not None else config.path(config.server.database))
        engine = QueueEngine(config, store, clock)
    backend = Backend(config, engine, owns_engine=owns_engine, poll_seconds=poll_seconds, ping_seconds=ping_seconds,
                      tick_seconds=tick_seconds, log_events=log_events, monotonic=monotonic,
                      config_path=config_path, watch_seconds=watch_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        await backend.start()
        try:
            yield
        finally:
            await backend.stop()
            app.state.refusals.flush()

    app = FastAPI(
        title="mpp-kiosk queue server",
        version="1",
        description="The queue of a Mal Pelayanan Publik lobby. See docs/api.md.",
        openapi_tags=TAGS,
        docs_url=None,  # Swagger UI loads from a CDN; the lobby network has no internet
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.backend = backend
    default_lang = backend.default_lang
    build_openapi = app.openapi

    def openapi_with_bearer():
        if app.openapi_schema is None:
            schema = add_access_to_openapi(build_openapi())
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http", "scheme": "bearer",
                "description": "a device key from config (server.devices), or a staff session token from POST /api/v1/sessions",
            }
        return app.openapi_schema

    app.openapi = openapi_with_bearer

    def lang_of(request: HTTPConnection) -> str:
        return request_lang(request, default_lang)

    # -- errors: every one as {"error", "message"} in the request's language

    @app.exception_handler(queue_errors.QueueError)
    async def _queue_error(request: Request, exc: queue_errors.QueueError):
        return error_response(exc, lang_of(request))

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem):
        return error_response(exc, lang_of(request))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return error_response(validation_problem(exc), lang_of(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(exc.status_code)
        if code is None:
            code = "invalid_json" if exc.status_code == 400 else "invalid_request"
        return error_response(ApiProblem(code), lang_of(request))

    storage_logged = {"message": None}

    @app.exception_handler(sqlite3.DatabaseError)
    async def _storage(request: Request, exc: sqlite3.DatabaseError):
        # disk full, read-only file, I/O error: writes refused with a sentence, reads go on
        if str(exc) != storage_logged["message"]:
            storage_logged["message"] = str(exc)
            log.error("the database refused a write on %s %s: %s", request.method, request.url.path, exc)
        return error_response(ApiProblem("storage_unavailable"), lang_of(request))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(ApiProblem("internal_error"), lang_of(request))

    # -- the routes, one router per resource; enrolment and reports keep state of their own

    for router in (lobby.router, tickets.router, sessions.router, counters.router, devices.router, files.router,
                   settings.router, bookings.router, notices.router):
        app.include_router(router)
    # reports: built on threads of their own, never on the engine's
    install_report_routes(app, backend, lang_of=lang_of, authed=AUTHED)
    install_device_routes(app, backend, lang_of=lang_of, authed=AUTHED, monotonic=monotonic)
    app.include_router(phone_page.router)
    app.include_router(booking_page.router)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    declare_access(app)
    # added innermost first. Outermost: the log, then the network gate (a guest's request for the LAN side
    # is refused before its body is read or its key looked at), then the headers every answer carries.
    refusals = RefusalLog(log, monotonic)
    app.state.refusals = refusals
    app.add_middleware(BodyLimit, max_bytes=config.server.max_body_bytes, default_lang=default_lang)
    app.add_middleware(SecurityHeaders)
    server = config.server
    public = Listener(server.public_host, server.public_port) if server.public_port else None
    app.add_middleware(LanGate, lan_networks=server.lan_networks, public_listener=public, default_lang=default_lang,
                       on_refused=None if access_log else refusals.refused,
                       visitor_rate=server.limits.visitor_requests_per_second,
                       visitor_burst=server.limits.visitor_burst, monotonic=monotonic)
    if access_log:
        app.add_middleware(AccessLog, refusals=refusals)
    return app
