"""A network thermal printer on loopback, for tests of everything that prints.

    from support.fake_printer import FakeNetworkPrinter

    with FakeNetworkPrinter() as printer:            # 127.0.0.1, ephemeral port
        config = printer.printer_config(timeout_s=1)  # a kiosk.config.PrinterSettings aimed at it
        ...print a ticket through config...
        data = printer.wait_for_ticket(timeout=5)     # the bytes of one whole ticket
        assert b"A-012" in data

It listens like a printer's raw port (9100): it keeps every byte of every
connection and answers the ESC/POS real-time status request ``DLE EOT n``
(``10 04 n``, n = 1..4) with one byte for its ``state``:

    "ok"          all well (0x12 to every request)
    "paper_low"   roll near its end: n=4 -> 0x1E
    "paper_out"   offline, stopped at paper end: n=1 -> 0x1A, n=2 -> 0x32, n=4 -> 0x72
    "cover_open"  offline, cover open: n=1 -> 0x1A, n=2 -> 0x16
    "offline"     offline for another error: n=1 -> 0x1A, n=2 -> 0x52

``fault`` makes it misbehave (set it any time, also while running):

    None              behaves
    "refuse"          stops listening: connections are refused (printer off);
                      setting fault back to None listens again on the same port
    "silent"          accepts and reads, never answers a status request
    "drop_mid_print"  closes a connection once it has received
                      ``drop_after_bytes`` bytes (kept: exactly those bytes)

Attributes to assert on: ``received`` (bytes per connection, in order),
``tickets`` (connections the client closed that carried more than status
requests; one the fake dropped is not a ticket),
``status_requests`` (the n of every DLE EOT answered or not),
``connections`` (how many were accepted).
"""
from __future__ import annotations

import select
import socket
import threading
import time

from support.net import close_socket

DLE_EOT = b"\x10\x04"
STATES = ("ok", "paper_low", "paper_out", "cover_open", "offline")
FAULTS = (None, "refuse", "silent", "drop_mid_print")

# The reply to DLE EOT n for each state, per the Epson ESC/POS reference.
STATUS_REPLIES: dict[str, dict[int, int]] = {
    "ok": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    "paper_low": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E},
    "paper_out": {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},
    "offline": {1: 0x1A, 2: 0x52, 3: 0x52, 4: 0x12},
}


def strip_status_requests(data: bytes) -> bytes:
    """The data without its DLE EOT n requests (what the printer would print)."""
    for n in (1, 2, 3, 4):
        data = data.replace(DLE_EOT + bytes([n]), b"")
    return data


class FakeNetworkPrinter:
    """A threaded TCP printer on ``host``:``port`` (port 0 picks a free one)."""

    def __init__(self, port: int = 0, *, host: str = "127.0.0.1", state: str = "ok",
                 fault: str | None = None, drop_after_bytes: int = 64):
        self.host = host
        self.port = port
        self.drop_after_bytes = drop_after_bytes
        self._state = "ok"
        self._fault: str | None = None
        self.state = state
        self._cond = threading.Condition()
        self._data: list[bytearray] = []
        self._closed: list[str | None] = []  # who closed each connection: "client", "fake" or None (open)
        self._status_requests: list[int] = []
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._initial_fault = fault
        self._running = False

    # ------------------------------------------------------------------ life

    def start(self) -> "FakeNetworkPrinter":
        if self._running:
            return self
        self._running = True
        self._stopping.clear()
        self._listen()  # binds now, so .port is known even when starting refused
        accept = threading.Thread(target=self._accept_loop, name=f"fake-printer-{self.port}", daemon=True)
        accept.start()
        self._threads.append(accept)
        self.fault = self._initial_fault
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._close_listener()
            for conn in self._conns:
                close_socket(conn)
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        self._running = False

    def __enter__(self) -> "FakeNetworkPrinter":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ settings

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        if value not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {value!r}")
        self._state = value

    @property
    def fault(self) -> str | None:
        return self._fault

    @fault.setter
    def fault(self, value: str | None) -> None:
        if value not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}, got {value!r}")
        if not self._running:
            self._initial_fault = value
            return
        with self._cond:
            self._fault = value
            if value == "refuse":
                self._close_listener()
            elif self._listener is None:
                self._listen()

    # ------------------------------------------------------------------ what arrived

    @property
    def received(self) -> list[bytes]:
        with self._cond:
            return [bytes(d) for d in self._data]

    @property
    def tickets(self) -> list[bytes]:
        """Connections the client closed that carried print data, not only status requests."""
        with self._cond:
            return self._tickets()

    @property
    def status_requests(self) -> list[int]:
        with self._cond:
            return list(self._status_requests)

    @property
    def connections(self) -> int:
        with self._cond:
            return len(self._data)

    def wait_for_bytes(self, timeout: float = 5.0, min_bytes: int = 1) -> bytes:
        """All bytes received so far, once there are at least ``min_bytes``; TimeoutError if not in time."""
        with self._cond:
            if not self._cond.wait_for(lambda: sum(map(len, self._data)) >= min_bytes, timeout):
                raise TimeoutError(f"fake printer got {sum(map(len, self._data))} of {min_bytes} bytes "
                                   f"in {timeout} s")
            return b"".join(bytes(d) for d in self._data)

    def wait_for_ticket(self, timeout: float = 5.0, count: int = 1) -> bytes:
        """The bytes of the ``count``-th whole ticket (connection closed by the client)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                tickets = self._tickets()
                if len(tickets) >= count:
                    return tickets[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"fake printer got {len(tickets)} of {count} ticket(s) in {timeout} s")
                self._cond.wait(left)

    def printer_config(self, **overrides):
        """A kiosk.config.PrinterSettings for the network backend aimed at this printer."""
        from kiosk.config import PrinterSettings

        settings = {"backend": "network", "host": self.host, "port": self.port, "timeout_s": 2}
        return PrinterSettings(**{**settings, **overrides})

    # ------------------------------------------------------------------ inside

    def _tickets(self) -> list[bytes]:
        return [bytes(d) for d, closed in zip(self._data, self._closed)
                if closed == "client" and strip_status_requests(bytes(d))]

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(8)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            close_socket(self._listener)
            self._listener = None

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            listener = self._listener
            if listener is None:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select([listener], [], [], 0.05)
                if not ready:
                    continue
                conn, _ = listener.accept()
            except (OSError, ValueError):  # the listener was closed under us ("refuse")
                continue
            with self._cond:
                index = len(self._data)
                self._data.append(bytearray())
                self._closed.append(None)
                self._conns.append(conn)
                self._cond.notify_all()
            thread = threading.Thread(target=self._serve, args=(conn, index), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket, index: int) -> None:
        scanned = 0  # where in this connection's data the next DLE EOT may start
        closed_by = "fake"
        try:
            try:
                conn.settimeout(0.05)
            except OSError:  # stopped before this thread began
                return
            while not self._stopping.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:  # reset by the client
                    closed_by = "client"
                    break
                if not chunk:
                    closed_by = "client"
                    break
                with self._cond:
                    data = self._data[index]
                    if self._fault == "drop_mid_print":
                        room = self.drop_after_bytes - len(data)
                        data += chunk[:max(0, room)]
                        if len(data) >= self.drop_after_bytes:
                            self._cond.notify_all()
                            break
                    else:
                        data += chunk
                    replies, scanned = self._status_replies(data, scanned)
                    self._cond.notify_all()
                if replies and self._fault != "silent":
                    try:
                        conn.sendall(replies)
                    except OSError:
                        break
        finally:
            close_socket(conn)
            with self._cond:
                self._closed[index] = closed_by
                self._cond.notify_all()

    def _status_replies(self, data: bytearray, scanned: int) -> tuple[bytes, int]:
        replies = bytearray()
        while True:
            at = data.find(DLE_EOT, scanned)
            if at < 0:
                return bytes(replies), max(scanned, len(data) - 1)  # a trailing 0x10 may begin one
            if at + 2 >= len(data):
                return bytes(replies), at  # the n has not arrived yet
            n = data[at + 2]
            if n in (1, 2, 3, 4):
                self._status_requests.append(n)
                replies.append(STATUS_REPLIES[self._state][n])
                scanned = at + 3
            else:
                scanned = at + 1
