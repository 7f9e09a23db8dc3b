"""What every answer shares: the error shape, its language, OpenAPI, health, unknown routes."""
from __future__ import annotations

import pytest

from kiosk.client import ApiClient, ApiError
from kiosk.server.errors import parse_accept_language
from support.configs import DEVICE_KEYS, config_dict

KIOSK = {"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"}


@pytest.mark.parametrize("query, header, expected", [
    ("", None, "Layanan 'nope' tidak dikenal."),
    ("?lang=en", None, "Unknown service 'nope'."),
    ("?lang=id", "en", "Layanan 'nope' tidak dikenal."),
    ("", "en-US,en;q=0.9", "Unknown service 'nope'."),
    ("", "fr-FR, en;q=0.5, id;q=0.8", "Layanan 'nope' tidak dikenal."),
    ("", "in-ID", "Layanan 'nope' tidak dikenal."),
    ("", "de, fr", "Layanan 'nope' tidak dikenal."),
    ("?lang=xx", "en", "Unknown service 'nope'."),
])
def test_error_messages_follow_the_requests_language(http, query, header, expected):
    headers = {**KIOSK, **({"Accept-Language": header} if header else {})}
    answer = http.post(f"/api/v1/tickets{query}", json={"service_id": "nope"}, headers=headers)
    assert answer.status_code == 404
    assert answer.json() == {"error": "unknown_service", "message": expected, "service_id": "nope"}


def test_the_lobby_default_language_is_used_without_a_preference(tmp_path, clock):
    from kiosk.config import parse_config
    from support.server import running_server

    data = config_dict()
    data["lobby"] = {**data["lobby"], "default_language": "en"}
    with running_server(parse_config(data, base_dir=tmp_path), tmp_path / "q.sqlite", clock) as server:
        import httpx

        answer = httpx.get(f"{server.url}/api/v1/state")
        assert answer.json()["message"] == "Missing or invalid device key or staff session."


@pytest.mark.parametrize("header, expected", [
    ("en", "en"), ("id-ID", "id"), ("EN-gb;q=0.3, id;q=0.2", "en"), ("id;q=0, en;q=0.1", "en"),
    ("*", None), ("", None), ("en;q=abc", None), (";;;,,,", None), ("id;q=2", None),
])
def test_accept_language_parsing(header, expected):
    assert parse_accept_language(header) == expected


def test_every_refusal_has_the_same_shape_in_both_languages(http):
    cases = [
        ("GET", "/api/v1/state", None, 401),
        ("GET", "/api/v1/nothing-here", None, 404),
        ("DELETE", "/api/v1/catalog", None, 405),
        ("POST", "/api/v1/tickets", b"{", 400),
        ("POST", "/api/v1/sessions", b"[]", 422),
    ]
    for method, path, body, status in cases:
        messages = set()
        for lang in ("id", "en"):
            answer = http.request(method, f"{path}?lang={lang}", content=body, headers={
                **KIOSK, "Content-Type": "application/json"} if body is not None else {})
            assert answer.status_code == status, (path, answer.text)
            data = answer.json()
            assert set(data) >= {"error", "message"} and data["message"]
            messages.add(data["message"])
        assert len(messages) == 2, f"{path}: the same message in both languages"


def test_validation_errors_name_the_field(http):
    answer = http.post("/api/v1/tickets?lang=en", json={"service_id": "ktp", "priority": "often"}, headers=KIOSK)
    data = answer.json()
    assert data["error"] == "invalid_request" and "priority" in data["message"]
    assert data["problems"] == [{"field": "priority", "type": "bool_type"}]
    indonesian = http.post("/api/v1/tickets", json={"priority": True}, headers=KIOSK).json()
    assert indonesian["message"] == "Permintaan tidak valid. service_id: wajib diisi."


def test_client_errors_carry_status_code_and_message():
    nowhere = ApiClient("http://127.0.0.1:9", lang="en", timeout=1)
    with pytest.raises(ApiError) as unreachable:
        nowhere.catalog()
    assert unreachable.value.status is None and unreachable.value.code == "unreachable"
    assert unreachable.value.message == "The queue server cannot be reached."
    with pytest.raises(ApiError) as indonesian:
        ApiClient("http://127.0.0.1:9", timeout=1).health()
    assert indonesian.value.message == "Server antrean tidak dapat dihubungi."


def test_client_reports_a_server_that_does_not_answer_in_time(server):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never answers
    try:
        client = ApiClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        with pytest.raises(ApiError) as slow:
            client.catalog()
        assert slow.value.status is None
    finally:
        silent.close()


@pytest.mark.load_test
def test_client_is_usable_from_many_threads(server, kiosk):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: kiosk.issue("ktp")["code"], range(40)))
    assert sorted(codes) == [f"A-{n:03d}" for n in range(1, 41)]
    kiosk.close()


def test_health_and_openapi(server, http):
    assert http.get("/healthz").json()["status"] == "ok"
    spec = http.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/catalog", "/api/v1/tickets", "/api/v1/tickets/{token}", "/api/v1/tickets/{token}/rejoin",
        "/api/v1/tickets/{token}/survey", "/api/v1/sessions", "/api/v1/state", "/api/v1/devices/printer-fault",
        "/api/v1/counters/{counter_id}/waiting", "/api/v1/counters/{counter_id}/stats",
    } <= paths
    for action in ("call-next", "call", "recall", "no-show", "start", "finish", "transfer", "pause", "resume"):
        assert f"/api/v1/counters/{{counter_id}}/{action}" in paths
    issue = spec["paths"]["/api/v1/tickets"]["post"]
    assert issue["security"] and "IssueRequest" in str(issue["requestBody"])
    assert http.get("/docs").status_code == 404  # Swagger UI would need a CDN


def test_the_phone_page_assets_are_served_locally(http):
    css = http.get("/static/phone.css")
    js = http.get("/static/phone.js")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert http.get("/static/../app.py").status_code == 404
