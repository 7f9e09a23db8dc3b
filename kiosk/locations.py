"""Where to go, in words: 'Tunggu di Zona B, lantai 1 · Loket 1–4' (the catalog's wording; no Qt)."""
from __future__ import annotations

from kiosk.i18n import t


def location_text(location, lang: str) -> str:
    """The sentence for a config Location (or '' when there is none)."""
    if location is None:
        return ""
    parts = []
    if location.zone:
        parts.append(t("ticket.location_zone", lang, zone=location.zone))
    if location.floor:
        parts.append(t("ticket.location_floor", lang, floor=location.floor))
    sentence = t("ticket.location_wait_at", lang, place=", ".join(parts)) if parts else ""
    extra = location.text.get(lang) if location.text is not None else ""
    return " · ".join(part for part in (sentence, extra) if part)
