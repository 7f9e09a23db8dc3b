"""Closed and full services, a server that goes away, a printer that fails, a network that stalls:
the visitor always reads a plain sentence, never holds a number nobody knows, and the kiosk recovers by itself."""
from __future__ import annotations

import time

import httpx
import pytest
from PySide6.QtCore import QTimer

from kiosk.client import ApiClient
from kiosk.printer.backends import EscposTicketPrinter
from support.configs import DEVICE_KEYS
from support.timing import collector_held_off

from .kiosk_driver import LEFT, agency_tile, go_to_confirm, service_card, take_ticket, visible_texts, local

FALLBACK_ID = "Printer bermasalah — silakan foto nomor dan kode QR ini"
OFFLINE_ID = "Sistem antrean sedang tidak terhubung, mohon tunggu"
FRIDAY_NOON = local("2026-11-27", "12:00")  # in the Friday prayer break (11:30-13:30)


def test_closed_service_is_shown_closed_and_cannot_be_issued(qtbot, server, server_clock, make_kiosk):
    server_clock.set(FRIDAY_NOON)
    kiosk = make_kiosk()
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    card = service_card(kiosk, "ktp")
    assert card.property("closed") is True
    assert card.status_label.text() == "Tutup sampai 13:30 (Istirahat salat Jumat)"
    qtbot.mouseClick(card, LEFT)
    assert kiosk.current == "services"  # no confirm screen: the touch says why
    assert kiosk.notice_label.isVisible()
    assert kiosk.notice_label.text() == ("KTP-el: Tutup sampai 13:30 (Istirahat salat Jumat). "
                                         "Silakan datang lagi pada jam buka.")
    assert kiosk.issue("ktp") is False
    qtbot.mouseClick(kiosk.language_button, LEFT)
    assert service_card(kiosk, "ktp").status_label.text() == "Closed until 13:30 (Friday prayer break)"
    assert server.engine.waiting() == []


def test_service_closing_while_the_visitor_reads_gets_a_sentence(qtbot, server, server_clock, make_kiosk):
    server_clock.set(local("2026-11-27", "11:29"))
    kiosk = make_kiosk()
    go_to_confirm(qtbot, kiosk, "dukcapil", "ktp")
    server_clock.set(FRIDAY_NOON)  # the break starts before the tap
    qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.notice_label.isVisible(), timeout=8000)
    assert kiosk.notice_label.text() == "tutup sampai 13:30 (Istirahat salat Jumat)"
    assert kiosk.current == "confirm"
    # the refreshed catalog then shows it closed: no button to tap any more
    qtbot.waitUntil(lambda: not kiosk.confirm_screen.confirm_button.isVisible(), timeout=8000)
    assert kiosk.confirm_screen.status_label.text().startswith("Tutup sampai 13:30")
    assert server.engine.waiting() == []


def test_full_service_is_shown_full_and_cannot_be_issued(qtbot, server, make_kiosk):
    for _ in range(3):  # paspor: daily_quota = 3
        server.engine.issue_ticket("paspor")
    kiosk = make_kiosk()
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "imigrasi"), LEFT)
    card = service_card(kiosk, "paspor")
    assert card.property("closed") is True
    assert card.status_label.text() == "Penuh: kuota 3 tercapai"
    assert kiosk.issue("paspor") is False
    assert len(server.engine.waiting()) == 3


def test_quota_reached_between_catalog_and_tap(qtbot, server, kiosk):
    go_to_confirm(qtbot, kiosk, "imigrasi", "paspor")
    assert not kiosk.confirm_screen.priority_toggle.isVisible()  # paspor has no priority queue
    for _ in range(3):
        server.engine.issue_ticket("paspor")
    qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.notice_label.isVisible(), timeout=8000)
    assert kiosk.notice_label.text() == "penuh: kuota 3 tercapai"
    assert kiosk.current == "confirm"
    assert len(server.engine.waiting()) == 3


def test_server_down_then_back_recovers_by_itself(qtbot, server, make_kiosk, fake_printer):
    kiosk = make_kiosk()
    kiosk.refresh_ms, kiosk.retry_ms = 400, 300
    kiosk.refresh_catalog()
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    server.stop()
    qtbot.waitUntil(lambda: kiosk.current == "offline", timeout=8000)
    assert OFFLINE_ID in visible_texts(kiosk)
    assert not kiosk.back_button.isVisible()
    qtbot.mouseClick(kiosk.language_button, LEFT)
    assert "The queue system is offline, please wait" in visible_texts(kiosk)
    server.start()  # same port, same database
    qtbot.waitUntil(lambda: kiosk.current == "home", timeout=8000)
    ticket = take_ticket(qtbot, kiosk)
    assert ticket["code"] == "A-001" and not ticket["printer_failed"]
    fake_printer.wait_for_ticket(timeout=5)


def test_server_gone_at_the_tap_issues_nothing_and_says_so(qtbot, server, kiosk, fake_printer):
    kiosk.retry_ms = 300
    go_to_confirm(qtbot, kiosk, "dukcapil", "ktp")
    server.stop()
    qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.current == "offline", timeout=10000)
    assert OFFLINE_ID in visible_texts(kiosk)
    assert kiosk.issuing is False
    assert fake_printer.tickets == []
    server.start()
    qtbot.waitUntil(lambda: kiosk.current == "home", timeout=8000)
    assert server.engine.waiting() == []  # nothing was issued while it was away


def _fault_events(server):
    return [e for e in server.engine.events_since(0) if e["type"] == "printer_fault"]


@pytest.mark.parametrize("trouble,kind", [
    ({"fault": "refuse"}, "unreachable"),
    ({"state": "paper_out"}, "paper_out"),
    ({"state": "cover_open"}, "cover_open"),
    ({"fault": "drop_mid_print", "drop_after_bytes": 40}, "disconnected"),
])
def test_printer_fault_shows_the_ticket_on_screen_and_tells_staff(qtbot, server, kiosk, fake_printer, trouble, kind):
    for name, value in trouble.items():
        setattr(fake_printer, name, value)
    ticket = take_ticket(qtbot, kiosk, timeout=10000)
    assert ticket["printer_failed"] is True
    texts = visible_texts(kiosk)
    assert FALLBACK_ID in texts and ticket["code"] in texts
    assert kiosk.ticket_screen.qr_label.pixmap() is not None and not kiosk.ticket_screen.qr_label.pixmap().isNull()
    # staff see it: a printer_fault event with the ticket's code
    qtbot.waitUntil(lambda: len(_fault_events(server)) == 1, timeout=8000)
    event = _fault_events(server)[0]
    assert event["payload"]["kind"] == kind and event["payload"]["code"] == ticket["code"]
    # the number is real and held by this visitor
    assert httpx.get(f"{server.url}/api/v1/tickets/{ticket['token']}").json()["code"] == ticket["code"]
    assert [t.code for t in server.engine.waiting()] == [ticket["code"]]

    # the printer is fixed: the next visitor gets paper again
    fake_printer.fault, fake_printer.state = None, "ok"
    qtbot.mouseClick(kiosk.ticket_screen.done_button, LEFT)
    printed_before = len(fake_printer.tickets)
    second = take_ticket(qtbot, kiosk, service_id="kk")
    assert second["printer_failed"] is False
    assert "Silakan ambil tiket Anda" in visible_texts(kiosk)
    data = fake_printer.wait_for_ticket(timeout=5, count=printed_before + 1)
    assert second["code"].encode() in data
    assert len(_fault_events(server)) == 1


def test_fault_report_waits_for_the_server_when_it_is_away(qtbot, server, kiosk, fake_printer, monkeypatch):
    fake_printer.state = "paper_out"
    calls = []
    real = kiosk.api.printer_fault

    def flaky(kind, message, code=None):
        calls.append(code)
        if len(calls) == 1:
            from kiosk.client import ApiError
            raise ApiError(None, "unreachable", "Server antrean tidak dapat dihubungi.")
        return real(kind, message, code)

    monkeypatch.setattr(kiosk.api, "printer_fault", flaky)
    ticket = take_ticket(qtbot, kiosk)
    qtbot.waitUntil(lambda: len(calls) >= 1, timeout=5000)
    kiosk.refresh_catalog()  # the next good answer from the server sends what was kept
    qtbot.waitUntil(lambda: len(_fault_events(server)) == 1, timeout=8000)
    assert calls == [ticket["code"], ticket["code"]]  # refused once, sent again, not lost
    assert _fault_events(server)[0]["payload"]["code"] == ticket["code"]
    assert kiosk.pending_fault_reports == []


class _Ticks:
    """A 50 ms timer on the GUI thread; records the longest gap between ticks."""

    def __init__(self):
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.last = time.perf_counter()
        self.longest = 0.0
        self.count = 0
        self.timer.timeout.connect(self._tick)

    def _tick(self):
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now
        self.count += 1

    def start(self):
        self.last = time.perf_counter()
        self.timer.start()


def test_event_loop_keeps_running_while_the_printer_stalls(qtbot, server, make_kiosk, fake_printer, config):
    fake_printer.fault = "silent"  # accepts, never answers the status request
    printer = EscposTicketPrinter(fake_printer.printer_config(timeout_s=2))
    kiosk = make_kiosk(printer_=printer)
    go_to_confirm(qtbot, kiosk, "dukcapil", "ktp")
    ticks = _Ticks()
    ticks.start()
    started = time.perf_counter()
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=10000) as shown:
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
        assert kiosk.current == "printing"
    assert time.perf_counter() - started >= 1.9  # it really waited for the printer ...
    assert ticks.longest < 0.5, f"the GUI froze for {ticks.longest:.2f} s"  # ... but not the GUI
    assert shown.args[0]["printer_failed"] is True


def test_event_loop_keeps_running_while_the_server_stalls(qtbot, server, make_kiosk, stalling_proxy):
    api = ApiClient(stalling_proxy.url, DEVICE_KEYS["kiosk"])
    kiosk = make_kiosk(api=api)
    go_to_confirm(qtbot, kiosk, "dukcapil", "ktp")
    stalling_proxy.stall_s = 2.0
    ticks = _Ticks()
    with collector_held_off():  # a gap is the window's, not this test process's garbage collection
        ticks.start()
        started = time.perf_counter()
        kiosk.refresh_catalog()  # a slow catalog refresh and a slow issue at once
        with qtbot.waitSignal(kiosk.ticket_shown, timeout=15000):
            qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    assert time.perf_counter() - started >= 1.9
    assert ticks.longest < 0.5, f"the GUI froze for {ticks.longest:.2f} s"
    api.close()
