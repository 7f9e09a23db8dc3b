"""Run the queue server on uvicorn in a background thread (all-in-one lobby, tests)."""
from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn

from kiosk.server import listen


def own_certificate(options: dict):
    """What the /healthz wait trusts: exactly the certificate this server was given (pinned), for https."""
    if not options.get("ssl_certfile"):
        return True
    from pathlib import Path

    from kiosk.tls import PinnedContext, fingerprint

    return PinnedContext(fingerprint(Path(options["ssl_certfile"]).read_bytes()))


class ServerThread:
    """uvicorn serving ``app`` on host:port from a daemon thread, guarded as `mpp-kiosk server` is
    (kiosk.server.listen: the config's limits, TLS and the visitor listener if set).

    ``port=0`` picks a free port; ``url`` is known after ``start()``. ``start()``
    returns once /healthz answers; ``stop()`` returns within about 2 s. The config is
    the app's own (``app.state.backend.config``) unless one is given.
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning",
                 ws_ping_interval: float | None = 20.0, config=None):
        self.app = app
        self.host = host
        self.port = port
        self.log_level = log_level
        self.ws_ping_interval = ws_ping_interval
        self.config = config if config is not None else app.state.backend.config
        self.public_port: int | None = None
        self.scheme = "http"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = "::1" if host == "::" else host
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> "ServerThread":
        options = listen.uvicorn_options(
            self.config, log_level=self.log_level, timeout_graceful_shutdown=1, ws_ping_interval=self.ws_ping_interval)
        self.scheme = "https" if options.get("ssl_certfile") else "http"
        self._sockets = listen.bind_all(self.config, self.host, self.port)
        self.port = self._sockets[0].getsockname()[1]
        if len(self._sockets) > 1:
            self.public_port = self._sockets[1].getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(self.app, **options))

        def serve():
            try:
                self._server.run(sockets=self._sockets)
            except BaseException as exc:  # reported by start() or stop()
                self._error = exc

        self._thread = threading.Thread(target=serve, name=f"uvicorn-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0, verify=own_certificate(options)) as client:
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
        for sock in self._sockets:
            sock.close()
        self._sockets = []
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
