"""The guest Wi-Fi reaches the visitor side and nothing else.

A real server on 127.0.0.1 whose lobby LAN is 127.0.0.1/32 only; 127.0.0.2 (any other
loopback address is local too) plays a phone on the guest Wi-Fi.
"""
from __future__ import annotations

import json
import logging
import re
import time

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from kiosk.clock import FakeClock
from kiosk.server.access import ROUTE_ACCESS, access_of, is_visitor_route, route_key, served_routes
from support.configs import DEVICE_KEYS, MONDAY_9, config_dict, make_config
from support.server import running_server

GUEST = "127.0.0.2"
LAN_ONLY_HERE = {"lan_networks": ["127.0.0.1/32"]}


def server_section(**extra) -> dict:
    return {**config_dict()["server"], **LAN_ONLY_HERE, **extra}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, server=server_section())


@pytest.fixture
def server(config, tmp_path):
    with running_server(config, tmp_path / "queue.sqlite", FakeClock(MONDAY_9), ping_seconds=1.0) as handle:
        yield handle


@pytest.fixture
def guest(server):
    """An httpx client whose requests leave from the guest Wi-Fi address."""
    with httpx.Client(base_url=server.url, timeout=5.0,
                      transport=httpx.HTTPTransport(local_address=GUEST)) as client:
        yield client


@pytest.fixture
def ticket(server):
    client = server.client("kiosk")
    yield client.issue("ktp")
    client.close()


def concrete(path: str, token: str) -> str:
    return (path.replace("{token}", token).replace("{counter_id}", "loket-1").replace("{table}", "visits"))


def lan_routes(server) -> list[tuple[str, str]]:
    """Every (method, path template) of the running app that is on the LAN side."""
    found = []
    for route in served_routes(server.app):
        for method, path in route_key(route):
            access = access_of(method, path)
            if access and access[1] == "lan" and method != "WS" and path != "/static":
                found.append((method, path))
    return found


def test_every_lan_route_refuses_the_guest_wifi_before_looking_at_the_key(server, guest, ticket):
    routes = lan_routes(server)
    assert len(routes) >= 20, routes  # every counter action, sessions, reports, catalog, state, tickets...
    for method, path in routes:
        url = concrete(path, ticket["token"])
        # a right key, a wrong key, and a body the route would reject: all the same 403 from the gate
        for headers in ({"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"},
                        {"Authorization": f"Bearer {DEVICE_KEYS['manager']}"},
                        {"Authorization": "Bearer not-a-key"}):
            answer = guest.request(method, url, headers={**headers, "Accept-Language": "en"}, content=b"{not json")
            assert answer.status_code == 403, (method, url, answer.status_code, answer.text)
            body = answer.json()
            assert body["error"] == "lan_only"
            assert "guest Wi-Fi" in body["message"]


def test_the_guest_cannot_issue_log_in_or_read_reports_even_with_the_shipped_style_keys(server, guest):
    issue = guest.post("/api/v1/tickets", json={"service_id": "ktp"},
                       headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"})
    assert issue.status_code == 403
    login = guest.post("/api/v1/sessions", json={"user": "petugas1", "pin": "1234", "counter_id": "loket-1"},
                       headers={"Authorization": f"Bearer {DEVICE_KEYS['counter-app']}"})
    assert login.status_code == 403
    report = guest.get("/api/v1/reports/tables", headers={"Authorization": f"Bearer {DEVICE_KEYS['manager']}"})
    assert report.status_code == 403
    # nothing was issued and no one is logged in
    assert server.engine.store.query("SELECT count(*) AS n FROM tickets")[0]["n"] == 0
    assert server.engine.store.query("SELECT count(*) AS n FROM server_sessions")[0]["n"] == 0


def test_the_event_stream_refuses_the_guest_handshake(server):
    url = f"{server.ws_url}/api/v1/events?key={DEVICE_KEYS['display']}"
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(url, source_address=(GUEST, 0), open_timeout=5)
    assert refused.value.response.status_code == 403
    with ws_connect(url, open_timeout=5) as lan:  # the same from the LAN works
        assert json.loads(lan.recv(timeout=5))["type"] == "hello"


def test_the_guest_reaches_the_phone_page_its_feed_and_its_status(server, guest, ticket):
    token = ticket["token"]
    page = guest.get(f"/t/{token}")
    assert page.status_code == 200 and ticket["code"] in page.text
    assert guest.get(f"/t/{token}/panel").status_code == 200
    status = guest.get(f"/api/v1/tickets/{token}")
    assert status.status_code == 200 and status.json()["code"] == ticket["code"]
    assert guest.get("/static/phone.js").status_code == 200
    with ws_connect(f"{server.ws_url}/api/v1/tickets/{token}/events", source_address=(GUEST, 0),
                    open_timeout=5) as feed:
        first = json.loads(feed.recv(timeout=5))
        assert first["type"] == "status" and first["status"]["code"] == ticket["code"]
    # a survey of a ticket still waiting is refused by the queue's rules, not by the network
    survey = guest.post(f"/api/v1/tickets/{token}/survey", json={"scores": [4] * 9})
    assert survey.status_code != 403 and survey.json()["error"] != "lan_only"


def test_the_lan_still_works_for_devices_and_staff(server, ticket):
    staff = server.staff_client("petugas1", "loket-1")
    called = staff.action("loket-1", "call-next")
    assert called["ticket"]["code"] == ticket["code"]
    staff.close()


def test_a_guest_flooding_the_visitor_side_is_slowed_and_the_lan_is_not(server, guest, ticket):
    answers = [guest.get(f"/api/v1/tickets/{ticket['token']}").status_code for _ in range(150)]
    assert answers[:20] == [200] * 20  # a phone that reloads is never refused
    assert answers.count(429) > 50
    refused = guest.get(f"/api/v1/tickets/{ticket['token']}", headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many requests" in refused.json()["message"]
    with httpx.Client(base_url=server.url, timeout=5.0) as lan:
        assert lan.get(f"/api/v1/tickets/{ticket['token']}").status_code == 200


def test_every_route_declares_who_where_and_how_often_and_the_gate_agrees(server):
    token = "abcdefghijklmnop"
    checked = 0
    for route in served_routes(server.app):
        for method, path in route_key(route):
            access = access_of(method, path)
            assert access is not None, f"{method} {path} has no line in ROUTE_ACCESS"
            role, side, limit = access
            assert role and limit
            example = concrete(path, token) + ("/phone.css" if path == "/static" else "")
            assert is_visitor_route(method, example) == (side == "visitor"), (method, path, side)
            checked += 1
    assert checked >= 30
    schema = server.app.openapi()
    issue = schema["paths"]["/api/v1/tickets"]["post"]["x-access"]
    assert issue["role"] == "kiosk key" and issue["side"] == "lan" and "issue_per_minute" in issue["rate_limit"]
    # every operation of the document says who may call it, a path converter's route ({name:path}) too
    unsaid = [f"{method.upper()} {path}" for path, operations in schema["paths"].items()
              for method, operation in operations.items() if "x-access" not in operation]
    assert unsaid == []


def test_the_access_table_names_only_routes_that_exist(server):
    served = {key for route in served_routes(server.app) for key in route_key(route)}
    stale = [f"{method} {path}" for method, path in ROUTE_ACCESS if (method, path) not in served]
    assert stale == []


def test_the_phone_page_sends_strict_headers_and_the_ticket_json_is_not_cached(server, guest, ticket):
    page = guest.get(f"/t/{ticket['token']}")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert "no-store" in page.headers["cache-control"]
    status = guest.get(f"/api/v1/tickets/{ticket['token']}")
    assert status.headers["cache-control"] == "no-store"
    assert status.headers["x-content-type-options"] == "nosniff"
    refused = guest.get("/api/v1/catalog")
    assert refused.headers["cache-control"] == "no-store"


def test_tokens_and_keys_never_reach_the_log(config, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with running_server(config, tmp_path / "q.sqlite", FakeClock(MONDAY_9), access_log=True) as server:
        kiosk = server.client("kiosk")
        ticket = kiosk.issue("ktp")
        with httpx.Client(base_url=server.url, timeout=5.0) as lan:
            lan.get(f"/t/{ticket['token']}")
            lan.get(f"/api/v1/tickets/{ticket['token']}")
            lan.get(f"/t/{ticket['token']}/panel")
            lan.get("/api/v1/state", headers={"Authorization": "Bearer wrong-key-but-secret-looking"})
        with ws_connect(f"{server.ws_url}/api/v1/events?key={DEVICE_KEYS['display']}", open_timeout=5) as ws:
            ws.recv(timeout=5)
        with ws_connect(f"{server.ws_url}/api/v1/tickets/{ticket['token']}/events", open_timeout=5) as ws:
            ws.recv(timeout=5)
        kiosk.close()
    # the server's own loggers (the test's httpx client logs its URLs; the windows silence that logger)
    text = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith(("kiosk", "uvicorn")))
    assert "GET /t/… 200" in text  # the requests were logged, without what identifies the ticket
    for secret in (ticket["token"], DEVICE_KEYS["display"], DEVICE_KEYS["kiosk"], "wrong-key-but-secret-looking"):
        assert secret not in text


def test_a_flood_of_refused_requests_cannot_rotate_the_log_away(config, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with running_server(config, tmp_path / "q.sqlite", FakeClock(MONDAY_9), access_log=True) as server:
        started = time.monotonic()
        with httpx.Client(base_url=server.url, timeout=5.0) as lan, \
                httpx.Client(base_url=server.url, timeout=5.0,
                             transport=httpx.HTTPTransport(local_address=GUEST)) as guest:
            for _ in range(600):
                lan.get("/api/v1/state", headers={"Authorization": "Bearer wrong-key-0123456789"})
                guest.get("/api/v1/state")
        elapsed = time.monotonic() - started
    refusals = [r.getMessage() for r in caplog.records
                if r.name.startswith("kiosk") and r.getMessage().startswith("refused ")]
    per_address = {address: [m for m in refusals if f" from {address}" in m] for address in ("127.0.0.1", GUEST)}
    for address, lines in per_address.items():
        assert 1 <= len(lines) <= elapsed + 2, (address, len(lines), elapsed)
    counted = [int(n) for m in refusals for n in re.findall(r"\(\+(\d+) more refused", m)]
    flushed = [int(n) for m in refusals for n in re.findall(r"^refused (\d+) more requests", m)]
    # every refusal is accounted for: each line, the counts lines carry, and the last second's at shutdown
    assert len(refusals) - len(flushed) + sum(counted) + sum(flushed) == 1200


def test_check_config_explains_what_a_listening_address_means(tmp_path, capsys):
    from kiosk.cli import main
    from support.toml_writer import write_config

    cases = {
        "every": ({"host": "0.0.0.0"}, ["listens on every network", "holds only loopback"]),
        "uncovered": ({"host": "192.168.10.2"}, ["'192.168.10.2' is not covered by any server.lan_networks"]),
        "covered": ({"host": "192.168.10.2", "lan_networks": ["192.168.10.0/24"]}, []),
        "loopback": ({"host": "127.0.0.1", "lan_networks": ["127.0.0.0/8", "192.168.10.0/24"]},
                     ["listens on this PC only"]),
    }
    for name, (server, expected) in cases.items():
        data = config_dict()
        data["server"] = {**data["server"], **server}
        path = write_config(tmp_path / f"{name}.toml", data)
        assert main(["check-config", str(path)]) == 0
        out = capsys.readouterr().out
        notes = [line for line in out.splitlines() if line.strip().startswith("note:") and "no location" not in line
                 and "pictogram" not in line]
        assert len(notes) == len(expected), (name, out)
        for fragment in expected:
            assert fragment in out, (name, out)


def test_the_visitor_listener_serves_only_the_visitor_side_even_to_the_lan(tmp_path):
    from support.server import free_port

    public_port = free_port()
    config = make_config(tmp_path, server=server_section(public_host="127.0.0.1", public_port=public_port,
                                                         lan_networks=["127.0.0.0/8"]))
    with running_server(config, tmp_path / "q.sqlite", FakeClock(MONDAY_9)) as server:
        ticket = server.client("kiosk").issue("ktp")
        key = {"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{public_port}", timeout=5.0) as public, \
                httpx.Client(base_url=server.url, timeout=5.0) as lan:
            assert public.get(f"/t/{ticket['token']}").status_code == 200
            assert public.get(f"/api/v1/tickets/{ticket['token']}").json()["code"] == ticket["code"]
            for path in ("/api/v1/state", "/api/v1/catalog", "/api/v1/reports/tables", "/healthz", "/openapi.json"):
                refused = public.get(path, headers=key)
                assert refused.status_code == 404, (path, refused.status_code)
                assert refused.json()["error"] == "not_found"
            assert lan.get("/api/v1/state", headers=key).status_code == 200
        with pytest.raises(InvalidStatus):
            ws_connect(f"ws://127.0.0.1:{public_port}/api/v1/events?key={DEVICE_KEYS['display']}", open_timeout=5)


def test_docs_list_every_route_with_its_access():
    from pathlib import Path

    api = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    for (method, path), (role, side, limit) in ROUTE_ACCESS.items():
        assert f"| {method} | `{path}` | {role} | {side} | {limit} |" in api, f"docs/api.md: {method} {path}"
