"""GET /api/v1/settings: a device reads its settings from the server, never a secret of the lobby."""
from __future__ import annotations

import httpx
import pytest

from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.enrolment import DeviceRegistry
from kiosk.live_config import config_version
from support.configs import DEVICE_KEYS, MONDAY_9, PIN_1234, config_dict
from support.server import running_server

SECRET_KIOSK_PIN = "scrypt$16384$8$1$00112233445566778899aabbccddeeff$" + "ab" * 32


@pytest.fixture
def config(tmp_path):
    server = {**config_dict()["server"], "lan_networks": ["127.0.0.1/32"]}
    return parse_config(config_dict(server=server, kiosk={"exit_pin_hash": SECRET_KIOSK_PIN}), base_dir=tmp_path)


@pytest.fixture
def server(config, tmp_path):
    with running_server(config, tmp_path / "q.sqlite", FakeClock(MONDAY_9)) as handle:
        yield handle


def secrets_of(config) -> list[bytes]:
    """Every secret config.toml holds, and the parts of each hash that would give it away."""
    found = [d.key for d in config.server.devices] + [s.pin_hash for s in config.staff] + [config.kiosk.exit_pin_hash]
    for hashed in [s.pin_hash for s in config.staff] + [config.kiosk.exit_pin_hash]:
        found += hashed.split("$")[-2:]  # salt and digest alone
    return [s.encode() for s in found] + [b"pin_hash", b"exit_pin_hash", b"tls_key", b"scrypt$"]


def test_a_kiosk_key_gets_the_config_without_any_key_hash_or_pin(server, config):
    answer = httpx.get(f"{server.url}/api/v1/settings", headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"})
    assert answer.status_code == 200
    for secret in secrets_of(config):
        assert secret not in answer.content, secret
    body = answer.json()
    assert body["version"] == config_version(config) and body["role"] == "kiosk"
    assert body["config"]["staff"] == [] and "devices" not in body["config"]["server"]
    assert [s["id"] for s in body["config"]["services"]] == ["ktp", "kk", "paspor"]
    # what the kiosk needs is there: its texts and section, the printer
    assert body["config"]["kiosk"]["idle_seconds"] == config.kiosk.idle_seconds
    assert body["config"]["printer"]["backend"] == config.printer.backend


def test_a_counter_pc_gets_staff_names_and_counters_but_no_pin_hash(server, config):
    answer = httpx.get(f"{server.url}/api/v1/settings",
                       headers={"Authorization": f"Bearer {DEVICE_KEYS['counter-app']}"})
    assert answer.status_code == 200
    for secret in secrets_of(config):
        assert secret not in answer.content, secret
    assert [(s["user"], s["name"]) for s in answer.json()["config"]["staff"]] == [
        ("petugas1", "Petugas Satu"), ("petugas3", "Petugas Tiga")]
    assert PIN_1234.encode() not in answer.content


def test_an_enrolled_kiosk_key_is_answered_and_a_staff_session_too(server, config):
    registry = DeviceRegistry(server.engine.store, server.clock)
    pairing = registry.request_pairing("127.0.0.1", "kiosk-2")
    registry.approve(pairing["code"], "kiosk", "kiosk-2")
    key = registry.poll(pairing["poll_secret"])["key"]
    server.notify()
    import time

    deadline = time.monotonic() + 5
    while True:
        answer = httpx.get(f"{server.url}/api/v1/settings", headers={"Authorization": f"Bearer {key}"})
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert answer.status_code == 200 and answer.json()["role"] == "kiosk"
    assert key.encode() not in answer.content
    staff = server.staff_client("petugas1", "loket-1")
    answer = httpx.get(f"{server.url}/api/v1/settings", headers={"Authorization": f"Bearer {staff.session['token']}"})
    assert answer.status_code == 200 and answer.json()["role"] == "staff"
    assert PIN_1234.encode() not in answer.content


def test_no_key_is_401_and_the_guest_wifi_is_403(server):
    assert httpx.get(f"{server.url}/api/v1/settings").status_code == 401
    guest = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    answer = guest.get(f"{server.url}/api/v1/settings", headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"})
    assert answer.status_code == 403 and answer.json()["error"] == "lan_only"


def test_settings_are_rate_limited_per_device(server):
    headers = {"Authorization": f"Bearer {DEVICE_KEYS['display']}"}
    codes = [httpx.get(f"{server.url}/api/v1/settings", headers=headers).status_code for _ in range(14)]
    assert codes[:10] == [200] * 10 and 429 in codes[10:]
    # another device is not held back by it
    assert httpx.get(f"{server.url}/api/v1/settings",
                     headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"}).status_code == 200
