"""Ticket codes: one grammar for printing a code and for reading one back (typed, scanned, spoken).

A code is the group's prefix and the day's number: ``A-007``, ``A-012``, ``A-10005``.
Numbers are padded to 3 digits and grow past 999 (and past 9999) without a limit below
``MAX_TICKET_NUMBER``, so every code the lobby prints can be called by its code.
"""
from __future__ import annotations

import re

from kiosk.protocol.requests import MAX_TICKET_NUMBER  # six digits (see there)

# prefix (1-3 letters), an optional dash, the number (leading zeros allowed: 'A0012' is A-012)
TICKET_CODE_RE = re.compile(r"\s*([A-Za-z]{1,3})\s*-?\s*0*(\d{1,6})\s*")


def format_code(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


def normalise_code(ref: str) -> str | None:
    """'a12', 'A012', 'A-12', 'a - 012' → 'A-012'; 'A-10005' → 'A-10005'; None if it is not a code."""
    match = TICKET_CODE_RE.fullmatch(ref)
    if not match or not 1 <= int(match.group(2)) <= MAX_TICKET_NUMBER:
        return None
    return format_code(match.group(1).upper(), int(match.group(2)))
