"""The layout as ESC/POS bytes, checked byte for byte against the command reference."""
import re

import pytest
from printer_samples import STATUS_URL, make_ticket

from kiosk.printer.escpos_render import qr_image, render, ticket_bytes
from kiosk.printer.layout import QrCode

ESC, GS = b"\x1b", b"\x1d"
INIT = ESC + b"@"


def style(size=1, bold=False, align=1, invert=False) -> bytes:
    """GS ! (size), ESC E (bold), ESC a (align), GS B (invert): what each line starts with."""
    return (GS + b"!" + bytes([(size - 1) << 4 | (size - 1)]) + ESC + b"E" + bytes([bold])
            + ESC + b"a" + bytes([align]) + GS + b"B" + bytes([invert]))


def qr_native(data: bytes, module_dots: int) -> bytes:
    """GS ( k: model 2, module size, error correction M, store, print."""
    def function(fn: bytes, payload: bytes) -> bytes:
        return GS + b"(k" + len(payload + b"12").to_bytes(2, "little") + b"1" + fn + payload

    return (function(b"A", b"2\x00") + function(b"C", bytes([module_dots])) + function(b"E", b"1")
            + function(b"P", b"0" + data) + function(b"Q", b"0"))


def test_exact_bytes_of_an_80mm_ticket_with_native_qr():
    ticket = make_ticket(lobby_name="MPP", agency_name="Dukcapil", service_name="KTP",
                         status_url="http://mpp.test/t/abc", footer="Terima kasih")
    rule = b"-" * 46
    expected = (
        INIT
        + style(bold=True) + ESC + b"t\x00" + b"MPP\n"  # ESC t 0: code page PC437, set once
        + style() + b"Dukcapil\n"
        + style() + rule + b"\n"
        + style() + b"Nomor Antrean\n"
        + style(size=6, bold=True) + b"A-012\n"
        + style(size=2, bold=True) + b"KTP\n"
        + style() + rule + b"\n"
        + style(bold=True) + b"Orang di depan Anda: 3\n"
        + style() + b"Perkiraan waktu tunggu: \xf1 25 menit\n"  # '±' is 0xF1 in PC437
        + style() + b"Senin, 23 November 2026 10:15 WITA\n"
        + style() + b"\n"
        + style() + qr_native(b"http://mpp.test/t/abc", 7)
        + style() + b"Pindai untuk memantau antrean\n"
        + style() + b"\n"
        + style() + b"Terima kasih\n"
        + style(align=0) + ESC + b"d\x06" + GS + b"V\x00"  # feed 6 lines, full cut
    )
    assert ticket_bytes(ticket, "native") == expected


def test_priority_band_is_printed_inverted(ticket):
    data = ticket_bytes(make_ticket(priority=True))
    assert style(size=2, bold=True, invert=True) + b" PRIORITAS \n" in data


def test_image_qr_is_a_centred_raster_of_the_status_url(ticket):
    data = ticket_bytes(ticket, "image")
    assert b"A-012" in data and data.endswith(GS + b"V\x00")
    assert GS + b"(k" not in data
    # GS v 0 m xL xH yL yH: the image is padded to the whole 576-dot line (72 bytes) to centre it
    header = re.search(rb"\x1dv0\x00(..)(..)", data, re.S)
    assert header, "no GS v 0 raster image"
    width_bytes = int.from_bytes(header.group(1), "little")
    height = int.from_bytes(header.group(2), "little")
    assert width_bytes == 576 // 8
    assert height == qr_image(QrCode(STATUS_URL, 7)).height


def test_native_qr_carries_the_status_url(ticket):
    data = ticket_bytes(ticket, "native")
    store = GS + b"(k" + (len(STATUS_URL) + 3).to_bytes(2, "little") + b"1P0" + STATUS_URL.encode()
    assert store in data
    assert GS + b"v0" not in data


def test_58mm_default_profile_prints_the_qr_as_an_image_and_does_not_cut():
    # POS-5890 (the 58 mm default) declares neither GS ( k nor a cutter
    data = ticket_bytes(make_ticket(paper_mm=58), "native")
    assert GS + b"(k" not in data
    header = re.search(rb"\x1dv0\x00(..)", data, re.S)
    assert int.from_bytes(header.group(1), "little") == 384 // 8
    assert data.endswith(ESC + b"d\x06")
    assert GS + b"V" not in data
    assert b"-" * 30 + b"\n" in data and b"-" * 31 not in data


def test_58mm_profile_with_native_qr_uses_it():
    data = ticket_bytes(make_ticket(paper_mm=58), "native", profile="Sunmi-V2")
    assert qr_native(STATUS_URL.encode(), 6) in data


def test_80_and_58mm_differ_only_where_the_paper_does():
    wide = ticket_bytes(make_ticket(paper_mm=80), "image")
    narrow = ticket_bytes(make_ticket(paper_mm=58), "image")
    assert b"Perkiraan waktu tunggu: \xf1 25 menit\n" in wide
    assert b"Perkiraan waktu tunggu:\n" in narrow and b"\xf1 25 menit\n" in narrow


def test_english_ticket_bytes():
    data = ticket_bytes(make_ticket(lang="en"))
    for text in (b"Queue number", b"People ahead of you: 3", b"Estimated wait: about 25 min",
                 b"Monday, 23 November 2026 10:15 WITA", b"Scan to follow your queue"):
        assert text in data
    assert b"Nomor Antrean" not in data


def test_file_backend_bytes_equal_dummy_bytes(ticket, tmp_path):
    from escpos.printer import File

    path = tmp_path / "ticket.bin"
    printer = File(str(path), profile="TM-T20II")
    render(ticket, printer, "native")
    printer.close()
    assert path.read_bytes() == ticket_bytes(ticket, "native")


def test_unknown_qr_mode_is_refused(ticket):
    from escpos.printer import Dummy

    with pytest.raises(ValueError, match="qr_mode"):
        render(ticket, Dummy(), "svg")
