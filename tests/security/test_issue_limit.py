"""The per-kiosk issue limit (server.limits.issue_per_minute, issue_burst) against a real server on loopback.

The finding it answers: one kiosk key issued 12,722 tickets in 10 s and every daily quota of the shipped
lobby was full in 0.73 s. Now a kiosk gets its burst and then its rate; every refusal is 429 with
Retry-After and a sentence; a replay of a tap (same request_id) is never refused and never counted.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from kiosk.client import ApiError
from kiosk.clock import FakeClock
from kiosk.config import load_config
from support.configs import BASE, DEVICE_KEYS, MONDAY_9, make_config
from support.server import running_server

ROOT = Path(__file__).resolve().parents[2]
TOO_MANY_ID = "Terlalu banyak tiket dari kios ini dalam satu menit. Tunggu sebentar lalu coba lagi."
TOO_MANY_EN = "Too many tickets from this kiosk in one minute. Please wait a moment and try again."
KIOSK_2_KEY = "kiosk-two-key-0123456789abcdef"


class Moment:
    """The server's monotonic clock, moved by the test."""

    def __init__(self):
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def two_kiosk_config(tmp_path, **limits):
    server = {**BASE["server"], "devices": [*BASE["server"]["devices"],
                                            {"name": "kiosk2", "role": "kiosk", "key": KIOSK_2_KEY}]}
    if limits:
        server["limits"] = limits
    return make_config(tmp_path, server=server)


@pytest.fixture
def moment():
    return Moment()


@pytest.fixture
def server(tmp_path, moment):
    """The test lobby with the default limit (30 a minute, burst 10) and two kiosks, on a clock the test moves."""
    with running_server(two_kiosk_config(tmp_path), tmp_path / "queue.sqlite", FakeClock(MONDAY_9),
                        monotonic=moment) as handle:
        yield handle


def issue(server, key=DEVICE_KEYS["kiosk"], service="ktp", lang="id", **body) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": service, **body},
                      headers={"Authorization": f"Bearer {key}", "Accept-Language": lang}, timeout=5)


def ticket_count(server) -> int:
    return server.engine.store.query("SELECT count(*) AS n FROM tickets")[0]["n"]


def assert_too_many(answer: httpx.Response, lang: str = "id") -> int:
    assert answer.status_code == 429, answer.text
    assert answer.json()["error"] == "issue_rate_limited"
    assert answer.json()["message"] == (TOO_MANY_EN if lang == "en" else TOO_MANY_ID)
    wait = int(answer.headers["Retry-After"])
    assert wait >= 1 and answer.json()["retry_after"] == wait
    return wait


def test_the_burst_then_429_with_retry_after_and_a_sentence_in_both_languages(server):
    assert [issue(server).status_code for _ in range(10)] == [201] * 10
    assert assert_too_many(issue(server)) == 2  # 30 a minute: the next ticket in 2 s
    assert_too_many(issue(server, lang="en"), "en")
    assert ticket_count(server) == 10


def test_the_python_client_sees_the_refusal_and_its_wait(server):
    kiosk = server.client("kiosk", lang="en")
    for _ in range(10):
        kiosk.issue("kk")
    with pytest.raises(ApiError) as refused:
        kiosk.issue("kk")
    assert (refused.value.status, refused.value.code, refused.value.retry_after) == (429, "issue_rate_limited", 2.0)
    assert refused.value.message == TOO_MANY_EN
    kiosk.close()


def test_the_budget_refills_with_time_up_to_the_burst(server, moment):
    for _ in range(10):
        issue(server)
    assert_too_many(issue(server))
    moment.now += 2  # 30 a minute: one more
    assert issue(server).status_code == 201
    assert_too_many(issue(server))
    moment.now += 600  # ten quiet minutes refill the burst, not 300 tickets
    assert [issue(server).status_code for _ in range(11)] == [201] * 10 + [429]
    assert ticket_count(server) == 21


def test_two_kiosks_have_separate_budgets(server):
    for _ in range(10):
        issue(server)
    assert_too_many(issue(server))
    assert [issue(server, key=KIOSK_2_KEY).status_code for _ in range(10)] == [201] * 10
    assert_too_many(issue(server, key=KIOSK_2_KEY))
    devices = server.engine.store.query("SELECT device, count(*) AS n FROM tickets GROUP BY device ORDER BY device")
    assert [(d["device"], d["n"]) for d in devices] == [("kiosk1", 10), ("kiosk2", 10)]


def test_a_replay_is_never_refused_and_never_counted(server, moment):
    first = issue(server, request_id="tap-1")
    assert first.status_code == 201
    for n in range(9):
        issue(server, request_id=f"tap-{n + 2}")
    assert_too_many(issue(server, request_id="tap-11"))
    # the kiosk lost the answer to tap-1 and sends it again with an empty budget: the same ticket
    for _ in range(5):
        again = issue(server, request_id="tap-1")
        assert again.status_code == 201, again.text
        assert again.json()["replayed"] is True and again.json()["code"] == first.json()["code"]
    header = httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": "ktp"}, timeout=5,
                        headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}", "Idempotency-Key": "tap-2"})
    assert header.status_code == 201 and header.json()["replayed"] is True
    # the replays spent nothing: 2 s later exactly one new ticket, as without them
    moment.now += 2
    assert issue(server, request_id="tap-11").status_code == 201
    assert_too_many(issue(server, request_id="tap-12"))
    assert ticket_count(server) == 11


def test_a_refused_issue_spends_nothing(server):
    """A full service, a closed priority queue or a bad request_id makes no ticket and costs no budget."""
    for _ in range(3):  # paspor: daily quota 3
        assert issue(server, service="paspor").status_code == 201
    refusals = [issue(server, service="paspor").status_code for _ in range(10)]
    refusals += [issue(server, service="paspor", priority=True).status_code for _ in range(5)]
    refusals += [issue(server, request_id="not valid!").status_code for _ in range(5)]
    assert 429 not in refusals and all(400 <= status < 500 for status in refusals)
    assert [issue(server).status_code for _ in range(8)] == [201] * 7 + [429]


@pytest.mark.slow
def test_a_ten_second_flood_of_the_shipped_kiosk_key_is_bounded_and_fills_no_quota(tmp_path):
    """The finding, replayed on the shipped lobby (default limit, real clock): 4 connections issue as fast as
    the server answers for 10 s, round-robin over every open service."""
    config = load_config(ROOT / "config.toml")
    assert (config.server.limits.issue_per_minute, config.server.limits.issue_burst) == (30, 10)
    key = config.server.key_for("kiosk")
    with running_server(config, tmp_path / "flood.sqlite", FakeClock(MONDAY_9)) as server:
        catalog = httpx.get(f"{server.url}/api/v1/catalog", timeout=5).json()
        services = [s["id"] for s in catalog["services"] if s["status"]["state"] == "open"]
        assert len(services) > 20
        answers: list[httpx.Response] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + 10

        def flood(offset: int) -> None:
            with httpx.Client(base_url=server.url, timeout=5,
                              headers={"Authorization": f"Bearer {key}"}) as http:
                n = offset
                while time.monotonic() < stop_at:
                    answer = http.post("/api/v1/tickets", json={"service_id": services[n % len(services)]})
                    n += 4
                    with lock:
                        answers.append(answer)

        threads = [threading.Thread(target=flood, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        issued = [a for a in answers if a.status_code == 201]
        refused = [a for a in answers if a.status_code != 201]
        assert len(refused) > 500, "not a flood"
        assert 10 <= len(issued) <= 40  # burst 10 + 30 a minute for 10 s: about 15
        for answer in refused:
            assert_too_many(answer)
        assert ticket_count(server) == len(issued)
        after = httpx.get(f"{server.url}/api/v1/catalog", timeout=5).json()
        states = {s["id"]: s["status"]["state"] for s in after["services"]}
        assert [s for s in services if states[s] != "open"] == []  # no quota filled, nothing closed by the flood
