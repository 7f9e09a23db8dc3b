"""How the queue server listens: the one place that turns a Config into sockets and uvicorn options.

Used by `mpp-kiosk server`, by the in-process server of `mpp-kiosk run` and by
``ServerThread`` (tests), so all three defend themselves the same way:

* uvicorn's h11 parser with ``h11_max_incomplete_event_size`` = ``limits.max_header_bytes``:
  a request line + headers larger than that is answered 400 and closed after at most one
  read (~256 KB) was buffered. (The default httptools parser buffers a header without end.)
* ``timeout_keep_alive`` = ``limits.idle_timeout_s`` closes an idle keep-alive connection.
* what uvicorn has no option for is :class:`GuardedH11Protocol`: headers must be complete
  within ``limits.header_timeout_s`` of the connection (or of the request's first byte),
  a body within ``limits.body_timeout_s``, and one client address holds at most
  ``limits.connections_per_address`` connections (WebSockets included).
* the open-file soft limit is raised to the hard limit, so that cap, not the process, decides.

Both listeners (the LAN one on host:port and, when ``server.public_port`` is set, the
visitor one) are sockets of the same uvicorn server and app; the app tells them apart
by ``scope["server"]`` (kiosk.server.access.LanGate).
"""
from __future__ import annotations

import asyncio
import collections
import http
import logging
import resource
import socket
from dataclasses import dataclass

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from kiosk.config import Config, Limits
from kiosk.server.access import Networks

log = logging.getLogger("kiosk.server.listen")

BACKLOG = 2048
# A hard limit below this leaves too little room for the per-address cap to matter; say so in the log.
FEW_OPEN_FILES = 4096


@dataclass(frozen=True)
class Address:
    host: str
    port: int
    side: str  # "lan" or "visitor"


def addresses(config: Config, host: str | None = None, port: int | None = None) -> list[Address]:
    """The LAN listener (host/port override the config's, as --host/--port do) and the visitor one if set."""
    server = config.server
    found = [Address(host or server.host, server.port if port is None else port, "lan")]
    if server.public_port:
        found.append(Address(server.public_host or server.host, server.public_port, "visitor"))
    return found


def raise_open_file_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit (the systemd unit sets LimitNOFILE); returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            log.info("open-file limit raised from %d to %d", soft, target)
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-file limit from %d to %d: %s", soft, target, exc)
    if soft < FEW_OPEN_FILES:
        log.warning("the open-file limit is %d: a few hundred connections can use it up; "
                    "raise it (LimitNOFILE=65536 in the systemd unit, or `ulimit -n`)", soft)
    return soft


def bind(address: Address) -> socket.socket:
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # a restart on the same port must not wait for TIME_WAIT connections of the last run
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address.host, address.port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class ListenError(OSError):
    """A listener cannot be bound (port in use, no such address); str() is one sentence naming it."""

    def __init__(self, address: Address, cause: OSError):
        super().__init__(cause.errno, cause.strerror or str(cause))
        self.address = address

    def __str__(self) -> str:
        which = "server.public_host/public_port" if self.address.side == "visitor" else "server.host/port"
        return f"cannot listen on {self.address.host}:{self.address.port} ({which}): {self.strerror}"


def bind_all(config: Config, host: str | None = None, port: int | None = None) -> list[socket.socket]:
    """Every listener's socket, bound and listening; a ListenError closes those already bound."""
    raise_open_file_limit()
    sockets: list[socket.socket] = []
    for address in addresses(config, host, port):
        try:
            sockets.append(bind(address))
        except OSError as exc:
            for sock in sockets:
                sock.close()
            raise ListenError(address, exc) from None
    limits = config.server.limits
    log.info("listening on %s; a request's headers within %g s (at most %d bytes), its body within %g s, "
             "idle connections closed after %g s, at most %d connections per client address",
             ", ".join(f"{a.host}:{s.getsockname()[1]} ({a.side} side)" for a, s in zip(addresses(config, host, port), sockets)),
             limits.header_timeout_s, limits.max_header_bytes, limits.body_timeout_s, limits.idle_timeout_s,
             limits.connections_per_address)
    return sockets


def ssl_options(config: Config) -> dict:
    """The one hook where TLS joins in: uvicorn's ssl_* options for both listeners (kiosk.tls)."""
    from kiosk.tls import server_ssl_options

    return server_ssl_options(config)


def uvicorn_options(config: Config, **overrides) -> dict:
    """Keyword options of uvicorn.Config (the app and sockets apart) for this config."""
    limits = config.server.limits
    options = dict(
        http=guarded_protocol(limits, exempt=config.server.trusted_proxies),
        h11_max_incomplete_event_size=limits.max_header_bytes,
        timeout_keep_alive=limits.idle_timeout_s,
        backlog=BACKLOG,
        log_config=None, access_log=False, server_header=False, lifespan="on",
        timeout_graceful_shutdown=2, ws_ping_interval=20, ws_ping_timeout=20,
        # events are ~200-byte JSON on a LAN: compressing each costs more CPU than it saves
        ws_per_message_deflate=False,
        # X-Forwarded-For only from server.trusted_proxies: the LAN gate reads the address uvicorn
        # gives, and uvicorn's own default believes any local process
        proxy_headers=bool(config.server.trusted_proxies),
        forwarded_allow_ips=[str(n) for n in config.server.trusted_proxies] or None,
    )
    options.update(ssl_options(config))
    options.update(overrides)
    return options


def serve(app, config: Config, host: str | None = None, port: int | None = None) -> None:
    """Bind every listener and serve ``app`` on them until SIGINT/SIGTERM (`mpp-kiosk server`)."""
    import uvicorn

    options = uvicorn_options(config)  # first: a TLS problem is reported before any port is taken
    sockets = bind_all(config, host, port)
    try:
        uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()


# ---------------------------------------------------------------------- the guarded HTTP protocol

def guarded_protocol(limits: Limits, exempt=()) -> type["GuardedH11Protocol"]:
    """A GuardedH11Protocol class for one server: its own per-address count and these limits.

    ``exempt`` (server.trusted_proxies) are not capped: every visitor behind a reverse proxy
    arrives from its address, and the proxy limits its own clients.
    """
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {
        "limits": limits, "exempt": Networks([str(n) for n in exempt]),
        "open_per_address": collections.Counter(), "refused_per_address": {}})


class BoundedHeaders(h11.Connection):
    """h11's server side that also refuses a *complete* request head over ``max_header_bytes``
    (h11 itself bounds only a head still arriving) and remembers the status an error deserves."""

    def __init__(self, max_header_bytes: int):
        super().__init__(h11.SERVER, max_incomplete_event_size=max_header_bytes)
        self.max_header_bytes = max_header_bytes
        self.error_status = 400

    def next_event(self):
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.error_status = exc.error_status_hint
            raise
        if type(event) is h11.Request:
            size = len(event.method) + len(event.target) + sum(len(n) + len(v) + 4 for n, v in event.headers)
            if size > self.max_header_bytes:
                self.error_status = 431
                raise h11.RemoteProtocolError("request headers too large", error_status_hint=431)
        return event


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with header and body deadlines, a header-size limit and a cap on
    connections per client address."""

    limits: Limits
    exempt: Networks
    open_per_address: collections.Counter
    refused_per_address: dict  # address -> [refused since last log line, loop time of that line]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conn = BoundedHeaders(self.limits.max_header_bytes)
        self._counted_address: str | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for: str | None = None  # "headers" or "body" while a deadline runs
        self._upgraded = False

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        if address is not None and address not in self.exempt:
            if self.open_per_address[address] >= self.limits.connections_per_address:
                self._note_refused(address)
                transport.abort()  # at once: an accepted socket held open is what exhausts the open files
                return
            self.open_per_address[address] += 1
            self._counted_address = address
        self._expect("headers")

    def connection_lost(self, exc) -> None:
        self._expect(None)
        self._release()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self._upgraded:
            return
        if self.transport.is_closing():
            self._expect(None)
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            # waiting for the next request: the keep-alive timer covers a silent connection,
            # the header deadline one whose request has started (it is not restarted per byte)
            if self.timeout_keep_alive_task is None and self._waiting_for != "headers":
                self._expect("headers")
            elif self.timeout_keep_alive_task is not None:
                self._expect(None)
        elif state is h11.SEND_BODY:
            if self._waiting_for != "body":
                self._expect("body")
        else:
            self._expect(None)

    def handle_websocket_upgrade(self, event) -> None:
        # the WebSocket protocol takes the transport over: no deadline from here on (pings watch it),
        # and the address's slot is released when the WebSocket closes
        self._upgraded = True
        self._expect(None)
        super().handle_websocket_upgrade(event)
        websocket = self.transport.get_protocol()
        websocket_lost = websocket.connection_lost
        release = self._release

        def connection_lost(exc):
            try:
                websocket_lost(exc)
            finally:
                release()

        websocket.connection_lost = connection_lost

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers every parse error 400; a head over the limit deserves 431
        status = self.conn.error_status if self.conn.error_status in (400, 431) else 400
        body = b"Request headers too large." if status == 431 else msg.encode("ascii")
        for event in (h11.Response(status_code=status, reason=http.HTTPStatus(status).phrase.encode(),
                                   headers=[(b"content-type", b"text/plain; charset=utf-8"),
                                            (b"content-length", str(len(body)).encode()),
                                            (b"connection", b"close")]),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def _expect(self, what: str | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._waiting_for = what
        if what is not None:
            seconds = self.limits.header_timeout_s if what == "headers" else self.limits.body_timeout_s
            self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.debug("closing a connection from %s: its %s took longer than limits.%s_timeout_s",
                      self.client[0] if self.client else "?", self._waiting_for,
                      "header" if self._waiting_for == "headers" else "body")
            self.transport.abort()

    def _release(self) -> None:
        address, self._counted_address = self._counted_address, None
        if address is not None:
            self.open_per_address[address] -= 1
            if self.open_per_address[address] <= 0:
                del self.open_per_address[address]

    def _note_refused(self, address: str) -> None:
        """At most one log line a second per address, with the count: a flood must not flood the log."""
        now = self.loop.time()
        entry = self.refused_per_address.setdefault(address, [0, None])
        entry[0] += 1
        if entry[1] is None or now - entry[1] >= 1.0:
            log.warning("%s holds %d connections (limits.connections_per_address): closed %d more",
                        address, self.limits.connections_per_address, entry[0])
            entry[0], entry[1] = 0, now
        if len(self.refused_per_address) > 10_000:  # bounded even against many addresses
            self.refused_per_address.clear()
