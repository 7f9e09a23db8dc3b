"""The booking pages (``/booking…`` and ``/b/{code}``): server-rendered HTML, plain links and form posts,
no JavaScript, nothing from another site. Every sentence is the catalog's (``booking.*``); agency and
service names are lobby data."""
from __future__ import annotations

import functools
from datetime import date, datetime, timezone
from html import escape

from kiosk.dates import day_name, long_date
from kiosk.i18n import other_language, t

STATE_CLASSES = {"booked": "ok", "checked_in": "ok", "cancelled": "warn", "no_show": "warn"}


def shell(lang: str, title: str, body: str, *, lobby: str, switch_path: str) -> str:
    switch_to = other_language(lang)
    sep = "&" if "?" in switch_path else "?"
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n<meta name="referrer" content="no-referrer">\n'
        f'<title>{escape(title)} — {escape(lobby)}</title>\n'
        '<link rel="stylesheet" href="/static/phone.css">\n<link rel="stylesheet" href="/static/booking.css">\n'
        '</head>\n<body>\n<header class="top">\n'
        f'  <span class="lobby">{escape(lobby)}</span>\n'
        f'  <a class="switch" href="{escape(switch_path)}{sep}lang={switch_to}" hreflang="{switch_to}" '
        f'lang="{switch_to}">{t("language.name", switch_to)}</a>\n'
        f'</header>\n<main class="booking">\n<h1>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n')


def notice(error: str | None) -> str:
    return f'<p class="notice" role="alert">{escape(error)}</p>' if error else ""


def link_list(items: list[tuple[str, str, str]]) -> str:
    """(href, main text, side text) as big tappable rows."""
    rows = "".join(
        f'<li><a class="choice" href="{escape(href)}"><span>{escape(main)}</span>'
        f'<span class="side">{escape(side)}</span></a></li>' for href, main, side in items)
    return f'<ul class="choices">{rows}</ul>'


def back(href: str, lang: str) -> str:
    return f'<p><a class="back" href="{escape(href)}">← {t("booking.back", lang)}</a></p>'


def agencies_page(agencies: list[tuple[str, str, int]], lang: str, lobby: str) -> str:
    """(agency id, name, bookable services)."""
    if not agencies:
        body = f'<p class="hint">{t("booking.none_bookable", lang)}</p>'
    else:
        body = (f'<p class="hint">{t("booking.choose_agency", lang)}</p>' + link_list(
            [(f"/booking?agency={aid}&lang={lang}", name, t("booking.services_n", lang, n=n))
             for aid, name, n in agencies]))
    return shell(lang, t("booking.title", lang), body, lobby=lobby, switch_path="/booking")


def services_page(agency_id: str, services: list[tuple[str, str]], lang: str, lobby: str, agency_name: str) -> str:
    body = (f'<p class="where">{escape(agency_name)}</p><p class="hint">{t("booking.choose_service", lang)}</p>'
            + link_list([(f"/booking/{sid}?lang={lang}", name, "") for sid, name in services])
            + back(f"/booking?lang={lang}", lang))
    return shell(lang, t("booking.title", lang), body, lobby=lobby, switch_path=f"/booking?agency={agency_id}")


def day_text(day: date, lang: str) -> str:
    return long_date(day, lang)


def days_page(service_id: str, service_name: str, days: list[tuple[date, int]], lang: str, lobby: str,
              base: str | None = None, error: str | None = None) -> str:
    """(day, free places that day); ``base`` is where a day's link goes (a new booking, or a move)."""
    base = base or f"/booking/{service_id}"
    items = [(f"{base}/{day.isoformat()}?lang={lang}", day_text(day, lang),
              t("booking.free_n", lang, n=free) if free else t("booking.day_none", lang))
             for day, free in days]
    body = (notice(error) + f'<p class="where">{escape(service_name)}</p><p class="hint">{t("booking.choose_day", lang)}</p>'
            + link_list(items) + back(f"/booking?lang={lang}", lang))
    return shell(lang, t("booking.title", lang), body, lobby=lobby, switch_path=base)


def slots_page(service_name: str, day: date, slots: list, lang: str, lobby: str, *, base: str,
               form_action: str | None = None, fields: list[str] | None = None, hidden: str = "",
               error: str | None = None, given: dict | None = None) -> str:
    """The day's slots as radio buttons inside one form with the fields the service asks for."""
    if not slots:
        body = f'<p class="hint">{t("booking.no_slots", lang)}</p>' + back(f"{base}?lang={lang}", lang)
        return shell(lang, t("booking.title", lang), body, lobby=lobby, switch_path=f"{base}/{day.isoformat()}")
    given = given or {}
    chosen = given.get("slot", "")
    options = []
    for slot in slots:
        free = slot.free
        value = slot.time.replace(":", "")
        disabled = " disabled" if free == 0 else ""
        checked = " checked" if value == chosen and free else ""
        side = t("booking.free_n", lang, n=free) if free else t("booking.slot_none", lang)
        options.append(
            f'<label class="slot{" full" if not free else ""}"><input type="radio" name="slot" value="{value}"'
            f'{disabled}{checked} required><span class="time">{slot.time}</span><span class="side">{side}</span></label>')
    inputs = []
    for field in fields or []:
        kind = {"email": "email", "phone": "tel", "nik": "text", "name": "text"}[field]
        extra = {"nik": ' inputmode="numeric" pattern="[0-9 ]{16,19}" maxlength="19"',
                 "phone": ' inputmode="tel" maxlength="20"', "name": ' maxlength="80" autocomplete="name"',
                 "email": ' maxlength="254" autocomplete="email"'}[field]
        inputs.append(
            f'<label class="field"><span>{t(f"booking.label_{field}", lang)}</span>'
            f'<input type="{kind}" name="{field}" value="{escape(given.get(field, ""))}" required{extra}></label>')
    submit = t("booking.submit", lang) if fields is not None else t("booking.move_submit", lang)
    body = (notice(error) + f'<p class="where">{escape(service_name)} · {escape(day_text(day, lang))}</p>'
            f'<form method="post" action="{escape(form_action or "")}" class="book">{hidden}'
            f'<fieldset><legend>{t("booking.choose_slot", lang)}</legend>{"".join(options)}</fieldset>'
            + (f'<fieldset><legend>{t("booking.your_details", lang)}</legend>{"".join(inputs)}</fieldset>'
               if inputs else "")
            + f'<button type="submit" class="big">{submit}</button></form>' + back(f"{base}?lang={lang}", lang))
    return shell(lang, t("booking.title", lang), body, lobby=lobby, switch_path=f"{base}/{day.isoformat()}")


QR_MASK = 2  # vertical stripes of modules: one of the eight masks of ISO/IEC 18004


@functools.lru_cache(maxsize=2048)
def qr_svg(text: str) -> str:
    """The QR of ``text`` as inline SVG: one path, a run of dark modules per subpath, 1.2 mm a module with a
    two-module quiet zone (what qrcode's SvgPathImage drew at box_size 12, in a tenth of its markup and time).
    Cached: a booking's link never changes, and a phone reloads its booking's page. One fixed mask: choosing
    the best of eight by their penalty score is qrcode's pure-Python hot spot (8 of 9 matrix builds, 2.7 ms of
    a page's 3.6), on the event loop of 50 phones at once; any mask is a valid code to every reader (the
    browser test decodes the page's QR), and a short link on a lit phone screen needs no tuning for print."""
    import qrcode  # here, not at the top: it brings PIL, ~15 ms of every server start, for the booking pages only
    import qrcode.constants

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=QR_MASK)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()  # the quiet zone included
    runs = []
    for y, row in enumerate(matrix):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append(f"M{start},{y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    size = len(matrix)
    mm = f"{size * 1.2:g}mm"
    return (f'<svg width="{mm}" height="{mm}" version="1.1" viewBox="0 0 {size} {size}" '
            f'xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges"><path d="{"".join(runs)}"/></svg>')


def booking_page(booking, service_name: str, agency_name: str, slot_local: datetime, lang: str, lobby: str,
                 url: str, *, checkin_before_min: int = 30, error: str | None = None, done: str | None = None,
                 messages: list[dict] | None = None) -> str:
    code = booking.display_code
    state = booking.state
    when = f"{day_text(slot_local.date(), lang)}, {slot_local:%H:%M}"
    actions = ""
    if state == "booked":
        actions = (
            f'<p class="hint">{t("booking.show_at_kiosk", lang, minutes=checkin_before_min)}</p>'
            f'<p><a class="button" href="/b/{booking.code}/booking.ics">{t("booking.ics", lang)}</a></p>'
            f'<p><a class="button secondary" href="/b/{booking.code}/move?lang={lang}">{t("booking.move", lang)}</a></p>'
            f'<form method="post" action="/b/{booking.code}/cancel?lang={lang}">'
            f'<button type="submit" class="danger">{t("booking.cancel", lang)}</button></form>')
    qr = f'<div class="qr" role="img" aria-label="QR {escape(code)}">{qr_svg(url)}</div>' if state == "booked" else ""
    body = (
        notice(error) + (f'<p class="done" role="status">{escape(done)}</p>' if done else "")
        + f'<section class="ticket booking-card" data-state="{state}">'
        f'<p class="label">{t("booking.code_label", lang)}</p><p class="code small" id="code">{escape(code)}</p>'
        f'<p class="where">{escape(agency_name)} · {escape(service_name)}</p>'
        f'<p class="when" id="when">{escape(when)}</p>'
        f'<p class="state {STATE_CLASSES[state]}" id="state">{t(f"booking.state_{state}", lang)}</p>'
        f'{qr}</section>{message_list(messages or [], lang)}{actions}'
        f'<p><a class="back" href="/booking?lang={lang}">{t("booking.new", lang)}</a></p>')
    return shell(lang, t("booking.your_booking", lang), body, lobby=lobby, switch_path=f"/b/{booking.code}")


def message_list(messages: list[dict], lang: str) -> str:
    """What became of the booking's messages (e-mail, SMS gateway): sent, being retried, or given up."""
    if not messages:
        return ""
    rows = []
    for message in messages:
        kind, channel, state = message["kind"], message["channel"], message["state"]
        rows.append(f'<li class="msg-{state}">{t(f"booking.msg_kind_{kind}", lang)} · '
                    f'{t(f"booking.channel_{channel}", lang)}: {t(f"booking.msg_state_{state}", lang)}</li>')
    rows = "".join(rows)
    return f'<ul class="messages" id="messages">{rows}</ul>'


def message_page(lang: str, lobby: str, title_id: str, text: str, switch_path: str) -> str:
    body = f'<p class="hint">{escape(text)}</p><p><a class="back" href="/booking?lang={lang}">{t("booking.new", lang)}</a></p>'
    return shell(lang, t(title_id, lang), body, lobby=lobby, switch_path=switch_path)


def ics(booking, service_name: str, agency_name: str, slot_at: datetime, minutes: int, lobby: str, url: str,
        now: datetime) -> str:
    """An iCalendar event (RFC 5545) for the phone's calendar."""
    def stamp(when: datetime) -> str:
        return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    from datetime import timedelta
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//mpp-kiosk//booking//ID", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "BEGIN:VEVENT", f"UID:{booking.code}@mpp-kiosk", f"DTSTAMP:{stamp(now)}", f"DTSTART:{stamp(slot_at)}",
        f"DTEND:{stamp(slot_at + timedelta(minutes=minutes))}",
        f"SUMMARY:{text(f'{agency_name} · {service_name} ({booking.display_code})')}",
        f"LOCATION:{text(lobby)}", f"URL:{url}", f"DESCRIPTION:{text(booking.display_code)}",
        "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


__all__ = ["agencies_page", "services_page", "days_page", "slots_page", "booking_page", "message_page", "ics",
           "day_name"]
