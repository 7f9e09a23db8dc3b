"""A lost answer to "take number": the kiosk retries with the same request_id, so the visitor
gets the number the server already issued — one ticket on screen, in the database and on paper."""
from __future__ import annotations

import sqlite3

import pytest

from kiosk.client import ApiClient, ApiError
from kiosk.i18n import t
from kiosk.ui.kiosk.window import ISSUE_RETRY_DELAYS_S, issue_with_retries
from support.configs import DEVICE_KEYS

from .kiosk_driver import LEFT, go_to_confirm, take_ticket, visible_texts

OFFLINE_ID = "Sistem antrean sedang tidak terhubung, mohon tunggu"


class RecordingClient(ApiClient):
    """The real client, recording every issue call; the first ``lose`` answers are lost on the way back."""

    def __init__(self, *args, lose: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.lose = lose
        self.issue_calls: list[dict] = []

    def issue(self, service_id, priority=False, lang=None, request_id=None):
        self.issue_calls.append({"service_id": service_id, "priority": priority, "request_id": request_id})
        answer = super().issue(service_id, priority=priority, lang=lang, request_id=request_id)
        if len(self.issue_calls) <= self.lose:
            # committed on the server, then the connection reset before the answer arrived
            raise ApiError(None, "unreachable", t("client.unreachable", "id"), {"reason": "connection reset (test)"})
        return answer


@pytest.fixture
def recording_kiosk(server, make_kiosk):
    clients = []

    def make(lose: int = 0):
        client = RecordingClient(server.url, DEVICE_KEYS["kiosk"], lose=lose)
        clients.append(client)
        window = make_kiosk(api=client)
        window.issue_retry_delays_s = (0.05, 0.1, 0.2)  # the same logic, a quicker test
        return window, client

    yield make
    for client in clients:
        client.close()


def _tickets(server) -> list[tuple]:
    with sqlite3.connect(server.db_path) as db:
        return db.execute("SELECT code, token, request_id FROM tickets ORDER BY id").fetchall()


def test_a_lost_answer_is_retried_and_the_visitor_gets_the_one_number_issued(qtbot, server, recording_kiosk,
                                                                               fake_printer):
    kiosk, client = recording_kiosk(lose=1)
    shown = take_ticket(qtbot, kiosk)
    fake_printer.wait_for_ticket(timeout=5)

    assert len(client.issue_calls) == 2  # the lost one and its retry ...
    request_ids = {call["request_id"] for call in client.issue_calls}
    assert len(request_ids) == 1 and len(request_ids.pop()) == 32  # ... with one uuid4 hex for the tap
    assert shown["code"] == "A-001" and shown["replayed"] is True and not shown["printer_failed"]
    assert kiosk.last_result.issue_attempts == 2
    assert [(code, token) for code, token, _ in _tickets(server)] == [("A-001", shown["token"])]
    assert [e["type"] for e in server.engine.events_since(0)].count("ticket_issued") == 1
    assert len(fake_printer.tickets) == 1 and b"A-001" in fake_printer.tickets[0]
    assert kiosk.current == "ticket" and "A-001" in visible_texts(kiosk)


def test_each_tap_has_its_own_request_id(qtbot, server, recording_kiosk, fake_printer):
    kiosk, client = recording_kiosk()
    first = take_ticket(qtbot, kiosk)
    qtbot.waitUntil(lambda: kiosk.current == "home", timeout=8000)
    second = take_ticket(qtbot, kiosk)
    assert (first["code"], second["code"]) == ("A-001", "A-002")
    assert len({call["request_id"] for call in client.issue_calls}) == 2
    assert [row[2] for row in _tickets(server)] == [call["request_id"] for call in client.issue_calls]


def test_a_refusal_is_not_retried(qtbot, server, recording_kiosk):
    kiosk, client = recording_kiosk()
    go_to_confirm(qtbot, kiosk, "imigrasi", "paspor")
    for _ in range(3):
        server.engine.issue_ticket("paspor")  # the quota is reached between the catalog and the tap
    qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.notice_label.isVisible(), timeout=8000)
    assert kiosk.notice_label.text() == "penuh: kuota 3 tercapai"
    assert len(client.issue_calls) == 1


def test_a_server_that_stays_away_ends_in_the_offline_sentence_after_a_few_retries(qtbot, server, recording_kiosk,
                                                                                     fake_printer):
    kiosk, client = recording_kiosk()
    go_to_confirm(qtbot, kiosk, "dukcapil", "ktp")
    server.stop()
    qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.current == "offline", timeout=10000)
    assert OFFLINE_ID in visible_texts(kiosk)
    assert len(client.issue_calls) == 1 + len(kiosk.issue_retry_delays_s)
    assert len({call["request_id"] for call in client.issue_calls}) == 1
    assert fake_printer.tickets == [] and kiosk.issuing is False


class _LostAnswers:
    """An api whose every issue takes ``takes_s`` of the fake clock and loses its answer."""

    def __init__(self, clock: list[float], takes_s: float, answer_on: int | None = None, status: int | None = None):
        self.clock, self.takes_s, self.answer_on, self.status = clock, takes_s, answer_on, status
        self.request_ids: list[str] = []

    def issue(self, service_id, priority=False, lang=None, request_id=None):
        self.request_ids.append(request_id)
        self.clock[0] += self.takes_s
        if len(self.request_ids) == self.answer_on:
            return {"code": "A-001"}
        raise ApiError(self.status, "unreachable" if self.status is None else "service_unavailable", "…")


def _run(api, clock):
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    try:
        outcome = issue_with_retries(api, "ktp", priority=False, lang="id", request_id="tap-1",
                                     sleep=sleep, monotonic=lambda: clock[0])
    except ApiError as exc:
        outcome = exc
    return outcome, slept


def test_retries_use_the_short_backoff_and_the_same_request_id():
    clock = [0.0]
    api = _LostAnswers(clock, takes_s=0.01, answer_on=3)
    (ticket, attempts), slept = _run(api, clock)
    assert ticket == {"code": "A-001"} and attempts == 3
    assert slept == list(ISSUE_RETRY_DELAYS_S[:2]) and api.request_ids == ["tap-1"] * 3


def test_fast_failures_give_up_after_every_backoff():
    clock = [0.0]
    outcome, slept = _run(_LostAnswers(clock, takes_s=0.01), clock)
    assert isinstance(outcome, ApiError) and outcome.status is None
    assert slept == list(ISSUE_RETRY_DELAYS_S)  # 0.3 + 0.7 + 1.5 s, then the offline sentence


def test_timeouts_stop_retrying_once_about_five_seconds_have_passed():
    """Each attempt times out after 5 s: the visitor waits at most ~5 s beyond the first timeout."""
    clock = [0.0]
    outcome, slept = _run(_LostAnswers(clock, takes_s=5.0), clock)
    assert isinstance(outcome, ApiError)
    assert slept == [ISSUE_RETRY_DELAYS_S[0]]  # one retry; the next would start 6 s after the first timeout
    assert clock[0] == pytest.approx(5.0 + ISSUE_RETRY_DELAYS_S[0] + 5.0)  # 5.3 s beyond the first timeout


def test_a_refusal_raises_at_once():
    clock = [0.0]
    api = _LostAnswers(clock, takes_s=0.01, status=409)
    outcome, slept = _run(api, clock)
    assert isinstance(outcome, ApiError) and outcome.status == 409
    assert slept == [] and len(api.request_ids) == 1
