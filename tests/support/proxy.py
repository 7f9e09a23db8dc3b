"""A loopback TCP proxy whose "network" can be cut and resumed, for fault tests.

    with LoopbackProxy(server.port) as proxy:        # 127.0.0.1:<free port> -> 127.0.0.1:<server.port>
        stream = EventStream(proxy.url, key, ...)
        proxy.cut()          # every open connection drops; new ones are refused
        proxy.cut(hold=True) # ... or accepted and left hanging, as behind a dead switch
        proxy.resume()       # new connections reach the server again
        proxy.swallow_answers = True  # requests reach the server, its answers never come back

``cut()`` closes both sides of every forwarded connection at once (the
client sees its connection end, as when a cable is pulled and the switch
resets). While cut, a new connection is refused (the listener is closed) or,
with ``hold=True``, accepted and never answered: the client's handshake has to
time out, the worst case for a reconnecting client. ``resume()`` forwards
again; connections held during the cut are dropped, as their clients have
given up on them.
"""
from __future__ import annotations

import socket
import threading
import time

from support.net import close_socket


class LoopbackProxy:
    """Forwards 127.0.0.1:``port`` to ``target_host``:``target_port``, one pair of threads per connection."""

    def __init__(self, target_port: int, *, target_host: str = "127.0.0.1", port: int = 0):
        self.target = (target_host, target_port)
        self.port = port
        self.accepted = 0      # connections accepted while forwarding
        self.dropped = 0       # forwarded connections closed by cut()
        self.held = 0          # connections accepted and left hanging while cut with hold=True
        self.swallow_answers = False  # True: the server's bytes are read and dropped (an answer lost in transit)
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._held: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._state = "stopped"  # "forwarding", "refusing", "holding", "stopped"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> str:
        return self._state

    # ------------------------------------------------------------------ control

    def start(self) -> "LoopbackProxy":
        self._state = "forwarding"
        self._listen()
        return self

    def cut(self, *, hold: bool = False) -> None:
        """Drop every forwarded connection; refuse new ones (or hold them with ``hold=True``)."""
        with self._lock:
            self._state = "holding" if hold else "refusing"
            pairs, self._pairs = self._pairs, []
        if not hold:
            self._stop_listening()
        for client, upstream in pairs:
            close_socket(client)
            close_socket(upstream)
        self.dropped += len(pairs)

    def resume(self) -> None:
        """Forward new connections again (the ones held during the cut are dropped)."""
        with self._lock:
            self._state = "forwarding"
            held, self._held = self._held, []
        for sock in held:
            close_socket(sock)
        if self._listener is None:
            self._listen()

    def stop(self) -> None:
        with self._lock:
            self._state = "stopped"
            pairs, self._pairs = self._pairs, []
            held, self._held = self._held, []
        self._stop_listening()
        for client, upstream in pairs:
            close_socket(client)
            close_socket(upstream)
        for sock in held:
            close_socket(sock)

    def __enter__(self) -> "LoopbackProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ inside

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5
        while True:
            try:
                listener.bind(("127.0.0.1", self.port))
                break
            except OSError:
                # the same port again after a cut: a moment may pass before the kernel lets go of it
                if self.port == 0 or time.monotonic() > deadline:
                    listener.close()
                    raise
                time.sleep(0.05)
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accept_thread = threading.Thread(target=self._accept_loop, args=(listener,),
                                               name=f"proxy-{self.port}", daemon=True)
        self._accept_thread.start()

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            close_socket(listener)
        thread = self._accept_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(2)

    def _accept_loop(self, listener: socket.socket) -> None:
        listener.settimeout(0.1)
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by cut() or stop()
            with self._lock:
                state = self._state
                if state == "holding":
                    self._held.append(client)
                    self.held += 1
                    continue
            if state != "forwarding":
                close_socket(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                close_socket(client)  # the server itself is down: the client sees its connection end
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._state != "forwarding":  # cut while we were connecting
                    close_socket(client)
                    close_socket(upstream)
                    continue
                self._pairs.append((client, upstream))
                self.accepted += 1
            for src, dst, answers in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(target=self._pump, args=(src, dst, answers), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, answers: bool = False) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not (answers and self.swallow_answers):
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            # one side ended: end both, and forget the pair
            close_socket(src)
            close_socket(dst)
            with self._lock:
                self._pairs = [p for p in self._pairs if src not in p]
