"""The ticket printer fails while a visitor takes a ticket: through the real KioskWindow and a network printer.

Each fault of the fake network printer (refused connection, no answer, paper
out, connection dropped mid-print) is met either at the kiosk's status check
before issuing or while the ticket is printing. Either way the visitor gets the
number on screen with a QR code that opens their ticket, the server records a
printer_fault event for staff, and once the printer is back the next visitor
gets a printed ticket.
"""
from __future__ import annotations

import io
import json

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice

from faults.helpers import open_lobby
from kiosk.config import parse_config
from kiosk.printer.backends import EscposTicketPrinter, PrinterStatus
from kiosk.ui.kiosk.window import KioskWindow
from support.fake_printer import FakeNetworkPrinter, strip_status_requests
from support.server import running_server

pytestmark = pytest.mark.timeout(60)


def break_printer(printer: FakeNetworkPrinter, fault: str) -> None:
    if fault == "paper_out":
        printer.state = "paper_out"
    else:
        printer.fault = fault


def mend_printer(printer: FakeNetworkPrinter) -> None:
    printer.fault = None
    printer.state = "ok"


class BreaksAfterCheck:
    """The real printer, but the fault strikes between the kiosk's status check and the printing."""

    def __init__(self, printer: EscposTicketPrinter, fake: FakeNetworkPrinter, fault: str | None):
        self.printer = printer
        self.fake = fake
        self.fault = fault

    def check(self) -> PrinterStatus:
        status = self.printer.check()
        if self.fault is not None:
            break_printer(self.fake, self.fault)
        return status

    def print_ticket(self, ticket) -> None:
        self.printer.print_ticket(ticket)


def qr_text(pixmap) -> str:
    buffer = QBuffer()
    buffer.open(QIODevice.WriteOnly)
    pixmap.toImage().save(buffer, "PNG")
    image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("L")
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, "no readable QR code on the ticket screen"
    return results[0].text


def printer_faults(server) -> list[dict]:
    rows = server.engine.store.query("SELECT payload FROM events WHERE type = 'printer_fault' ORDER BY seq")
    return [json.loads(row["payload"]) for row in rows]


# fault of the fake printer, when it strikes, the fault kinds the kiosk may report for it
CASES = [
    ("refuse", "at_check", {"unreachable"}),
    ("refuse", "while_printing", {"unreachable"}),
    ("silent", "at_check", {"unreachable", "timeout"}),
    ("silent", "while_printing", {"timeout"}),
    ("paper_out", "at_check", {"paper_out"}),
    ("paper_out", "while_printing", {"paper_out"}),
    ("drop_mid_print", "while_printing", {"disconnected"}),
]


@pytest.mark.parametrize("fault, when, kinds", CASES, ids=[f"{f}-{w}" for f, w, _ in CASES])
def test_a_printer_fault_still_gives_the_visitor_a_ticket(qtbot, tmp_path, fault, when, kinds):
    config = parse_config(open_lobby(tmp_path, counters=3), base_dir=tmp_path)
    with FakeNetworkPrinter(drop_after_bytes=200) as fake, \
            running_server(config, tmp_path / "queue.sqlite", ping_seconds=1.0) as server:
        real = EscposTicketPrinter(fake.printer_config(timeout_s=1))
        printer = BreaksAfterCheck(real, fake, fault if when == "while_printing" else None)
        api = server.client("kiosk")
        window = KioskWindow(config, api, printer)
        qtbot.addWidget(window)
        window.resize(1920, 1080)
        window.show()
        try:
            window.start()
            qtbot.waitUntil(lambda: window.online is True and window.current == "home", timeout=5000)
            if when == "at_check":
                break_printer(fake, fault)

            with qtbot.waitSignal(window.ticket_shown, timeout=15_000) as shown:
                assert window.issue("ktp")
            ticket = shown.args[0]
            assert ticket["printer_failed"] is True
            assert window.current == "ticket"
            screen = window.ticket_screen
            assert screen.code_label.text() == ticket["code"] and screen.code_label.isVisible()
            assert qr_text(screen.qr_label.pixmap()) == ticket["status_url"]
            assert api.ticket(ticket["token"])["state"] == "waiting"  # issued, in the queue
            assert not any(ticket["code"].encode() in strip_status_requests(t) for t in fake.tickets)

            qtbot.waitUntil(lambda: len(printer_faults(server)) == 1, timeout=5000)
            (recorded,) = printer_faults(server)
            assert recorded["code"] == ticket["code"] and recorded["device"] == "kiosk1"
            assert recorded["kind"] in kinds, recorded
            assert recorded["message"]

            # the printer is back: the next visitor gets paper
            mend_printer(fake)
            printer.fault = None
            printed_before = len(fake.tickets)
            with qtbot.waitSignal(window.ticket_shown, timeout=15_000) as shown:
                assert window.issue("kk")
            next_ticket = shown.args[0]
            assert next_ticket["printer_failed"] is False
            paper = fake.wait_for_ticket(timeout=5, count=printed_before + 1)
            assert next_ticket["code"].encode() in paper
            assert len(printer_faults(server)) == 1
        finally:
            window.shutdown()
            api.close()
