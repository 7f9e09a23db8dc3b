"""What a ticket says and where: the one layout model.

:func:`ticket_lines` turns a :class:`TicketPrint` into an ordered list of
elements (text lines, one QR code, a cut). The ESC/POS renderer and the PNG
preview both draw this list, so the preview is the ticket the printer makes.

Sizes are in printer terms: Font A is a 12 x 24 dot cell at 203 dpi, so an
80 mm roll (576 printable dots) holds 48 characters and a 58 mm roll (384 dots)
holds 32. A text line of ``size`` n is printed n times wider and taller.
"""
from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Literal, Union

from kiosk.dates import long_date, zone_name  # noqa: F401  (zone_name is part of this module's API)
from kiosk.i18n import languages, t

Lang = str  # a catalog language (kiosk.i18n.languages())
Align = Literal["left", "center", "right"]

CHAR_WIDTH_DOTS = 12
CHAR_HEIGHT_DOTS = 24
PAPER_DOTS = {80: 576, 58: 384}
COLUMNS = {paper: dots // CHAR_WIDTH_DOTS for paper, dots in PAPER_DOTS.items()}  # 80 -> 48, 58 -> 32
MARGIN_CELLS = 1  # kept clear at each side: text edge to edge reads as cut off
MAX_SIZE = 8  # ESC/POS character magnification limit
CODE_MAX_SIZE = 6  # larger than this the code no longer reads as one word
QR_MODULE_DOTS = {80: 7, 58: 6}  # ~25-30 mm square for a typical status URL: easy for any phone

# --------------------------------------------------------------------------- elements


@dataclass(frozen=True)
class TextLine:
    """One printed line (already wrapped to the paper; never wider than it)."""

    text: str
    size: int = 1  # character magnification, 1..8, same for width and height
    bold: bool = False
    align: Align = "center"
    invert: bool = False  # white on black

    def __post_init__(self):
        if not 1 <= self.size <= MAX_SIZE:
            raise ValueError(f"size must be 1..{MAX_SIZE}, got {self.size}")


@dataclass(frozen=True)
class QrCode:
    """A QR code, centred. ``module_dots`` is the printed size of one QR module."""

    data: str
    module_dots: int
    error_correction: Literal["L", "M", "Q", "H"] = "M"


@dataclass(frozen=True)
class Cut:
    """Feed the ticket out and cut it."""


Line = Union[TextLine, QrCode, Cut]

# --------------------------------------------------------------------------- the ticket


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on one ticket.

    ``issued_at`` must be aware. It is shown in ``local_tz`` when given, else in
    its own time zone (so pass the lobby's zone, or an already-local datetime).
    """

    lobby_name: str
    agency_name: str
    service_name: str
    code: str
    priority: bool
    issued_at: datetime
    people_ahead: int
    estimate_minutes: int | None
    status_url: str
    lang: Lang = "id"
    footer: str = ""
    paper_mm: Literal[58, 80] = 80
    location: str = ""  # where to wait: 'Tunggu di Zona B, lantai 1 · Loket 1–4'
    local_tz: tzinfo | None = field(default=None, compare=False)
    booked_slot: str | None = None  # a checked-in booking's slot, local 'HH:MM': printed as a band

    def __post_init__(self):
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("TicketPrint.issued_at must be an aware datetime")
        if self.lang not in languages():
            raise ValueError(f"TicketPrint.lang must be one of {', '.join(languages())}, got {self.lang!r}")
        if self.paper_mm not in PAPER_DOTS:
            raise ValueError(f"TicketPrint.paper_mm must be 58 or 80, got {self.paper_mm!r}")
        if self.people_ahead < 0:
            raise ValueError(f"TicketPrint.people_ahead must be >= 0, got {self.people_ahead}")
        if self.estimate_minutes is not None and self.estimate_minutes < 0:
            raise ValueError(f"TicketPrint.estimate_minutes must be >= 0, got {self.estimate_minutes}")
        if not self.code.strip():
            raise ValueError("TicketPrint.code is empty")

    @property
    def local_issued_at(self) -> datetime:
        return self.issued_at.astimezone(self.local_tz) if self.local_tz else self.issued_at

    @property
    def columns(self) -> int:
        """Characters per line at size 1, inside the side margins."""
        return COLUMNS[self.paper_mm] - 2 * MARGIN_CELLS


# --------------------------------------------------------------------------- words

def label(key: str, lang: str) -> str:
    """A ticket's fixed word: the catalog's ticket.label.<key>."""
    return t(f"ticket.label.{key}", lang)


def issued_at_parts(moment: datetime, lang: str) -> tuple[str, str]:
    """('Senin, 23 November 2026', '10:15 WITA') for the moment as given (convert it first)."""
    return long_date(moment.date(), lang), f"{moment:%H:%M} {zone_name(moment)}"


def format_issued_at(moment: datetime, lang: str) -> str:
    """'Senin, 23 November 2026 10:15 WITA'."""
    return " ".join(issued_at_parts(moment, lang))


def estimate_amount(minutes: int, lang: str) -> str:
    """'± 25 menit' / 'about 25 min', in hours and minutes above 59 min."""
    if minutes < 1:
        return t("time.under_minute", lang)
    hours, rest = divmod(minutes, 60)
    parts = ([t("time.hours", lang, hours=hours)] if hours else []) + ([t("time.minutes", lang, minutes=rest)] if rest else [])
    return t("time.about", lang, amount=" ".join(parts))


def format_estimate(minutes: int, lang: str) -> str:
    """'Perkiraan waktu tunggu: ± 25 menit' / 'Estimated wait: about 25 min'."""
    return f"{label('estimate', lang)}: {estimate_amount(minutes, lang)}"


# --------------------------------------------------------------------------- printable text

# Beyond ASCII only '±' is kept: it sits at 0xF1 in both code pages printers
# start in (PC437 and PC850). Everything else is spelled in ASCII.
_EXTRA_PRINTABLE = {"±"}
_REPLACEMENTS = {
    "\u00a0": " ", "\u2007": " ", "\u202f": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2026": "...", "\u2022": "*", "\u00b7": "-",
    "\u00d7": "x", "\u00f7": "/", "\u00b0": "o",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u00f8": "o", "\u00d8": "O",
    "\u0153": "oe", "\u0152": "OE", "\u0131": "i", "\u0142": "l", "\u0141": "L",
    "\u20ac": "EUR", "\u00a9": "(c)", "\u00ae": "(R)", "\u2122": "TM",
}


def printable(text: str) -> str:
    """The text in characters every ESC/POS printer prints the same.

    Accents are dropped ('é' -> 'e'), typographic marks become ASCII, control
    characters become spaces and anything else unknown becomes '?'.
    """
    out = []
    for char in text:
        if char in _EXTRA_PRINTABLE or (" " <= char <= "~"):
            out.append(char)
        elif char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        elif char.isspace() or unicodedata.category(char).startswith("C"):
            out.append(" ")
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and all(" " <= c <= "~" for c in base) else "?")
    return " ".join("".join(out).split())  # also folds runs of spaces and trims


# --------------------------------------------------------------------------- layout


def wrap(text: str | tuple[str, ...], size: int, columns: int) -> list[str]:
    """Split text into lines that fit the paper at this character size.

    A tuple is text with preferred breaks ('label:', 'value'): one line when
    it all fits, else each part starts a line of its own.
    """
    width = max(1, columns // size)
    parts = (text,) if isinstance(text, str) else text
    whole = " ".join(parts)
    if len(whole) <= width:
        return [whole]
    lines = []
    for part in parts:
        lines += _balanced_wrap(part, width)
    return lines or [""]


def _balanced_wrap(text: str, width: int) -> list[str]:
    """As many lines as plain wrapping needs, but as even in length as possible (no lone last word)."""
    def split(w: int) -> list[str]:
        return textwrap.wrap(text, width=w, break_long_words=True, break_on_hyphens=False)

    greedy = split(width)
    if len(greedy) < 2:
        return greedy
    best, best_spread = greedy, max(map(len, greedy)) - min(map(len, greedy))
    for w in range(width - 1, 0, -1):
        lines = split(w)
        if len(lines) != len(greedy):
            break
        spread = max(map(len, lines)) - min(map(len, lines))
        if spread < best_spread:
            best, best_spread = lines, spread
    return best


def code_size(code: str, columns: int) -> int:
    """The largest magnification at which the code fits on one line with a cell to spare."""
    return max(1, min(CODE_MAX_SIZE, columns // (len(code) + 1)))


def ticket_lines(ticket: TicketPrint) -> list[Line]:
    """The ticket, top to bottom."""
    lang = ticket.lang
    columns = ticket.columns
    lines: list[Line] = []

    def text(value: str | tuple[str, ...], size: int = 1, bold: bool = False, invert: bool = False) -> None:
        value = printable(value) if isinstance(value, str) else tuple(printable(v) for v in value)
        for part in wrap(value, size, columns):
            lines.append(TextLine(part, size=size, bold=bold, invert=invert))

    rule = TextLine("-" * columns)

    text(ticket.lobby_name, bold=True)
    text(ticket.agency_name)
    lines.append(rule)
    text(label("queue_number", lang))
    code = printable(ticket.code)
    lines.append(TextLine(code, size=code_size(code, columns), bold=True))
    if ticket.priority:
        # padded so the black band is wider than the word
        lines.append(TextLine(f" {label('priority', lang)} ", size=2, bold=True, invert=True))
        lines.append(TextLine(""))  # the band would touch the service name
    if ticket.booked_slot:
        lines.append(TextLine(f" {printable(t('ticket.label.booked', lang, time=ticket.booked_slot))} ",
                              size=2 if columns >= 40 else 1, bold=True, invert=True))
        lines.append(TextLine(""))
    text(ticket.service_name, size=2, bold=True)
    if ticket.location.strip():
        text(ticket.location, bold=True)
    lines.append(rule)
    text((f"{label('people_ahead', lang)}:", str(ticket.people_ahead)), bold=True)
    if ticket.estimate_minutes is not None:
        text((f"{label('estimate', lang)}:", estimate_amount(ticket.estimate_minutes, lang)))
    text(issued_at_parts(ticket.local_issued_at, lang))
    lines.append(TextLine(""))
    lines.append(QrCode(ticket.status_url, module_dots=QR_MODULE_DOTS[ticket.paper_mm]))
    text(label("scan", lang))
    if ticket.footer.strip():
        lines.append(TextLine(""))
        text(ticket.footer)
    lines.append(Cut())
    return lines
