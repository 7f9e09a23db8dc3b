"""`mpp-kiosk run`, as a technician starts it: a real process, offscreen, on a config open now.

It starts every role, walks a visitor through them (--journey), and stops cleanly on Ctrl+C; a
broken config, an unusable database or a taken port end it at once with a sentence, never a traceback.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from support.fake_printer import strip_status_requests
from support.server import free_port
from support.toml_writer import write_config

from kiosk.config import load_config
from kiosk.pins import hash_pin
from kiosk.sign import call_tokens

from .conftest import COUNTER, COUNTER_NUMBER, ROOT, STAFF_USER, lobby_data
from .printed import printed_qr_texts

pytestmark = pytest.mark.slow


class LobbyProcess:
    """``python -m kiosk run …`` with its stdout and stderr in one file."""

    def __init__(self, tmp_path: Path, *args: str):
        self.output_path = tmp_path / "run-output.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}  # QT_QPA_PLATFORM: see tests/conftest.py
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", *args], cwd=tmp_path, env=env,
                                            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        found = re.search(pattern, self.output())
        assert found, f"no line matching {pattern!r} (exit code {self.process.poll()}):\n{self.output()[-4000:]}"
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def run_lobby(tmp_path):
    started = []

    def run(*args: str) -> LobbyProcess:
        started.append(LobbyProcess(tmp_path, *args))
        return started[-1]

    yield run
    for process in started:
        process.stop()


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are not a listener
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_run_serves_a_visitor_through_every_role_and_stops_on_ctrl_c(run_lobby, lobby_config_path, fake_printer):
    config = load_config(lobby_config_path)
    port = config.server.port
    lobby = run_lobby("--config", str(lobby_config_path), "--port", str(port), "--journey")

    # every role is up: the server, then each window on screen, the kiosk and display on the server
    lobby.wait_for(r"all windows shown in [\d.]+ s", timeout=20)
    lobby.wait_for(r"journey (done|stopped): .*", timeout=45)
    log = lobby.output()
    for line in (
        "kiosk.server.app: queue server ready",
        f"kiosk.lobby: queue server on http://127.0.0.1:{port}",
        "kiosk.lobby: kiosk window: first frame", "kiosk.lobby: display window: first frame",
        "kiosk.lobby: counter window: first frame",
        "kiosk.lobby: lobby up in", "kiosk.ui.kiosk.window: kiosk: queue server reachable",
        "kiosk.lobby: display: receiving the queue's events",
        f"kiosk.ui.counter.window: logged in as {STAFF_USER} to {COUNTER}",
    ):
        assert line in log, f"missing {line!r} in:\n{log[-4000:]}"

    # the journey, step by step, in order
    issued = re.search(r"journey: kiosk issued (A-001) \(printed\), status page (\S+)", log)
    assert issued, log[-4000:]
    code, status_url = issued.groups()
    steps = [
        issued.group(0),
        f"journey: {STAFF_USER} logs in at counter {COUNTER}",
        "journey: counter presses Call next",
        f"journey: display shows {code} for counter {COUNTER_NUMBER}",
        "journey: display played chime.wav → id-",
        "journey: display signed " + " → ".join(call_tokens(code, COUNTER_NUMBER)),
        "journey: counter presses Finish",
        f"journey done: {code} issued, printed, called, shown and finished",
    ]
    at = [log.find(step) for step in steps]
    assert -1 not in at and at == sorted(at), f"journey steps missing or out of order: {at}\n{log[-4000:]}"

    # the ticket came out of the printer with its status page as QR; the database holds it finished
    printed = strip_status_requests(fake_printer.wait_for_ticket(timeout=5))
    assert code.encode() in printed and printed_qr_texts(printed) == [status_url]
    db_path = config.path(config.server.database)
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        assert db.execute("SELECT code, state FROM tickets").fetchall() == [(code, "done")]

    # Ctrl+C: out within 5 s with exit code 0, nothing left behind
    process = psutil.Process(lobby.process.pid)
    children = process.children(recursive=True)
    assert not port_is_free(port)
    lobby.process.send_signal(signal.SIGINT)
    asked = time.monotonic()
    assert lobby.process.wait(timeout=5) == 0
    assert time.monotonic() - asked < 5
    assert not psutil.pid_exists(lobby.process.pid)
    assert [child for child in children if child.is_running()] == []
    assert port_is_free(port)
    log = lobby.output()
    assert "kiosk.lobby: stopped by signal 2" in log and "kiosk.lobby: lobby stopped" in log
    assert "Traceback" not in log


def test_sigterm_as_a_service_manager_sends_it_stops_the_lobby_cleanly(run_lobby, lobby_config_path):
    port = load_config(lobby_config_path).server.port
    lobby = run_lobby("--config", str(lobby_config_path), "--port", str(port))
    lobby.wait_for(r"all windows shown in [\d.]+ s", timeout=20)
    lobby.wait_for(r"display: receiving the queue's events", timeout=10)
    lobby.process.send_signal(signal.SIGTERM)
    asked = time.monotonic()
    assert lobby.process.wait(timeout=5) == 0
    assert time.monotonic() - asked < 5 and port_is_free(port)
    assert f"kiosk.lobby: stopped by signal {int(signal.SIGTERM)}" in lobby.output()
    assert "Traceback" not in lobby.output()


def test_a_journey_whose_login_is_refused_says_why_and_exits_3(tmp_path, run_lobby):
    data = lobby_data(tmp_path, free_port())
    staff = next(member for member in data["staff"] if member["user"] == STAFF_USER)
    staff["pin_hash"] = hash_pin("9876")  # not the PIN the journey types
    config_path = write_config(tmp_path / "config.toml", data)
    lobby = run_lobby("--config", str(config_path), "--port", str(data["server"]["port"]), "--journey")
    stopped = lobby.wait_for(r"journey stopped: login refused: (.+)", timeout=30)
    assert "PIN" in stopped.group(1)
    lobby.process.send_signal(signal.SIGINT)
    assert lobby.process.wait(timeout=5) == 3
    assert "Traceback" not in lobby.output()


def test_a_journey_without_a_printer_goes_on_says_so_and_exits_3(tmp_path, run_lobby):
    data = lobby_data(tmp_path, free_port(), printer_port=free_port())  # nothing listens there
    data["sign"]["enabled"] = False  # a shorter call: the voice alone
    config_path = write_config(tmp_path / "config.toml", data)
    lobby = run_lobby("--config", str(config_path), "--port", str(data["server"]["port"]), "--journey")
    lobby.wait_for(r"journey: kiosk issued A-001 \(NOT printed \(unreachable\), shown on screen\)", timeout=20)
    done = lobby.wait_for(r"journey (done|stopped)\S*( with a fault)?: (.+)", timeout=30)
    assert done.group(0) == ("journey done with a fault: A-001 issued, NOT printed (unreachable), called, shown and "
                             "finished: check the printer")
    lobby.process.send_signal(signal.SIGINT)
    assert lobby.process.wait(timeout=5) == 3
    assert "Traceback" not in lobby.output()


def test_a_broken_config_lists_every_problem_and_starts_nothing(tmp_path, run_lobby):
    data = lobby_data(tmp_path, free_port())
    data["services"][0]["agency"] = "dukcapl"
    data["groups"][0]["prefix"] = "a1"
    config_path = write_config(tmp_path / "config.toml", data)
    lobby = run_lobby("--config", str(config_path))
    assert lobby.process.wait(timeout=20) == 1
    output = lobby.output()
    assert f"{config_path}: 2 problem(s)" in output
    assert "services[0].agency: no agency 'dukcapl' — did you mean 'dukcapil'?" in output
    assert "groups[0].prefix: must be 1-3 capital letters, got 'a1'" in output
    assert "Traceback" not in output and "queue server" not in output
    assert not (tmp_path / "queue.sqlite").exists()


def test_a_taken_port_is_one_clear_sentence(tmp_path, run_lobby, lobby_config_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        lobby = run_lobby("--config", str(lobby_config_path), "--port", str(port))
        assert lobby.process.wait(timeout=20) == 1
    output = lobby.output()
    assert f"run: cannot start the queue server on 127.0.0.1:{port}: Address already in use" in output
    assert "another program" in output and "--port" in output
    assert "Traceback" not in output and "lobby up" not in output


def test_a_database_that_cannot_be_opened_is_one_clear_sentence(tmp_path, run_lobby, lobby_config_path):
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    lobby = run_lobby("--config", str(lobby_config_path), "--port", str(free_port()), "--db", str(folder))
    assert lobby.process.wait(timeout=20) == 1
    output = lobby.output()
    assert f"run: cannot open the database {folder}: unable to open database file" in output
    assert "Traceback" not in output and "lobby up" not in output


def test_the_demo_at_2am_runs_on_a_demo_clock_from_the_next_opening_and_completes_the_journey(
        tmp_path, run_lobby, fake_printer):
    """Issue 18: the README's first command at 02:00 lobby time shows the whole journey, not "closed until 08:00"."""
    data = lobby_data(tmp_path, free_port(), fake_printer.port)
    data["lobby"]["timezone"] = "Asia/Makassar"
    data["schedule"] = {"weekly": {day: ["08:00-15:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
                        "last_ticket_minutes": 30,
                        "breaks": [{"days": ["mon"], "span": "12:00-13:00", "reason": {"id": "Istirahat", "en": "Break"}}]}
    config_path = write_config(tmp_path / "config.toml", data)
    lobby = run_lobby("--config", str(config_path), "--port", str(data["server"]["port"]), "--demo", "--journey",
                      "--demo-at", "2026-12-07T02:00+08:00")  # a Monday, 02:00 in the lobby
    line = lobby.wait_for(r"demo: the lobby is closed at Monday 02:00; the demo runs on a demo clock from "
                          r"Monday 08:00 \(windows marked DEMO\)", timeout=20)
    assert line
    done = lobby.wait_for(r"journey (done|stopped)\S*( with a fault)?: (.+)", timeout=60)
    assert done.group(0) == "journey done: A-001 issued, printed, called, shown and finished", lobby.output()[-4000:]
    lobby.process.send_signal(signal.SIGINT)
    assert lobby.process.wait(timeout=10) == 0
    log = lobby.output()
    assert "Traceback" not in log and "closed until" not in log.lower() and "tutup sampai" not in log
    # the ticket was issued at the demo clock's 08:00, in the demo's scratch database, not the lobby's
    database = load_config(config_path).path(load_config(config_path).server.database)
    scratch = database.with_name(f"demo-{database.name}")
    with sqlite3.connect(scratch) as conn:
        issued_at = conn.execute("SELECT issued_at FROM tickets").fetchall()
    assert len(issued_at) == 1 and issued_at[0][0].startswith("2026-12-07T00:0"), issued_at  # 08:0x WITA in UTC
    assert not database.exists()
