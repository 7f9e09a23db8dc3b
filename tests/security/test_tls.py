"""TLS on the LAN side: a certificate made by the real `mpp-kiosk make-cert`, served by a real
uvicorn over HTTPS/WSS on 127.0.0.1, and the clients and windows that pin its fingerprint.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from kiosk import tls
from kiosk.client import ApiClient, ApiError, EventStream
from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.server.app import create_app
from kiosk.server.runner import ServerThread
from kiosk.store import Store
from support.configs import DEVICE_KEYS, MONDAY_9, config_dict, make_config
from support.server import free_port
from support.toml_writer import write_config

ROOT = Path(__file__).resolve().parents[2]
WRONG = "AB:" * 31 + "AB"
FINGERPRINT_LINE = re.compile(r"^SHA-256 fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$", re.M)


def make_cert(out: Path, *args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    """The real command, in its own process, as a technician runs it."""
    command = [sys.executable, "-m", "kiosk", "make-cert", "--out", str(out), *args]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.run(command, cwd=out.parent, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def printed_fingerprint(stdout: str) -> str:
    match = FINGERPRINT_LINE.search(stdout)
    assert match, stdout
    return match.group(1)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """(folder, printed fingerprint) of a certificate for 127.0.0.1 and localhost."""
    out = tmp_path_factory.mktemp("cert") / "tls"
    done = make_cert(out, "--name", "127.0.0.1", "--name", "localhost")
    assert done.returncode == 0, done.stderr
    return out, printed_fingerprint(done.stdout)


def tls_config(tmp_path, cert, fingerprint: str | None = None, **extra):
    folder, printed = cert
    server = {**config_dict()["server"], "tls_cert": str(folder / "server.crt"), "tls_key": str(folder / "server.key"),
              "tls_fingerprint": printed if fingerprint is None else fingerprint, **extra}
    return make_config(tmp_path, server=server)


class Served:
    def __init__(self, config, tmp_path):
        self.store = Store(tmp_path / "queue.sqlite")
        self.engine = QueueEngine(config, self.store, FakeClock(MONDAY_9))
        app = create_app(config, self.engine, access_log=False, log_events=False, ping_seconds=1.0)
        self.thread = ServerThread(app, "127.0.0.1", 0, config=config)

    def __enter__(self):
        self.thread.start()
        return self.thread

    def __exit__(self, *exc):
        self.thread.stop()
        self.store.close()


@pytest.fixture
def config(tmp_path, cert):
    return tls_config(tmp_path, cert)


@pytest.fixture
def server(config, tmp_path):
    with Served(config, tmp_path) as thread:
        yield thread


def client(config, url: str, role: str = "kiosk", lang: str = "id") -> ApiClient:
    return ApiClient(url, DEVICE_KEYS[role], lang=lang, ssl_context=tls.client_ssl_context(config, url))


# ---------------------------------------------------------------------- make-cert

def test_make_cert_writes_a_certificate_for_every_name_and_a_private_key(tmp_path):
    out = tmp_path / "tls"
    done = make_cert(out, "--name", "192.168.10.2", "--name", "loket.mpp.lan", "--name", "127.0.0.1", "--days", "30")
    assert done.returncode == 0, done.stderr
    cert = x509.load_pem_x509_certificate((out / "server.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["192.168.10.2", "127.0.0.1"]
    assert names.get_values_for_type(x509.DNSName) == ["loket.mpp.lan"]
    assert 29 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 31
    assert (out / "server.key").stat().st_mode & 0o777 == 0o600
    fingerprint = printed_fingerprint(done.stdout)
    assert fingerprint == tls.fingerprint((out / "server.crt").read_bytes())
    # the exact lines for config.toml, the LAN address (not loopback) in the url
    assert f'tls_fingerprint = "{fingerprint}"' in done.stdout
    assert 'url = "https://192.168.10.2:8600"' in done.stdout
    # paths as ./config.toml (the default --config, in the folder it ran in) reads them
    assert '\ntls_cert = "tls/server.crt"\ntls_key = "tls/server.key"\n' in done.stdout


def test_make_cert_defaults_to_the_configs_addresses(tmp_path):
    data = config_dict()
    data["server"] = {**data["server"], "host": "0.0.0.0", "url": "http://10.1.2.3:8600"}
    data["lobby"] = {**data["lobby"], "public_url": "http://antrean.mpp.lan:8600"}
    config_path = write_config(tmp_path / "config.toml", data)
    done = make_cert(tmp_path / "tls", config=config_path)
    assert done.returncode == 0, done.stderr
    cert = x509.load_pem_x509_certificate((tmp_path / "tls" / "server.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.1.2.3", "127.0.0.1"]
    assert names.get_values_for_type(x509.DNSName) == ["antrean.mpp.lan", "localhost"]
    assert 'tls_cert = "tls/server.crt"' in done.stdout  # relative to the config's folder, as config.toml reads it


def test_make_cert_refuses_a_bad_name_with_a_sentence(tmp_path):
    done = make_cert(tmp_path / "tls", "--name", "not a host!")
    assert done.returncode == 2
    assert done.stderr.strip() == "make-cert: --name 'not a host!' is neither a host name nor an IP address"
    assert not (tmp_path / "tls" / "server.key").exists()


# ---------------------------------------------------------------------- the server over HTTPS/WSS

def test_the_served_certificate_is_the_one_make_cert_printed(server, cert):
    assert server.url.startswith("https://127.0.0.1:")
    pem = ssl.get_server_certificate(("127.0.0.1", server.port))
    assert tls.fingerprint(pem) == cert[1]


def test_the_api_client_issues_a_ticket_over_https(server, config):
    with client(config, server.url) as kiosk:
        ticket = kiosk.issue("ktp")
    assert ticket["code"].startswith("A")


def test_the_event_stream_hears_the_ticket_over_wss(server, config):
    events, statuses = [], []
    heard = threading.Event()

    def on_event(event):
        events.append(event)
        if event.get("type") == "ticket_issued":
            heard.set()

    stream = EventStream(server.url, DEVICE_KEYS["display"], on_event=on_event, on_status=statuses.append,
                         on_snapshot=lambda _snapshot: None, ssl_context=tls.client_ssl_context(config, server.url))
    try:
        deadline = time.monotonic() + 5
        while stream.status != "connected" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stream.status == "connected", statuses
        with client(config, server.url) as kiosk:
            ticket = kiosk.issue("kk")
        assert heard.wait(5)
    finally:
        stream.stop()
    assert [e["ticket_id"] for e in events if e["type"] == "ticket_issued"] == [ticket["id"]]


def test_a_wrong_fingerprint_is_refused_with_both_fingerprints(server, tmp_path, cert):
    wrong = tls_config(tmp_path, cert, fingerprint=WRONG)
    for lang, words in (("id", "padahal server.tls_fingerprint meminta"), ("en", "but server.tls_fingerprint expects")):
        with client(wrong, server.url, lang=lang) as kiosk, pytest.raises(ApiError) as refused:
            kiosk.issue("ktp")
        assert refused.value.status is None and refused.value.code == "tls_refused"
        assert words in refused.value.message
        assert cert[1] in refused.value.message and WRONG in refused.value.message


def test_an_unknown_ca_is_refused_and_the_right_ca_file_accepted(server, tmp_path, cert):
    other = tmp_path / "other"
    assert make_cert(other, "--name", "127.0.0.1").returncode == 0
    for ca_file, works in ((other / "server.crt", False), (cert[0] / "server.crt", True)):
        config = tls_config(tmp_path, cert, fingerprint="", tls_ca_file=str(ca_file))
        with client(config, server.url, lang="en") as kiosk:
            if works:
                assert kiosk.health()
                continue
            with pytest.raises(ApiError) as refused:
                kiosk.health()
        assert refused.value.code == "tls_refused"
        assert refused.value.message.startswith("The queue server's certificate could not be verified (")


def test_the_stream_keeps_retrying_a_wrong_certificate_and_says_so_once(server, tmp_path, cert, caplog):
    context = tls.client_ssl_context(tls_config(tmp_path, cert, fingerprint=WRONG), server.url)
    tries = []
    check = context.check_peer
    context.check_peer = lambda der: (tries.append(1), check(der))
    stream = EventStream(server.url, DEVICE_KEYS["display"], on_event=lambda e: None,
                         on_snapshot=lambda s: None, ssl_context=context, start=False)
    stream.BACKOFF_MAX_S = 0.05
    with caplog.at_level(logging.WARNING, logger="kiosk.client"):
        stream.start()
        try:
            deadline = time.monotonic() + 5
            while len(tries) < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            stream.stop()
    assert len(tries) >= 4, "the stream stopped trying"
    assert stream.status == "untrusted"
    assert isinstance(stream.tls_problem, tls.FingerprintMismatch)
    said = [r.getMessage() for r in caplog.records if "fingerprint" in r.getMessage()]
    assert len(said) == 1, said
    assert cert[1] in said[0] and WRONG in said[0]


def test_plain_http_to_the_tls_port_gets_no_answer(server, config):
    plain = server.url.replace("https://", "http://")
    with ApiClient(plain, DEVICE_KEYS["kiosk"]) as kiosk, pytest.raises(ApiError) as refused:
        kiosk.issue("ktp")
    assert refused.value.status is None
    with socket.create_connection(("127.0.0.1", server.port), timeout=3) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            answer = sock.recv(4096)
        except ConnectionResetError:
            answer = b""
    assert not answer.startswith(b"HTTP/1.1 200"), answer


def test_an_unusable_certificate_is_one_sentence(tmp_path, cert):
    broken = tmp_path / "broken.crt"
    broken.write_text("not a certificate\n")
    config = tls_config(tmp_path, cert, tls_cert=str(broken))
    with pytest.raises(tls.TlsError) as refused:
        tls.server_ssl_options(config)
    assert str(refused.value).startswith(f"server.tls_cert: {broken} and ")
    assert "not a usable PEM certificate and its key" in str(refused.value)


def test_mpp_kiosk_server_serves_https_and_refuses_a_broken_certificate(tmp_path, cert):
    folder, printed = cert
    data = config_dict()
    port = free_port()
    data["server"] = {**data["server"], "port": port, "tls_cert": str(folder / "server.crt"),
                      "tls_key": str(folder / "server.key"), "tls_fingerprint": printed,
                      "database": str(tmp_path / "q.sqlite"), "log_dir": str(tmp_path / "logs")}
    config_path = write_config(tmp_path / "config.toml", data)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "server", "--config", str(config_path)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        pinned = tls.PinnedContext(printed)
        deadline, answer = time.monotonic() + 20, None
        while answer is None and time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=pinned, timeout=1)
            except httpx.HTTPError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200, process.poll()
        assert tls.fingerprint(ssl.get_server_certificate(("127.0.0.1", port))) == printed
    finally:
        process.terminate()
        process.wait(10)

    (tmp_path / "broken.key").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    data["server"]["tls_key"] = str(tmp_path / "broken.key")
    write_config(config_path, data)
    done = subprocess.run([sys.executable, "-m", "kiosk", "server", "--config", str(config_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("server: server.tls_cert: ")


# ---------------------------------------------------------------------- windows

@pytest.fixture
def counter_window(qtbot):
    from support.counter_windows import counter_windows

    with counter_windows(qtbot, None, "", FakeClock(MONDAY_9)) as make_window:
        yield lambda config, url: make_window("loket-1", "en", config_=config, url_=url)


def type_login(qtbot, window, user="petugas1", pin="1234"):
    from PySide6.QtCore import Qt

    panel = window.login_panel
    qtbot.keyClicks(panel.user_field, user)
    qtbot.keyClicks(panel.pin_field, pin)
    qtbot.keyClick(panel.pin_field, Qt.Key.Key_Return)


def test_the_counter_window_works_over_tls(qtbot, server, config, counter_window):
    from PySide6.QtCore import Qt

    with client(config, server.url) as kiosk:
        ticket = kiosk.issue("ktp")
    window = counter_window(config, server.url)
    assert window.api.ssl_context is not None
    type_login(qtbot, window)
    qtbot.waitUntil(lambda: window.logged_in and window.live is not None and window.live.connected, timeout=10000)
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == [ticket["code"]], timeout=5000)
    with qtbot.waitSignal(window.action_finished, timeout=10000) as finished:
        qtbot.mouseClick(window.buttons["call_next"], Qt.MouseButton.LeftButton)
    assert finished.args == ["call_next", True]
    # the call came back over WSS too: the window shows it from the event stream
    qtbot.waitUntil(lambda: window.ticket_panel.code_label.text() == ticket["code"], timeout=5000)


def test_the_counter_window_refuses_a_wrong_certificate_with_the_sentence(qtbot, server, tmp_path, cert,
                                                                         counter_window):
    window = counter_window(tls_config(tmp_path, cert, fingerprint=WRONG), server.url)
    type_login(qtbot, window)
    qtbot.waitUntil(lambda: "fingerprint" in window.login_panel.message.text(), timeout=10000)
    shown = window.login_panel.message.text()
    assert cert[1] in shown and WRONG in shown
    assert not window.logged_in


def test_the_display_shows_a_refused_certificate(qtbot, server, tmp_path, cert):
    from kiosk.ui.display.window import DisplayWindow

    window = DisplayWindow(tls_config(tmp_path, cert, fingerprint=WRONG), server.url, DEVICE_KEYS["display"],
                           clock=FakeClock(MONDAY_9))
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    window.start()
    try:
        qtbot.waitUntil(lambda: window.offline_sign.isVisible() and WRONG in window.offline_sign.text(),
                        timeout=10000)
        assert cert[1] in window.offline_sign.text()
        assert not window.live.connected
    finally:
        window.shutdown()


# ---------------------------------------------------------------------- behind a reverse proxy

@pytest.mark.parametrize("trusted, from_guest_seen", [([], False), (["127.0.0.1/32"], True)])
def test_x_forwarded_for_is_believed_only_from_trusted_proxies(tmp_path, trusted, from_guest_seen):
    """The proxy (here 127.0.0.1) forwards a guest's request (X-Forwarded-For: 127.0.0.2): the LAN gate
    must refuse it when the proxy is trusted, and ignore the header from anyone else."""
    server = {**config_dict()["server"], "lan_networks": ["127.0.0.1/32"], "trusted_proxies": trusted}
    config = make_config(tmp_path, server=server)
    with Served(config, tmp_path) as thread:
        headers = {"Authorization": f"Bearer {DEVICE_KEYS['display']}", "X-Forwarded-For": "127.0.0.2"}
        forwarded = httpx.get(f"{thread.url}/api/v1/state", headers=headers, timeout=5)
        assert forwarded.status_code == (403 if from_guest_seen else 200), forwarded.text
        # a guest that claims to be the LAN is never believed
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=5) as guest:
            claimed = guest.get(f"{thread.url}/api/v1/state",
                                headers={**headers, "X-Forwarded-For": "127.0.0.1"})
        assert claimed.status_code == 403, claimed.text


# ---------------------------------------------------------------------- the all-in-one lobby

@pytest.mark.slow
def test_mpp_kiosk_run_serves_https_and_its_windows_pin_its_own_certificate(tmp_path, cert):
    """`mpp-kiosk run` with tls_cert/tls_key and no fingerprint: its in-process windows trust the
    certificate it serves, and one visitor goes through kiosk, counter and display over HTTPS/WSS."""
    from e2e.conftest import lobby_data

    port = free_port()
    data = lobby_data(tmp_path, port)
    data["sign"]["enabled"] = False  # a shorter call: the voice alone
    data["server"].update(tls_cert=str(cert[0] / "server.crt"), tls_key=str(cert[0] / "server.key"))
    config_path = write_config(tmp_path / "config.toml", data)
    output_path = tmp_path / "run-output.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    with open(output_path, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config_path), "--journey"],
                                   cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if re.search(r"journey (done|stopped)", output_path.read_text(errors="replace")):
                break
            time.sleep(0.2)
        log = output_path.read_text(errors="replace")
        assert f"queue server on https://127.0.0.1:{port}" in log, log[-4000:]
        assert "journey done: A-001 issued, printed, called, shown and finished" in log, log[-4000:]
        assert tls.fingerprint(ssl.get_server_certificate(("127.0.0.1", port))) == cert[1]
    finally:
        process.terminate()
        process.wait(10)
    assert "Traceback" not in output_path.read_text(errors="replace")


def test_a_ca_file_that_is_not_a_certificate_is_a_config_problem(tmp_path, cert):
    from kiosk.config import ConfigError

    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(ConfigError) as refused:
        tls_config(tmp_path, cert, fingerprint="", tls_ca_file=str(bad))
    assert [p for p in refused.value.problems if p.startswith("server.tls_ca_file:")] == [
        f"server.tls_ca_file: not a PEM CA certificate file: {bad} (NO_CERTIFICATE_OR_CRL_FOUND)"]
