"""Tickets in a public hall (issue 12), against a real server on loopback: a supervisor's void, codes past
9999, and transfers that follow the target service's rules.

127.0.0.1 is the lobby PC; with lan_networks = ["127.0.0.1/32"], 127.0.0.2 is a phone on the guest Wi-Fi.
"""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from kiosk.client import ApiError, EventStream
from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.lobby_state import LobbyState
from kiosk.printer.layout import TextLine, TicketPrint, ticket_lines
from kiosk.reports import build_report, write_csv, write_html, write_xlsx
from support.configs import BASE, DEVICE_KEYS, MAKASSAR, MONDAY_9, PIN_1234, config_dict
from support.server import running_server

GUEST = "127.0.0.2"
STAFF = [
    *BASE["staff"],
    {"user": "koordinator", "name": "Koordinator MPP", "pin_hash": PIN_1234, "counters": ["*"], "supervisor": True},
]


def lobby_config(tmp_path, *, services: dict | None = None, **server):
    """The test lobby with a supervisor; ``services`` changes some services (e.g. kk={'daily_quota': 1})."""
    data = config_dict(staff=STAFF)
    for service in data["services"]:
        service.update((services or {}).get(service["id"], {}))
    data["server"] = {**data["server"], **server}
    return parse_config(data, base_dir=tmp_path)


@pytest.fixture
def clock():
    return FakeClock(MONDAY_9)


@pytest.fixture
def start(tmp_path, clock):
    """start(**config changes) -> a running server; stopped at the end of the test."""
    stack = []

    def run(**changes):
        context = running_server(lobby_config(tmp_path, **changes), tmp_path / "queue.sqlite", clock,
                                 ping_seconds=1.0, log_events=False)
        handle = context.__enter__()
        stack.append(context)
        return handle

    yield run
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture
def clients():
    made = []

    def keep(client):
        made.append(client)
        return client

    yield keep
    for client in made:
        client.close()


def supervisor(server, clients, counter_id="loket-2"):
    return clients(server.staff_client("koordinator", counter_id))


def waiting_codes(server) -> list[str]:
    display = server.client("display")
    try:
        snapshot = display.state()
    finally:
        display.close()
    return [t["code"] for t in LobbyState(snapshot).waiting()]


def set_last_number(server, group_id: str, last: int) -> None:
    """As if ``last`` tickets of the group were already issued today (10,000 real ones would take minutes)."""
    with server.engine.store.write() as conn:
        conn.execute("INSERT OR REPLACE INTO numbering (group_id, day, last_number) VALUES (?, ?, ?)",
                     (group_id, MONDAY_9.date().isoformat(), last))


# ---------------------------------------------------------------------------- void

def test_a_supervisor_voids_one_ticket_and_a_range_and_the_display_drops_them(start, clients):
    server = start()
    kiosk = clients(server.client("kiosk"))
    issued = [kiosk.issue("ktp") for _ in range(6)]
    seen = threading.Event()
    lobby: dict[str, LobbyState] = {}

    def on_event(event):
        lobby["state"].apply(event)
        if event["type"] == "ticket_voided" and event["payload"]["code"] == "A-004":
            seen.set()

    stream = EventStream(server.url, DEVICE_KEYS["display"], on_event=on_event,
                         on_snapshot=lambda snapshot: lobby.__setitem__("state", LobbyState(snapshot)))
    try:
        deadline = time.monotonic() + 5
        while "state" not in lobby and time.monotonic() < deadline:
            time.sleep(0.02)
        boss = supervisor(server, clients)
        one = boss.void("kertas tiket macet", codes=["a2"])
        assert [t["code"] for t in one["voided"]] == ["A-002"] and one["voided"][0]["state"] == "voided"
        assert "token" not in one["voided"][0]
        span = boss.void("banjir nomor palsu", range_=("A", 3, 4))
        assert [t["code"] for t in span["voided"]] == ["A-003", "A-004"] and span["skipped"] == []
        assert seen.wait(5), "the display never heard the void"
    finally:
        stream.stop()
    assert [t["code"] for t in lobby["state"].waiting()] == ["A-001", "A-005", "A-006"]
    assert waiting_codes(server) == ["A-001", "A-005", "A-006"]
    voided = [e for e in server.engine.events_since(0) if e["type"] == "ticket_voided"]
    assert [(e["payload"]["code"], e["payload"]["reason"], e["payload"]["by"]) for e in voided] == [
        ("A-002", "kertas tiket macet", "koordinator"), ("A-003", "banjir nomor palsu", "koordinator"),
        ("A-004", "banjir nomor palsu", "koordinator")]
    # the holder's page says what happened; the number is never given out again
    status = kiosk.ticket(issued[1]["token"])
    assert status["state"] == "voided" and status["people_ahead"] == 0
    page = httpx.get(f"{server.url}/t/{issued[1]['token']}?lang=en", timeout=5)
    assert "This number was cancelled by the staff" in page.text
    assert kiosk.issue("ktp")["code"] == "A-007"


def test_a_voided_ticket_called_to_a_counter_leaves_it(start, clients):
    server = start()
    kiosk = clients(server.client("kiosk"))
    kiosk.issue("ktp")
    kiosk.issue("ktp")
    officer = clients(server.staff_client("petugas1", "loket-1"))
    officer.action("loket-1", "call-next")
    supervisor(server, clients).void("pengunjung pulang", codes=["A-001"])
    assert officer.action("loket-1", "call-next")["ticket"]["code"] == "A-002"  # the counter was free again


def test_a_ticket_being_served_is_not_voided(start, clients):
    server = start()
    clients(server.client("kiosk")).issue("ktp")
    officer = clients(server.staff_client("petugas1", "loket-1"))
    officer.action("loket-1", "call-next")
    officer.action("loket-1", "start")
    with pytest.raises(ApiError) as refused:
        supervisor(server, clients).void("salah pencet", codes=["A-001"])
    assert (refused.value.status, refused.value.code) == (409, "invalid_state")
    assert "sedang dilayani" in refused.value.message


@pytest.mark.parametrize("role", ["kiosk", "display", "counter-app", "manager"])
def test_a_device_key_cannot_void(start, clients, role):
    server = start()
    clients(server.client("kiosk")).issue("ktp")
    with pytest.raises(ApiError) as refused:
        clients(server.client(role)).void("flood", codes=["A-001"])
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert refused.value.message == "Hanya sesi supervisor yang dapat membatalkan nomor antrean."
    assert waiting_codes(server) == ["A-001"]


def test_a_plain_officer_cannot_void_and_no_key_is_unauthorized(start, clients):
    server = start()
    clients(server.client("kiosk")).issue("ktp")
    officer = clients(server.staff_client("petugas1", "loket-1", lang="en"))
    with pytest.raises(ApiError) as refused:
        officer.void("flood", codes=["A-001"])
    assert (refused.value.status, refused.value.message) == (403, "Only a supervisor's session can void tickets.")
    with pytest.raises(ApiError) as nobody:
        clients(server.client()).void("flood", codes=["A-001"])
    assert nobody.value.status == 401
    assert waiting_codes(server) == ["A-001"]


def test_the_guest_wifi_cannot_void_even_with_a_supervisor_session(start, clients):
    server = start(lan_networks=["127.0.0.1/32"])
    clients(server.client("kiosk")).issue("ktp")
    token = supervisor(server, clients).session["token"]
    with httpx.Client(base_url=server.url, timeout=5, transport=httpx.HTTPTransport(local_address=GUEST)) as phone:
        answer = phone.post("/api/v1/tickets/void", json={"codes": ["A-001"], "reason": "flood"},
                            headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.json()["error"] == "lan_only"
    assert waiting_codes(server) == ["A-001"]


@pytest.mark.parametrize("body, field", [
    ({"codes": ["A-001"]}, "reason"),
    ({"codes": ["A-001"], "reason": "x"}, "reason"),
    ({"codes": ["A-001"] * 501, "reason": "flood"}, "codes"),
    ({"codes": ["A" * 17], "reason": "flood"}, "codes.0"),
    ({"range": {"prefix": "A", "from_number": 1, "to_number": 1_000_000}, "reason": "flood"}, "range.to_number"),
    ({"range": {"prefix": "A", "from_number": "1", "to_number": 2}, "reason": "flood"}, "range.from_number"),
    ({"codes": ["A-001"], "reason": "flood", "all": True}, "all"),
])
def test_a_void_body_is_checked_with_a_sentence(start, clients, body, field):
    server = start()
    token = supervisor(server, clients).session["token"]
    answer = httpx.post(f"{server.url}/api/v1/tickets/void", json=body, timeout=5,
                        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == field
    assert answer.json()["message"].startswith(f"The request is not valid. {field}:")


def test_a_range_too_wide_or_empty_is_refused_with_a_sentence(start, clients):
    server = start()
    clients(server.client("kiosk")).issue("ktp")
    boss = supervisor(server, clients)
    with pytest.raises(ApiError) as wide:
        boss.void("flood", range_=("A", 1, 501))
    assert (wide.value.status, wide.value.message) == (422, "Paling banyak 500 nomor sekali batal.")
    with pytest.raises(ApiError) as empty:
        boss.void("flood", range_=("A", 50, 60))
    assert empty.value.code == "void_refused" and "A-050 s.d. A-060" in empty.value.message


def test_a_void_frees_the_quota_and_the_number_is_not_reused(start, clients):
    server = start()
    kiosk = clients(server.client("kiosk"))
    codes = [kiosk.issue("paspor")["code"] for _ in range(3)]  # paspor: quota 3
    assert codes == ["B-001", "B-002", "B-003"]
    with pytest.raises(ApiError) as full:
        kiosk.issue("paspor")
    assert full.value.code == "service_unavailable"
    supervisor(server, clients).void("tiket ganda", codes=["B-002"])
    catalog = {s["id"]: s for s in kiosk.catalog()["services"]}
    assert catalog["paspor"]["status"]["state"] == "open" and catalog["paspor"]["issued_today"] == 2
    assert kiosk.issue("paspor")["code"] == "B-004"
    with pytest.raises(ApiError):
        kiosk.issue("paspor")  # full again: one place was given back, not more


def test_the_report_shows_voided_tickets_apart_from_visits(start, clients, tmp_path):
    server = start()
    kiosk = clients(server.client("kiosk"))
    for _ in range(4):
        kiosk.issue("ktp")
    kiosk.issue("paspor")
    supervisor(server, clients).void("banjir nomor", range_=("A", 2, 4))
    day = MONDAY_9.date()
    report = build_report(server.config, server.db_path, day, day)
    per_service = {r["service_id"]: r for r in report.table("per_service").dicts()}
    assert (per_service["ktp"]["issued"], per_service["ktp"]["voided"]) == (1, 3)
    assert (per_service["paspor"]["issued"], per_service["paspor"]["voided"]) == (1, 0)
    assert [(r["day"], r["issued"], r["voided"]) for r in report.table("per_day").dicts()] == [(day.isoformat(), 2, 3)]
    per_agency = {r["agency_id"]: r for r in report.table("per_agency").dicts()}
    assert (per_agency["dukcapil"]["issued"], per_agency["dukcapil"]["voided"]) == (1, 3)
    assert report.table("voided").dicts() == [{"day": day.isoformat(), "agency_id": "dukcapil", "agency": "Disdukcapil",
                                              "service_id": "ktp", "service": "KTP-el", "voided": 3}]
    assert sum(report.table("busiest_hours").rows[0][1:]) == 2  # the hours count visits only
    # every output carries it
    csv_files = {p.name: p.read_text() for p in write_csv(report, tmp_path / "csv", None)}  # machine names
    assert csv_files["voided.csv"].splitlines() == ["day,agency_id,agency,service_id,service,voided",
                                                    f"{day},dukcapil,Disdukcapil,ktp,KTP-el,3"]
    html = write_html(report, tmp_path / "r.html").read_text()
    assert "Dibatalkan / Voided<b>3</b>" in html and "Voided tickets (not visits)" in html
    from openpyxl import load_workbook

    sheet = load_workbook(write_xlsx(report, tmp_path / "r.xlsx"))["voided"]
    assert [c.value for c in sheet[2]] == [day.isoformat(), "dukcapil", "Disdukcapil", "ktp", "KTP-el", 3]
    # and the manager's API
    manager = clients(server.client("manager"))
    table = manager.request("GET", "/api/v1/reports/voided", params={"from": str(day), "to": str(day)})["table"]
    assert table["rows"] == [[day.isoformat(), "dukcapil", "Disdukcapil", "ktp", "KTP-el", 3]]


# ---------------------------------------------------------------------------- codes past 9999

def test_a_ticket_past_9999_is_called_by_its_code(start, clients):
    server = start()
    set_last_number(server, "dukcapil", 10_004)
    kiosk = clients(server.client("kiosk"))
    ticket = kiosk.issue("ktp")
    assert ticket["code"] == "A-10005"
    kiosk.issue("ktp")
    officer = clients(server.staff_client("petugas1", "loket-1"))
    called = officer.action("loket-1", "call", ticket="A-10005")
    assert (called["ticket"]["code"], called["ticket"]["state"]) == ("A-10005", "called")
    officer.action("loket-1", "finish")
    assert officer.action("loket-1", "call", ticket="a10006")["ticket"]["code"] == "A-10006"
    officer.action("loket-1", "finish")
    with pytest.raises(ApiError) as unknown:
        officer.action("loket-1", "call", ticket="A-10007")  # not issued yet
    assert (unknown.value.status, unknown.value.code) == (404, "unknown_ticket")


@pytest.mark.parametrize("paper_mm", [58, 80])
@pytest.mark.parametrize("code", ["A-10005", "A-999999", "ABC-999999"])
def test_a_six_digit_code_prints_on_one_line(paper_mm, code):
    ticket = TicketPrint(lobby_name="MPP Uji", agency_name="Disdukcapil", service_name="KTP-el", code=code,
                         priority=False, issued_at=MONDAY_9, people_ahead=0, estimate_minutes=0,
                         status_url="http://127.0.0.1:8600/t/x", paper_mm=paper_mm, local_tz=MAKASSAR)
    lines = [line for line in ticket_lines(ticket) if isinstance(line, TextLine) and line.text == code]
    assert len(lines) == 1 and lines[0].size >= 2
    assert len(code) * lines[0].size <= ticket.columns


# ---------------------------------------------------------------------------- transfers

def transfer(client, service_id, **extra):
    return client.action("loket-1", "transfer", service_id=service_id, **extra)


def at_loket_1(server, clients, service="ktp"):
    """A ticket of ``service`` called at loket-1 by petugas1; returns (officer client, the ticket)."""
    ticket = clients(server.client("kiosk")).issue(service)
    officer = clients(server.staff_client("petugas1", "loket-1", lang="en"))
    officer.action("loket-1", "call", ticket=ticket["code"])
    return officer, ticket


@pytest.mark.parametrize("services, target, reason, sentence", [
    ({}, "paspor", "other_agency", "Passport belongs to another agency (Imigrasi): a transfer there needs a supervisor."),
    ({"kk": {"hours": {"mon": ["13:00-15:00"]}}}, "kk", "closed",
     "Family card is closed until 13:00: a transfer there needs a supervisor."),
    ({"kk": {"daily_quota": 1}}, "kk", "full",
     "Family card is full (quota 1 reached): a transfer there needs a supervisor."),
])
def test_a_transfer_the_target_refuses_needs_a_supervisor(start, clients, services, target, reason, sentence):
    server = start(services=services)
    if reason == "full":
        clients(server.client("kiosk")).issue("kk")  # kk's one ticket of the day
    officer, ticket = at_loket_1(server, clients)
    with pytest.raises(ApiError) as refused:
        transfer(officer, target)
    assert (refused.value.status, refused.value.code, refused.value.message) == (403, "supervisor_required", sentence)
    assert refused.value.details["reason"] == reason
    assert officer.state()["counters"]["loket-1"]["ticket_id"] == ticket["id"]  # nothing moved
    boss = supervisor(server, clients, "loket-1")  # the supervisor takes the counter over
    moved = transfer(boss, target)["ticket"]
    assert (moved["code"], moved["service_id"], moved["state"]) == (ticket["code"], target, "waiting")


def test_keep_place_is_a_supervisors_choice(start, clients):
    server = start()
    officer, ticket = at_loket_1(server, clients)
    with pytest.raises(ApiError) as refused:
        transfer(officer, "kk", keep_place=True)
    assert (refused.value.status, refused.value.code) == (403, "supervisor_required")
    with pytest.raises(ApiError) as wrong:
        transfer(officer, "kk", keep_place="yes")
    assert wrong.value.status == 422


def test_fair_place_a_transfer_waits_behind_the_people_already_in_the_target_queue(start, clients, clock):
    server = start()
    officer, ticket = at_loket_1(server, clients)   # A-001 (ktp), the oldest ticket of the lobby
    kiosk = clients(server.client("kiosk"))
    for _ in range(3):
        clock.advance(minutes=2)
        kiosk.issue("kk")                           # A-002..A-004 wait for kk
    transfer(officer, "kk")
    status = kiosk.ticket(ticket["token"])
    assert status["people_ahead"] == 3 and status["estimate_minutes"] > 0
    assert waiting_codes(server) == ["A-002", "A-003", "A-004", "A-001"]


def test_a_supervisor_keeping_the_place_queues_it_by_its_issue_time(start, clients, clock):
    server = start()
    officer, ticket = at_loket_1(server, clients)   # A-001 (ktp), the oldest ticket of the lobby
    kiosk = clients(server.client("kiosk"))
    for _ in range(3):
        clock.advance(minutes=2)
        kiosk.issue("kk")
    boss = supervisor(server, clients, "loket-1")
    transfer(boss, "kk", keep_place=True)
    assert kiosk.ticket(ticket["token"])["people_ahead"] == 0
    assert waiting_codes(server) == ["A-001", "A-002", "A-003", "A-004"]


def test_fair_place_a_transfer_back_gets_the_old_place(start, clients, clock):
    server = start()
    kiosk = clients(server.client("kiosk"))
    first = kiosk.issue("kk")                       # A-001 waits for kk
    kiosk.issue("kk")
    officer = clients(server.staff_client("petugas1", "loket-1"))
    officer.action("loket-1", "call", ticket="A-001")
    transfer(officer, "ktp")                        # sent to ktp first
    clock.advance(minutes=5)
    kiosk.issue("kk")                               # A-003 arrives meanwhile
    officer.action("loket-1", "call", ticket="A-001")
    transfer(officer, "kk")                         # back: its old place, ahead of
    assert kiosk.ticket(first["token"])["people_ahead"] == 0
    assert waiting_codes(server) == ["A-001", "A-002", "A-003"]
