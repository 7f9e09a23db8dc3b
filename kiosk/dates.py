"""Dates and times as a visitor in Indonesia reads them, in Indonesian or English.

One place for day and month names and the zone abbreviations (WIB/WITA/WIT), used by
the ticket, the windows and the service status texts.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

DAY_NAMES = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTH_NAMES = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
           "Agustus", "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"),
}
# Indonesia's three official zones by their IANA names (old aliases included).
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "id"


def day_name(day: date, lang: str) -> str:
    return DAY_NAMES[_lang(lang)][day.weekday()]


def long_date(day: date, lang: str) -> str:
    """'Senin, 23 November 2026' / 'Monday, 23 November 2026'."""
    lang = _lang(lang)
    return f"{DAY_NAMES[lang][day.weekday()]}, {day.day} {MONTH_NAMES[lang][day.month - 1]} {day.year}"


def zone_name(moment: datetime) -> str:
    """WIB / WITA / WIT for Indonesian zones, else the UTC offset ('UTC+5:30')."""
    key = getattr(moment.tzinfo, "key", None)
    if key in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[key]
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
