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
from support.toml_writer import write_config

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


def write_toml_config(path: Path | str, data: dict) -> Path:
    """A config.toml from a dict of tests.support.configs, for the real CLI."""
    return write_config(Path(path), data)
