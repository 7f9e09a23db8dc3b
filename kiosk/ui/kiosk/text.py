"""The kiosk's thin text helpers over the catalog (kiosk/i18n.py): dates, clock, wait estimate.

The kiosk never shows a string that is not in the catalog (or comes from the
server or config in the visitor's language), so switching language switches
every visible word. No Qt here.
"""
from __future__ import annotations

from datetime import datetime

from kiosk.dates import long_date, zone_name
from kiosk.i18n import t
from kiosk.printer.layout import estimate_amount


def date_text(moment: datetime, lang: str) -> str:
    """'Senin, 23 November 2026' / 'Monday, 23 November 2026' (the moment as given: convert it first)."""
    return long_date(moment.date(), lang)


def clock_text(moment: datetime) -> str:
    """'09:00 WITA'."""
    return f"{moment:%H:%M} {zone_name(moment)}"


def estimate_text(minutes: int | None, lang: str) -> str:
    if minutes is None:
        return ""
    return t("kiosk.estimate", lang, amount=estimate_amount(int(minutes), lang))
