"""The ticket as a PNG, drawn from the same layout model the printer gets.

One printer dot is one pixel: the image is 576 px wide for 80 mm paper and
384 px for 58 mm, text sits in the printer's 12 x 24 dot character cells
(times the line's size) and the QR has the printer's module size, so what
fits here fits on paper. ``mpp-kiosk preview-ticket`` writes one for a
configured service, no printer needed.
"""
from __future__ import annotations

import difflib
import sys
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.config import service_location
from kiosk.locations import location_text
from kiosk.printer.escpos_render import qr_image
from kiosk.printer.layout import (
    CHAR_HEIGHT_DOTS,
    CHAR_WIDTH_DOTS,
    PAPER_DOTS,
    Line,
    QrCode,
    TextLine,
    TicketPrint,
    ticket_lines,
)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {False: "DejaVuSansMono.ttf", True: "DejaVuSansMono-Bold.ttf"}
LINE_DOTS = 34  # ESC/POS default line spacing, 1/6 inch at 203 dpi
TOP_MARGIN = 28
BOTTOM_MARGIN = 2 * LINE_DOTS  # what is left under the last line once the cutter has cut
PAPER_EDGE = (200, 200, 200)
# DejaVu Sans Mono advances 0.602 em: this em fills a 12-dot cell
EM_PER_CELL_WIDTH = 1 / 0.602


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=32)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / FONT_FILES[bold]
    try:
        return ImageFont.truetype(str(path), round(CHAR_WIDTH_DOTS * size * EM_PER_CELL_WIDTH))
    except OSError:
        raise FontMissing(f"font not found: {path} (install the Debian package fonts-dejavu-core)") from None


def _line_height(size: int) -> int:
    return max(LINE_DOTS, CHAR_HEIGHT_DOTS * size + 8)


def _text_x(line: TextLine, width: int) -> int:
    text_width = len(line.text) * CHAR_WIDTH_DOTS * line.size
    if line.align == "center":
        return max(0, (width - text_width) // 2)
    if line.align == "right":
        return max(0, width - text_width)
    return 0


def _draw_text(draw: ImageDraw.ImageDraw, line: TextLine, y: int, width: int) -> None:
    cell_w, cell_h = CHAR_WIDTH_DOTS * line.size, CHAR_HEIGHT_DOTS * line.size
    x = _text_x(line, width)
    ink = "black"
    if line.invert:
        draw.rectangle([x, y, x + cell_w * len(line.text) - 1, y + cell_h - 1], fill="black")
        ink = "white"
    font = _font(line.bold, line.size)
    for i, char in enumerate(line.text):
        if char != " ":
            # each character centred in its own cell, as the printer places it
            draw.text((x + i * cell_w + cell_w / 2, y + cell_h / 2), char, font=font, fill=ink, anchor="mm")


def placed_lines(ticket: TicketPrint) -> list[tuple[Line, int, int]]:
    """Each layout element with the top and height (in dots) it takes on the preview."""
    width = PAPER_DOTS[ticket.paper_mm]
    placed, y = [], TOP_MARGIN
    for element in ticket_lines(ticket):
        if isinstance(element, TextLine):
            height = _line_height(element.size)
        elif isinstance(element, QrCode):
            height = qr_image(element, max_width=width).height
        else:
            height = BOTTOM_MARGIN
        placed.append((element, y, height))
        y += height
    return placed


def render_png(ticket: TicketPrint) -> Image.Image:
    """The ticket on white paper, one pixel per printer dot."""
    width = PAPER_DOTS[ticket.paper_mm]
    placed = placed_lines(ticket)
    _, last_y, last_height = placed[-1]
    image = Image.new("RGB", (width, last_y + last_height), "white")
    draw = ImageDraw.Draw(image)
    for element, y, _height in placed:
        if isinstance(element, TextLine):
            _draw_text(draw, element, y, width)
        elif isinstance(element, QrCode):
            qr = qr_image(element, max_width=width)
            image.paste(qr.convert("RGB"), ((width - qr.width) // 2, y))
    draw.rectangle([0, 0, image.width - 1, image.height - 1], outline=PAPER_EDGE)  # the paper's edge, for docs
    return image


# --------------------------------------------------------------------------- mpp-kiosk preview-ticket


class UnknownService(ValueError):
    pass


def _service_hint(config, wrong: str) -> str:
    ids = list(config.service_by_id)
    # close spellings first, then ids containing what was typed ('ktp' -> 'dukcapil-ktp-rekam')
    found = difflib.get_close_matches(wrong, ids, n=3, cutoff=0.6)
    found += [i for i in ids if wrong.lower() in i and i not in found]
    if not found:
        return f" (services are e.g. {', '.join(repr(i) for i in ids[:3])})"
    return " — did you mean " + " or ".join(repr(i) for i in found[:3]) + "?"


def sample_ticket(config, service_id: str | None = None, lang: str = "id",
                  now: datetime | None = None) -> TicketPrint:
    """A realistic ticket for one configured service (the first by default)."""
    if service_id is None:
        service = config.services[0]
    else:
        service = config.service_by_id.get(service_id)
        if service is None:
            raise UnknownService(f"no service {service_id!r} in the config{_service_hint(config, service_id)}")
    if now is None:
        from kiosk.clock import SystemClock

        now = SystemClock().now()
    agency = config.agency_by_id[service.agency]
    prefix = config.group_by_id[service.group].prefix
    counters = sum(1 for c in config.counters if service.id in c.services) or 1
    people_ahead = 3
    return TicketPrint(
        lobby_name=config.lobby.name,
        agency_name=agency.name,
        service_name=service.name.get(lang),
        code=f"{prefix}-001",
        priority=False,
        issued_at=now,
        local_tz=config.lobby.tz,
        people_ahead=people_ahead,
        estimate_minutes=round(people_ahead * service.service_minutes / counters),
        status_url=f"{config.lobby.public_url}/t/SAMPLE-PREVIEW",
        lang=lang,
        footer=config.printer.footer.get(lang),
        paper_mm=config.printer.paper_mm,
        location=location_text(service_location(config, service.id), lang),
    )


def main(args) -> int:
    from kiosk.cli import load_or_report

    config = load_or_report(args.config)
    if config is None:
        return 1
    lang = getattr(args, "lang", "id") or "id"
    out = Path(getattr(args, "out", None) or "ticket.png")
    try:
        ticket = sample_ticket(config, getattr(args, "service", None), lang)
    except UnknownService as exc:
        print(f"preview-ticket: {exc}", file=sys.stderr)
        return 2
    try:
        image = render_png(ticket)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, format="PNG")
    except (FontMissing, OSError) as exc:
        print(f"preview-ticket: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    print(f"ticket preview ({ticket.paper_mm} mm, {lang}, {ticket.code} {ticket.service_name}): {out.resolve()}")
    return 0
