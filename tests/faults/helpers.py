"""What the fault tests share: a lobby that is open around the clock, the real server as a process, waiting.

The server process is exactly what a technician starts (``python -m kiosk server
--config X --db Y --port P``) and runs on the real clock, so its config is open
every day 00:00-24:00 with no breaks, holidays or last-ticket cutoff. Its kiosks issue
as fast as the machine allows (kill -9 mid-issue, midnight, cuts), far faster than a
person, so its per-kiosk issue limit (and the visitor side's per-address limit, for reading
every ticket back) is raised; tests/security/ tests the defaults.
"""
from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from kiosk.client import EventStream
from kiosk.lobby_state import LobbyState
from support.configs import BASE, DEVICE_KEYS, LOAD_TEST_LIMITS, PIN_1234
from support.server import free_port
from support.toml_writer import write_config

ROOT = Path(__file__).resolve().parents[2]
ALL_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def open_lobby(tmp_path: Path | None = None, *, counters: int = 3, **sections) -> dict:
    """The test lobby of support.configs, open 00:00-24:00 every day, with ``counters`` counters.

    Three of every four counters are Disdukcapil's (ktp, kk, akta), the fourth Imigrasi's (paspor,
    no quota); staff ``petugas1``… log in to their own counter with PIN 1234, and ``supervisor`` to any.
    The issue limit is ``LOAD_TEST_LIMITS``; the visitor side's per-address limit is raised too.
    """
    data = copy.deepcopy(BASE)
    # ... and read back every ticket's status from one address: the visitor side's per-address limit too
    data["server"]["limits"] = {**LOAD_TEST_LIMITS, "visitor_requests_per_second": 10_000, "visitor_burst": 10_000}
    data["schedule"] = {"weekly": {day: ["00:00-24:00"] for day in ALL_WEEK}, "last_ticket_minutes": 0}
    data["services"] = [
        {"id": "ktp", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "KTP-el", "en": "e-ID card"},
         "service_minutes": 10},
        {"id": "kk", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "Kartu Keluarga", "en": "Family card"},
         "service_minutes": 8},
        {"id": "akta", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "Akta Kelahiran", "en": "Birth certificate"},
         "service_minutes": 8},
        {"id": "paspor", "agency": "imigrasi", "group": "imigrasi", "name": {"id": "Paspor", "en": "Passport"},
         "service_minutes": 15, "priority_allowed": False},
    ]
    data["counters"] = []
    data["staff"] = [{"user": "supervisor", "name": "Supervisor", "pin_hash": PIN_1234, "counters": ["*"],
                      "supervisor": True}]
    for n in range(1, counters + 1):
        imigrasi = n % 4 == 0
        data["counters"].append({
            "id": f"loket-{n}", "number": str(n), "agency": "imigrasi" if imigrasi else "dukcapil",
            "services": ["paspor"] if imigrasi else ["ktp", "kk", "akta"][n % 3:] + ["ktp", "kk", "akta"][:n % 3]})
        data["staff"].append({"user": f"petugas{n}", "name": f"Petugas {n}", "pin_hash": PIN_1234,
                              "counters": [f"loket-{n}"]})
    if counters < 4:  # every service needs a counter
        data["counters"][-1]["services"] = ["paspor"]
        data["counters"][-1]["agency"] = "imigrasi"
    if tmp_path is not None:
        data["server"]["log_dir"] = str(tmp_path / "logs")
        data["server"]["database"] = str(tmp_path / "queue.sqlite")
    data.update(copy.deepcopy(sections))
    return data


def wait_for(predicate, timeout: float = 5.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


class KioskServerProcess:
    """``python -m kiosk server`` on a fixed loopback port: start(), kill() (SIGKILL), stop() (SIGTERM)."""

    def __init__(self, config_path: Path, db_path: Path, port: int | None = None, log_path: Path | None = None):
        self.config_path = Path(config_path)
        self.db_path = Path(db_path)
        self.port = port or free_port()
        self.log_path = log_path or self.db_path.with_name(self.db_path.stem + ".server-output.log")
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def command(self) -> list[str]:
        return [sys.executable, "-m", "kiosk", "server", "--config", str(self.config_path), "--db", str(self.db_path),
                "--port", str(self.port), "--host", "127.0.0.1"]

    def launch(self) -> subprocess.Popen:
        """Start the process and return at once (no waiting for it to answer)."""
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as log_file:
            log_file.write(f"---- start {self.starts + 1}: {' '.join(self.command())}\n".encode())
            log_file.flush()
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log_file,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.starts += 1
        return self.process

    def start(self, timeout: float = 20.0) -> "KioskServerProcess":
        self.launch()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=0.5) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()[-3000:]}")
                try:
                    if http.get(f"{self.url}/healthz").status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"the server did not answer within {timeout} s:\n{self.output()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as when the PC loses power or the process is killed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 8.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> "KioskServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def write_lobby(tmp_path: Path, data: dict, name: str = "config.toml") -> Path:
    return write_config(tmp_path / name, data)


class LobbyDisplay:
    """A display without a screen: an EventStream feeding a LobbyState, counting each call it would announce.

    ``calls`` counts 'called' events per (ticket id, seq) that changed the state; ``delivered``
    is every seq the stream handed over, in order; ``statuses`` the stream's connection history.
    """

    def __init__(self, url: str, key: str = DEVICE_KEYS["display"]):
        self.state = LobbyState()
        self.snapshots = 0
        self.calls: Counter = Counter()
        self.delivered: list[int] = []
        self.statuses: list[str] = []
        self.lock = threading.Lock()
        self.stream = EventStream(url, key, on_event=self.on_event, on_snapshot=self.on_snapshot,
                                  on_status=self.statuses.append)

    def on_snapshot(self, snapshot: dict) -> None:
        with self.lock:
            self.snapshots += 1
            self.state = LobbyState(snapshot)

    def on_event(self, event: dict) -> None:
        with self.lock:
            self.delivered.append(event["seq"])
            if self.state.apply(event) and event["type"] == "called":
                self.calls[(event["ticket_id"], event["seq"])] += 1

    @property
    def seq(self) -> int:
        with self.lock:
            return self.state.seq

    def stop(self) -> None:
        self.stream.stop()
