"""Bad input on the lobby network: broken WebSocket frames, huge or broken HTTP requests, slow clients.

The target is the real server process. Whatever one client sends, the server
answers it with a 4xx (or closes that one connection with the right WebSocket
code), writes no traceback, and keeps serving everyone else: a display that
follows the lobby the whole time misses nothing, and during a slowloris attack
a normal request still takes well under 200 ms.
"""
from __future__ import annotations

import base64
import json
import os
import select
import socket
import statistics
import threading
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from faults.helpers import KioskServerProcess, LobbyDisplay, open_lobby, wait_for, write_lobby
from kiosk.client import ApiClient
from support.configs import DEVICE_KEYS
from support.timing import collector_held_off

pytestmark = pytest.mark.timeout(90)

KIOSK, DISPLAY = DEVICE_KEYS["kiosk"], DEVICE_KEYS["display"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bad-input")
    config_path = write_lobby(tmp_path, open_lobby(tmp_path, counters=3))
    with KioskServerProcess(config_path, tmp_path / "queue.sqlite") as process:
        yield process
    output = process.output()
    assert "internal error on" not in output, "a request reached the server's 500 handler"
    # uvicorn logs its own traceback when it closes a stream for invalid UTF-8 (1007); none may come from our code
    for block in output.split("Traceback (most recent call last):")[1:]:
        assert "/kiosk/" not in block.split("\n20")[0], block[:2000]


@pytest.fixture
def witness(server):
    """A display that follows the lobby during the test; afterwards it must have missed nothing."""
    display = LobbyDisplay(server.url)
    assert wait_for(lambda: display.statuses[-1:] == ["connected"], timeout=5)
    yield display
    kiosk = ApiClient(server.url, KIOSK)
    last = kiosk.issue("kk")["seq"]
    kiosk.close()
    try:
        assert wait_for(lambda: display.seq == last, timeout=5), "the witness display stopped hearing events"
        assert display.delivered == list(range(display.delivered[0], last + 1))
        assert display.statuses == ["connected"]
        assert display.state.to_snapshot() == ApiClient(server.url, DISPLAY).state()
    finally:
        display.stop()


def raw_exchange(server, data: bytes, timeout: float = 5.0) -> bytes:
    """Send bytes on a fresh connection; return the server's first whole answer (or all it sent before closing)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking it all, which is the point
        received = b""
        while not _whole_answer(received):
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    return received


def _whole_answer(received: bytes) -> bool:
    head, separator, body = received.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:100]
    return int(answer[9:12])


def json_of(answer: bytes) -> dict:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def ws_handshake(server, key: str | None = DISPLAY, *, since: int | None = None,
                 receive_buffer: int | None = None) -> socket.socket:
    """A WebSocket opened by hand, so the test can send frames no library would."""
    sock = _Socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", server.port))
    params = ([f"key={key}"] if key else []) + ([f"since={since}"] if since is not None else [])
    query = "?" + "&".join(params) if params else ""
    nonce = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /api/v1/events{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {nonce}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    head, _, early = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), answer
    sock.early_frames = early  # what came right behind the handshake (a refusal does)
    return sock


class _Socket(socket.socket):
    early_frames = b""


def close_code(sock: socket.socket) -> int | None:
    """The code of the server's close frame (frames before it skipped), as soon as it arrives;
    None if the server hung up without one."""
    data = getattr(sock, "early_frames", b"")
    deadline = time.monotonic() + 5
    while True:
        found, code = _close_frame(data)
        if found or time.monotonic() > deadline:
            return code
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return None
        if not chunk:
            return None
        data += chunk


def _close_frame(data: bytes) -> tuple[bool, int | None]:
    at = 0
    while at + 2 <= len(data):  # walk the server's (unmasked) frames
        opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
        head = 2
        if length == 126:
            length, head = int.from_bytes(data[at + 2:at + 4], "big"), 4
        elif length == 127:
            length, head = int.from_bytes(data[at + 2:at + 10], "big"), 10
        if at + head + length > len(data):
            break  # the rest of this frame is still on its way
        payload = data[at + head:at + head + length]
        if opcode == 0x8:
            return True, int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
        at += head + length
    return False, None


def masked_frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0) -> bytes:
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    elif len(payload) < 65536:
        head += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + len(payload).to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


# ---------------------------------------------------------------------------- WebSocket frames

def test_garbage_messages_on_the_event_stream_are_ignored_and_events_keep_coming(server, witness):
    kiosk = ApiClient(server.url, KIOSK)
    with connect(f"ws://127.0.0.1:{server.port}/api/v1/events?since={witness.seq}",
                 additional_headers={"Authorization": f"Bearer {DISPLAY}"}, open_timeout=3) as ws:
        assert json.loads(ws.recv(timeout=3))["type"] == "hello"
        ws.send(os.urandom(4096))                      # binary garbage
        ws.send("{not json at all")                     # text that is not JSON
        ws.send(json.dumps({"type": "subscribe", "since": -1, "huge": "x" * 100_000}))
        ws.send("\u202e\U0001F4A9" * 1000)              # odd but valid UTF-8
        issued = kiosk.issue("ktp")
        while True:
            message = json.loads(ws.recv(timeout=3))
            if message.get("seq") == issued["seq"]:
                break
    kiosk.close()


@pytest.mark.parametrize("frame, code", [
    (masked_frame(0x3, b"reserved opcode"), 1002),
    (bytes([0x81, 0x05]) + b"hello", 1002),           # a client frame without a mask
    (masked_frame(0x1, b"rsv bits", rsv=0b111), 1002),
    (masked_frame(0x1, b"\xff\xfe not utf-8"), 1007),
    (masked_frame(0x9, b"p" * 200), 1002),            # a control frame longer than 125 bytes
    (masked_frame(0x1, b"part", fin=False) + masked_frame(0x1, b"new message mid-fragment"), 1002),
], ids=["reserved-opcode", "unmasked", "rsv-bits", "bad-utf8", "long-ping", "broken-fragments"])
def test_a_malformed_frame_closes_only_that_connection_with_a_protocol_code(server, witness, frame, code):
    sock = ws_handshake(server)
    try:
        sock.sendall(frame)
        assert close_code(sock) == code
    finally:
        sock.close()
    assert httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200


def test_a_frame_over_16_mib_is_refused_with_1009(server, witness):
    with connect(f"ws://127.0.0.1:{server.port}/api/v1/events",
                 additional_headers={"Authorization": f"Bearer {DISPLAY}"}, open_timeout=3, max_size=None) as ws:
        ws.recv(timeout=3)
        with pytest.raises(ConnectionClosed) as closed:
            ws.send("x" * (17 * 2**20))
            while True:
                ws.recv(timeout=5)
        # 1009, unless the server's close arrived while the client was still sending and got lost in the reset
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
    assert httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200


def test_a_client_without_a_key_is_shut_out_whatever_it_sends(server, witness):
    quiet = ws_handshake(server, key=None)
    try:
        assert close_code(quiet) == 4401
    finally:
        quiet.close()
    # garbage right behind the handshake: refused all the same (4401, or a reset if the garbage
    # arrives after the server closed), and never left open
    noisy = ws_handshake(server, key=None)
    try:
        noisy.sendall(masked_frame(0x2, os.urandom(1000)) + masked_frame(0x1, b"{not json"))
        started = time.monotonic()
        assert close_code(noisy) in (4401, None)
        assert time.monotonic() - started < 2
    finally:
        noisy.close()


# ---------------------------------------------------------------------------- HTTP requests

KIOSK_AUTH = f"Authorization: Bearer {KIOSK}\r\n"


@pytest.mark.parametrize("request_bytes, status, error", [
    # declared 100 MB, and the client really starts sending it
    ((f"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n{KIOSK_AUTH}Content-Type: application/json\r\n"
      "Content-Length: 100000000\r\n\r\n").encode() + b"x" * 2_000_000, 413, "payload_too_large"),
    # no length: chunks until it is too big
    ((f"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n{KIOSK_AUTH}Transfer-Encoding: chunked\r\n\r\n").encode()
     + (b"10000\r\n" + b"x" * 0x10000 + b"\r\n") * 30 + b"0\r\n\r\n", 413, "payload_too_large"),
    # JSON nested deeper than any parser's stack
    ((f"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n{KIOSK_AUTH}Content-Type: application/json\r\n"
      "Content-Length: 10000\r\n\r\n").encode() + b"[" * 10000, 400, "invalid_json"),
    ((f"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n{KIOSK_AUTH}Content-Type: application/json\r\n"
      "Content-Length: 6\r\n\r\n").encode() + b"\xff\xfe\x00{}\x80", 400, "invalid_json"),
    ((f"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n{KIOSK_AUTH}Content-Type: application/json\r\n"
      "Content-Length: 44\r\n\r\n").encode() + b'{"service_id": "ktp", "priority": "yes"}    ', 422, "invalid_request"),
    (b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, None),
    (b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400, None),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) * 4, 400, None),  # TLS to a plain port
    (b"GET /api/v1/catalog HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\nConnection: close\r\n\r\n",
     None, None),
], ids=["declared-100MB", "chunked-2MB", "deep-json", "not-utf8", "wrong-type", "bad-length", "negative-length",
        "tls-hello", "300KB-header"])
def test_huge_or_broken_requests_get_a_4xx_and_nothing_else_suffers(server, witness, request_bytes, status, error):
    started = time.monotonic()
    answer = raw_exchange(server, request_bytes)
    assert time.monotonic() - started < 3, "the server held on to a request it should refuse at once"
    got = status_of(answer)
    assert got < 500, answer[:300]
    if status is not None:
        assert got == status, answer[:300]
    else:
        assert got in (200, 400, 431), answer[:300]
    if error is not None:
        body = json_of(answer)
        assert body["error"] == error and body["message"]
    assert httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200


# ---------------------------------------------------------------------------- slow clients

class Slowloris:
    """``count`` connections that each send one more byte every ``interval`` seconds and never finish."""

    def __init__(self, port: int, count: int, head: bytes, trickle: bytes, interval: float = 1.0):
        self.port = port
        self.head = head
        self.trickle = trickle
        self.interval = interval
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(count)]
        self.sent = [0] * count
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Slowloris":
        for sock in self.socks:
            sock.sendall(self.head)
            sock.setblocking(False)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for n, sock in enumerate(self.socks):
                if sock.fileno() < 0:
                    continue
                try:
                    ready, _, _ = select.select([sock], [], [], 0)
                    if ready and sock.recv(4096) == b"":
                        raise ConnectionResetError
                    sock.send(self.trickle[self.sent[n] % len(self.trickle):][:1])
                    self.sent[n] += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self.closed_by_server += 1
                    sock.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(3)
        for sock in self.socks:
            sock.close()


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


@pytest.mark.slow
def test_slow_clients_do_not_slow_down_anyone_else(server, witness):
    headers = Slowloris(server.port, 50, b"GET /api/v1/catalog HTTP/1.1\r\n",
                        b"Host: 127.0.0.1\r\nX-Slow-" + b"a" * 1000).start()
    bodies = Slowloris(server.port, 10, (f"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n{KIOSK_AUTH}"
                                         "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n").encode(),
                       b'{"service_id": "ktp", "x": "' + b"a" * 1000).start()
    # a display that stopped reading, with a tiny receive buffer: the server must not wait for it
    deaf = ws_handshake(server, since=0, receive_buffer=4096)
    kiosk = ApiClient(server.url, KIOSK)
    staff = ApiClient(server.url, DEVICE_KEYS["counter-app"])
    staff.login("petugas1", "1234", "loket-1")
    latencies = []
    try:
        with collector_held_off():  # the figures are the server's, not this process's garbage collection
            time.sleep(1.5)  # the attack is under way
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline:
                # each on a fresh connection, as a kiosk waking up would
                with httpx.Client(base_url=server.url, timeout=5) as fresh:
                    latencies.append(timed(lambda: fresh.get("/api/v1/catalog").raise_for_status()))
                ticket = {}
                latencies.append(timed(lambda: ticket.update(kiosk.issue("ktp"))))
                latencies.append(timed(lambda: kiosk.ticket(ticket["token"])))
                latencies.append(timed(lambda: staff.action("loket-1", "call-next")))
                latencies.append(timed(lambda: staff.action("loket-1", "finish")))
                time.sleep(0.1)
        assert min(headers.sent) >= 6 and min(bodies.sent) >= 6, "the slow clients were not trickling"
        print(f"{len(latencies)} requests during the attack: median {statistics.median(latencies):.1f} ms, "
              f"max {max(latencies):.1f} ms; slow connections closed by the server: "
              f"{headers.closed_by_server + bodies.closed_by_server}")
        assert max(latencies) < 200, sorted(latencies)[-5:]
    finally:
        headers.stop()
        bodies.stop()
        deaf.close()
        kiosk.close()
        staff.close()
