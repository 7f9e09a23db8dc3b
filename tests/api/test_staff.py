"""Staff sessions, counter actions, the counter's lists — and who may do what."""
from __future__ import annotations

import sqlite3

import pytest

from kiosk.client import ApiClient, ApiError
from support.configs import DEVICE_KEYS


def counter_status(db_path, counter_id):
    return sqlite3.connect(db_path).execute(
        "SELECT status, user FROM counter_state WHERE counter_id = ?", (counter_id,)).fetchone()


def test_login_opens_the_counter_and_returns_a_session(server):
    client = server.client("counter-app")
    session = client.login("petugas1", "1234", "loket-2")
    assert session["user"] == "petugas1" and session["name"] == "Petugas Satu"
    assert session["counter_id"] == "loket-2" and session["counter"]["number"] == "2"
    assert session["counter"]["status"] == "open" and session["supervisor"] is False
    assert len(session["token"]) >= 32
    assert session["expires_at"].startswith("2026-11-23T13:00:00")  # 12 h after 01:00 UTC
    assert counter_status(server.db_path, "loket-2") == ("open", "petugas1")
    assert client.credential == session["token"]
    assert server.engine.events_since(0)[-1]["type"] == "counter_opened"


@pytest.mark.parametrize("role, status, error", [
    (None, 401, "login_needs_device"), ("kiosk", 403, "login_wrong_device"), ("manager", 403, "login_wrong_device")])
def test_login_needs_the_counter_app_key(server, role, status, error):
    with pytest.raises(ApiError) as refused:
        server.client(role, lang="en").login("petugas3", "1234", "loket-3")
    assert (refused.value.status, refused.value.code) == (status, error)
    assert "counter" in refused.value.message
    assert counter_status(server.db_path, "loket-3") == ("closed", None)


@pytest.mark.parametrize("user, pin, counter, status, error", [
    ("petugas1", "9999", "loket-1", 401, "login_failed"),
    ("nobody", "1234", "loket-1", 401, "login_failed"),
    ("petugas1", "1234", "loket-3", 403, "counter_not_allowed"),
    ("petugas1", "1234", "loket-99", 404, "unknown_counter"),
])
def test_login_refusals(server, user, pin, counter, status, error):
    client = server.client("counter-app", lang="en")
    with pytest.raises(ApiError) as refused:
        client.login(user, pin, counter)
    assert (refused.value.status, refused.value.code) == (status, error)
    assert client.session is None
    if counter != "loket-99":
        assert counter_status(server.db_path, counter) == ("closed", None)
    if status == 401:
        assert refused.value.message == "Wrong user name or PIN."  # the same for an unknown user


def test_failed_logins_are_rate_limited_per_user_with_retry_after(server, http):
    counter_app = {"Authorization": f"Bearer {DEVICE_KEYS['counter-app']}"}
    for _ in range(5):
        assert http.post("/api/v1/sessions", json={"user": "petugas1", "pin": "0000", "counter_id": "loket-1"},
                         headers=counter_app).status_code == 401
    limited = http.post("/api/v1/sessions", json={"user": "petugas1", "pin": "1234", "counter_id": "loket-1"},
                        headers=counter_app)
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # that was one user's count at this address: another officer at the same PC still logs in
    other = http.post("/api/v1/sessions", json={"user": "petugas3", "pin": "1234", "counter_id": "loket-3"},
                      headers=counter_app)
    assert other.status_code == 201


def test_rate_limit_counts_per_address_across_users(config, db_path, clock):
    from support.server import running_server

    fake_now = [0.0]
    with running_server(config, db_path, clock, monotonic=lambda: fake_now[0]) as server:
        client = server.client("counter-app")
        for user in [f"a{n}" for n in range(config.server.limits.login_failures_per_address)]:
            with pytest.raises(ApiError):
                client.login(user, "1234", "loket-1")
        with pytest.raises(ApiError) as limited:
            client.login("petugas1", "1234", "loket-1")
        assert limited.value.status == 429 and limited.value.retry_after == 60
        fake_now[0] = 61.0  # a minute later the window is clear again
        assert client.login("petugas1", "1234", "loket-1")["counter_id"] == "loket-1"


def test_successful_logins_do_not_count(server):
    client = server.client("counter-app")
    for _ in range(7):
        client.login("petugas1", "1234", "loket-1")
        client.logout()


def test_the_whole_ticket_flow_through_counter_actions(server, kiosk, staff):
    first = kiosk.issue("ktp")
    second = kiosk.issue("kk")
    called = staff.action("loket-1", "call-next")
    assert called["action"] == "call-next"
    assert called["ticket"]["code"] == first["code"] and called["ticket"]["state"] == "called"
    assert called["ticket"]["counter_id"] == "loket-1"
    assert "token" not in called["ticket"]
    assert called["counter"]["ticket_id"] == called["ticket"]["id"] and called["counter"]["status"] == "open"
    assert called["seq"] == server.engine.last_seq()
    recalled = staff.action("loket-1", "recall")
    assert recalled["ticket"]["recalls"] == 1
    started = staff.action("loket-1", "start")
    assert started["ticket"]["state"] == "serving"
    finished = staff.action("loket-1", "finish")
    assert finished["ticket"]["state"] == "done" and finished["counter"]["ticket_id"] is None
    by_code = staff.action("loket-1", "call", ticket=second["code"].replace("-", "").lower())
    assert by_code["ticket"]["code"] == second["code"]
    moved = staff.action("loket-1", "transfer", service_id="ktp")  # same agency, open: any officer may
    assert moved["ticket"]["service_id"] == "ktp" and moved["ticket"]["state"] == "waiting"
    assert moved["ticket"]["transfers"] == 1
    paused = staff.action("loket-1", "pause", reason="Istirahat")
    assert paused["counter"]["status"] == "paused" and paused["counter"]["reason"] == "Istirahat"
    assert paused["ticket"] is None
    resumed = staff.action("loket-1", "resume")
    assert resumed["counter"]["status"] == "open"


def test_call_by_token_and_by_status_url(server, kiosk, staff):
    one = kiosk.issue("ktp")
    two = kiosk.issue("ktp")
    assert staff.action("loket-1", "call", ticket=two["token"])["ticket"]["code"] == two["code"]
    staff.action("loket-1", "finish")
    assert staff.action("loket-1", "call", ticket=one["status_url"])["ticket"]["code"] == one["code"]


@pytest.mark.parametrize("action, body, status, error", [
    ("call-next", None, 409, "nothing_waiting"),
    ("recall", None, 409, "invalid_state"),
    ("no-show", None, 409, "invalid_state"),
    ("start", None, 409, "invalid_state"),
    ("finish", None, 409, "invalid_state"),
    ("resume", None, 409, "invalid_state"),
    ("call", {"ticket": "Z-999"}, 404, "unknown_ticket"),
    ("call", {}, 422, "invalid_request"),
    ("call", {"ticket": 12}, 422, "invalid_request"),
    ("transfer", {"service_id": "nope"}, 404, "unknown_service"),
    ("pause", {"reason": "x" * 81}, 422, "invalid_request"),
    ("dance", None, 404, "not_found"),
])
def test_counter_action_refusals(server, staff, action, body, status, error):
    answer = staff._http().post(f"/api/v1/counters/loket-1/{action}", json=body,
                                headers={"Authorization": f"Bearer {staff.credential}"})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error


def test_no_show_needs_a_recall_first_and_says_so(kiosk, staff):
    kiosk.issue("ktp")
    staff.action("loket-1", "call-next")
    with pytest.raises(ApiError) as early:
        staff.action("loket-1", "no-show")
    assert early.value.status == 409 and "Panggil ulang" in early.value.message
    staff.action("loket-1", "recall")
    assert staff.action("loket-1", "no-show")["ticket"]["state"] == "no_show"


def test_a_busy_counter_must_finish_first(kiosk, staff):
    kiosk.issue("ktp")
    kiosk.issue("ktp")
    staff.action("loket-1", "call-next")
    with pytest.raises(ApiError) as busy:
        staff.action("loket-1", "call-next")
    assert busy.value.code == "counter_unavailable" and busy.value.details["ticket"] == "A-001"


def test_staff_of_one_counter_cannot_act_for_another(server, kiosk, staff):
    kiosk.issue("kk")
    server.staff_client("petugas3", "loket-3")
    for counter in ("loket-2", "loket-3", "loket-99"):
        with pytest.raises(ApiError) as refused:
            staff.action(counter, "call-next")
        assert (refused.value.status, refused.value.code) == (403, "wrong_counter")


@pytest.mark.parametrize("role", ["kiosk", "display", "counter-app", "manager"])
def test_device_keys_cannot_work_a_counter(server, kiosk, role):
    kiosk.issue("ktp")
    with pytest.raises(ApiError) as refused:
        server.client(role).action("loket-1", "call-next")
    assert refused.value.status == 403


def test_actions_without_credentials_are_401(server):
    with pytest.raises(ApiError) as refused:
        server.client().action("loket-1", "call-next")
    assert refused.value.status == 401


def test_logout_closes_a_free_counter(server, staff):
    answer = staff.logout()
    assert answer["closed"] is True and answer["counter"]["status"] == "closed"
    assert counter_status(server.db_path, "loket-1") == ("closed", None)
    assert staff.session is None
    with pytest.raises(ApiError) as refused:
        staff.action("loket-1", "call-next")
    assert refused.value.status == 403  # back to the counter-app key: not staff


def test_logout_keeps_a_counter_with_a_ticket_open(server, kiosk, staff):
    kiosk.issue("ktp")
    staff.action("loket-1", "call-next")
    token = staff.credential
    answer = staff.logout()
    assert answer["closed"] is False and answer["counter"]["status"] == "open"
    assert answer["counter"]["ticket_id"] is not None
    dead = server.client()
    dead.key = token
    with pytest.raises(ApiError) as refused:
        dead.action("loket-1", "finish")
    assert refused.value.status == 401
    # whoever logs in next finishes the ticket
    again = server.staff_client("petugas1", "loket-1")
    assert again.action("loket-1", "finish")["ticket"]["state"] == "done"


def test_logout_needs_a_staff_session(server):
    with pytest.raises(ApiError) as refused:
        server.client("counter-app").request("DELETE", "/api/v1/sessions")
    assert refused.value.status == 403
    with pytest.raises(ApiError) as anonymous:
        server.client().request("DELETE", "/api/v1/sessions")
    assert anonymous.value.status == 401


def test_a_new_login_to_the_counter_ends_the_old_session(server, kiosk, staff):
    kiosk.issue("ktp")
    newer = server.staff_client("petugas1", "loket-1")
    with pytest.raises(ApiError) as old:
        staff.action("loket-1", "call-next")
    assert old.value.status == 401
    assert newer.action("loket-1", "call-next")["ticket"]["code"] == "A-001"


def test_a_session_survives_a_server_restart(server, kiosk, staff):
    kiosk.issue("ktp")
    server.restart()
    assert staff.action("loket-1", "call-next")["ticket"]["code"] == "A-001"


def test_sessions_expire(server, kiosk, staff, clock):
    kiosk.issue("ktp")
    clock.advance(hours=12, seconds=1)
    with pytest.raises(ApiError) as expired:
        staff.action("loket-1", "call-next")
    assert expired.value.status == 401


def test_a_supervisor_may_use_any_counter(config, db_path, clock, tmp_path):
    from support.configs import PIN_1234, config_dict
    from support.server import running_server

    from kiosk.config import parse_config

    data = config_dict()
    data["staff"].append({"user": "kepala", "name": "Kepala", "pin_hash": PIN_1234, "counters": ["*"], "supervisor": True})
    with running_server(parse_config(data, base_dir=tmp_path), db_path, clock) as server:
        boss = server.staff_client("kepala", "loket-3")
        assert boss.session["supervisor"] is True
        assert boss.stats("loket-1")["served_today"] == 0  # reads any counter
        with pytest.raises(ApiError) as refused:
            boss.action("loket-1", "call-next")  # but works only its own
        assert refused.value.status == 403


def test_waiting_lists_the_counters_services_in_queue_order(server, kiosk, staff):
    a = kiosk.issue("ktp")
    kiosk.issue("paspor")
    b = kiosk.issue("kk", lang="en")
    c = kiosk.issue("ktp", priority=True)
    waiting = staff.waiting("loket-1")
    assert [t["code"] for t in waiting] == [a["code"], b["code"], c["code"]]  # by queue seq; priority flagged
    assert waiting[2]["priority"] is True
    assert waiting[1]["service_name"] == "Kartu Keluarga"
    assert all("token" not in t for t in waiting)
    manager = server.client("manager", lang="en")
    assert [t["service_name"] for t in manager.waiting("loket-3")] == ["Passport"]
    assert server.client("counter-app").waiting("loket-2")


@pytest.mark.parametrize("role, status", [("kiosk", 403), ("display", 403), (None, 401)])
def test_waiting_and_stats_are_for_counters_and_managers(server, role, status):
    client = server.client(role)
    for call in (client.waiting, client.stats):
        with pytest.raises(ApiError) as refused:
            call("loket-1")
        assert refused.value.status == status


def test_staff_cannot_read_another_counters_lists(staff):
    with pytest.raises(ApiError) as refused:
        staff.waiting("loket-3")
    assert refused.value.status == 403


def test_unknown_counter_lists_are_404(server):
    manager = server.client("manager")
    for call in (manager.waiting, manager.stats):
        with pytest.raises(ApiError) as missing:
            call("loket-99")
        assert (missing.value.status, missing.value.code) == (404, "unknown_counter")


def test_stats_count_served_today_and_mean_service_minutes(server, kiosk, staff, clock):
    for _ in range(3):
        kiosk.issue("ktp")
    for minutes in (4, 8):
        staff.action("loket-1", "call-next")
        staff.action("loket-1", "start")
        clock.advance(minutes=minutes)
        staff.action("loket-1", "finish")
    staff.action("loket-1", "call-next")
    staff.action("loket-1", "recall")
    staff.action("loket-1", "no-show")
    stats = staff.stats("loket-1")
    assert stats == {"counter_id": "loket-1", "day": "2026-11-23", "served_today": 2, "mean_service_minutes": 6.0,
                     "no_shows_today": 1, "waiting": 0}
    clock.advance(days=1)  # the session has expired by then: a manager looks
    assert server.client("manager").stats("loket-1")["served_today"] == 0


def test_state_is_the_engines_snapshot_for_any_device_or_staff(server, kiosk, staff):
    kiosk.issue("ktp")
    staff.action("loket-1", "call-next")
    expected = server.engine.snapshot()
    for role in ("kiosk", "display", "counter-app", "manager"):
        assert server.client(role).state() == expected
    assert staff.state() == expected
    assert expected["counters"]["loket-1"]["status"] == "open"
    with pytest.raises(ApiError) as refused:
        server.client().state()
    assert refused.value.status == 401
    wrong = ApiClient(server.url, DEVICE_KEYS["kiosk"] + "x")
    with pytest.raises(ApiError):
        wrong.state()
