"""Notices on the displays' ticker: a manager key puts them up and takes them down; every device reads them."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.protocol.events import PAYLOADS, EventType
from support.configs import DEVICE_KEYS, MONDAY_9, config_dict
from support.server import running_server

SAMSAT = {"id": "Layanan Samsat tutup pukul 12:00 hari ini", "en": "Samsat closes at 12:00 today"}


def key(role: str) -> dict:
    return {"Authorization": f"Bearer {DEVICE_KEYS[role]}"}


@pytest.fixture
def clock():
    return FakeClock(MONDAY_9)


@pytest.fixture
def server(tmp_path, clock):
    config_data = config_dict(server={**config_dict()["server"], "lan_networks": ["127.0.0.1/32"]})
    with running_server(parse_config(config_data, base_dir=tmp_path), tmp_path / "q.sqlite", clock) as handle:
        yield handle


def test_a_manager_puts_a_notice_up_and_takes_it_down(server, clock):
    answer = httpx.post(f"{server.url}/api/v1/notices", headers=key("manager"), json={"text": SAMSAT})
    assert answer.status_code == 201, answer.text
    notice_id = answer.json()["id"]
    listed = httpx.get(f"{server.url}/api/v1/notices", headers=key("display")).json()["notices"]
    assert listed == [{"id": notice_id, "text": SAMSAT, "until": None, "sign": None}]
    # every display follows it live: one event with the whole list, valid by its payload model
    events = [e for e in server.engine.events_since(0) if e["type"] == EventType.NOTICES_CHANGED]
    assert events[-1]["payload"] == {"notices": listed}
    PAYLOADS[EventType.NOTICES_CHANGED].model_validate(events[-1]["payload"])

    # one with an end: without an offset it is the lobby's local time; it goes by itself at that time
    until = (MONDAY_9 + timedelta(hours=3)).astimezone(server.config.lobby.tz).replace(tzinfo=None)
    later = httpx.post(f"{server.url}/api/v1/notices", headers=key("manager"),
                       json={"text": {"id": "Rapat", "en": "Meeting"}, "until": until.isoformat()})
    assert later.status_code == 201
    assert len(server.client("kiosk").notices()) == 2
    clock.advance(hours=3, seconds=1)
    assert [n["id"] for n in server.engine.notices()] == [notice_id]

    gone = httpx.delete(f"{server.url}/api/v1/notices/{notice_id}", headers=key("manager"))
    assert gone.status_code == 200 and server.engine.notices() == []
    again = httpx.delete(f"{server.url}/api/v1/notices/{notice_id}", headers=key("manager"))
    assert again.status_code == 404 and str(notice_id) in again.json()["message"]
    past = httpx.post(f"{server.url}/api/v1/notices", headers=key("manager"),
                      json={"text": SAMSAT, "until": MONDAY_9.isoformat()})
    assert past.status_code == 422 and past.json()["error"] == "notice_invalid"


def test_a_notice_names_its_sign_clip_by_a_plain_key(server):
    answer = httpx.post(f"{server.url}/api/v1/notices", headers=key("manager"),
                        json={"text": SAMSAT, "sign": "samsat-tutup-12"})
    assert answer.status_code == 201, answer.text
    listed = httpx.get(f"{server.url}/api/v1/notices", headers=key("display")).json()["notices"]
    assert [n["sign"] for n in listed] == ["samsat-tutup-12"]
    events = [e for e in server.engine.events_since(0) if e["type"] == EventType.NOTICES_CHANGED]
    assert events[-1]["payload"]["notices"][0]["sign"] == "samsat-tutup-12"
    for bad in ("Samsat Tutup", "../clip", "x" * 61, "", "notice:samsat"):
        refused = httpx.post(f"{server.url}/api/v1/notices", headers=key("manager"), json={"text": SAMSAT, "sign": bad})
        assert refused.status_code == 422, (bad, refused.text)
    assert len(server.engine.notices()) == 1


def test_notices_survive_a_server_restart(server):
    httpx.post(f"{server.url}/api/v1/notices", headers=key("manager"), json={"text": SAMSAT}).raise_for_status()
    server.restart()
    assert [n["text"] for n in server.engine.notices()] == [SAMSAT]


@pytest.mark.parametrize("role", ["display", "kiosk", "counter-app"])
def test_only_a_manager_key_may_put_a_notice_up_or_take_one_down(server, role):
    answer = httpx.post(f"{server.url}/api/v1/notices", headers=key(role), json={"text": SAMSAT})
    assert answer.status_code == 403, answer.text
    assert httpx.delete(f"{server.url}/api/v1/notices/1", headers=key(role)).status_code == 403
    assert server.engine.notices() == []


def test_the_guest_wifi_is_refused_every_notice_route(server):
    guest = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    for method, path, body in (("GET", "/api/v1/notices", None), ("POST", "/api/v1/notices", {"text": SAMSAT}),
                               ("DELETE", "/api/v1/notices/1", None)):
        answer = guest.request(method, f"{server.url}{path}", headers=key("manager"), json=body)
        assert answer.status_code == 403 and answer.json()["error"] == "lan_only", (method, path)
    guest.close()
    assert server.engine.notices() == []
