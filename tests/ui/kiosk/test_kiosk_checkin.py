"""The kiosk's booking check-in against a real server and the fake network printer: a QR scanned (a burst
of key events ending in Enter, on any screen) or the code typed on the on-screen keyboard prints a ticket
marked as booked; every refusal shows its sentence."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from support.bookings import NIK, booking_config
from support.fake_printer import strip_status_requests

from .conftest import KIOSK_SECTION
from .kiosk_driver import LEFT

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def config():
    return booking_config(sections={"kiosk": KIOSK_SECTION}, places_per_slot=4)


def book(server, day: str, slot: str, n: int = 1) -> str:
    form = {"slot": slot, "name": f"Siti {n}", "phone": f"08123456{n:04d}", "nik": NIK[:12] + f"{n:04d}"}
    answer = httpx.post(f"{server.url}/booking/paspor/{day}", data=form, timeout=5)
    assert answer.status_code == 303, answer.text
    return re.search(r"/b/([A-Z0-9]{8})", answer.headers["location"]).group(1)


def scan(window, text: str, target=None) -> None:
    """As a USB scanner types: every character, then Enter, a few milliseconds apart."""
    target = target or window
    for char in text:
        QTest.keyClick(target, char)
    QTest.keyClick(target, Qt.Key_Return)


def test_a_scanned_qr_on_the_home_screen_prints_a_booked_ticket(qtbot, kiosk, server, fake_printer):
    code = book(server, "2026-11-23", "0930")
    assert kiosk.home_screen.booking_button.isVisible()
    assert kiosk.home_screen.booking_button.text() == "Saya sudah booking"
    kiosk.grab().save(str(SCREENSHOTS / "kiosk-home-booking.png"))
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000) as shown:
        scan(kiosk, f"{server.config.lobby.public_url}/b/{code}", target=kiosk.home_screen.take_button)
    ticket = shown.args[0]
    assert ticket["booked"] and ticket["slot_time"] == "09:30" and ticket["code"] == "B-001"
    data = strip_status_requests(fake_printer.wait_for_ticket(timeout=5))
    assert b"BOOKING 09:30" in data and b"B-001" in data
    assert kiosk.ticket_screen.booked_label.isVisible()
    assert kiosk.ticket_screen.booked_label.text().strip() == "Booking jam 09:30"


def test_the_code_typed_on_the_on_screen_keyboard_checks_in(qtbot, kiosk, server, fake_printer):
    code = book(server, "2026-11-23", "0930")
    qtbot.mouseClick(kiosk.home_screen.booking_button, LEFT)
    assert kiosk.current == "checkin"
    screen = kiosk.checkin_screen
    assert not screen.submit_button.isEnabled()
    for char in code:
        qtbot.mouseClick(screen.keyboard.keys[char], LEFT)
    assert screen.code_label.text() == f"Kode booking: {code[:4]}-{code[4:]}"
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000) as shown:
        qtbot.mouseClick(screen.submit_button, LEFT)
    assert shown.args[0]["booked"]
    assert b"BOOKING 09:30" in strip_status_requests(fake_printer.wait_for_ticket(timeout=5))


def test_every_refusal_shows_its_sentence(qtbot, kiosk, server, fake_printer):
    early = book(server, "2026-11-23", "1100", 1)
    tomorrow = book(server, "2026-11-24", "1000", 2)
    cancelled = book(server, "2026-11-23", "1000", 3)
    assert httpx.post(f"{server.url}/b/{cancelled}/cancel", timeout=5).status_code == 303
    done = book(server, "2026-11-23", "0930", 4)
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000):
        scan(kiosk, done)
    qtbot.mouseClick(kiosk.ticket_screen.done_button, LEFT)
    expected = {
        early: "Terlalu awal: booking Anda jam 11:00. Check-in mulai jam 10:30.",
        tomorrow: "Booking ini untuk 2026-11-24 jam 10:00, bukan hari ini.",
        cancelled: "Booking ini sudah dibatalkan. Silakan ambil nomor antrean biasa.",
        done: "Booking ini sudah check-in dan nomornya sudah dicetak.",
        "ZZZZZZZZ": "Kode booking tidak ditemukan.",
    }
    for code, sentence in expected.items():
        kiosk.reset_to_home()
        scan(kiosk, code)
        qtbot.waitUntil(lambda: kiosk.checkin_screen.refusal_label.isVisible(), timeout=8000)
        assert kiosk.current == "checkin"
        assert kiosk.checkin_screen.refusal_label.text().startswith(sentence), code
    assert kiosk.checkin_screen.walk_in_button.text() == "Ambil nomor antrean biasa"
    kiosk.grab().save(str(SCREENSHOTS / "kiosk-checkin-refused.png"))
    assert len(fake_printer.tickets) == 1  # only the one checked in
    qtbot.mouseClick(kiosk.checkin_screen.walk_in_button, LEFT)
    assert kiosk.current == "agencies"


def test_the_check_in_screen_in_english(qtbot, kiosk, server):
    kiosk.set_language("en")
    qtbot.mouseClick(kiosk.home_screen.booking_button, LEFT)
    screen = kiosk.checkin_screen
    assert screen.title_label.text() == "Booking check-in"
    for char in "K7QM":
        qtbot.mouseClick(screen.keyboard.keys[char], LEFT)
    assert screen.code_label.text() == "Booking code: K7QM"
    kiosk.grab().save(str(SCREENSHOTS / "kiosk-checkin.png"))
