"""Who may call a route, and from which network.

A lobby server faces two networks: the lobby LAN (devices with keys, staff
with a PIN) and the guest Wi-Fi (visitors' phones, hostile). ``LanGate`` runs
before routing, authentication or body parsing: a request for anything but
the visitor side from an address outside ``server.lan_networks`` is refused
with 403 and a sentence; on the visitor-only listener (``public_host`` /
``public_port``) the LAN side does not exist at all (404).

The visitor side is a short, explicit list (``VISITOR_ROUTES``); every other
path is LAN, so a route added without thinking about it is closed to phones.
Each route also declares its role, side and rate limit in ``ROUTE_ACCESS``;
the app will not start with a route missing there, and a test holds the
table to the gate.
"""
from __future__ import annotations

import ipaddress
import math
import re
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Literal

from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection

from kiosk.server.errors import ApiProblem, request_lang

Side = Literal["lan", "visitor"]

# (method or "*", path pattern) a phone on the guest Wi-Fi may reach
VISITOR_ROUTES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (method, re.compile(pattern)) for method, pattern in (
        ("GET", r"/t/[^/]+"),
        ("GET", r"/t/[^/]+/panel"),
        ("POST", r"/t/[^/]+/rejoin"),
        ("POST", r"/t/[^/]+/survey"),
        ("GET", r"/booking"),
        ("GET", r"/booking/[^/]+"),
        ("*", r"/booking/[^/]+/[^/]+"),
        ("GET", r"/b/[^/]+"),
        ("POST", r"/b/[^/]+/cancel"),
        ("GET", r"/b/[^/]+/move"),
        ("*", r"/b/[^/]+/move/[^/]+"),
        ("GET", r"/b/[^/]+/booking\.ics"),
        ("GET", r"/static/.+"),
        ("GET", r"/favicon\.ico"),
        ("GET", r"/api/v1/tickets/[^/]+"),
        ("WS", r"/api/v1/tickets/[^/]+/events"),
        ("POST", r"/api/v1/tickets/[^/]+/rejoin"),
        ("POST", r"/api/v1/tickets/[^/]+/survey"),
    ))


def is_visitor_route(method: str, path: str) -> bool:
    for allowed, pattern in VISITOR_ROUTES:
        if allowed in (method, "*") or (allowed == "GET" and method == "HEAD"):
            if pattern.fullmatch(path):
                return True
    return False


class Networks:
    def __init__(self, cidrs: Iterable[str]):
        self._networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]

    def __contains__(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self._networks)

    def __bool__(self) -> bool:
        return bool(self._networks)


@dataclass(frozen=True)
class Listener:
    host: str
    port: int


class Buckets:
    """A token bucket per key: ``rate`` a second, at most ``burst`` at once. Bounded memory under a flood of keys."""

    MAX_KEYS = 50_000

    def __init__(self, rate: float, burst: float, monotonic: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str, cost: float = 1.0) -> float | None:
        """None when allowed; else the seconds until it would be."""
        now = self.monotonic()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= cost:
            if len(self._buckets) >= self.MAX_KEYS and key not in self._buckets:
                self._forget_full(now)
            self._buckets[key] = (tokens - cost, now)
            return None
        self._buckets[key] = (tokens, now)
        return (cost - tokens) / self.rate

    def give_back(self, key: str, cost: float = 1.0) -> None:
        """Undo a ``take`` whose work did not happen (e.g. the engine refused the ticket)."""
        if key in self._buckets:
            tokens, at = self._buckets[key]
            self._buckets[key] = (min(self.burst, tokens + cost), at)

    def _forget_full(self, now: float) -> None:
        # a key whose bucket has refilled is the same as a key never seen
        for key, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * self.rate >= self.burst:
                del self._buckets[key]
        if len(self._buckets) >= self.MAX_KEYS:
            self._buckets.clear()


class LanGate:
    """403 (LAN side asked from elsewhere) or 404 (LAN side asked on the visitor listener) before anything else
    runs; the visitor side is rate limited per address (429)."""

    def __init__(self, app, lan_networks: Iterable[str], *, public_listener: Listener | None = None,
                 default_lang: str = "id", on_refused=None, visitor_rate: float = 20, visitor_burst: int = 60,
                 monotonic: Callable[[], float] = time.monotonic):
        self.app = app
        self.lan = Networks(lan_networks)
        self.public_listener = public_listener
        self.default_lang = default_lang
        self.on_refused = on_refused  # called with (address, why) for the rate-limited rejection log
        self.visitors = Buckets(visitor_rate, visitor_burst, monotonic)

    def _on_public_listener(self, scope) -> bool:
        listener = self.public_listener
        if listener is None:
            return False
        server = scope.get("server")
        if not server:
            return False
        return server[1] == listener.port and (listener.host in ("0.0.0.0", "::", "") or server[0] == listener.host
                                               or server[0].split("%", 1)[0] == listener.host)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        method = "WS" if scope["type"] == "websocket" else scope["method"]
        path = scope["path"]
        client = scope.get("client") or (None, 0)
        if is_visitor_route(method, path):
            wait = self.visitors.take(client[0] or "-")
            if wait is not None:
                return await self._refuse(scope, receive, send, client[0], "visitor_rate_limited",
                                          "too many visitor requests", retry_after=wait)
            return await self.app(scope, receive, send)
        if self._on_public_listener(scope):
            return await self._refuse(scope, receive, send, client[0], "not_found", "the visitor listener")
        if client[0] in self.lan:
            return await self.app(scope, receive, send)
        return await self._refuse(scope, receive, send, client[0], "lan_only", "outside server.lan_networks")

    async def _refuse(self, scope, receive, send, address, code, why, retry_after: float | None = None):
        if self.on_refused is not None:
            self.on_refused(address, f"{code}: {why}")
        problem = ApiProblem(code)
        if scope["type"] == "websocket":
            # refuse the handshake itself: the client sees HTTP 403, never an open socket
            await send({"type": "websocket.close", "code": 1008})
            return
        lang = request_lang(HTTPConnection(scope), self.default_lang)
        headers = {"Cache-Control": "no-store"}
        if retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        response = JSONResponse(problem.to_dict(lang), status_code=problem.http_status, headers=headers)
        await response(scope, receive, send)


# --------------------------------------------------------------------------- every route: who, from where, how often
# (method, path template) -> (role, side, rate limit). The app refuses to start with a route missing here
# (declare_access), and a test holds "side" to the gate's VISITOR_ROUTES, so the table is the truth.
ISSUE_LIMIT = "server.limits.issue_per_minute per kiosk key (burst issue_burst)"
LOGIN_LIMIT = ("server.login_attempts_per_minute wrong PINs per user and address; limits.login_failures_per_address "
               "per address; limits.login_failures_per_user per user (not at an address that logged the user in)")
VISITOR_LIMIT = "server.limits.visitor_requests_per_second per address"
STAFF_LIMIT = "one engine thread; staff session per counter"
BOOKING_LIMIT = VISITOR_LIMIT + "; server.limits.booking_per_hour bookings and moves per address"
BOOKING_CODE_LIMIT = VISITOR_LIMIT + "; server.limits.booking_misses_per_hour unknown codes per address"
# the engine's survey rules (kiosk.engine.SURVEY_REFUSALS): the visitor, not a device or staff member
SURVEY_ROLE = "ticket holder, with its phone page's survey token; refused with a device key or staff session"
SURVEY_LIMIT = VISITOR_LIMIT + "; once per ticket, after queue.survey_min_service_seconds of service"

# kiosk.server.devices_api: a PC asks once; pairing codes are typed by a person
ENROL_LIMIT = "5 a minute per address (burst 5), 30 a minute in all (burst 10); at most 20 requests waiting"
APPROVE_LIMIT = "10 wrong codes a minute per address"

ROUTE_ACCESS: dict[tuple[str, str], tuple[str, Side, str]] = {
    ("GET", "/healthz"): ("anyone on the LAN", "lan", "none (no database)"),
    ("GET", "/api/v1/catalog"): ("anyone on the LAN", "lan", "none (read only)"),
    ("GET", "/api/v1/state"): ("any device key or staff session", "lan", "none (read only)"),
    ("GET", "/api/v1/settings"): ("any device key or staff session", "lan",
                                  "1 a second per device or session (burst 10)"),
    ("POST", "/api/v1/tickets"): ("kiosk key", "lan", ISSUE_LIMIT),
    ("POST", "/api/v1/bookings/check-in"): ("kiosk key", "lan", ISSUE_LIMIT + ", shared with issuing"),
    ("POST", "/api/v1/bookings/import"): ("manager key", "lan", "one engine thread; 2,000 rows a request"),
    ("POST", "/api/v1/tickets/void"): ("supervisor session", "lan", STAFF_LIMIT),
    ("GET", "/api/v1/tickets/{token}"): ("ticket holder", "visitor", VISITOR_LIMIT),
    ("POST", "/api/v1/tickets/{token}/rejoin"): ("ticket holder", "visitor", VISITOR_LIMIT),
    ("POST", "/api/v1/tickets/{token}/survey"): (SURVEY_ROLE, "visitor", SURVEY_LIMIT),
    ("WS", "/api/v1/tickets/{token}/events"): ("ticket holder", "visitor", VISITOR_LIMIT),
    ("POST", "/api/v1/sessions"): ("counter-app key + staff PIN", "lan", LOGIN_LIMIT),
    ("DELETE", "/api/v1/sessions"): ("staff session", "lan", STAFF_LIMIT),
    ("GET", "/api/v1/counters/{counter_id}/waiting"): ("the counter's staff, a supervisor, counter-app or manager key",
                                                      "lan", "none (read only)"),
    ("GET", "/api/v1/counters/{counter_id}/stats"): ("the counter's staff, a supervisor, counter-app or manager key",
                                                    "lan", "none (read only)"),
    ("POST", "/api/v1/devices/printer-fault"): ("kiosk key", "lan", "none"),
    ("POST", "/api/v1/help"): ("kiosk key", "lan", "one engine thread; one open call per kiosk"),
    ("POST", "/api/v1/help/{seq}/acknowledge"): ("staff session", "lan", "one engine thread"),
    ("GET", "/api/v1/notices"): ("any device key or staff session", "lan", "none (read only)"),
    ("POST", "/api/v1/notices"): ("manager key", "lan", "one engine thread"),
    ("DELETE", "/api/v1/notices/{notice_id}"): ("manager key", "lan", "one engine thread"),
    ("POST", "/api/v1/enrol"): ("anyone on the LAN (a PC asking to be enrolled)", "lan", ENROL_LIMIT),
    ("GET", "/api/v1/enrol/{poll_secret}"): ("the PC holding the pairing request's poll secret", "lan",
                                            "2 a second per address (burst 20)"),
    ("GET", "/api/v1/devices"): ("manager key", "lan", "none (read only)"),
    ("POST", "/api/v1/devices/approve"): ("manager key", "lan", APPROVE_LIMIT),
    ("POST", "/api/v1/devices/refuse"): ("manager key", "lan", "one engine thread"),
    ("POST", "/api/v1/devices/{name}/rename"): ("manager key", "lan", "one engine thread"),
    ("POST", "/api/v1/devices/{name}/revoke"): ("manager key", "lan", "one engine thread"),
    ("GET", "/api/v1/reports/tables"): ("manager key", "lan", "report threads"),
    ("GET", "/api/v1/reports/export"): ("manager key", "lan", "report threads"),
    ("GET", "/api/v1/reports/today"): ("manager key or supervisor session", "lan", "report threads"),
    ("GET", "/api/v1/reports/{table}"): ("manager key", "lan", "report threads"),
    ("GET", "/api/v1/security/events"): ("supervisor session or manager key", "lan", "none (read only)"),
    ("WS", "/api/v1/events"): ("any device key or staff session", "lan", "none"),
    ("GET", "/t/{token}"): ("ticket holder", "visitor", VISITOR_LIMIT),
    ("GET", "/t/{token}/panel"): ("ticket holder", "visitor", VISITOR_LIMIT),
    ("POST", "/t/{token}/rejoin"): ("ticket holder", "visitor", VISITOR_LIMIT),
    ("POST", "/t/{token}/survey"): (SURVEY_ROLE, "visitor", SURVEY_LIMIT),
    ("GET", "/static"): ("anyone", "visitor", VISITOR_LIMIT),
    ("GET", "/booking"): ("anyone (the booking page)", "visitor", VISITOR_LIMIT),
    ("GET", "/booking/{service_id}"): ("anyone (the booking page)", "visitor", VISITOR_LIMIT),
    ("GET", "/booking/{service_id}/{day}"): ("anyone (the booking page)", "visitor", VISITOR_LIMIT),
    ("POST", "/booking/{service_id}/{day}"): ("anyone (the booking page)", "visitor", BOOKING_LIMIT),
    ("GET", "/b/{code}"): ("booking holder (its code)", "visitor", BOOKING_CODE_LIMIT),
    ("POST", "/b/{code}/cancel"): ("booking holder (its code)", "visitor", BOOKING_CODE_LIMIT),
    ("GET", "/b/{code}/move"): ("booking holder (its code)", "visitor", BOOKING_CODE_LIMIT),
    ("GET", "/b/{code}/move/{day}"): ("booking holder (its code)", "visitor", BOOKING_CODE_LIMIT),
    ("POST", "/b/{code}/move/{day}"): ("booking holder (its code)", "visitor", BOOKING_CODE_LIMIT + "; " + BOOKING_LIMIT),
    ("GET", "/b/{code}/booking.ics"): ("booking holder (its code)", "visitor", BOOKING_CODE_LIMIT),
    ("GET", "/openapi.json"): ("anyone on the LAN", "lan", "none"),
    ("GET", "/api/v1/files"): ("any device key or staff session (its role's files)", "lan", "none (read only)"),
    ("GET", "/api/v1/files/{name:path}"): ("any device key or staff session (a file of its role's manifest)", "lan",
                                      "300 files at once per device, then 20 a second"),
}
COUNTER_ACTION_ACCESS = ("the counter's staff session", "lan", STAFF_LIMIT)


def served_routes(app) -> list:
    """Every route the app serves, one by one. FastAPI keeps an included router as one entry of
    ``app.routes`` since 0.16x (before, its routes were copied there); its routes are read from the router
    itself, not through ``fastapi.routing.iter_route_contexts``, which gives the same routes but first builds
    each one again for its inclusion (its fields and dependencies: 40 ms of a server's start). FastAPI builds
    them on their router's first request instead."""
    found = []
    for route in app.routes:
        router = getattr(route, "original_router", None)  # an included router
        found.extend(served_routes(router) if router is not None else [route])
    return found


def route_key(route) -> list[tuple[str, str]]:
    from starlette.routing import Mount, WebSocketRoute

    if isinstance(route, WebSocketRoute):
        return [("WS", route.path)]
    if isinstance(route, Mount):
        return [("GET", route.path)]
    return [(method, route.path) for method in sorted(getattr(route, "methods", None) or ()) if method != "HEAD"]


def access_of(method: str, path: str) -> tuple[str, Side, str] | None:
    found = ROUTE_ACCESS.get((method, path))
    if found is None and method == "POST" and path.startswith("/api/v1/counters/{counter_id}/"):
        return COUNTER_ACTION_ACCESS
    return found


def declare_access(app) -> None:
    """Every route must say who may call it, from where and how often (the app refuses to start otherwise)."""
    missing = [f"{method} {path}" for route in served_routes(app) for method, path in route_key(route)
               if access_of(method, path) is None]
    if missing:
        raise RuntimeError("routes without an access declaration in kiosk/server/access.py: " + ", ".join(missing))


def add_access_to_openapi(schema: dict) -> dict:
    """Each operation of the OpenAPI document says who may call it, from where and how often, as x-access."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            # OpenAPI spells a path converter's parameter plainly: /files/{name} is the route /files/{name:path}
            found = access_of(method.upper(), path) or access_of(method.upper(), path.replace("{name}", "{name:path}"))
            if found is not None:
                role, side, limit = found
                operation["x-access"] = {"role": role, "side": side, "rate_limit": limit}
    return schema
