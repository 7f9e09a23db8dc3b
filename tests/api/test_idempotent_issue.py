"""POST /api/v1/tickets with a request_id: a retry after a lost answer gets the same ticket, never a second number."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from kiosk.client import ApiClient, ApiError
from support.configs import DEVICE_KEYS
from support.proxy import LoopbackProxy

KIOSK = {"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"}
REQUEST = "5e1d0c7b9a8f4e3d2c1b0a9f8e7d6c5b"


def _tickets(server) -> list[tuple]:
    with sqlite3.connect(server.db_path) as db:
        return db.execute("SELECT code, request_id FROM tickets ORDER BY id").fetchall()


def _issued_events(server) -> list[dict]:
    return [e for e in server.engine.events_since(0) if e["type"] == "ticket_issued"]


def test_a_replay_gets_the_identical_answer_and_no_new_number(server, kiosk):
    first = kiosk.issue("ktp", request_id=REQUEST)
    again = kiosk.issue("ktp", request_id=REQUEST)
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert {**again, "replayed": False} == first  # same code, token, status URL, position, seq, names
    assert first["code"] == "A-001"
    assert _tickets(server) == [("A-001", REQUEST)]
    assert len(_issued_events(server)) == 1
    assert kiosk.issue("ktp")["code"] == "A-002"  # the replay did not use up a number


def test_different_request_ids_and_none_issue_separate_tickets(server, kiosk):
    codes = [kiosk.issue("ktp", request_id="tap-1")["code"], kiosk.issue("ktp", request_id="tap-2")["code"],
             kiosk.issue("ktp")["code"], kiosk.issue("ktp")["code"]]
    assert codes == ["A-001", "A-002", "A-003", "A-004"]


def test_the_idempotency_key_header_works_like_request_id(server, http):
    headers = {**KIOSK, "Idempotency-Key": REQUEST}
    first = http.post("/api/v1/tickets", json={"service_id": "ktp"}, headers=headers)
    again = http.post("/api/v1/tickets", json={"service_id": "ktp"}, headers=headers)
    in_body = http.post("/api/v1/tickets", json={"service_id": "ktp", "request_id": REQUEST}, headers=KIOSK)
    both = http.post("/api/v1/tickets", json={"service_id": "ktp", "request_id": REQUEST}, headers=headers)
    assert [a.status_code for a in (first, again, in_body, both)] == [201] * 4
    assert {a.json()["token"] for a in (first, again, in_body, both)} == {first.json()["token"]}
    assert [a.json()["replayed"] for a in (first, again, in_body, both)] == [False, True, True, True]
    assert _tickets(server) == [("A-001", REQUEST)]


def test_header_and_body_that_disagree_are_refused(server, http):
    answer = http.post("/api/v1/tickets", json={"service_id": "ktp", "request_id": "tap-1"},
                       headers={**KIOSK, "Idempotency-Key": "tap-2", "Accept-Language": "en"})
    assert answer.status_code == 422
    assert answer.json()["error"] == "request_id_mismatch"
    assert "Idempotency-Key" in answer.json()["message"]
    assert _tickets(server) == []


@pytest.mark.parametrize("bad", ["", "has space", "x" * 65, "a.b", "ünï"])
def test_a_bad_request_id_is_422_with_a_sentence(server, http, bad):
    answer = http.post("/api/v1/tickets", json={"service_id": "ktp", "request_id": bad}, headers=KIOSK)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_request_id"
    assert "1-64" in answer.json()["message"]
    assert _tickets(server) == []


@pytest.mark.parametrize("body", [{"request_id": 12}, {"request_id": ["a"]}, {"request_id": "x" * 201}])
def test_a_request_id_of_the_wrong_type_or_size_is_invalid_request(http, body):
    answer = http.post("/api/v1/tickets", json={"service_id": "ktp", **body}, headers=KIOSK)
    assert answer.status_code == 422 and answer.json()["error"] == "invalid_request"


def test_a_request_id_reused_for_another_service_is_409_and_gives_no_ticket(server, kiosk):
    first = kiosk.issue("ktp", request_id=REQUEST)
    for other in ({"service_id": "paspor"}, {"service_id": "ktp", "priority": True}):
        with pytest.raises(ApiError) as refused:
            kiosk.issue(**other, request_id=REQUEST)
        assert refused.value.status == 409 and refused.value.code == "request_id_conflict"
        assert first["token"] not in str(refused.value.details)
    assert _tickets(server) == [("A-001", REQUEST)]


def test_an_answer_lost_in_transit_then_a_retry_gets_the_same_ticket(server):
    """The server commits and answers; the answer never reaches the kiosk; the kiosk retries."""
    with LoopbackProxy(server.port) as proxy, \
            ApiClient(proxy.url, DEVICE_KEYS["kiosk"]) as behind_proxy, server.client("kiosk") as direct:
        proxy.swallow_answers = True
        outcome: dict = {}

        def send() -> None:
            try:
                outcome["answer"] = behind_proxy.issue("ktp", request_id=REQUEST)
            except ApiError as exc:
                outcome["error"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 5
        while not _issued_events(server):  # committed on the server ...
            assert time.monotonic() < deadline, "the request never reached the server"
            time.sleep(0.01)
        proxy.cut()  # ... and the connection drops before the answer arrives
        sender.join(5)
        assert not sender.is_alive()
        assert "answer" not in outcome
        assert outcome["error"].status is None  # to the kiosk: unreachable, as with a reset or a timeout
        assert _tickets(server) == [("A-001", REQUEST)]  # yet the number was issued

        retried = direct.issue("ktp", request_id=REQUEST)
        assert retried["code"] == "A-001" and retried["replayed"] is True
        assert retried["token"] == server.engine.find_ticket("A-001").token
        assert _tickets(server) == [("A-001", REQUEST)]  # exactly one ticket
        assert len(_issued_events(server)) == 1
