"""Opening each backend, reading status bytes, the fake for kiosk tests, and no Qt in kiosk.printer."""
import subprocess
import sys
from pathlib import Path

import pytest
from escpos.exceptions import DeviceNotFoundError, USBNotFoundError
from printer_samples import make_ticket

from kiosk.config import PrinterSettings
from kiosk.printer.backends import (
    EscposTicketPrinter,
    FakeTicketPrinter,
    PrinterFault,
    PrinterStatus,
    TicketPrinter,
    open_printer,
    parse_status,
)
from kiosk.printer.escpos_render import ticket_bytes

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- status bytes

@pytest.mark.parametrize("printer, cause, paper, kind", [
    (0x12, 0x12, 0x12, "ok"),
    (0x12, 0x12, 0x1E, "paper_low"),   # n=4 bits 2,3: near end
    (0x12, 0x12, 0x16, "paper_low"),   # either near-end bit is enough
    (0x1A, 0x32, 0x72, "paper_out"),   # offline, stopped at paper end, paper gone
    (0x12, 0x12, 0x72, "paper_out"),   # paper sensor alone
    (0x1A, 0x16, 0x12, "cover_open"),  # n=2 bit 2
    (0x1A, 0x36, 0x72, "cover_open"),  # cover open wins: it is what to fix first
    (0x1A, 0x52, 0x12, "offline"),     # n=1 bit 3 with an error
    (0x1A, 0x12, 0x12, "offline"),
    (0x16, 0x12, 0x12, "ok"),          # n=1 bit 2 is the drawer pin, not a fault
])
def test_parse_status_per_the_escpos_bits(printer, cause, paper, kind):
    assert parse_status(printer, cause, paper).kind == kind


def test_a_byte_without_the_fixed_status_bits_is_not_a_status():
    status = parse_status(0x00, 0x12, 0x12)
    assert status.kind == "unreachable" and "0x00" in status.detail
    assert not status.can_print


def test_status_sentences_in_both_languages():
    for kind in ("ok", "paper_low", "offline", "cover_open", "paper_out", "unreachable"):
        status = PrinterStatus.of(kind)
        assert status.message("id") and status.message("en") and status.message("id") != status.message("en")
    assert PrinterStatus.of("ok").can_print and PrinterStatus.of("paper_low").can_print
    assert not PrinterStatus.of("paper_out").can_print


# --------------------------------------------------------------------------- backends

def test_dummy_backend_prints_nowhere_but_keeps_the_bytes(ticket):
    printer = EscposTicketPrinter(PrinterSettings(backend="dummy"))
    assert printer.check().kind == "ok"
    printer.print_ticket(ticket)
    assert printer.last_output == ticket_bytes(ticket, "native")


def test_file_backend_appends_one_ticket_after_another(tmp_path):
    config = PrinterSettings(backend="file", file_path=Path("data/printer.bin"), qr="image")
    printer = EscposTicketPrinter(config, base_dir=tmp_path)
    assert printer.check().kind == "ok"  # a file cannot report status: ok
    first, second = make_ticket(code="A-001"), make_ticket(code="A-002")
    printer.print_ticket(first)
    printer.print_ticket(second)
    assert (tmp_path / "data" / "printer.bin").read_bytes() == (
        ticket_bytes(first, "image") + ticket_bytes(second, "image"))


def test_file_backend_that_cannot_be_opened_is_unreachable(tmp_path, ticket):
    (tmp_path / "a-folder").mkdir()
    printer = EscposTicketPrinter(PrinterSettings(backend="file", file_path=tmp_path / "a-folder"))
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == "unreachable" and "a-folder" in caught.value.detail
    assert printer.check().kind == "unreachable"


def test_network_backend_gets_the_configured_timeout_not_60_s():
    from support.fake_printer import FakeNetworkPrinter

    with FakeNetworkPrinter() as fake:
        device = open_printer(fake.printer_config(timeout_s=1.5))
        try:
            assert device.timeout == 1.5 and device.device.gettimeout() == 1.5
            assert device.profile.profile_data["media"]["width"]["pixels"] == 576
        finally:
            device.close()


def test_usb_without_pyusb_names_what_to_install(monkeypatch):
    import escpos.printer.usb as escpos_usb

    monkeypatch.setattr(escpos_usb, "is_usable", lambda: False)
    with pytest.raises(PrinterFault) as caught:
        open_printer(PrinterSettings(backend="usb", usb_vendor=0x04B8, usb_product=0x0202))
    assert caught.value.kind == "setup"
    assert "pip install pyusb" in caught.value.detail


def test_serial_without_pyserial_names_what_to_install(monkeypatch):
    import escpos.printer.serial as escpos_serial

    monkeypatch.setattr(escpos_serial, "is_usable", lambda: False)
    with pytest.raises(PrinterFault) as caught:
        open_printer(PrinterSettings(backend="serial"))
    assert caught.value.kind == "setup"
    assert "pip install pyserial" in caught.value.detail


@pytest.mark.parametrize("error", [
    DeviceNotFoundError("Unable to open USB printer on (1208, 514)"),
    USBNotFoundError("Device (1208, 514) not found or cable not plugged in."),
])
def test_usb_printer_not_found_is_unreachable(monkeypatch, ticket, error):
    import escpos.printer.usb as escpos_usb

    def unplugged(self, raise_not_found=True):
        raise error

    monkeypatch.setattr(escpos_usb, "is_usable", lambda: True)
    monkeypatch.setattr(escpos_usb.Usb, "open", unplugged)
    monkeypatch.setattr(escpos_usb.Usb, "close", lambda self: None)
    printer = EscposTicketPrinter(PrinterSettings(backend="usb", usb_vendor=0x04B8, usb_product=0x0202))
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == "unreachable"
    assert "usb 0x04b8:0x0202" in caught.value.detail
    assert printer.check().kind == "unreachable"


def test_unknown_profile_is_a_setup_fault():
    with pytest.raises(PrinterFault) as caught:
        open_printer(PrinterSettings(backend="dummy", profile="TM-NOPE"))
    assert caught.value.kind == "setup" and "TM-NOPE" in caught.value.detail


class BreaksWhilePrinting:
    """An opened printer whose wire fails after the first bytes (as a cable pulled mid-ticket)."""

    def __init__(self, error: OSError):
        from escpos.printer import Dummy

        self.device = Dummy(profile="TM-T20II")
        self.error = error
        self.device._raw = self._raw  # python-escpos sends everything through _raw

    def _raw(self, data: bytes) -> None:
        raise self.error


@pytest.mark.parametrize("error, kind", [
    (BrokenPipeError(32, "Broken pipe"), "disconnected"),
    (ConnectionResetError(104, "Connection reset by peer"), "disconnected"),
    (OSError(5, "Input/output error"), "disconnected"),
    (TimeoutError("timed out"), "timeout"),
])
def test_os_errors_mid_print_become_printer_faults(ticket, error, kind):
    broken = BreaksWhilePrinting(error)
    printer = EscposTicketPrinter(PrinterSettings(backend="dummy"), opener=lambda config, base: broken.device)
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == kind
    assert type(error).__name__ in caught.value.detail


# --------------------------------------------------------------------------- the fake for kiosk tests

def test_fake_ticket_printer_records_and_fails_on_demand(ticket):
    fake: TicketPrinter = FakeTicketPrinter()
    fake.print_ticket(ticket)
    assert fake.printed == [ticket] and fake.check().kind == "ok"
    fake.status = "paper_out"
    assert fake.check().kind == "paper_out"
    with pytest.raises(PrinterFault) as caught:
        fake.print_ticket(ticket)
    assert caught.value.kind == "paper_out"
    fake.status = "ok"
    fake.fail_next = PrinterFault.of("disconnected")
    with pytest.raises(PrinterFault):
        fake.print_ticket(ticket)
    fake.print_ticket(ticket)  # fail_next fails once
    assert len(fake.printed) == 2


def test_real_and_fake_printers_have_the_interface():
    for cls in (EscposTicketPrinter, FakeTicketPrinter):
        assert callable(getattr(cls, "check")) and callable(getattr(cls, "print_ticket"))


def test_kiosk_printer_never_imports_qt():
    code = ("import sys, kiosk.printer.layout, kiosk.printer.escpos_render, kiosk.printer.backends, "
            "kiosk.printer.preview; print(sorted(m for m in sys.modules if m.startswith(('PySide', 'PyQt'))))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    for path in (ROOT / "kiosk" / "printer").glob("*.py"):
        assert "PySide" not in path.read_text() and "PyQt" not in path.read_text(), path


# --------------------------------------------------------------------------- status over serial and USB
# No hardware here: stand-ins that keep the library contracts our code relies on.

class SerialPortStandIn:
    """pyserial's Serial: read(n) returns when n bytes came or `timeout` passed."""

    def __init__(self, replies: dict[int, int], answers: bool = True):
        self.replies, self.answers, self.timeout, self.pending = replies, answers, 1.0, bytearray()

    def write(self, data: bytes) -> None:
        if self.answers and data[:2] == b"\x10\x04":
            self.pending.append(self.replies[data[2]])

    def read(self, size: int) -> bytes:
        if len(self.pending) < size:
            import time

            time.sleep(self.timeout)  # what pyserial does while waiting for the rest
        out, self.pending[:size] = bytes(self.pending[:size]), b""
        return out


class SerialPrinterStandIn:
    def __init__(self, port):
        self.device = port

    def _raw(self, data: bytes) -> None:
        self.device.write(data)


class UsbDeviceStandIn:
    """pyusb's Device: read(endpoint, size, timeout_ms) returns one packet or raises USBTimeoutError."""

    def __init__(self, replies: dict[int, int], answers: bool = True):
        self.replies, self.answers, self.pending, self.timeouts = replies, answers, [], []

    def write(self, data: bytes) -> None:
        if self.answers and data[:2] == b"\x10\x04":
            self.pending.append(self.replies[data[2]])

    def read(self, endpoint: int, size: int, timeout: int):
        self.timeouts.append(timeout)
        if not self.pending:
            class USBTimeoutError(OSError):
                pass

            raise USBTimeoutError(110, "Operation timed out")
        return [self.pending.pop(0)]


class UsbPrinterStandIn:
    in_ep = 0x82

    def __init__(self, device):
        self.device = device

    def _raw(self, data: bytes) -> None:
        self.device.write(data)


def test_status_over_serial_reads_one_byte_per_request_in_time():
    import time

    from kiosk.printer.backends import read_status

    port = SerialPortStandIn({1: 0x1A, 2: 0x32, 4: 0x72})
    started = time.monotonic()
    status = read_status(SerialPrinterStandIn(port), "serial", timeout_s=1.0)
    assert status.kind == "paper_out"
    assert time.monotonic() - started < 0.5  # no request waited for bytes that never come
    assert port.timeout == 1.0  # the port's own timeout is put back

    silent = SerialPortStandIn({}, answers=False)
    started = time.monotonic()
    assert read_status(SerialPrinterStandIn(silent), "serial", timeout_s=0.3).kind == "unreachable"
    assert time.monotonic() - started < 0.3 + 0.2


def test_status_over_usb_and_its_timeout_in_milliseconds():
    from kiosk.printer.backends import read_status

    device = UsbDeviceStandIn({1: 0x12, 2: 0x12, 4: 0x1E})
    assert read_status(UsbPrinterStandIn(device), "usb", timeout_s=2).kind == "paper_low"
    assert all(0 < t <= 2000 for t in device.timeouts)
    status = read_status(UsbPrinterStandIn(UsbDeviceStandIn({}, answers=False)), "usb", timeout_s=0.5)
    assert status.kind == "unreachable" and "DLE EOT 1" in status.detail


def test_file_backend_folder_that_cannot_be_made_is_unreachable(tmp_path, ticket):
    (tmp_path / "not-a-folder").write_text("a file")
    printer = EscposTicketPrinter(PrinterSettings(backend="file", file_path=tmp_path / "not-a-folder" / "x" / "p.bin"))
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.kind == "unreachable" and "cannot make its folder" in caught.value.detail
