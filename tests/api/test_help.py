"""POST /api/v1/help (a kiosk's call for help) and POST /api/v1/help/{seq}/acknowledge (staff on the way)."""
from __future__ import annotations

import httpx
import pytest

from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.lobby_state import LobbyState
from kiosk.protocol.events import EventType
from support.configs import DEVICE_KEYS, MONDAY_9, config_dict
from support.server import running_server


@pytest.fixture
def config(tmp_path):
    server = {**config_dict()["server"], "lan_networks": ["127.0.0.1/32"]}
    return parse_config(config_dict(server=server), base_dir=tmp_path)


@pytest.fixture
def server(config, tmp_path):
    with running_server(config, tmp_path / "q.sqlite", FakeClock(MONDAY_9)) as handle:
        yield handle


def replayed(server) -> dict:
    state = LobbyState()
    for event in server.engine.events_since(0):
        state.apply(event)
    return state.to_snapshot()


def test_a_call_for_help_stays_open_until_staff_acknowledge_it(server):
    kiosk = server.client("kiosk")
    seq = kiosk.request_help("confirm", "id")["seq"]
    assert kiosk.request_help("ticket", "id")["seq"] == seq  # asked again: the same open call
    state = server.client("display").state()
    assert [(r["seq"], r["device"], r["screen"]) for r in state["help_requests"]] == [(seq, "kiosk1", "confirm")]
    assert replayed(server) == server.engine.snapshot()  # a window's state from the events says the same

    staff = server.staff_client("petugas1", "loket-1")
    ack = staff.acknowledge_help(seq)["seq"]
    assert server.client("display").state()["help_requests"] == []
    assert replayed(server) == server.engine.snapshot()
    events = {e["seq"]: e for e in server.engine.events_since(0)}
    assert events[seq]["type"] == EventType.HELP_REQUESTED
    assert events[ack]["type"] == EventType.HELP_ACKNOWLEDGED
    assert events[ack]["payload"] == {"request_seq": seq, "device": "kiosk1", "user": "petugas1"}
    assert events[ack]["counter_id"] == "loket-1"
    # answered already: a clear refusal, no second acknowledgement
    again = httpx.post(f"{server.url}/api/v1/help/{seq}/acknowledge",
                       headers={"Authorization": f"Bearer {staff.credential}"})
    assert again.status_code == 404 and "sudah dijawab" in again.json()["message"]
    assert kiosk.request_help("home", "id")["seq"] > ack  # a new call after the answer
    staff.close()
    kiosk.close()


def test_only_a_kiosk_asks_and_only_staff_acknowledge(server):
    display = httpx.post(f"{server.url}/api/v1/help", json={"screen": "home"},
                         headers={"Authorization": f"Bearer {DEVICE_KEYS['display']}"})
    assert display.status_code == 403
    seq = server.client("kiosk").request_help("home", "id")["seq"]
    kiosk_ack = httpx.post(f"{server.url}/api/v1/help/{seq}/acknowledge",
                           headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"})
    assert kiosk_ack.status_code == 403


def test_the_guest_wifi_can_neither_ask_nor_acknowledge(server):
    guest = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    asked = guest.post(f"{server.url}/api/v1/help", json={"screen": "home"},
                       headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"})
    assert asked.status_code == 403 and asked.json()["error"] == "lan_only"
    acked = guest.post(f"{server.url}/api/v1/help/1/acknowledge")
    assert acked.status_code == 403 and acked.json()["error"] == "lan_only"
    guest.close()
