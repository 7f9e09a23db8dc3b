"""The real printer class over TCP against a fake network printer: bytes, status, every fault, no hangs."""
import socket
import threading
import time

import pytest
from printer_samples import STATUS_URL, make_ticket
from support.fake_printer import FakeNetworkPrinter, strip_status_requests

from kiosk.printer.backends import EscposTicketPrinter, PrinterFault
from kiosk.printer.escpos_render import ticket_bytes

GS_QR = b"\x1d(k"
STATUS_REQUESTS = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"


@pytest.fixture
def fake():
    with FakeNetworkPrinter() as printer:
        yield printer


def test_ticket_arrives_whole_with_code_and_native_qr(fake, ticket):
    printer = EscposTicketPrinter(fake.printer_config(timeout_s=2))
    printer.print_ticket(ticket)
    data = fake.wait_for_ticket(timeout=5)
    # status asked first, then exactly the Dummy bytes, then status again to prove the printer is still there
    assert data == STATUS_REQUESTS + ticket_bytes(ticket, "native") + STATUS_REQUESTS
    assert b"A-012" in data and GS_QR in data and STATUS_URL.encode() in data
    assert fake.status_requests == [1, 2, 4, 1, 2, 4]


def test_image_qr_over_the_network(fake, ticket):
    EscposTicketPrinter(fake.printer_config(qr="image")).print_ticket(ticket)
    data = fake.wait_for_ticket(timeout=5)
    assert strip_status_requests(data) == strip_status_requests(ticket_bytes(ticket, "image"))
    assert b"\x1dv0" in data and GS_QR not in data


def test_without_status_check_only_the_ticket_is_sent(fake, ticket):
    EscposTicketPrinter(fake.printer_config(status_check=False)).print_ticket(ticket)
    assert fake.wait_for_ticket(timeout=5) == ticket_bytes(ticket, "native")
    assert fake.status_requests == []


def test_each_ticket_has_its_own_connection(fake, ticket):
    printer = EscposTicketPrinter(fake.printer_config())
    for code in ("A-001", "A-002", "A-003"):
        printer.print_ticket(make_ticket(code=code))
    fake.wait_for_ticket(timeout=5, count=3)
    assert [code in t for t, code in zip(fake.tickets, (b"A-001", b"A-002", b"A-003"))] == [True] * 3
    assert fake.connections == 3


def test_check_reports_ok_and_paper_low(fake):
    printer = EscposTicketPrinter(fake.printer_config())
    status = printer.check()
    assert (status.kind, status.message("id"), status.message("en")) == ("ok", "Printer siap.", "The printer is ready.")
    fake.state = "paper_low"
    status = printer.check()
    assert status.kind == "paper_low" and status.can_print
    assert status.message("id") == "Kertas printer hampir habis."
    assert fake.tickets == []  # asking never prints


@pytest.mark.parametrize("state, sentence_id", [
    ("paper_out", "Kertas printer habis. Silakan hubungi petugas."),
    ("cover_open", "Penutup printer terbuka. Silakan hubungi petugas."),
    ("offline", "Printer sedang tidak siap. Silakan hubungi petugas."),
])
def test_status_faults_stop_the_ticket_before_printing(fake, ticket, state, sentence_id):
    fake.state = state
    printer = EscposTicketPrinter(fake.printer_config())
    assert printer.check().kind == state
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == state
    assert caught.value.message("id") == sentence_id
    assert caught.value.message("en").endswith("Please ask a staff member.")
    time.sleep(0.1)  # let the fake note the closed connections
    assert all(strip_status_requests(data) == b"" for data in fake.received), "ticket bytes were sent"


def test_paper_low_still_prints(fake, ticket):
    fake.state = "paper_low"
    EscposTicketPrinter(fake.printer_config()).print_ticket(ticket)
    assert b"A-012" in fake.wait_for_ticket(timeout=5)


def test_refused_connection_is_unreachable(fake, ticket):
    fake.fault = "refuse"
    printer = EscposTicketPrinter(fake.printer_config(timeout_s=2))
    started = time.monotonic()
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == "unreachable"
    assert "connection refused" in caught.value.detail
    assert caught.value.message("en") == "The printer cannot be reached. Please ask a staff member."
    assert printer.check().kind == "unreachable"
    assert time.monotonic() - started < 1


def test_printer_back_after_a_restart_is_found_again(fake, ticket):
    printer = EscposTicketPrinter(fake.printer_config())
    printer.print_ticket(make_ticket(code="A-001"))
    fake.fault = "refuse"  # switched off
    with pytest.raises(PrinterFault):
        printer.print_ticket(make_ticket(code="A-002"))
    fake.fault = None  # switched on again, same address
    printer.print_ticket(make_ticket(code="A-003"))
    second = fake.wait_for_ticket(timeout=5, count=2)
    assert b"A-003" in second and b"A-002" not in b"".join(fake.received)


@pytest.mark.parametrize("timeout_s", [0.5, 1.5])
def test_silent_printer_times_out_within_the_timeout(fake, ticket, timeout_s):
    fake.fault = "silent"
    printer = EscposTicketPrinter(fake.printer_config(timeout_s=timeout_s))
    started = time.monotonic()
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    took = time.monotonic() - started
    assert caught.value.kind == "timeout"
    assert "status_check = false" in caught.value.detail
    assert timeout_s - 0.1 <= took < timeout_s + 1
    started = time.monotonic()
    assert printer.check().kind == "unreachable"
    assert time.monotonic() - started < timeout_s + 1


@pytest.mark.parametrize("qr, drop_after", [("native", 40), ("native", 300), ("image", 2000)])
def test_connection_dropped_mid_print_is_a_fault_not_a_hang(fake, ticket, qr, drop_after):
    fake.fault = "drop_mid_print"
    fake.drop_after_bytes = drop_after
    printer = EscposTicketPrinter(fake.printer_config(qr=qr, timeout_s=2))
    started = time.monotonic()
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == "disconnected"
    assert caught.value.message("id").startswith("Sambungan ke printer terputus")
    assert time.monotonic() - started < 3
    assert fake.tickets == []  # the fake cut it off: no whole ticket arrived
    assert len(fake.received[0]) == drop_after


def test_no_printer_at_all_on_a_closed_port(ticket):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from kiosk.config import PrinterSettings

    printer = EscposTicketPrinter(PrinterSettings(backend="network", host="127.0.0.1", port=port, timeout_s=1))
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == "unreachable"
    assert f"127.0.0.1:{port}" in caught.value.detail


def test_tickets_from_two_threads_do_not_interleave(fake):
    printer = EscposTicketPrinter(fake.printer_config())
    threads = [threading.Thread(target=printer.print_ticket, args=(make_ticket(code=f"B-00{i}"),))
               for i in range(1, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    fake.wait_for_ticket(timeout=5, count=3)
    for data in fake.tickets:
        assert data.count(b"\x1b@") == 1  # one whole ticket per connection
        assert sum(code in data for code in (b"B-001", b"B-002", b"B-003")) == 1


def test_fake_printer_api():
    with FakeNetworkPrinter(state="cover_open") as fake:
        with socket.create_connection((fake.host, fake.port), timeout=2) as conn:
            conn.sendall(b"hello\x10\x04\x02")
            assert conn.recv(1) == b"\x16"
        assert fake.wait_for_bytes(timeout=2, min_bytes=8) == b"hello\x10\x04\x02"
        assert fake.status_requests == [2]
        with pytest.raises(TimeoutError):
            fake.wait_for_bytes(timeout=0.1, min_bytes=100)
        with pytest.raises(ValueError):
            fake.state = "on fire"
    with pytest.raises(OSError):  # stopped: nothing listens any more
        socket.create_connection((fake.host, fake.port), timeout=1)
