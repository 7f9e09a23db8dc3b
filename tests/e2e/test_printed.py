"""The e2e tests read printed QR codes back from ESC/POS bytes: the reader itself, against the renderer."""
from __future__ import annotations

import pytest
from PIL import ImageChops
from support.configs import MAKASSAR, MONDAY_9

from kiosk.printer.escpos_render import qr_image, ticket_bytes
from kiosk.printer.layout import QR_MODULE_DOTS, QrCode, TicketPrint

from .printed import GS_V_0, printed_qr_texts, raster_images

URL = "http://192.168.10.2:8600/t/Zq3-_x9AbCdEfGhIjKlMnO"


def ticket(paper_mm: int = 80) -> TicketPrint:
    return TicketPrint(lobby_name="MPP Uji", agency_name="Disdukcapil", service_name="KTP-el", code="A-012",
                       priority=False, issued_at=MONDAY_9, people_ahead=3, estimate_minutes=25, status_url=URL,
                       lang="id", footer="Terima kasih", paper_mm=paper_mm, local_tz=MAKASSAR)


@pytest.mark.parametrize("paper_mm, dots", [(80, 576), (58, 384)])
def test_the_raster_read_back_is_the_qr_the_renderer_drew(paper_mm, dots):
    [image] = raster_images(ticket_bytes(ticket(paper_mm), "image"))
    drawn = qr_image(QrCode(URL, QR_MODULE_DOTS[paper_mm]), max_width=dots)
    assert image.width == dots and image.height == drawn.height
    # centred on the line: the drawn QR sits in the middle, white paper either side
    left = (image.width - drawn.width) // 2
    middle = image.crop((left, 0, left + drawn.width, drawn.height))
    assert ImageChops.difference(middle.convert("L"), drawn.convert("L")).getbbox() is None
    assert printed_qr_texts(ticket_bytes(ticket(paper_mm), "image")) == [URL]


def test_a_native_qr_is_no_raster_and_a_cut_image_is_an_error():
    assert printed_qr_texts(ticket_bytes(ticket(), "native")) == []
    data = ticket_bytes(ticket(), "image")
    cut = data[:data.index(GS_V_0) + 100]
    with pytest.raises(ValueError, match="needs"):
        raster_images(cut)
