"""Colours and sizes shared by every window.

Text colours are chosen for a contrast of at least 7:1 (WCAG AAA) against the
background they sit on; tests/ui checks the pairs listed in ``TEXT_PAIRS``.
"""
from __future__ import annotations

NAVY = "#0B2545"        # page background of the kiosk and display
NAVY_DARK = "#071A33"
PANEL = "#13315C"       # cards on NAVY
WHITE = "#FFFFFF"
PALE = "#E8EEF7"        # secondary text on NAVY/PANEL
YELLOW = "#FFD23F"      # the called number, highlights
GREEN = "#0B5D1E"       # "open", confirm buttons (white text)
RED = "#8B1E1E"         # closed/full, errors (white text)
AMBER_TEXT = "#FFE08A"  # warnings on NAVY
GREY_TEXT = "#D6DEE8"
PRIORITY = "#6A1B9A"    # priority mark (white text)
LIGHT_BG = "#F4F6FA"    # the counter window (office software look)
INK = "#111827"         # text on LIGHT_BG
ACCENT = "#0B4F8A"      # buttons on LIGHT_BG (white text)
CARD = "#FFFFFF"        # panels on LIGHT_BG (counter window)
MUTED_BG = "#D5DBE3"    # disabled buttons on LIGHT_BG
MUTED_TEXT = "#374151"  # secondary text on LIGHT_BG, CARD and MUTED_BG
SELECTED_BG = "#DCEBFA"  # a selected row on CARD (INK text)
PAUSED_BG = "#FFF4CC"   # a paused counter's panel (INK text)

FONT_FAMILY = "DejaVu Sans"

# (foreground, background) pairs that carry text somewhere in the windows.
TEXT_PAIRS = [
    (WHITE, NAVY), (PALE, NAVY), (YELLOW, NAVY), (WHITE, PANEL), (PALE, PANEL), (YELLOW, PANEL),
    (WHITE, GREEN), (WHITE, RED), (AMBER_TEXT, NAVY), (GREY_TEXT, NAVY), (WHITE, PRIORITY),
    (INK, LIGHT_BG), (WHITE, ACCENT), (WHITE, NAVY_DARK), (YELLOW, NAVY_DARK),
    # counter window
    (INK, CARD), (MUTED_TEXT, MUTED_BG), (MUTED_TEXT, LIGHT_BG), (MUTED_TEXT, CARD), (RED, LIGHT_BG),
    (GREEN, LIGHT_BG), (RED, CARD), (GREEN, CARD), (PRIORITY, CARD), (ACCENT, CARD), (INK, SELECTED_BG), (INK, PAUSED_BG),
]


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def mm_to_px(mm: float, dpi: float) -> int:
    return round(mm / 25.4 * dpi)
