"""Enrolment: a new PC pairs with the server by a short code and keeps only its own key.

A real server on 127.0.0.1 (lobby LAN 127.0.0.1/32; 127.0.0.2 plays the guest Wi-Fi) over a real
SQLite file; `mpp-kiosk enrol` and `mpp-kiosk devices` run as real processes, the new PC with a HOME of
its own and no config.toml.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from kiosk.client import ApiError
from kiosk.clock import FakeClock
from kiosk.device_file import DeviceFileError, load_device_credential, window_credential
from kiosk.enrolment import CODE_ALPHABET, key_hash
from kiosk.server.devices_api import APPROVE_GUESSES, ENROL_PER_ADDRESS
from support.configs import DEVICE_KEYS, MONDAY_9, config_dict, make_config
from support.server import running_server, write_toml_config

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUEST = "127.0.0.2"
LAN_ONLY_HERE = {"lan_networks": ["127.0.0.1/32"]}
CODE = re.compile(r"\b([%s]{4}-[%s]{4})\b" % (CODE_ALPHABET, CODE_ALPHABET))


def server_section(**extra) -> dict:
    return {**config_dict()["server"], **LAN_ONLY_HERE, **extra}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, server=server_section())


@pytest.fixture
def config_file(tmp_path):
    """The server PC's config.toml, for `mpp-kiosk devices`."""
    (tmp_path / "server").mkdir()
    return write_toml_config(tmp_path / "server" / "config.toml", config_dict(server=server_section()))


@pytest.fixture
def server(config, tmp_path):
    # the real clock: the CLI (another process) decides expiry by the same time as the server
    with running_server(config, tmp_path / "queue.sqlite", None, ping_seconds=1.0, poll_seconds=0.2) as handle:
        yield handle


def cli(*args, home: Path | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if home is not None:
        env["HOME"] = str(home)
        env.pop("XDG_CONFIG_HOME", None)
    return subprocess.run([str(PYTHON), "-m", "kiosk", *args], cwd=home or ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def devices_cli(server, config_file, *args) -> subprocess.CompletedProcess:
    return cli("devices", *args, "--config", str(config_file), "--db", str(server.db_path))


def pair(server, hint: str = "") -> dict:
    answer = httpx.post(f"{server.url}/api/v1/enrol", json={"name_hint": hint}, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()


def enrol_by_api(server, role: str, name: str) -> str:
    """A device enrolled the way the CLI does it, through the HTTP routes; its key."""
    pairing = pair(server, name)
    manager = server.client("manager", lang="en")
    manager.approve_device(pairing["code"], role, name)
    answer = httpx.get(f"{server.url}{pairing['poll_path']}", timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()["key"]


def start_enrol(home: Path, server, *extra) -> tuple[subprocess.Popen, str, list[str]]:
    """`mpp-kiosk enrol` in its own HOME; returns the process, its pairing code and the lines read so far."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home)}
    env.pop("XDG_CONFIG_HOME", None)
    process = subprocess.Popen([str(PYTHON), "-m", "kiosk", "enrol", "--server", server.url, "--poll-seconds", "0.2",
                                *extra], cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = CODE.search(line)
        if found:
            return process, found.group(1), lines
    process.kill()
    raise AssertionError("enrol printed no pairing code: " + "".join(lines) + process.stderr.read())


# --------------------------------------------------------------------------- pairing end to end

def test_a_new_pc_enrols_by_code_and_keeps_only_its_own_key(server, config_file, tmp_path):
    home = tmp_path / "kiosk-2-home"
    home.mkdir()
    process, code, lines = start_enrol(home, server, "--name", "kiosk-lobby")
    approved = devices_cli(server, config_file, "approve", code, "--role", "kiosk", "--name", "kiosk-2")
    assert approved.returncode == 0, approved.stderr
    assert f"Approved {code}" in approved.stdout and "calls itself 'kiosk-lobby'" in approved.stdout
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    printed = "".join(lines) + out
    assert "██" in printed and "▀" in printed  # the big code and the QR (qrcode's half blocks)
    assert "Enrolled as kiosk-2 (kiosk)" in printed

    path = home / ".config" / "mpp-kiosk" / "device.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credential = load_device_credential("kiosk", path=path)
    assert (credential.name, credential.role, credential.server_url) == ("kiosk-2", "kiosk", server.url)
    # the key works as a kiosk's, at once
    with httpx.Client(base_url=server.url, timeout=5) as http:
        issued = http.post("/api/v1/devices/printer-fault", json={"kind": "paper_out"},
                           headers={"Authorization": f"Bearer {credential.key}"})
        assert issued.status_code == 201, issued.text
    # the server's database holds the key's hash, never the key
    server.engine.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = b"".join(p.read_bytes() for p in server.db_path.parent.glob(server.db_path.name + "*"))
    assert credential.key.encode() not in stored
    assert key_hash(credential.key).encode() in stored

    # the PC's HOME holds its own key and nothing else of the lobby: no other device's key, no PIN hash
    everything = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    assert credential.key.encode() in everything
    for other in DEVICE_KEYS.values():
        assert other.encode() not in everything
    for staff in config_dict()["staff"]:
        assert staff["pin_hash"].encode() not in everything
    assert b"scrypt$" not in everything

    # `devices list` on the server PC shows it
    listed = devices_cli(server, config_file, "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("kiosk-2 "))
    assert "kiosk" in row and "enrolled" in row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)
    assert any(line.startswith("kiosk1 ") and "config.toml" in line for line in listed.stdout.splitlines())


def test_a_window_of_an_enrolled_pc_takes_the_device_file(tmp_path, monkeypatch):
    from kiosk.device_file import DeviceCredential, write_device_file

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    written = write_device_file(DeviceCredential("http://192.0.2.1:8600", "display-2", "display", "k" * 43))
    no_keys = make_config(tmp_path, server={**config_dict()["server"], "devices": []})
    credential = window_credential(no_keys, "display")
    assert (credential.url, credential.key, credential.source) == ("http://192.0.2.1:8600", "k" * 43, str(written))
    assert window_credential(no_keys, "kiosk") is None  # the file is a display's
    with_keys = make_config(tmp_path)
    assert window_credential(with_keys, "display").key == DEVICE_KEYS["display"]  # config.toml first
    os.chmod(written, 0o644)
    with pytest.raises(DeviceFileError, match="other users can read"):
        window_credential(no_keys, "display")


# --------------------------------------------------------------------------- refused codes

def test_wrong_expired_and_reused_codes_are_refused_with_a_sentence(config, tmp_path):
    clock = FakeClock(MONDAY_9)
    with running_server(config, tmp_path / "q.sqlite", clock) as server:
        manager = server.client("manager", lang="en")
        fresh = pair(server)
        with pytest.raises(ApiError) as wrong:
            manager.approve_device("ZZZZ-ZZZZ" if fresh["code"] != "ZZZZ-ZZZZ" else "YYYY-YYYY", "kiosk", "kiosk-7")
        assert wrong.value.status == 404 and "No pairing request has the code" in wrong.value.message

        old = pair(server)
        clock.advance(minutes=11)
        with pytest.raises(ApiError) as expired:
            manager.approve_device(old["code"], "kiosk", "kiosk-7")
        assert expired.value.status == 410 and "has expired" in expired.value.message
        gone = httpx.get(f"{server.url}{old['poll_path']}", headers={"Accept-Language": "en"}, timeout=5)
        assert gone.status_code == 410 and "has expired" in gone.json()["message"]

        used = pair(server)
        manager.approve_device(used["code"].lower().replace("-", ""), "kiosk", "kiosk-7")  # typed loosely
        assert httpx.get(f"{server.url}{used['poll_path']}", timeout=5).status_code == 200
        again = httpx.get(f"{server.url}{used['poll_path']}", headers={"Accept-Language": "en"}, timeout=5)
        assert again.status_code == 409 and "already been used" in again.json()["message"]
        assert "key" not in again.json()
        with pytest.raises(ApiError) as reused:
            manager.approve_device(used["code"], "display", "display-9")
        assert reused.value.status == 409 and "already been used" in reused.value.message

        # a name in use (an enrolled one, or one of config.toml's) is refused too
        taken = pair(server)
        for name in ("kiosk-7", "kiosk1"):
            with pytest.raises(ApiError) as clash:
                manager.approve_device(taken["code"], "kiosk", name)
            assert clash.value.status == 409 and "already in use" in clash.value.message

        # a refused request is told so at its next poll
        refused = pair(server)
        httpx.post(f"{server.url}/api/v1/devices/refuse", json={"code": refused["code"]},
                   headers={"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}, timeout=5).raise_for_status()
        told = httpx.get(f"{server.url}{refused['poll_path']}", headers={"Accept-Language": "en"}, timeout=5)
        assert told.status_code == 403 and "was refused" in told.json()["message"]


def test_the_cli_refuses_a_wrong_code_with_a_sentence(server, config_file):
    answer = devices_cli(server, config_file, "approve", "2222-2222", "--role", "kiosk", "--name", "kiosk-5")
    assert answer.returncode == 1
    assert "No pairing request has the code 2222-2222" in answer.stderr and "Traceback" not in answer.stderr


def test_only_a_manager_key_approves(server):
    pairing = pair(server)
    for role in ("kiosk", "display", "counter-app"):
        answer = httpx.post(f"{server.url}/api/v1/devices/approve",
                            json={"code": pairing["code"], "role": "manager", "name": "sneaky"},
                            headers={"Authorization": f"Bearer {DEVICE_KEYS[role]}"}, timeout=5)
        assert answer.status_code == 403, (role, answer.text)
    anonymous = httpx.post(f"{server.url}/api/v1/devices/approve",
                           json={"code": pairing["code"], "role": "manager", "name": "sneaky"}, timeout=5)
    assert anonymous.status_code == 401
    assert httpx.get(f"{server.url}{pairing['poll_path']}", timeout=5).status_code == 202  # still waiting


def test_pairing_requests_and_code_guesses_are_rate_limited(server):
    with httpx.Client(base_url=server.url, timeout=5, headers={"Accept-Language": "en"}) as http:
        burst = int(ENROL_PER_ADDRESS[1])
        answers = [http.post("/api/v1/enrol", json={}) for _ in range(burst + 3)]
        assert [a.status_code for a in answers[:burst]] == [201] * burst
        refused = answers[burst:]
        assert all(a.status_code == 429 for a in refused)
        assert int(refused[0].headers["retry-after"]) >= 1 and "Too many pairing requests" in refused[0].json()["message"]

        manager = {"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}
        guesses = int(APPROVE_GUESSES[1])
        statuses = []
        for number in range(guesses + 5):
            guess = "".join(CODE_ALPHABET[(number + i) % len(CODE_ALPHABET)] for i in range(8))
            statuses.append(http.post("/api/v1/devices/approve", headers=manager,
                                      json={"code": guess, "role": "kiosk", "name": f"guess-{number}"}).status_code)
        assert statuses[:guesses] == [404] * guesses
        assert statuses[guesses:] == [429] * 5
        # a right code is refused as well while the guesses hold (no oracle while rate limited)
        good = answers[0].json()["code"]
        late = http.post("/api/v1/devices/approve", headers=manager, json={"code": good, "role": "kiosk", "name": "k9"})
        assert late.status_code == 429 and "Too many wrong codes" in late.json()["message"]


def test_enrolment_from_the_guest_wifi_is_refused(server):
    with httpx.Client(base_url=server.url, timeout=5, transport=httpx.HTTPTransport(local_address=GUEST)) as guest:
        asked = guest.post("/api/v1/enrol", json={"name_hint": "phone"})
        assert asked.status_code == 403 and asked.json()["error"] == "lan_only"
        pairing = pair(server)  # made on the LAN; its poll secret does not help from the guest Wi-Fi
        assert guest.get(pairing["poll_path"]).status_code == 403
    assert server.engine.store.query("SELECT count(*) AS n FROM device_pairings")[0]["n"] == 1


def test_the_poll_secret_never_reaches_the_log(config, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO)
    with running_server(config, tmp_path / "q.sqlite", None, access_log=True) as server:
        pairing = pair(server)
        httpx.get(f"{server.url}{pairing['poll_path']}", timeout=5)
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("kiosk"))
    assert "/api/v1/enrol/…" in server_log
    assert pairing["poll_secret"] not in server_log


# --------------------------------------------------------------------------- revoke and rename

def open_stream(stack: contextlib.ExitStack, server, key: str):
    ws = stack.enter_context(ws_connect(f"{server.ws_url}/api/v1/events", open_timeout=5,
                                        additional_headers={"Authorization": f"Bearer {key}"}))
    assert json.loads(ws.recv(timeout=5))["type"] == "hello"
    return ws


def wait_closed(ws, within: float) -> tuple[float, list[dict], int | None]:
    """Read until the server closes the socket; how long it took, what it said, the close code."""
    from websockets.exceptions import ConnectionClosed

    started = time.monotonic()
    said = []
    try:
        while time.monotonic() - started < within + 2:
            said.append(json.loads(ws.recv(timeout=within + 2)))
    except ConnectionClosed as closed:
        return time.monotonic() - started, said, closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        pass
    return float("inf"), said, None


@pytest.mark.parametrize("how", ["api", "cli"])
def test_a_revoked_device_is_refused_at_once_and_its_stream_closed(server, config_file, how):
    revoked_key = enrol_by_api(server, "display", "display-2")
    other_key = enrol_by_api(server, "display", "display-3")
    stack = contextlib.ExitStack()
    with stack:
        check_revocation(stack, server, config_file, how, revoked_key, other_key)


def check_revocation(stack, server, config_file, how, revoked_key, other_key):
    doomed = open_stream(stack, server, revoked_key)
    bystander = open_stream(stack, server, other_key)
    config_display = open_stream(stack, server, DEVICE_KEYS["display"])
    if how == "api":
        answer = server.client("manager", lang="en").revoke_device("display-2")
        assert answer["streams_closed"] == 1 and answer["revoked_at"]
    else:
        done = devices_cli(server, config_file, "revoke", "display-2")
        assert done.returncode == 0, done.stderr
        assert "Revoked display-2" in done.stdout
    # timed from the moment the revocation is written (the API's answer, the CLI's exit); the CLI's is heard
    # through the server's poll of the database (0.2 s here, server's default 1 s)
    took, said, code = wait_closed(doomed, within=1.0)
    assert took <= 1.0, (took, said)
    assert code == 4401
    errors = [m for m in said if m.get("type") == "error"]
    assert errors and errors[-1]["error"] == "device_revoked" and "dicabut" in errors[-1]["message"]

    for lang, sentence in (("en", "This device was revoked"), ("id", "Perangkat ini telah dicabut")):
        refused = httpx.get(f"{server.url}/api/v1/state", timeout=5,
                            headers={"Authorization": f"Bearer {revoked_key}", "Accept-Language": lang})
        assert refused.status_code == 401 and refused.json()["error"] == "device_revoked"
        assert refused.json()["message"].startswith(sentence)
    # the others carry on: their streams stay open and their keys work
    for ws, key in ((bystander, other_key), (config_display, DEVICE_KEYS["display"])):
        ws.ping().wait(2)
        assert httpx.get(f"{server.url}/api/v1/state", headers={"Authorization": f"Bearer {key}"},
                         timeout=5).status_code == 200
    # a reconnecting revoked device hears the sentence in the handshake's first message
    with ws_connect(f"{server.ws_url}/api/v1/events", open_timeout=5,
                    additional_headers={"Authorization": f"Bearer {revoked_key}"}) as again:
        first = json.loads(again.recv(timeout=5))
    assert first["type"] == "error" and first["error"] == "device_revoked"


def test_the_event_stream_client_reports_revoked_with_the_servers_sentence(server):
    from kiosk.client import EventStream

    key = enrol_by_api(server, "kiosk", "kiosk-8")
    statuses: list[str] = []
    stream = EventStream(server.url, key, on_event=lambda e: None, on_status=statuses.append)
    try:
        deadline = time.monotonic() + 5
        while "connected" not in statuses and time.monotonic() < deadline:
            time.sleep(0.05)
        server.client("manager").revoke_device("kiosk-8")
        deadline = time.monotonic() + 3
        while "revoked" not in statuses and time.monotonic() < deadline:
            time.sleep(0.05)
        assert statuses[-1] == "revoked", statuses
        assert stream.refusal and "dicabut" in stream.refusal
    finally:
        stream.stop()


def test_rename_keeps_the_key_and_the_new_name_is_used(server, config_file):
    key = enrol_by_api(server, "kiosk", "kiosk-4")
    renamed = devices_cli(server, config_file, "rename", "kiosk-4", "kiosk-lantai-2")
    assert renamed.returncode == 0, renamed.stderr
    deadline = time.monotonic() + 3
    name = None
    while time.monotonic() < deadline:  # a running server hears of it through the event log
        names = [d["name"] for d in server.client("manager").devices()["devices"]]
        if "kiosk-lantai-2" in names:
            name = "kiosk-lantai-2"
            break
        time.sleep(0.05)
    assert name == "kiosk-lantai-2"
    fault = httpx.post(f"{server.url}/api/v1/devices/printer-fault", json={"kind": "paper_out"},
                       headers={"Authorization": f"Bearer {key}"}, timeout=5)
    assert fault.status_code == 201
    event = server.engine.events_since(0)[-1]
    assert event["type"] == "printer_fault" and event["payload"]["device"] == "kiosk-lantai-2"
    clash = devices_cli(server, config_file, "rename", "kiosk-lantai-2", "kiosk1")
    assert clash.returncode == 1 and "already in use" in clash.stderr
    missing = devices_cli(server, config_file, "revoke", "no-such-kiosk")
    assert missing.returncode == 1 and "No active enrolled device is named 'no-such-kiosk'" in missing.stderr
    config_one = devices_cli(server, config_file, "revoke", "kiosk1")
    assert config_one.returncode == 2 and "[[server.devices]]" in config_one.stderr


def test_last_seen_is_kept_without_a_write_per_request(server):
    key = enrol_by_api(server, "display", "display-5")
    writes = []
    original = server.app.state.backend.registry.touch
    server.app.state.backend.registry.touch = lambda seen: (writes.append(dict(seen)), original(seen))[1]
    with httpx.Client(base_url=server.url, timeout=5, headers={"Authorization": f"Bearer {key}"}) as http:
        for _ in range(50):
            assert http.get("/api/v1/state").status_code == 200
    listed = {d["name"]: d for d in server.client("manager").devices()["devices"]}
    assert listed["display-5"]["last_seen"] is not None  # fresh from memory
    deadline = time.monotonic() + 8
    while not writes and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(writes) == 1 and list(writes[0]) == [key_hash(key)]  # 50 requests, one write
    row = server.engine.store.query("SELECT last_seen FROM devices WHERE name = 'display-5'")[0]
    assert row["last_seen"] is not None


def test_the_device_routes_are_the_managers_and_on_the_lan(server):
    for method, path in (("GET", "/api/v1/devices"), ("POST", "/api/v1/devices/kiosk-2/revoke")):
        answer = httpx.request(method, f"{server.url}{path}", timeout=5,
                               headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"})
        assert answer.status_code == 403, (path, answer.text)
    with httpx.Client(base_url=server.url, timeout=5, transport=httpx.HTTPTransport(local_address=GUEST)) as guest:
        for method, path in (("GET", "/api/v1/devices"), ("POST", "/api/v1/devices/approve"),
                             ("POST", "/api/v1/devices/kiosk-2/rename"), ("POST", "/api/v1/devices/kiosk-2/revoke")):
            answer = guest.request(method, path, headers={"Authorization": f"Bearer {DEVICE_KEYS['manager']}"})
            assert answer.status_code == 403 and answer.json()["error"] == "lan_only", path


# --------------------------------------------------------------------------- the windows say so

def test_a_revoked_kiosk_and_display_say_so_on_screen(qtbot, server, config, tmp_path):
    from kiosk.audio.speech import FakeSynthesizer
    from kiosk.client import ApiClient
    from kiosk.printer.backends import EscposTicketPrinter
    from kiosk.ui.display.window import DisplayWindow
    from kiosk.ui.kiosk.window import KioskWindow
    from support.fake_printer import FakeNetworkPrinter

    kiosk_key = enrol_by_api(server, "kiosk", "kiosk-6")
    display_key = enrol_by_api(server, "display", "display-6")
    with FakeNetworkPrinter() as fake_printer:
        printer = EscposTicketPrinter(fake_printer.printer_config(timeout_s=1, paper_mm=config.printer.paper_mm))
        api = ApiClient(server.url, kiosk_key)
        kiosk = KioskWindow(config, api, printer, clock=FakeClock(MONDAY_9))
        display = DisplayWindow(config, server.url, display_key, synthesizer=FakeSynthesizer(tmp_path / "voice"),
                                clock=FakeClock(MONDAY_9))
        for window in (kiosk, display):
            qtbot.addWidget(window)
            window.resize(1920, 1080)
            window.show()
            window.start()
        try:
            qtbot.waitUntil(lambda: kiosk.current == "home" and display.live.connected, timeout=8000)
            manager = server.client("manager")
            manager.revoke_device("kiosk-6")
            manager.revoke_device("display-6")
            qtbot.waitUntil(lambda: kiosk.current == "offline" and display.offline_sign_visible, timeout=3000)
            assert "dicabut" in kiosk.offline_screen.message_label.text()
            assert "dicabut" in display.offline_sign.text()
            # the catalog is open to the LAN, but a revoked kiosk stays on its sentence
            kiosk.refresh_catalog()
            qtbot.wait(500)
            assert kiosk.current == "offline" and "dicabut" in kiosk.offline_screen.message_label.text()
        finally:
            kiosk.shutdown()
            display.shutdown()
            api.close()


def test_revoking_a_counter_pc_ends_the_staff_session_opened_from_it(qtbot, server):
    from kiosk.ui.counter.window import CounterWindow

    counter_key = enrol_by_api(server, "counter-app", "loket-pc-2")
    window = CounterWindow(server.config, server.url, counter_id="loket-1", key=counter_key)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.start()
    # a second officer at another counter PC (config.toml's key) is not touched by the revocation
    other = server.staff_client("petugas3", "loket-3")
    try:
        window.login("loket-1", "petugas1", "1234")
        qtbot.waitUntil(lambda: window.logged_in and window.live is not None and window.live.connected, timeout=10000)
        token = window.api.session["token"]
        server.client("manager").revoke_device("loket-pc-2")
        qtbot.waitUntil(lambda: not window.logged_in, timeout=3000)
        assert "dicabut" in window.login_panel.message.text()
        refused = httpx.get(f"{server.url}/api/v1/counters/loket-1/waiting", timeout=5,
                            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
        assert refused.status_code == 401 and refused.json()["error"] == "device_revoked"
        # and a new login from the revoked PC is refused with the sentence
        login = httpx.post(f"{server.url}/api/v1/sessions", json={"user": "petugas1", "pin": "1234",
                                                                   "counter_id": "loket-1"},
                           headers={"Authorization": f"Bearer {counter_key}", "Accept-Language": "en"}, timeout=5)
        assert login.status_code == 401 and login.json()["message"].startswith("This device was revoked")
        assert other.waiting("loket-3") == []
    finally:
        window.shutdown()
        other.close()


def test_enrolment_over_https_pins_the_servers_certificate(tmp_path, monkeypatch):
    import datetime as dt

    from kiosk import tls
    from kiosk.client import ApiClient
    from kiosk.engine import QueueEngine
    from kiosk.server.app import create_app
    from kiosk.server.runner import ServerThread
    from kiosk.store import Store

    cert_pem, key_pem = tls.make_certificate(["127.0.0.1"], 30, dt.datetime.now(dt.timezone.utc))
    (tmp_path / "server.crt").write_bytes(cert_pem)
    (tmp_path / "server.key").write_bytes(key_pem)
    fingerprint = tls.fingerprint(cert_pem.decode())
    config = make_config(tmp_path, server=server_section(tls_cert="server.crt", tls_key="server.key",
                                                         tls_fingerprint=fingerprint))
    store = Store(tmp_path / "queue.sqlite")
    app = create_app(config, QueueEngine(config, store), access_log=False, log_events=False)
    thread = ServerThread(app, "127.0.0.1", 0, config=config).start()
    home = tmp_path / "display-home"
    home.mkdir()
    try:
        url = thread.url
        assert url.startswith("https://")
        # without the fingerprint: refused, and told what the server shows, to compare with make-cert's
        blind = cli("enrol", "--server", url, home=home)
        assert blind.returncode == 2 and "--fingerprint" in blind.stderr and fingerprint in blind.stderr
        assert not (home / ".config").exists()

        class Handle:  # what start_enrol needs of a server
            pass

        handle = Handle()
        handle.url = url
        process, code, _lines = start_enrol(home, handle, "--fingerprint", fingerprint.lower().replace(":", ""))
        manager = ApiClient(url, DEVICE_KEYS["manager"], ssl_context=tls.client_ssl_context(config, url))
        manager.approve_device(code, "display", "display-tls")
        manager.close()
        _out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
        credential = load_device_credential("display")
        assert credential.tls_fingerprint == fingerprint
        window_side = make_config(tmp_path, server={**config_dict()["server"], "devices": []})
        found = window_credential(window_side, "display")
        assert isinstance(found.ssl_context, tls.PinnedContext) and found.url == url
        with ApiClient(found.url, found.key, ssl_context=found.ssl_context) as display:
            assert "seq" in display.state()
    finally:
        thread.stop()
        store.close()


def test_the_kiosk_command_on_an_enrolled_pc_runs_on_its_own_key_and_stops_when_revoked(server, config_file, tmp_path):
    """`mpp-kiosk kiosk` with a config.toml that holds no key at all, in the HOME enrol wrote to."""
    import signal

    from support.configs import PIN_1234

    home = tmp_path / "kiosk-3-home"
    home.mkdir()
    process, code, _lines = start_enrol(home, server)
    assert devices_cli(server, config_file, "approve", code, "--role", "kiosk", "--name", "kiosk-3").returncode == 0
    assert process.wait(timeout=20) == 0
    data = config_dict(kiosk={"idle_seconds": 30, "exit_pin_hash": PIN_1234})
    data["server"] = {**data["server"], "log_dir": "logs", "devices": []}  # this PC holds no config key
    window_config = write_toml_config(home / "config.toml", data)
    assert b"-key-0123456789abcdef" not in window_config.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home)}
    env.pop("XDG_CONFIG_HOME", None)
    kiosk = subprocess.Popen([str(PYTHON), "-m", "kiosk", "kiosk", "--config", str(window_config)], cwd=home, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = home / "logs" / "kiosk.log"

    def wait_log(text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not (log.exists() and text in log.read_text()):
            assert kiosk.poll() is None, kiosk.stdout.read().decode()
            assert time.monotonic() < deadline, f"never logged {text!r}: {log.read_text() if log.exists() else ''}"
            time.sleep(0.05)

    try:
        wait_log("queue server reachable", 20)
        assert devices_cli(server, config_file, "revoke", "kiosk-3").returncode == 0
        wait_log("the server revoked this kiosk", 3)
        assert "dicabut" in log.read_text()
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(timeout=10) == 0
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()
    assert "Traceback" not in log.read_text()


def test_every_code_character_has_a_big_letter_and_fits_a_terminal():
    from kiosk.enrol_cli import _FONT, big_text

    assert set(CODE_ALPHABET) | {"-"} <= set(_FONT)
    assert all(len(glyph) == 5 and all(len(row) == 5 for row in glyph) for glyph in _FONT.values())
    code = "WXYZ-2345"
    assert max(len(line) for line in big_text(code, columns=80).splitlines()) <= 80
    assert max(len(line) for line in big_text(code, columns=120).splitlines()) <= 120
    assert not set("01ILOUV") & set(CODE_ALPHABET)  # nothing read as another character
