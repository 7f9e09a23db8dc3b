"""Catalog, issuing tickets, the ticket holder's endpoints — and every way they refuse."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from kiosk.client import ApiError
from support.configs import DEVICE_KEYS
from support.survey import survey_token

KIOSK = {"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"}


def test_catalog_lists_agencies_and_services_in_the_asked_language(server):
    client = server.client()  # public: no key
    catalog_id = client.catalog()
    catalog_en = client.catalog(lang="en")
    assert [a["id"] for a in catalog_id["agencies"]] == ["dukcapil", "imigrasi"]
    by_id = {s["id"]: s for s in catalog_id["services"]}
    assert by_id["ktp"]["name"] == "KTP-el"
    assert by_id["ktp"]["status"] == {"state": "open", "text": "buka", "opens_at": None}
    assert by_id["paspor"]["daily_quota"] == 3 and by_id["paspor"]["priority_allowed"] is False
    assert {s["id"]: s["name"] for s in catalog_en["services"]}["ktp"] == "e-ID card"
    assert catalog_en["services"][0]["status"]["text"] == "open"


def test_catalog_counts_waiting_and_estimates(server, kiosk, staff):
    for _ in range(3):
        kiosk.issue("ktp")
    ktp = {s["id"]: s for s in kiosk.catalog()["services"]}["ktp"]
    assert ktp["waiting"] == 3 and ktp["issued_today"] == 3
    # loket-1 is open (staff logged in): 3 people / 1 counter x 10 minutes
    assert ktp["estimate_minutes"] == 30
    assert kiosk.catalog()["agencies"][0]["waiting"] == 3


def test_issue_answers_code_token_status_url_position_and_names(server, kiosk, config):
    first = kiosk.issue("ktp")
    second = kiosk.issue("kk", lang="en")
    assert first["code"] == "A-001" and second["code"] == "A-002"  # ktp and kk share the group 'A'
    assert first["status_url"] == f"{config.lobby.public_url}/t/{first['token']}"
    assert len(first["token"]) >= 16
    assert first["position"] == 0 and second["position"] == 0  # different services
    third = kiosk.issue("ktp")
    assert third["position"] == 1 and third["estimate_minutes"] == 10
    assert first["service_name"] == "KTP-el" and second["service_name"] == "Family card"
    assert first["agency_name"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert first["agency_short_name"] == "Disdukcapil"
    assert first["issued_at"].startswith("2026-11-23T01:00:00")  # 09:00 Makassar is 01:00 UTC
    assert first["lang"] == "id" and second["lang"] == "en"
    assert second["seq"] > first["seq"] > 0
    # stored as issued, by the kiosk device
    row = sqlite3.connect(server.db_path).execute(
        "SELECT code, service_id, device, lang FROM tickets WHERE token = ?", (second["token"],)).fetchone()
    assert row == ("A-002", "kk", "kiosk1", "en")


def test_priority_ticket_goes_ahead_of_regular_ones(kiosk):
    kiosk.issue("ktp")
    kiosk.issue("ktp")
    priority = kiosk.issue("ktp", priority=True)
    assert priority["priority"] is True and priority["position"] == 0


def test_issue_needs_the_kiosk_key(server, http):
    body = {"service_id": "ktp"}
    missing = http.post("/api/v1/tickets", json=body)
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = http.post("/api/v1/tickets", json=body, headers={"Authorization": "Bearer not-a-key-at-all-000000"})
    assert wrong.status_code == 401
    not_bearer = http.post("/api/v1/tickets", json=body, headers={"Authorization": f"Basic {DEVICE_KEYS['kiosk']}"})
    assert not_bearer.status_code == 401
    for role in ("display", "counter-app", "manager"):
        other = http.post("/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {DEVICE_KEYS[role]}"})
        assert other.status_code == 403, role
        assert other.json()["error"] == "forbidden"


def test_staff_session_cannot_issue(server, staff):
    with pytest.raises(ApiError) as refused:
        staff.issue("ktp")
    assert refused.value.status == 403


@pytest.mark.parametrize("body, status, error", [
    ({"service_id": "nope"}, 404, "unknown_service"),
    ({"service_id": "paspor", "priority": True}, 422, "priority_not_allowed"),
    ({"service_id": 7}, 422, "invalid_request"),
    ({"service_id": "ktp", "priority": "yes"}, 422, "invalid_request"),
    ({"service_id": "ktp", "lang": "fr"}, 422, "invalid_request"),
    ({"service_id": "ktp", "colour": "red"}, 422, "invalid_request"),
    ({}, 422, "invalid_request"),
    ([], 422, "invalid_request"),
    ("ktp", 422, "invalid_request"),
    ({"service_id": "x" * 65}, 422, "invalid_request"),
])
def test_issue_refuses_bad_input_with_a_clear_error(http, body, status, error):
    answer = http.post("/api/v1/tickets", json=body, headers=KIOSK)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert answer.json()["message"]


def test_malformed_json_is_400(http):
    answer = http.post("/api/v1/tickets", content=b'{"service_id": "ktp"', headers={**KIOSK, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_json", "message": "Isi permintaan bukan JSON yang valid."}
    not_utf8 = http.post("/api/v1/tickets", content=b'\xff\xfe{', headers={**KIOSK, "Content-Type": "application/json"})
    assert not_utf8.status_code in (400, 422) and not_utf8.json()["error"] in ("invalid_json", "invalid_request")


def test_a_body_over_max_body_bytes_is_413(http, config):
    limit = config.server.max_body_bytes
    big = {"service_id": "ktp", "pad": "x" * limit}
    answer = http.post("/api/v1/tickets?lang=en", json=big, headers=KIOSK)
    assert answer.status_code == 413
    assert answer.json() == {"error": "payload_too_large", "message": "The request is too large."}

    # no Content-Length (chunked): counted while it streams
    def chunks():
        for _ in range(limit // 1000 + 2):
            yield b"x" * 1000

    streamed = http.post("/api/v1/tickets", content=chunks(), headers={**KIOSK, "Content-Type": "application/json"})
    assert streamed.status_code == 413
    # just under the limit is read (and refused for what it says, not its size)
    near = http.post("/api/v1/tickets", content=b" " * (limit - 100) + b'{"service_id": "nope"}',
                     headers={**KIOSK, "Content-Type": "application/json"})
    assert near.status_code == 404


def test_closed_service_is_refused_with_when_it_opens(server, kiosk, clock):
    clock.advance(hours=11)  # Monday 20:00
    with pytest.raises(ApiError) as refused:
        kiosk.issue("ktp")
    assert refused.value.status == 409 and refused.value.code == "service_unavailable"
    assert refused.value.message == "tutup sampai besok 08:00"
    assert refused.value.details["state"] == "closed"
    english = server.client("kiosk", lang="en")
    with pytest.raises(ApiError) as refused_en:
        english.issue("ktp")
    assert refused_en.value.message == "closed until tomorrow 08:00"


def test_quota_reached_is_refused(kiosk):
    for _ in range(3):
        kiosk.issue("paspor")
    with pytest.raises(ApiError) as full:
        kiosk.issue("paspor")
    assert (full.value.status, full.value.code) == (409, "service_unavailable")
    assert full.value.details["state"] == "full"
    assert {s["id"]: s for s in kiosk.catalog()["services"]}["paspor"]["status"]["state"] == "full"


def test_ticket_status_is_public_and_shows_only_its_own_ticket(server, kiosk):
    kiosk.issue("ktp")
    mine = kiosk.issue("ktp", lang="en")
    anyone = server.client()
    status = anyone.ticket(mine["token"])
    assert status["code"] == mine["code"] and status["state"] == "waiting"
    assert status["people_ahead"] == 1 and status["estimate_minutes"] == 10
    assert status["service_name"] == "KTP-el"  # the client's language (id) wins over the ticket's
    assert server.client(lang="en").ticket(mine["token"])["service_name"] == "e-ID card"
    # nothing that identifies other tickets or the event log
    assert "token" not in status and "seq" not in status and "id" not in status and "queued_seq" not in status


def test_ticket_status_without_a_language_uses_the_tickets(http, kiosk):
    english = kiosk.issue("kk", lang="en")
    answer = http.get(f"/api/v1/tickets/{english['token']}")
    assert answer.json()["service_name"] == "Family card" and answer.json()["view_lang"] == "en"


@pytest.mark.parametrize("token", ["nope", "A-001", "x" * 500, "%00", "..%2F..%2Fetc"])
def test_unknown_ticket_is_404(http, kiosk, token):
    kiosk.issue("ktp")
    answer = http.get(f"/api/v1/tickets/{token}")
    assert answer.status_code == 404
    assert answer.json()["error"] in ("unknown_ticket", "not_found")


def test_rejoin_within_grace_then_not_after(server, kiosk, staff, clock):
    ticket = kiosk.issue("ktp")
    visitor = server.client()
    with pytest.raises(ApiError) as early:
        visitor.rejoin(ticket["token"])
    assert early.value.status == 409 and early.value.code == "invalid_state"
    staff.action("loket-1", "call-next")
    staff.action("loket-1", "recall")
    staff.action("loket-1", "no-show")
    assert visitor.ticket(ticket["token"])["can_rejoin"] is True
    back = visitor.rejoin(ticket["token"])
    assert back["state"] == "waiting" and back["can_rejoin"] is False
    staff.action("loket-1", "call-next")
    staff.action("loket-1", "recall")
    staff.action("loket-1", "no-show")
    clock.advance(minutes=31)
    assert visitor.ticket(ticket["token"])["can_rejoin"] is False
    with pytest.raises(ApiError) as late:
        visitor.rejoin(ticket["token"])
    assert late.value.status == 409
    with pytest.raises(ApiError) as unknown:
        visitor.rejoin("no-such-token")
    assert unknown.value.status == 404


def test_survey_after_finish_is_stored_once(server, kiosk, staff, clock):
    ticket = kiosk.issue("ktp")
    visitor = server.client(lang="en")
    with pytest.raises(ApiError) as too_early:
        visitor.survey(ticket["token"], [4] * 9)
    assert too_early.value.status == 409 and too_early.value.details["reason"] == "not_served"
    assert too_early.value.message == "The survey opens once the service is finished."
    assert survey_token(server.url, ticket["token"]) is None  # no form, no token before the finish
    staff.action("loket-1", "call-next")
    clock.advance(seconds=server.config.queue.survey_min_service_seconds)  # a real-length service
    staff.action("loket-1", "finish")
    token = survey_token(server.url, ticket["token"])
    assert visitor.survey(ticket["token"], [4, 3, 2, 1, 4, 3, 2, 1, 4], "Cepat dan ramah", token) == {"ok": True}
    with pytest.raises(ApiError) as again:
        visitor.survey(ticket["token"], [1] * 9, survey_token=token)
    assert again.value.status == 409 and again.value.details["reason"] == "already_done"
    rows = sqlite3.connect(server.db_path).execute(
        "SELECT u1, u2, u3, u4, u5, u6, u7, u8, u9, comment, service_id FROM surveys").fetchall()
    assert rows == [(4, 3, 2, 1, 4, 3, 2, 1, 4, "Cepat dan ramah", "ktp")]
    assert visitor.ticket(ticket["token"])["surveyed"] is True


@pytest.mark.parametrize("body", [
    {"scores": [4] * 8},
    {"scores": [4] * 10},
    {"scores": [0, 1, 2, 3, 4, 1, 2, 3, 4]},
    {"scores": [5] * 9},
    {"scores": ["4"] * 9},
    {"scores": [True] * 9},
    {"scores": [4.0] * 9},
    {"scores": "4444"},
    {"scores": [4] * 9, "comment": 12},
    {"scores": [4] * 9, "comment": "x" * 1001},
    {},
])
def test_survey_refuses_bad_scores(http, kiosk, body):
    ticket = kiosk.issue("ktp")
    answer = http.post(f"/api/v1/tickets/{ticket['token']}/survey", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_request"


def test_printer_fault_is_recorded_as_an_event(server, kiosk, http):
    answer = kiosk.printer_fault("paper_out", "Kertas habis", code="A-001")
    state_seq = server.client("display").state()["seq"]
    assert answer["seq"] == state_seq
    event = server.engine.events_since(answer["seq"] - 1)[0]
    assert event["type"] == "printer_fault"
    assert event["payload"] == {"code": "A-001", "device": "kiosk1", "kind": "paper_out", "message": "Kertas habis"}
    display = {"Authorization": f"Bearer {DEVICE_KEYS['display']}"}
    assert http.post("/api/v1/devices/printer-fault", json={"kind": "x"}, headers=display).status_code == 403
    assert http.post("/api/v1/devices/printer-fault", json={"kind": "x"}).status_code == 401
    assert http.post("/api/v1/devices/printer-fault", json={"kind": ""}, headers=KIOSK).status_code == 422


def test_the_day_rolls_over_at_midnight_even_when_quiet(config, db_path, clock):
    from support.server import running_server

    with running_server(config, db_path, clock, tick_seconds=0.05) as server:
        kiosk = server.client("kiosk")
        kiosk.issue("ktp")
        clock.advance(days=1)
        deadline_seq = server.engine.last_seq()
        import time

        for _ in range(100):
            if server.engine.last_seq() > deadline_seq:
                break
            time.sleep(0.02)
        events = server.engine.events_since(deadline_seq)
        assert [e["type"] for e in events] == ["day_rolled_over"]
        assert events[0]["payload"]["day"] == (clock.now() + timedelta(hours=8)).date().isoformat()
        assert server.client("display").state()["tickets"] == []
