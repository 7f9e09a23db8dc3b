"""A real queue server for tests: uvicorn on 127.0.0.1 (a free port) over a SQLite file.

In-thread (``running_server``): the test can reach the engine, and restart the
server on the same port and database mid-test. In a subprocess
(``running_server_process``): the test can kill -9 it.

    with running_server(config, tmp_path / "q.sqlite", clock=FakeClock(MONDAY_9)) as server:
        kiosk = server.client("kiosk")
        ticket = kiosk.issue("ktp")
        server.restart()
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx

from kiosk.client import ApiClient
from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.engine import QueueEngine
from kiosk.server.app import create_app
from kiosk.server.runner import ServerThread
from kiosk.store import Store

ROOT = Path(__file__).resolve().parents[2]
PROCESS_SCRIPT = Path(__file__).with_name("server_process.py")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerHandle:
    """A running server. ``engine`` is the current one (a restart makes a new one over the same file)."""

    def __init__(self, config: Config, db_path: Path, clock: Clock | None, app_options: dict):
        self.config = config
        self.db_path = Path(db_path)
        self.clock = clock
        self.app_options = {"access_log": False, **app_options}
        self.port = 0
        self.engine: QueueEngine | None = None
        self.app = None
        self._thread: ServerThread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.running

    def start(self) -> "ServerHandle":
        store = Store(self.db_path)
        self.engine = QueueEngine(self.config, store, self.clock)
        self.app = create_app(self.config, self.engine, **self.app_options)
        self._thread = ServerThread(self.app, "127.0.0.1", self.port)
        try:
            self._thread.start()
        except BaseException:
            store.close()
            raise
        self.port = self._thread.port
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
        if self.engine is not None:
            self.engine.store.close()

    def restart(self) -> "ServerHandle":
        """Stop, then start again on the same port with the same database file."""
        self.stop()
        return self.start()

    def notify(self) -> None:
        """Tell the server about writes the test made through ``engine`` directly, so clients hear at once
        (otherwise they do within the server's poll interval, 1 s)."""
        self.app.state.backend.hub.notify_threadsafe()

    def key(self, role: str) -> str:
        key = self.config.server.key_for(role)
        if key is None:
            raise KeyError(f"the test config has no device with role {role!r}")
        return key

    def client(self, role: str | None = None, lang: str = "id", timeout: float = 5.0) -> ApiClient:
        """An ApiClient with the key of a device role ('kiosk', 'display', 'counter-app', 'manager'), or none."""
        return ApiClient(self.url, self.key(role) if role else None, lang=lang, timeout=timeout)

    def staff_client(self, user: str, counter_id: str, pin: str = "1234", lang: str = "id") -> ApiClient:
        client = self.client("counter-app", lang=lang)
        client.login(user, pin, counter_id)
        return client


@contextlib.contextmanager
def running_server(config: Config, db_path: Path | str, clock: Clock | None = None, **app_options):
    """A real uvicorn server in a thread; ``app_options`` go to ``create_app`` (e.g. ping_seconds=0.5)."""
    handle = ServerHandle(config, Path(db_path), clock, app_options)
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()


class ProcessHandle:
    """``mpp-kiosk server``-like process on a fixed port: stop(), kill() (SIGKILL), start(), restart()."""

    def __init__(self, config_path: Path, db_path: Path, now: datetime | None, port: int | None, log_path: Path | None):
        self.config_path = Path(config_path)
        self.db_path = Path(db_path)
        self.now = now
        self.port = port or free_port()
        self.log_path = log_path or self.db_path.with_suffix(".server.log")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> "ProcessHandle":
        command = [sys.executable, str(PROCESS_SCRIPT), "--config", str(self.config_path), "--db", str(self.db_path),
                   "--port", str(self.port)]
        if self.now is not None:
            command += ["--now", self.now.isoformat()]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server process exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"the server process did not answer within {timeout} s; see {self.log_path}")

    def stop(self, timeout: float = 5.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a power cut of the process."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def restart(self) -> "ProcessHandle":
        self.stop()
        return self.start()


@contextlib.contextmanager
def running_server_process(config_path: Path | str, db_path: Path | str, *, now: datetime | None = None,
                           port: int | None = None, log_path: Path | None = None):
    """The server in its own process. ``now`` starts its clock there (then it runs in real time)."""
    handle = ProcessHandle(Path(config_path), Path(db_path), now, port, log_path)
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()


def write_json_config(path: Path | str, data: dict) -> Path:
    """A config file for ``running_server_process`` from a dict of tests.support.configs (e.g. config_dict())."""
    import json

    path = Path(path)
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    return path


class TcpProxy:
    """A TCP forwarder between clients and the server whose network can be cut and restored.

    ``cut()`` drops every open connection and refuses new ones (as a pulled cable or
    a dead switch does); ``restore()`` listens again on the same port.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        import threading

        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._accepting = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "TcpProxy":
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accepting.start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        import threading

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut or stopped
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would leave it listening
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def restore(self) -> None:
        self.start()

    def stop(self) -> None:
        self.cut()

    def __enter__(self) -> "TcpProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _toml_value(value) -> str:
    import json
    from datetime import date

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (str, Path)):
        return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[ " + ", ".join(_toml_value(v) for v in value) + " ]"
    raise TypeError(f"no TOML for {value!r}")


def write_toml_config(path: Path | str, data: dict) -> Path:
    """A config.toml from a dict of tests.support.configs (each section one inline table), for the real CLI."""
    path = Path(path)
    path.write_text("".join(f"{key} = {_toml_value(value)}\n" for key, value in data.items()), encoding="utf-8")
    return path
