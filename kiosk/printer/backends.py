"""The ticket printer as a device: open a python-escpos backend, ask its status, print.

The kiosk talks to a :class:`TicketPrinter` (two methods). The real one is
:class:`EscposTicketPrinter`; :class:`FakeTicketPrinter` stands in for it in
tests. Every failure reaches the kiosk as one :class:`PrinterFault` with a
sentence in Indonesian and English, never as a socket or USB exception.

Status comes from the ESC/POS real-time request ``DLE EOT n`` (``10 04 n``),
read per the Epson spec: a status byte always has bit 1 and bit 4 set and
bits 0 and 7 clear (``0x12`` when all is well).

- n=1 printer status: bit 3 = offline
- n=2 offline cause:  bit 2 = cover open, bit 5 = stopped at paper end, bit 6 = error
- n=4 paper sensor:   bits 2,3 = roll near its end, bits 5,6 = paper end
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Protocol

from kiosk.config import PrinterSettings
from kiosk.i18n import t
from kiosk.printer.escpos_render import default_profile, render
from kiosk.printer.layout import TicketPrint

log = logging.getLogger(__name__)

StatusKind = Literal["ok", "paper_low", "offline", "cover_open", "paper_out", "unreachable"]
FaultKind = Literal["unreachable", "offline", "cover_open", "paper_out", "timeout", "disconnected", "setup"]

DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER = 1, 2, 4
STATUS_BACKENDS = ("network", "usb", "serial")  # dummy and file cannot answer


# --------------------------------------------------------------------------- status and faults


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer says about itself; ``detail`` is for the technician's log."""

    kind: StatusKind
    detail: str = ""

    @classmethod
    def of(cls, kind: StatusKind, detail: str = "") -> "PrinterStatus":
        return cls(kind, detail)

    @property
    def can_print(self) -> bool:
        return self.kind in ("ok", "paper_low")

    def message(self, lang: str) -> str:
        """A short sentence a visitor or the staff can act on."""
        return t(f"printer.{self.kind}", lang)


class PrinterFault(Exception):
    """A ticket could not be printed. ``kind`` is one of :data:`FaultKind`."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {t(f'printer.{kind}', 'en')}" + (f" ({detail})" if detail else ""))
        self.kind = kind
        self.detail = detail

    @classmethod
    def of(cls, kind: str, detail: str = "") -> "PrinterFault":
        return cls(kind, detail)

    def message(self, lang: str) -> str:
        return t(f"printer.{self.kind}", lang)


def is_status_byte(value: int) -> bool:
    return value & 0b1001_0011 == 0b0001_0010


def parse_status(printer: int, offline_cause: int | None = None, paper: int | None = None) -> PrinterStatus:
    """The status from the answers to DLE EOT 1, 2 and 4 (None = not asked)."""
    for name, value in (("printer", printer), ("offline cause", offline_cause), ("paper", paper)):
        if value is not None and not is_status_byte(value):
            return PrinterStatus.of("unreachable", f"not an ESC/POS status reply ({name}: 0x{value:02x})")
    shown = " ".join(f"{v:02x}" if v is not None else "--" for v in (printer, offline_cause, paper))
    detail = f"DLE EOT 1/2/4 -> {shown}"
    if offline_cause is not None and offline_cause & 0b0000_0100:
        return PrinterStatus.of("cover_open", detail)
    if (paper is not None and paper & 0b0110_0000) or (offline_cause is not None and offline_cause & 0b0010_0000):
        return PrinterStatus.of("paper_out", detail)
    if printer & 0b0000_1000:
        return PrinterStatus.of("offline", detail)
    if paper is not None and paper & 0b0000_1100:
        return PrinterStatus.of("paper_low", detail)
    return PrinterStatus.of("ok", detail)


# --------------------------------------------------------------------------- opening a backend


def _file_printer_class():
    from escpos.printer import File

    class AppendingFile(File):
        """python-escpos File, but appending: one ticket per connection must not erase the last."""

        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            try:
                self.device = open(self.devfile, "ab")
            except OSError as exc:
                from escpos.exceptions import DeviceNotFoundError

                self.device = None
                raise DeviceNotFoundError(f"Could not open the file {self.devfile}: {exc}") from exc

    return AppendingFile


def describe(config: PrinterSettings, base_dir: Path | str = ".") -> str:
    """Where the printer is, for messages: 'network 192.168.1.50:9100'."""
    if config.backend == "network":
        return f"network {config.host}:{config.port}"
    if config.backend == "usb":
        return f"usb {config.usb_vendor:#06x}:{config.usb_product:#06x}"
    if config.backend == "serial":
        return f"serial {config.serial_device} at {config.baudrate} baud"
    if config.backend == "file":
        return f"file {_resolve(config.file_path, base_dir)}"
    return "dummy (prints nowhere)"


def _resolve(path: Path, base_dir: Path | str) -> Path:
    return path if path.is_absolute() else Path(base_dir) / path


def open_printer(printer_config: PrinterSettings, base_dir: Path | str = "."):
    """An opened python-escpos printer for the configured backend.

    Raises :class:`PrinterFault` ('setup' for a missing library or unknown
    profile, 'unreachable' when the device cannot be opened). The caller closes it.
    """
    config = printer_config
    where = describe(config, base_dir)
    profile = config.profile or default_profile(config.paper_mm)
    try:
        from escpos import printer as escpos_printer

        if config.backend == "dummy":
            device = escpos_printer.Dummy(profile=profile)
        elif config.backend == "file":
            path = _resolve(config.file_path, base_dir)
            if not path.parent.exists() and not str(path).startswith("/dev/"):
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise PrinterFault.of("unreachable", f"{where}: cannot make its folder: {exc}") from exc
            device = _file_printer_class()(devfile=str(path), profile=profile)
        elif config.backend == "network":
            device = escpos_printer.Network(host=config.host, port=config.port, timeout=config.timeout_s,
                                            profile=profile)
        elif config.backend == "usb":
            from escpos.printer import usb as escpos_usb

            if not escpos_usb.is_usable():
                raise PrinterFault.of("setup", "printer.backend = 'usb' needs pyusb and libusb: "
                                               "pip install pyusb, apt install libusb-1.0-0")
            # pyusb counts its timeout in milliseconds; 0 would mean wait forever
            device = escpos_printer.Usb(idVendor=config.usb_vendor, idProduct=config.usb_product,
                                        timeout=max(1, int(config.timeout_s * 1000)), profile=profile)
        elif config.backend == "serial":
            from escpos.printer import serial as escpos_serial

            if not escpos_serial.is_usable():
                raise PrinterFault.of("setup", "printer.backend = 'serial' needs pyserial: pip install pyserial")
            device = escpos_printer.Serial(devfile=config.serial_device, baudrate=config.baudrate,
                                           timeout=config.timeout_s, profile=profile)
        else:  # the config schema allows no other value
            raise PrinterFault.of("setup", f"unknown printer.backend {config.backend!r}")
    except KeyError:
        raise PrinterFault.of("setup", f"unknown printer.profile {profile!r} (e.g. 'TM-T20II' for 80 mm, "
                                       "'POS-5890' for 58 mm)") from None
    try:
        device.open()
    except Exception as exc:
        raise _fault_from(exc, where, opening=True) from exc
    if config.backend == "network":
        # status requests are 3 bytes: sent at once, not held back waiting for an ACK (Nagle)
        device.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return device


def _fault_from(exc: BaseException, where: str, opening: bool = False) -> PrinterFault:
    """The PrinterFault for an exception raised by a backend."""
    from escpos.exceptions import DeviceNotFoundError

    if isinstance(exc, PrinterFault):
        return exc
    cause = exc.__context__ if isinstance(exc, DeviceNotFoundError) and exc.__context__ else exc
    text = f"{where}: {type(cause).__name__}: {cause}".rstrip(": ")
    if isinstance(exc, DeviceNotFoundError) or opening:
        if isinstance(cause, ConnectionRefusedError):
            return PrinterFault.of("unreachable", f"{where}: connection refused (printer off or wrong port?)")
        if isinstance(cause, TimeoutError):
            return PrinterFault.of("unreachable", f"{where}: no answer to connect (wrong address or printer off?)")
        return PrinterFault.of("unreachable", text)
    if isinstance(exc, TimeoutError) or type(exc).__name__ == "USBTimeoutError":
        return PrinterFault.of("timeout", text)
    if isinstance(exc, OSError):  # BrokenPipeError, ConnectionResetError, USBError, SerialException
        return PrinterFault.of("disconnected", text)
    return PrinterFault.of("setup", text)


# --------------------------------------------------------------------------- reading status


class _ConnectionClosed(Exception):
    pass


def _read_some(device, backend: str, timeout_s: float) -> bytes | None:
    """Bytes the printer sent, or None when none came in time."""
    if backend == "network":
        sock = device.device
        before = sock.gettimeout()
        sock.settimeout(max(0.01, timeout_s))
        try:
            data = sock.recv(16)
        except TimeoutError:
            return None
        finally:
            sock.settimeout(before)  # printing keeps its own timeout
        if not data:
            raise _ConnectionClosed("the printer closed the connection")
        return data
    if backend == "serial":
        port = device.device
        before, port.timeout = port.timeout, max(0.01, timeout_s)
        try:
            # pyserial's read(n) waits for all n bytes or the timeout: ask for the one we expect
            return port.read(1) or None
        finally:
            port.timeout = before
    if backend == "usb":
        try:
            return bytes(device.device.read(device.in_ep, 16, max(1, int(timeout_s * 1000)))) or None
        except OSError as exc:
            if type(exc).__name__ == "USBTimeoutError":
                return None
            raise
    return None


def _drain(device, backend: str) -> None:
    """Throw away anything unread (late or unasked status bytes) so the next answer is ours."""
    if backend != "network":
        return
    sock = device.device
    before = sock.gettimeout()
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(256)
            if not data:
                raise _ConnectionClosed("the printer closed the connection")
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(before)  # setblocking(True) would mean no timeout at all


def _ask(device, backend: str, n: int, deadline: float) -> int | None:
    device._raw(DLE_EOT + bytes([n]))
    while (left := deadline - time.monotonic()) > 0:
        data = _read_some(device, backend, left)
        if data is None:
            return None
        # a status byte has a fixed bit pattern; anything else (e.g. an
        # automatic status block) is not the answer to this request
        for value in data:
            if is_status_byte(value):
                return value
    return None


class _NoAnswer(Exception):
    pass


def _query_status(device, backend: str, timeout_s: float) -> PrinterStatus:
    """DLE EOT 1, 2 and 4 within timeout_s in all; raises _NoAnswer when one is not answered."""
    deadline = time.monotonic() + timeout_s
    _drain(device, backend)
    answers: dict[int, int] = {}
    for n in (STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER):
        value = _ask(device, backend, n, deadline)
        if value is None:
            raise _NoAnswer(f"no answer to DLE EOT {n} within {timeout_s:g} s; if this printer never answers "
                            "status requests, set printer.status_check = false")
        answers[n] = value
    return parse_status(answers[STATUS_PRINTER], answers[STATUS_OFFLINE_CAUSE], answers[STATUS_PAPER])


def read_status(device, backend: str, timeout_s: float) -> PrinterStatus:
    """Ask an opened printer for its status; the whole exchange takes at most timeout_s."""
    if backend not in STATUS_BACKENDS:
        return PrinterStatus.of("ok", f"backend {backend!r} cannot report status")
    try:
        return _query_status(device, backend, timeout_s)
    except _NoAnswer as exc:
        return PrinterStatus.of("unreachable", str(exc))


def _close_quietly(device, backend: str) -> None:
    try:
        # unread bytes at close make the kernel reset the connection, which can
        # drop the end of a ticket still on its way: read them first
        _drain(device, backend)
    except (OSError, _ConnectionClosed):
        pass
    try:
        device.close()
    except Exception as exc:  # closing a broken connection has nothing left to report
        log.debug("closing printer: %s", exc)


# --------------------------------------------------------------------------- the device interface


def _ticket_data(ticket: TicketPrint, device, qr_mode: str) -> bytes:
    """The ticket's bytes for this device's profile (rendered through python-escpos' Dummy)."""
    from escpos.printer import Dummy

    buffer = Dummy()
    buffer.profile = device.profile
    render(ticket, buffer, qr_mode)
    return buffer.output


class TicketPrinter(Protocol):
    """What the kiosk needs from a printer. Both calls block: run them off the GUI thread."""

    def check(self) -> PrinterStatus:
        """The printer's state now (never raises)."""

    def print_ticket(self, ticket: TicketPrint) -> None:
        """Print one ticket or raise :class:`PrinterFault`."""


class EscposTicketPrinter:
    """The real printer, through python-escpos.

    Every ticket opens its own connection and closes it after, so a printer
    that was switched off and on between tickets is simply found again.
    """

    def __init__(self, config: PrinterSettings, base_dir: Path | str = ".",
                 opener: Callable[[PrinterSettings, Path | str], object] = open_printer):
        self.config = config
        self.base_dir = Path(base_dir)
        self._open = opener
        self._lock = threading.Lock()  # one ticket at a time: two would interleave on the wire
        self.last_output: bytes = b""  # what the dummy backend "printed", for the technician

    def use_config(self, config: PrinterSettings, base_dir: Path | str | None = None) -> None:
        """New printer settings (live settings from the server): the next ticket goes by them."""
        with self._lock:  # never between two parts of one ticket
            self.config = config
            if base_dir is not None:
                self.base_dir = Path(base_dir)

    @property
    def where(self) -> str:
        return describe(self.config, self.base_dir)

    def check(self) -> PrinterStatus:
        with self._lock:
            try:
                device = self._open(self.config, self.base_dir)
            except PrinterFault as fault:
                return PrinterStatus.of("unreachable", fault.detail)
            try:
                if not self.config.status_check:
                    return PrinterStatus.of("ok", "printer.status_check = false: only the connection was tried")
                return read_status(device, self.config.backend, self.config.timeout_s)
            except _ConnectionClosed as exc:
                return PrinterStatus.of("unreachable", f"{self.where}: {exc}")
            except OSError as exc:
                return PrinterStatus.of("unreachable", f"{self.where}: {type(exc).__name__}: {exc}")
            finally:
                _close_quietly(device, self.config.backend)

    def print_ticket(self, ticket: TicketPrint) -> None:
        backend = self.config.backend
        with self._lock:
            device = self._open(self.config, self.base_dir)
            try:
                asks_status = self.config.status_check and backend in STATUS_BACKENDS
                if asks_status:
                    status = _query_status(device, backend, self.config.timeout_s)
                    if not status.can_print:
                        raise PrinterFault.of(status.kind, f"{self.where}: {status.detail}")
                    if status.kind == "paper_low":
                        log.warning("printer %s: paper is running low", self.where)
                data = _ticket_data(ticket, device, self.config.qr)
                device._raw(data)  # one write: a few large packets, not hundreds of tiny ones
                if backend == "dummy":
                    self.last_output = device.output
                if asks_status:
                    self._check_after_print(device)
            except PrinterFault:
                raise
            except _NoAnswer as exc:
                raise PrinterFault.of("timeout", f"{self.where}: {exc}") from exc
            except _ConnectionClosed as exc:
                raise PrinterFault.of("disconnected", f"{self.where}: {exc}") from exc
            except Exception as exc:
                raise _fault_from(exc, self.where) from exc
            finally:
                _close_quietly(device, backend)

    def _check_after_print(self, device) -> None:
        # The bytes may all sit in socket buffers even though the printer has
        # gone: only an answer proves it is still there and still has paper.
        try:
            after = _query_status(device, self.config.backend, self.config.timeout_s)
        except _NoAnswer as exc:
            # a busy printer may answer late; the ticket was sent, so only note it
            log.warning("printer %s: no status after the ticket: %s", self.where, exc)
            return
        if after.kind == "paper_out":
            raise PrinterFault.of("paper_out", f"{self.where}: paper ran out during the ticket ({after.detail})")


class FakeTicketPrinter:
    """A printer for tests: keeps the tickets, reports the status it is given.

    ``status`` is what :meth:`check` reports and, when it is a fault, makes
    :meth:`print_ticket` raise that fault; ``fail_next`` raises a given fault
    once (e.g. ``PrinterFault.of('disconnected')``); ``delay_s`` makes printing slow.
    """

    def __init__(self, status: StatusKind = "ok", delay_s: float = 0.0):
        self.status: StatusKind = status
        self.delay_s = delay_s
        self.fail_next: PrinterFault | None = None
        self.printed: list[TicketPrint] = []
        self.checks = 0
        self._lock = threading.Lock()

    def check(self) -> PrinterStatus:
        self.checks += 1
        return PrinterStatus.of(self.status, "fake printer")

    def print_ticket(self, ticket: TicketPrint) -> None:
        with self._lock:
            if self.delay_s:
                time.sleep(self.delay_s)
            if self.fail_next is not None:
                fault, self.fail_next = self.fail_next, None
                raise fault
            status = PrinterStatus.of(self.status, "fake printer")
            if not status.can_print:
                raise PrinterFault.of(status.kind, "fake printer")
            self.printed.append(ticket)


def printer_notes(config: PrinterSettings, *, find_usb=None, dev_root: Path = Path("/dev/bus/usb")) -> list[str]:
    """What check-config says about a USB or serial printer on this PC: not connected, or not accessible.

    ``find_usb(vendor, product)`` returns (bus, address) or None (pyusb by default); a test passes its own.
    """
    notes: list[str] = []
    if config.backend == "usb":
        wanted = f"{config.usb_vendor:#06x}:{config.usb_product:#06x}"
        try:
            found = (find_usb or _find_usb)(config.usb_vendor, config.usb_product)
        except ImportError:
            return ["printer.backend = 'usb' needs pyusb and libusb (bash scripts/setup.sh installs both)"]
        if found is None:
            notes.append(f"printer: no USB device {wanted} is connected to this PC (check the cable and "
                         f"the printer's power; `lsusb` lists what is there)")
        else:
            node = dev_root / f"{found[0]:03d}" / f"{found[1]:03d}"
            if node.exists() and not os.access(node, os.R_OK | os.W_OK):
                notes.append(f"printer: the USB printer {wanted} is connected but this user may not open it "
                             f"({node}): install deploy/udev/99-mpp-kiosk-printer.rules")
    elif config.backend == "serial":
        device = Path(config.serial_device)
        if not device.exists():
            notes.append(f"printer: the serial device {device} does not exist on this PC (is the cable in?)")
        elif not os.access(device, os.R_OK | os.W_OK):
            notes.append(f"printer: this user may not open {device}: add it to the 'dialout' group "
                         f"(sudo usermod -aG dialout $USER, then log in again)")
    return notes


def _find_usb(vendor: int, product: int):
    import usb.core  # pyusb; raises ImportError without it (NoBackendError: no libusb)

    try:
        device = usb.core.find(idVendor=vendor, idProduct=product)
    except usb.core.NoBackendError as exc:
        raise ImportError(str(exc)) from None
    return None if device is None else (int(device.bus), int(device.address))


def make_ticket_printer(config: PrinterSettings, base_dir: Path | str = ".") -> EscposTicketPrinter:
    """The real printer for a config (the entry point wires this; tests use the fake)."""
    return EscposTicketPrinter(config, base_dir)
