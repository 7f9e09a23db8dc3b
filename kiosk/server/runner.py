"""Run the queue server on uvicorn in a background thread (all-in-one lobby, tests)."""
from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn


class ServerThread:
    """uvicorn serving ``app`` on host:port from a daemon thread.

    ``port=0`` picks a free port; ``url`` is known after ``start()``. ``start()``
    returns once /healthz answers; ``stop()`` returns within about 2 s.
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning",
                 ws_ping_interval: float | None = 20.0):
        self.app = app
        self.host = host
        self.port = port
        self.log_level = log_level
        self.ws_ping_interval = ws_ping_interval
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        # a restart on the same port must not wait for TIME_WAIT connections of the last run
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(2048)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        return sock

    def start(self, timeout: float = 10.0) -> "ServerThread":
        self._socket = self._bind()
        config = uvicorn.Config(
            self.app, log_config=None, log_level=self.log_level, access_log=False, lifespan="on",
            timeout_graceful_shutdown=1, ws_ping_interval=self.ws_ping_interval, ws_ping_timeout=20,
            server_header=False, ws_per_message_deflate=False)
        self._server = uvicorn.Server(config)

        def serve():
            try:
                self._server.run(sockets=[self._socket])
            except BaseException as exc:  # reported by start() or stop()
                self._error = exc

        self._thread = threading.Thread(target=serve, name=f"uvicorn-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if not self._thread.is_alive():
                    raise RuntimeError(f"the server stopped while starting: {self._error!r}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        self.stop()
        raise TimeoutError(f"the server on {self.url} did not answer /healthz within {timeout} s")

    def stop(self, timeout: float = 2.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                # still closing connections: stop waiting for them
                self._server.force_exit = True
                self._thread.join(1.0)
        if self._socket is not None:
            self._socket.close()
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
