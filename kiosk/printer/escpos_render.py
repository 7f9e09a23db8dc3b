"""The layout model written through python-escpos calls.

Text is set with ``GS !`` (size), ``ESC E`` (bold), ``ESC a`` (align) and
``GS B`` (invert); the QR is either the printer's own (``GS ( k``) or a raster
image (``GS v 0``) drawn by the qrcode library; the ticket ends with a feed and
``GS V`` where the profile has a cutter.
"""
from __future__ import annotations

import logging
from typing import Literal

import qrcode
from escpos.constants import QR_ECLEVEL_H, QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q
from PIL import Image

from kiosk.printer.layout import Cut, QrCode, TextLine, TicketPrint, ticket_lines

log = logging.getLogger(__name__)

QrMode = Literal["native", "image"]
DEFAULT_PROFILES = {80: "TM-T20II", 58: "POS-5890"}  # 576 and 384 dots wide

_ESCPOS_EC = {"L": QR_ECLEVEL_L, "M": QR_ECLEVEL_M, "Q": QR_ECLEVEL_Q, "H": QR_ECLEVEL_H}
_QRCODE_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
QR_QUIET_MODULES = 2  # white border around an image QR; the paper margin adds the rest


def default_profile(paper_mm: int) -> str:
    return DEFAULT_PROFILES[paper_mm]


def qr_image(element: QrCode, max_width: int | None = None, border: int = QR_QUIET_MODULES) -> Image.Image:
    """The QR as a 1-bit PIL image, ``module_dots`` per module (smaller if it would not fit)."""
    qr = qrcode.QRCode(version=None, error_correction=_QRCODE_EC[element.error_correction],
                       box_size=element.module_dots, border=border)
    qr.add_data(element.data)
    qr.make(fit=True)
    modules = qr.modules_count + 2 * border
    if max_width and modules * element.module_dots > max_width:
        qr.box_size = max(1, max_width // modules)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("1")


def paper_dots(printer) -> int | None:
    """The printable width the printer's profile declares, if it does."""
    try:
        return int(printer.profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return None


def render(ticket: TicketPrint, printer, qr_mode: QrMode = "native") -> None:
    """Write the ticket through ``printer`` (any python-escpos printer)."""
    if qr_mode not in ("native", "image"):
        raise ValueError(f"qr_mode must be 'native' or 'image', got {qr_mode!r}")
    if qr_mode == "native" and not printer.profile.supports("qrCode"):
        # the profile says this model has no GS ( k: a raster image prints everywhere
        log.info("profile %s has no native QR; printing the QR as an image", printer.profile.profile_data["name"])
        qr_mode = "image"

    printer.hw("INIT")  # ESC @: whatever the last job left set is forgotten
    for element in ticket_lines(ticket):
        if isinstance(element, TextLine):
            printer.set(align=element.align, bold=element.bold, invert=element.invert,
                        custom_size=True, width=element.size, height=element.size)
            printer.textln(element.text)
        elif isinstance(element, QrCode):
            printer.set(align="center", bold=False, invert=False, custom_size=True, width=1, height=1)
            if qr_mode == "native":
                printer.qr(element.data, native=True, size=element.module_dots,
                           ec=_ESCPOS_EC[element.error_correction])
            else:
                printer.image(qr_image(element, max_width=paper_dots(printer)), center=True)
        elif isinstance(element, Cut):
            printer.set(align="left", bold=False, invert=False, custom_size=True, width=1, height=1)
            printer.cut()  # feeds 6 lines first; no GS V when the profile has no cutter
        else:  # pragma: no cover - the layout only makes the three kinds
            raise TypeError(f"unknown layout element {element!r}")


def ticket_bytes(ticket: TicketPrint, qr_mode: QrMode = "native", profile: str | None = None) -> bytes:
    """The exact bytes a printer would receive (python-escpos ``Dummy``)."""
    from escpos.printer import Dummy

    printer = Dummy(profile=profile or default_profile(ticket.paper_mm))
    render(ticket, printer, qr_mode)
    return printer.output
