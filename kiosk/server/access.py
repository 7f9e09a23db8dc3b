"""Who may call a route, and from which network.

A lobby server faces two networks: the lobby LAN (devices with keys, staff
with a PIN) and the guest Wi-Fi (visitors' phones, hostile). ``LanGate`` runs
before routing, authentication or body parsing: a request for anything but
the visitor side from an address outside ``server.lan_networks`` is refused
with 403 and a sentence; on the visitor-only listener (``public_host`` /
``public_port``) the LAN side does not exist at all (404).

The visitor side is a short, explicit list (``VISITOR_ROUTES``); every other
path is LAN, so a route added without thinking about it is closed to phones.
Each route also declares its access with :func:`access` in ``openapi_extra``
and a test holds the two together.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable, Literal

Side = Literal["lan", "visitor"]

# (method or "*", path pattern) a phone on the guest Wi-Fi may reach
VISITOR_ROUTES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (method, re.compile(pattern)) for method, pattern in (
        ("GET", r"/t/[^/]+"),
        ("GET", r"/t/[^/]+/panel"),
        ("POST", r"/t/[^/]+/rejoin"),
        ("POST", r"/t/[^/]+/survey"),
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


def access(role: str, side: Side, limit: str) -> dict:
    """``openapi_extra`` of a route: who may call it, from where, how often (also shown in /openapi.json)."""
    extra: dict = {"x-access": {"role": role, "side": side, "rate_limit": limit}}
    if role not in ("anyone", "ticket holder"):
        extra["security"] = [{"bearer": []}]
    return extra


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


class LanGate:
    """403 (LAN side asked from elsewhere) or 404 (LAN side asked on the visitor listener) before anything else runs."""

    def __init__(self, app, lan_networks: Iterable[str], *, public_listener: Listener | None = None,
                 default_lang: str = "id", on_refused=None):
        self.app = app
        self.lan = Networks(lan_networks)
        self.public_listener = public_listener
        self.default_lang = default_lang
        self.on_refused = on_refused  # called with (address, why) for the rate-limited rejection log

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
        if is_visitor_route(method, path):
            return await self.app(scope, receive, send)
        client = scope.get("client") or (None, 0)
        if self._on_public_listener(scope):
            return await self._refuse(scope, receive, send, client[0], "not_found", "the visitor listener")
        if client[0] in self.lan:
            return await self.app(scope, receive, send)
        return await self._refuse(scope, receive, send, client[0], "lan_only", "outside server.lan_networks")

    async def _refuse(self, scope, receive, send, address, code, why):
        from starlette.requests import HTTPConnection

        from kiosk.server.errors import ApiProblem, request_lang

        if self.on_refused is not None:
            self.on_refused(address, f"{code}: {why}")
        problem = ApiProblem(code)
        if scope["type"] == "websocket":
            # refuse the handshake itself: the client sees HTTP 403/404, never an open socket
            await send({"type": "websocket.close", "code": 1008})
            return
        lang = request_lang(HTTPConnection(scope), self.default_lang)
        from fastapi.responses import JSONResponse

        response = JSONResponse(problem.to_dict(lang), status_code=problem.http_status,
                                headers={"Cache-Control": "no-store", "Connection": "close"})
        await response(scope, receive, send)
