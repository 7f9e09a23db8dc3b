"""POST /api/v1/counters/{counter_id}/undo-no-show: the counter's own staff on the LAN, in time; nobody else."""
from __future__ import annotations

import httpx

from kiosk.clock import FakeClock
from support.configs import DEVICE_KEYS, MONDAY_9, config_dict, make_config
from support.server import running_server


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_undo_no_show_from_the_counter_the_guest_wifi_and_another_counter(tmp_path):
    data = config_dict()
    data["server"] = {**data["server"], "lan_networks": ["127.0.0.1/32"]}  # 127.0.0.2 is the guest Wi-Fi here
    clock = FakeClock(MONDAY_9)
    with running_server(make_config(tmp_path, **data), tmp_path / "q.sqlite", clock, log_events=False) as server:
        with httpx.Client(base_url=server.url, timeout=5.0) as lan:
            login = lan.post("/api/v1/sessions", json={"user": "petugas1", "pin": "1234", "counter_id": "loket-1"},
                             headers=bearer(DEVICE_KEYS["counter-app"]))
            token = login.json()["token"]
            kiosk = bearer(DEVICE_KEYS["kiosk"])
            assert lan.post("/api/v1/tickets", json={"service_id": "ktp"}, headers=kiosk).status_code in (200, 201)
            for action in ("call-next", "recall", "no-show"):
                assert lan.post(f"/api/v1/counters/loket-1/{action}", headers=bearer(token)).status_code == 200, action
            url = "/api/v1/counters/loket-1/undo-no-show"
            with httpx.Client(base_url=server.url, timeout=5.0,
                              transport=httpx.HTTPTransport(local_address="127.0.0.2")) as phone:
                refused = phone.post(url, headers=bearer(token))  # even with the officer's own token
                assert (refused.status_code, refused.json()["error"]) == (403, "lan_only")
            assert lan.post(url).status_code == 401  # no session
            other = lan.post("/api/v1/counters/loket-2/undo-no-show", headers=bearer(token))
            assert other.status_code == 403  # a session of loket-1 is no session of loket-2
            answer = lan.post(url, headers=bearer(token))
            assert answer.status_code == 200
            assert (answer.json()["action"], answer.json()["ticket"]["code"], answer.json()["ticket"]["state"]) == (
                "undo-no-show", "A-001", "called")
            # once only, and only in time
            lan.post("/api/v1/counters/loket-1/recall", headers=bearer(token))
            lan.post("/api/v1/counters/loket-1/no-show", headers=bearer(token))
            clock.advance(seconds=11)
            late = lan.post(url, headers=bearer(token), params={"lang": "en"})
            assert late.status_code == 409 and late.json()["error"] == "invalid_state"
