"""Running the server: `mpp-kiosk server`, the in-process ServerThread, the process helper, logging."""
from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets.sync.client

from kiosk.client import ApiClient, EventStream
from kiosk.logs import setup_logging
from kiosk.server.app import create_app
from kiosk.server.runner import ServerThread
from support.configs import DEVICE_KEYS, MONDAY_9, config_dict
from support.server import free_port, running_server_process, write_json_config, write_toml_config

ROOT = Path(__file__).resolve().parents[2]


def wait_healthy(url, timeout=15.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}: {process.stderr.read()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=0.5)
        except httpx.HTTPError:
            time.sleep(0.05)
    raise AssertionError("the server never answered")


def test_mpp_kiosk_server_serves_logs_and_stops_on_sigterm(tmp_path):
    data = config_dict()
    data["server"] = {**data["server"], "log_dir": "logs", "database": "data/q.sqlite"}
    config_path = write_toml_config(tmp_path / "config.toml", data)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "server", "--config", str(config_path), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_healthy(url, process=server).json()["status"] == "ok"
        client = ApiClient(url, DEVICE_KEYS["counter-app"])
        client.login("petugas1", "1234", "loket-1")
        assert client.state()["counters"]["loket-1"]["status"] == "open"
        # a display following events with its key in the URL, as WebSocket clients may
        with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/api/v1/events?since=0&key={DEVICE_KEYS['display']}",
                                            open_timeout=5) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        assert (tmp_path / "data" / "q.sqlite").exists()  # server.database, relative to the config file
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down cleanly, then re-raises the signal so a supervisor sees why it ended
        assert server.wait(10) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    log = (tmp_path / "logs" / "server.log").read_text()
    assert "GET /healthz 200" in log  # one line per request
    assert "POST /api/v1/sessions 201" in log
    assert "counter_opened counter=loket-1 user=petugas1" in log  # one line per queue change
    assert "petugas1 logged in to loket-1" in log
    assert "queue server stopped" in log  # the app's own shutdown ran
    assert "1234" not in log.replace(str(port), "")  # never the PIN
    assert "/api/v1/events" in log and DEVICE_KEYS["display"] not in log  # nor a device key


def test_mpp_kiosk_server_overrides_host_port_and_database(tmp_path):
    data = config_dict()
    data["server"] = {**data["server"], "log_dir": str(tmp_path / "logs")}
    config_path = write_toml_config(tmp_path / "config.toml", data)
    port = free_port()
    db = tmp_path / "elsewhere.sqlite"
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "server", "--config", str(config_path), "--host", "127.0.0.1",
         "--port", str(port), "--db", str(db)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process=server)
        assert db.exists()
    finally:
        server.terminate()
        server.wait(10)


def test_an_invalid_config_exits_1_with_every_problem(tmp_path):
    data = config_dict()
    data["server"] = {**data["server"], "port": 0, "colour": "red"}
    data["services"][0]["group"] = "nope"
    config_path = write_toml_config(tmp_path / "config.toml", data)
    done = subprocess.run([sys.executable, "-m", "kiosk", "server", "--config", str(config_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "server.port" in done.stderr and "server.colour" in done.stderr and "services[0].group" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_config_exits_1(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kiosk", "server", "--config", str(tmp_path / "none.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "file not found" in done.stderr


def test_server_thread_picks_a_free_port_and_stops_within_two_seconds(config, db_path, clock):
    app = create_app(config, clock=clock, db_path=db_path, access_log=False)
    thread = ServerThread(app, "127.0.0.1", 0)
    started = time.monotonic()
    thread.start()
    assert time.monotonic() - started < 5
    assert thread.port > 0 and thread.url == f"http://127.0.0.1:{thread.port}"
    kiosk = ApiClient(thread.url, DEVICE_KEYS["kiosk"])
    assert kiosk.issue("ktp")["code"] == "A-001"
    # open connections of every kind must not hold the shutdown up
    stream = EventStream(thread.url, DEVICE_KEYS["display"], on_event=lambda e: None, since=0)
    from websockets.sync.client import connect

    token = kiosk.issue("ktp")["token"]
    with connect(f"ws://127.0.0.1:{thread.port}/api/v1/tickets/{token}/events") as phone:
        assert phone.recv(timeout=3)
        deadline = time.monotonic() + 5
        while stream.status != "connected" and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        thread.stop()
        assert time.monotonic() - started < 2.0
    assert not thread.running
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{thread.url}/healthz", timeout=0.5)
    stream.stop()


def test_server_thread_restarts_on_the_same_port(config, db_path, clock):
    first = ServerThread(create_app(config, clock=clock, db_path=db_path, access_log=False)).start()
    port = first.port
    kiosk = ApiClient(first.url, DEVICE_KEYS["kiosk"])
    kiosk.issue("ktp")
    first.stop()
    second = ServerThread(create_app(config, clock=clock, db_path=db_path, access_log=False), port=port).start()
    try:
        assert kiosk.issue("ktp")["code"] == "A-002"  # same database, same address, the same client
    finally:
        second.stop()


def test_server_thread_reports_a_port_in_use(config, db_path, clock):
    with ServerThread(create_app(config, clock=clock, db_path=db_path, access_log=False)) as busy:
        with pytest.raises(OSError):
            ServerThread(create_app(config, clock=clock, db_path=db_path), port=busy.port).start()


def test_server_process_can_be_killed_and_restarted(tmp_path):
    config_path = write_json_config(tmp_path / "config.json", config_dict())
    with running_server_process(config_path, tmp_path / "q.sqlite", now=MONDAY_9) as server:
        kiosk = ApiClient(server.url, DEVICE_KEYS["kiosk"])
        assert kiosk.issue("ktp")["code"] == "A-001"
        server.kill()
        assert server.process.returncode == -signal.SIGKILL
        server.start()
        assert kiosk.issue("ktp")["code"] == "A-002"  # nothing committed was lost


def test_setup_logging_writes_a_rotating_file_per_role_once(tmp_path, capsys):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = setup_logging("server", tmp_path / "logs")
        again = setup_logging("server", tmp_path / "logs")
        assert path == again == tmp_path / "logs" / "server.log"
        logging.getLogger("kiosk.test").info("hello from the test")
        ours = [h for h in root.handlers if h not in before]
        assert len(ours) == 2  # one file, one stderr: not doubled by the second call
        for handler in ours:
            handler.flush()
        assert path.read_text().count("hello from the test") == 1
        assert "hello from the test" in capsys.readouterr().err
        blocked = tmp_path / "file"
        blocked.write_text("")
        assert setup_logging("kiosk", blocked / "logs") is None  # cannot create: stderr only, and says so
        assert "cannot write logs" in capsys.readouterr().err
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
