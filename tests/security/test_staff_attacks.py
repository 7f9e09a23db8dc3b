"""Staff logins attacked the way issue 12 found them open, against a real server on loopback.

127.0.0.1 is the officer's own counter PC; 127.0.0.2 ... 127.0.0.9 are other machines (the default
lan_networks 127.0.0.0/8 counts them as LAN here); with lan_networks = ["127.0.0.1/32"], 127.0.0.2 is
a phone on the guest Wi-Fi.
"""
from __future__ import annotations

import contextlib

import httpx
import pytest
from PySide6.QtCore import Qt

from kiosk.clock import FakeClock
from kiosk.pins import verify_pin
from kiosk.server.auth import LoginLimiter
from kiosk.ui.counter.model import security_rows
from kiosk.ui.counter.window import CounterWindow
from support.configs import BASE, DEVICE_KEYS, MAKASSAR, MONDAY_9, PIN_1234, config_dict, make_config
from support.counter_windows import counter_windows
from support.server import running_server

OWN_PC = "127.0.0.1"
ATTACKERS = [f"127.0.0.{n}" for n in range(2, 8)]  # six other machines
COUNTER_KEY = DEVICE_KEYS["counter-app"]
STAFF = [
    *BASE["staff"],
    {"user": "petugas2", "name": "Petugas Dua", "pin_hash": PIN_1234, "counters": ["loket-1", "loket-2"]},
    {"user": "koordinator", "name": "Koordinator MPP", "pin_hash": PIN_1234, "counters": ["*"], "supervisor": True},
]


@pytest.fixture
def clock():
    return FakeClock(MONDAY_9)


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, staff=STAFF)


@pytest.fixture
def server(config, tmp_path, clock):
    with running_server(config, tmp_path / "queue.sqlite", clock, ping_seconds=1.0, log_events=False) as handle:
        yield handle


@pytest.fixture
def pin_checks(monkeypatch):
    """How many times the server ran scrypt (verify_pin) for a login."""
    calls = []

    def counted(pin, pin_hash):
        calls.append(pin)
        return verify_pin(pin, pin_hash)

    monkeypatch.setattr("kiosk.server.routes.sessions.verify_pin", counted)
    return calls


@pytest.fixture
def machines(server):
    """``machines(address)``: an httpx client whose requests leave from that loopback address."""
    clients: dict[str, httpx.Client] = {}

    def client(address: str = OWN_PC) -> httpx.Client:
        if address not in clients:
            clients[address] = httpx.Client(base_url=server.url, timeout=10.0,
                                            transport=httpx.HTTPTransport(local_address=address))
        return clients[address]

    yield client
    for each in clients.values():
        each.close()


def login(machines, address: str, user: str, pin: str, counter_id: str = "loket-1", key: str | None = COUNTER_KEY,
          lang: str = "id") -> httpx.Response:
    headers = {"Accept-Language": lang}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return machines(address).post("/api/v1/sessions", json={"user": user, "pin": pin, "counter_id": counter_id},
                                  headers=headers)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def security_events(machines, token: str, address: str = OWN_PC) -> list[dict]:
    answer = machines(address).get("/api/v1/security/events", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()["events"]


def supervisor_token(machines) -> str:
    answer = login(machines, OWN_PC, "koordinator", "1234", "loket-3")
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


# ---------------------------------------------------------------------------- only a counter PC logs staff in

def test_a_login_without_a_device_key_is_refused_before_the_pin_is_checked(server, machines, pin_checks):
    for lang, sentence in (("id", "Masuk petugas hanya dari aplikasi loket"), ("en", "Staff log in only from the counter app")):
        refused = login(machines, ATTACKERS[0], "petugas1", "1234", key=None, lang=lang)
        assert refused.status_code == 401
        assert refused.json()["error"] == "login_needs_device"
        assert refused.json()["message"].startswith(sentence)
    forged = login(machines, ATTACKERS[0], "petugas1", "1234", key="not-a-device-key-at-all")
    assert (forged.status_code, forged.json()["error"]) == (401, "login_needs_device")
    assert pin_checks == []  # no scrypt time spent on a stranger
    assert server.engine.snapshot()["counters"].get("loket-1", {}).get("status", "closed") == "closed"


@pytest.mark.parametrize("role", ["kiosk", "display", "manager"])
def test_a_login_with_another_devices_key_is_refused(server, machines, pin_checks, role):
    refused = login(machines, OWN_PC, "petugas1", "1234", key=DEVICE_KEYS[role], lang="en")
    assert refused.status_code == 403
    assert refused.json() == {"error": "login_wrong_device",
                              "message": "This device is not a counter app; staff log in only from a counter PC."}
    assert pin_checks == []


def test_a_staff_session_token_is_no_device_key_for_a_login(server, machines):
    token = login(machines, OWN_PC, "petugas1", "1234").json()["token"]
    refused = login(machines, OWN_PC, "petugas2", "1234", "loket-2", key=token)
    assert (refused.status_code, refused.json()["error"]) == (401, "login_needs_device")


def test_a_phone_on_the_guest_wifi_is_refused_before_the_pin_is_looked_at(tmp_path, clock, pin_checks):
    data = config_dict(staff=STAFF)
    data["server"] = {**data["server"], "lan_networks": ["127.0.0.1/32"]}
    config = make_config(tmp_path, **data)
    with running_server(config, tmp_path / "guest.sqlite", clock, log_events=False) as server:
        with httpx.Client(base_url=server.url, timeout=5.0,
                          transport=httpx.HTTPTransport(local_address="127.0.0.2")) as phone:
            # even with a stolen counter-app key and the right PIN
            refused = phone.post("/api/v1/sessions", json={"user": "petugas1", "pin": "1234", "counter_id": "loket-1"},
                                 headers=bearer(COUNTER_KEY))
            assert refused.status_code == 403
            assert refused.json()["error"] == "lan_only"
            events = phone.get("/api/v1/security/events", headers=bearer(DEVICE_KEYS["manager"]))
            assert (events.status_code, events.json()["error"]) == (403, "lan_only")
        assert pin_checks == []
        # the counter PC on the LAN logs in as ever
        with httpx.Client(base_url=server.url, timeout=5.0) as counter_pc:
            assert counter_pc.post("/api/v1/sessions", json={"user": "petugas1", "pin": "1234", "counter_id": "loket-1"},
                                   headers=bearer(COUNTER_KEY)).status_code == 201


# ---------------------------------------------------------------------------- guessing PINs

def test_thirty_wrong_pins_from_six_addresses_are_stopped_by_the_per_user_limit(server, machines, config):
    per_user = config.server.limits.login_failures_per_user
    statuses = []
    for attempt in range(30):
        address = ATTACKERS[attempt % len(ATTACKERS)]  # 5 each: never the per-address limit alone
        statuses.append(login(machines, address, "petugas1", f"{attempt:04d}").status_code)  # never 1234
    assert statuses[:per_user] == [401] * per_user
    assert statuses[per_user:] == [429] * (30 - per_user)  # 10 refused, not one
    # a new machine, even with the right PIN, waits too: the user is locked everywhere but at home
    locked = login(machines, "127.0.0.9", "petugas1", "1234")
    assert locked.status_code == 429 and 1 <= int(locked.headers["retry-after"]) <= 60
    events = security_events(machines, supervisor_token(machines))
    user_locks = [e for e in events if e["type"] == "login_locked" and e["scope"] == "user"]
    assert len(user_locks) == 1
    assert (user_locks[0]["user"], user_locks[0]["failures"]) == ("petugas1", per_user)
    assert user_locks[0]["address"] in ATTACKERS and user_locks[0]["name"] == "Petugas Satu"


def test_the_officers_own_pc_still_logs_in_after_an_attack_from_elsewhere(server, machines):
    first = login(machines, OWN_PC, "petugas1", "1234")
    assert first.status_code == 201  # this PC is now known for petugas1
    machines(OWN_PC).delete("/api/v1/sessions", headers=bearer(first.json()["token"]))
    for attempt in range(30):
        login(machines, ATTACKERS[attempt % len(ATTACKERS)], "petugas1", "0000")
    assert login(machines, "127.0.0.9", "petugas1", "1234").status_code == 429  # elsewhere: locked
    again = login(machines, OWN_PC, "petugas1", "1234")
    assert again.status_code == 201, again.text  # at home: the right PIN works
    assert machines(OWN_PC).post("/api/v1/counters/loket-1/pause", json={"reason": "break"},
                                 headers=bearer(again.json()["token"])).status_code == 200


def test_the_own_pc_keeps_its_own_limit(server, machines):
    login(machines, OWN_PC, "petugas1", "1234")
    for _ in range(5):
        assert login(machines, OWN_PC, "petugas1", "0000").status_code == 401
    assert login(machines, OWN_PC, "petugas1", "1234").status_code == 429  # five wrong here: it waits too


def test_one_address_naming_many_users_is_stopped(server, machines, config):
    per_address = config.server.limits.login_failures_per_address
    for n in range(per_address):
        assert login(machines, ATTACKERS[0], f"guess{n}", "0000").status_code == 401
    assert login(machines, ATTACKERS[0], "petugas2", "1234").status_code == 429
    assert login(machines, ATTACKERS[1], "petugas2", "1234").status_code == 201  # another PC is not affected
    events = security_events(machines, supervisor_token(machines))
    assert [(e["scope"], e["address"]) for e in events if e["type"] == "login_locked"] == \
        [("address", ATTACKERS[0])]


def test_the_rule_with_an_injected_clock():
    now = [100.0]
    limiter = LoginLimiter(per_pair=2, per_address=3, per_user=4, monotonic=lambda: now[0])
    limiter.succeeded("rina", "10.0.0.7")  # her counter PC
    reached = []
    for address in ("10.0.0.20", "10.0.0.21", "10.0.0.22", "10.0.0.23"):
        reached += limiter.failed("rina", address)
    assert [(r.scope, r.failures, r.retry_after) for r in reached] == [("user", 4, 60)]
    assert limiter.retry_after("rina", "10.0.0.99") == 60  # a stranger waits
    assert limiter.retry_after("rina", "10.0.0.7") is None  # her own PC does not
    now[0] += 30
    assert limiter.retry_after("rina", "10.0.0.99") == 30
    assert limiter.failed("rina", "10.0.0.7") == []
    assert [r.scope for r in limiter.failed("rina", "10.0.0.7")] == ["user_address"]
    assert limiter.retry_after("rina", "10.0.0.7") == 60  # her own two mistakes: her own wait
    now[0] += 61
    assert limiter.retry_after("rina", "10.0.0.7") is None and limiter.retry_after("rina", "10.0.0.99") is None


def test_the_limiters_memory_stays_bounded():
    limiter = LoginLimiter(5, 10, 20, monotonic=lambda: 0.0)
    for n in range(20):
        limiter.failed("rina", f"10.0.0.{n}")
    assert limiter.retry_after("rina", "10.9.9.9") == 60
    for n in range(3 * LoginLimiter.MAX_KEYS):
        limiter.failed(f"made-up-{n}", f"10.1.{n // 250}.{n % 250}")
    assert len(limiter._failures) <= LoginLimiter.MAX_KEYS
    assert limiter.retry_after("rina", "10.9.9.9") == 60  # the flood of made-up names did not lift her lockout
    for n in range(LoginLimiter.KNOWN_PER_USER + 5):
        limiter.succeeded("rina", f"10.2.0.{n}")
    assert len(limiter._known["rina"]) == LoginLimiter.KNOWN_PER_USER
    assert limiter.known("rina", f"10.2.0.{LoginLimiter.KNOWN_PER_USER + 4}")


# ---------------------------------------------------------------------------- a busy counter

def test_a_second_login_to_a_busy_counter_is_refused_and_the_first_session_goes_on(server, machines):
    first = login(machines, OWN_PC, "petugas1", "1234")
    assert first.status_code == 201
    for lang, sentence in (
            ("id", "Loket 1 sedang dipakai oleh Petugas Satu; minta dia keluar dulu atau panggil supervisor."),
            ("en", "Counter 1 is in use by Petugas Satu; ask them to log out first or call a supervisor.")):
        busy = login(machines, ATTACKERS[0], "petugas2", "1234", lang=lang)
        assert busy.status_code == 409
        assert busy.json()["error"] == "counter_busy" and busy.json()["message"] == sentence
    still = machines(OWN_PC).get("/api/v1/counters/loket-1/waiting", headers=bearer(first.json()["token"]))
    assert still.status_code == 200
    assert server.engine.snapshot()["counters"]["loket-1"]["user"] == "petugas1"
    # once the officer logs out, the colleague may
    assert machines(OWN_PC).delete("/api/v1/sessions", headers=bearer(first.json()["token"])).status_code == 200
    assert login(machines, ATTACKERS[0], "petugas2", "1234").status_code == 201


def test_the_same_officer_again_replaces_their_own_session(server, machines):
    crashed = login(machines, OWN_PC, "petugas1", "1234").json()["token"]
    again = login(machines, ATTACKERS[0], "petugas1", "1234")  # the spare PC
    assert again.status_code == 201
    assert machines(OWN_PC).get("/api/v1/counters/loket-1/waiting", headers=bearer(crashed)).status_code == 401
    assert security_events(machines, supervisor_token(machines)) == []  # not a take-over


def test_a_supervisor_takes_a_busy_counter_over_and_it_is_an_event(server, machines, clock):
    officer = login(machines, OWN_PC, "petugas1", "1234").json()["token"]
    clock.advance(minutes=12)
    boss = login(machines, ATTACKERS[2], "koordinator", "1234")
    assert boss.status_code == 201
    assert machines(OWN_PC).get("/api/v1/counters/loket-1/waiting", headers=bearer(officer)).status_code == 401
    assert server.engine.snapshot()["counters"]["loket-1"]["user"] == "koordinator"
    events = security_events(machines, boss.json()["token"])
    assert [(e["type"], e["user"], e["from_user"], e["counter_id"], e["counter_number"], e["address"])
            for e in events] == [("counter_taken_over", "koordinator", "petugas1", "loket-1", "1", ATTACKERS[2])]
    assert events[0]["at"].startswith("2026-11-23T01:12:00")  # 09:12 in Balikpapan
    assert (events[0]["name"], events[0]["from_name"]) == ("Koordinator MPP", "Petugas Satu")


# ---------------------------------------------------------------------------- who reads the security events

@pytest.mark.parametrize("who, status", [("kiosk", 403), ("display", 403), ("counter-app", 403), ("manager", 200),
                                         ("officer", 403), ("supervisor", 200), (None, 401)])
def test_security_events_are_for_a_supervisor_or_the_manager(server, machines, who, status):
    if who == "officer":
        token = login(machines, OWN_PC, "petugas1", "1234").json()["token"]
    elif who == "supervisor":
        token = supervisor_token(machines)
    else:
        token = DEVICE_KEYS.get(who)
    headers = bearer(token) if token else {}
    assert machines(OWN_PC).get("/api/v1/security/events", headers=headers).status_code == status


def test_only_todays_events_are_listed(server, machines, clock):
    for _ in range(5):
        login(machines, ATTACKERS[0], "petugas1", "0000")
    manager = DEVICE_KEYS["manager"]
    assert [e["scope"] for e in security_events(machines, manager)] == ["user_address"]
    clock.advance(days=1)
    assert security_events(machines, manager) == []


def test_the_windows_state_ignores_the_new_event_types(server, machines):
    from kiosk.lobby_state import LobbyState

    assert login(machines, OWN_PC, "petugas1", "1234").status_code == 201
    before = server.engine.snapshot()
    login(machines, ATTACKERS[0], "koordinator", "1234")  # take-over (and counter_opened)
    for _ in range(5):
        login(machines, ATTACKERS[1], "petugas2", "0000")  # a lockout
    state = LobbyState(before)
    for event in server.engine.events_since(before["seq"]):
        state.apply(event)
    assert {"counter_taken_over", "login_locked"} <= {e["type"] for e in server.engine.events_since(before["seq"])}
    assert state.to_snapshot() == server.engine.snapshot()  # replaying them gives the server's own state


# ---------------------------------------------------------------------------- the counter window

@pytest.fixture
def make_window(qtbot, config, server, clock):
    with counter_windows(qtbot, config, server.url, clock) as make:
        yield make


def type_login(qtbot, window: CounterWindow, user: str, pin: str = "1234") -> None:
    panel = window.login_panel
    panel.user_field.clear()
    panel.pin_field.clear()
    qtbot.keyClicks(panel.user_field, user)
    qtbot.keyClicks(panel.pin_field, pin)
    qtbot.keyClick(panel.pin_field, Qt.Key.Key_Return)


def test_the_counter_window_says_who_is_at_a_busy_counter(make_window, qtbot, machines):
    assert login(machines, OWN_PC, "petugas1", "1234").status_code == 201
    window = make_window()
    type_login(qtbot, window, "petugas2")
    qtbot.waitUntil(lambda: window.login_panel.message.text() != "" and not window.login_panel.busy, timeout=5000)
    assert window.login_panel.message.text() == \
        "Loket 1 sedang dipakai oleh Petugas Satu; minta dia keluar dulu atau panggil supervisor."
    assert not window.logged_in


def test_the_supervisors_panel_shows_lockouts_and_take_overs(make_window, qtbot, machines, server, clock):
    assert login(machines, OWN_PC, "petugas2", "1234", "loket-2").status_code == 201
    for _ in range(5):
        login(machines, ATTACKERS[3], "petugas1", "0000")
    window = make_window(counter_id="loket-2")
    type_login(qtbot, window, "koordinator")  # takes loket-2 over from petugas2
    qtbot.waitUntil(lambda: window.logged_in and window._security is not None and
                    len(window.security_panel.row_texts()) == 2, timeout=10000)
    panel = window.security_panel
    assert panel.isVisible() and window.today_panel.isVisible()
    assert panel.heading.text() == "Keamanan hari ini — penguncian dan pengambilalihan"
    assert panel.row_texts() == [  # newest first
        ("09:00", "Diambil alih dari Petugas Dua", "Koordinator MPP", "2", OWN_PC),
        ("09:00", "Dikunci: 5 PIN salah", "Petugas Satu", "—", ATTACKERS[3]),
    ]
    # a new lockout reaches the open panel through the live events
    clock.advance(minutes=3)
    for _ in range(5):
        login(machines, ATTACKERS[4], "petugas2", "0000")
    qtbot.waitUntil(lambda: len(panel.row_texts()) == 3, timeout=10000)
    assert panel.row_texts()[0] == ("09:03", "Dikunci: 5 PIN salah", "Petugas Dua", "—", ATTACKERS[4])
    assert "satu alamat" in panel.table.item(0, 1).toolTip()  # what the limit means
    window.set_language("en")
    assert panel.row_texts()[0][1] == "Locked: 5 wrong PINs"
    assert panel.table.horizontalHeaderItem(4).text() == "Address"


def test_the_officers_window_says_at_once_that_a_supervisor_took_the_counter_over(make_window, qtbot, machines):
    window = make_window()
    type_login(qtbot, window, "petugas1")
    qtbot.waitUntil(lambda: window.logged_in and window.live is not None and window.live.connected, timeout=10000)
    assert login(machines, ATTACKERS[0], "koordinator", "1234").status_code == 201
    qtbot.waitUntil(lambda: not window.logged_in, timeout=5000)  # from the live event, no restart, no press
    assert window.pages.currentWidget() is window.login_panel
    assert window.login_panel.message.text() == \
        "Loket ini diambil alih oleh supervisor Koordinator MPP. Silakan masuk lagi bila perlu."


def test_an_officer_sees_no_security_panel(make_window, qtbot):
    window = make_window()
    type_login(qtbot, window, "petugas1")
    qtbot.waitUntil(lambda: window.logged_in, timeout=5000)
    assert window.security_panel.isHidden()
    window.load_security()
    assert window._security is None and not window.is_loading("security")


def test_security_rows_in_words():
    events = [
        {"type": "login_locked", "at": "2026-11-23T01:05:09.000+00:00", "scope": "user", "user": "rina",
         "name": "Rina Wulandari", "failures": 20, "address": "192.168.10.44", "counter_number": None},
        {"type": "login_locked", "at": "2026-11-23T01:06:00.000+00:00", "scope": "address", "user": "x1",
         "name": None, "failures": 10, "address": "192.168.10.45", "counter_number": None},
        {"type": "something_new", "at": None},
    ]
    rows = security_rows("en", events, MAKASSAR)
    assert [(r.time, r.what, r.user, r.counter, r.address) for r in rows] == [
        ("", "something_new", "", "—", ""),
        ("09:06", "Address locked: 10 wrong PINs", "—", "—", "192.168.10.45"),
        ("09:05", "User locked: 20 wrong PINs", "Rina Wulandari", "—", "192.168.10.44"),
    ]
    assert "their own counter PC still logs in" in rows[2].why


def test_the_busy_timer_runs_on_the_injected_monotonic(qtbot, config, server, clock):
    now = [1000.0]
    window = CounterWindow(config, server.url, counter_id="loket-1", clock=clock, monotonic=lambda: now[0])
    qtbot.addWidget(window)
    with contextlib.ExitStack() as stack:
        stack.callback(window.shutdown)
        window.resize(1366, 768)
        window.show()
        window.start()
        type_login(qtbot, window, "petugas1")
        qtbot.waitUntil(lambda: window.logged_in and window.live is not None and window.live.connected,
                        timeout=10000)
        window._settle_seq = window.live.state.seq + 1000  # an answer whose event has not arrived
        window._settle_deadline = now[0] + 3.0
        assert window.busy()
        now[0] += 3.5  # the settle wait is over by the injected clock, whatever the wall clock says
        assert not window.busy()
