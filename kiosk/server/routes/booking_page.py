"""The booking pages on the visitor side: agency → service → day → slot and the fields the service asks →
the booking's page (code, QR, move, cancel, .ics). HTML from kiosk.server.booking_html; plain links and form
posts, no JavaScript. Each page's work is the engine's (kiosk.bookings), on the engine thread.

Limits (kiosk.server.access): the visitor side's per-address rate, plus ``server.limits.booking_per_hour``
bookings and moves, and ``booking_misses_per_hour`` unknown codes, per client address an hour."""
from __future__ import annotations

import math
from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk import errors as queue_errors
from kiosk.bookings import BOOKING_FIELDS_ORDER, normalise_booking_code
from kiosk.i18n import t
from kiosk.server import booking_html as html
from kiosk.server.deps import address_of, explicit_lang, get_backend
from kiosk.server.routes.phone_page import form_fields

router = APIRouter(include_in_schema=False)
DONE = ("booked", "cancelled", "moved")
NO_STORE = {"Cache-Control": "no-store"}


def lang_of(request: Request, booking_lang: str | None = None) -> str:
    return explicit_lang(request) or booking_lang or get_backend(request).default_lang


def page(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=NO_STORE)


def lobby_name(request: Request) -> str:
    return get_backend(request).config.lobby.name


def message(request: Request, lang: str, title_id: str, text: str, status: int, headers: dict | None = None):
    return HTMLResponse(html.message_page(lang, lobby_name(request), title_id, text, request.url.path),
                        status_code=status, headers={**NO_STORE, **(headers or {})})


def not_found(request: Request, lang: str):
    return message(request, lang, "booking.not_found_title", t("booking.not_found", lang), 404)


def too_many(request: Request, lang: str, wait: float):
    return message(request, lang, "booking.title", t("booking.rate_limited", lang, minutes=max(1, math.ceil(wait / 60))),
                   429, {"Retry-After": str(max(1, math.ceil(wait)))})


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def bookable(request: Request, service_id: str):
    for service in get_backend(request).engine.bookings.bookable_services():
        if service.id == service_id:
            return service
    return None


@router.get("/booking", response_class=HTMLResponse)
async def agencies(request: Request):
    backend = get_backend(request)
    lang = lang_of(request)
    services = backend.engine.bookings.bookable_services()
    agency_id = request.query_params.get("agency")
    if agency_id:
        agency = backend.config.agency_by_id.get(agency_id)
        offered = [(s.id, s.name.get(lang)) for s in services if s.agency == agency_id]
        if agency is None or not offered:
            return not_found(request, lang)
        return page(html.services_page(agency_id, offered, lang, lobby_name(request), agency.name))
    counts: dict[str, int] = {}
    for service in services:
        counts[service.agency] = counts.get(service.agency, 0) + 1
    listed = [(a.id, a.name, counts[a.id]) for a in backend.config.agencies if a.id in counts]
    return page(html.agencies_page(listed, lang, lobby_name(request)))


def _days(desk, service_id: str) -> list[tuple[date, int]]:
    days = []
    for day in desk.days(service_id):
        free = sum(slot.free for slot in desk.slots(service_id, day))
        cap = desk.day_free(service_id, day)
        days.append((day, free if cap is None else min(free, cap)))
    return days


@router.get("/booking/{service_id}", response_class=HTMLResponse)
async def days(request: Request, service_id: str):
    backend = get_backend(request)
    lang = lang_of(request)
    service = bookable(request, service_id)
    if service is None:
        return not_found(request, lang)
    listed = await backend.run(_days, backend.engine.bookings, service.id)
    return page(html.days_page(service.id, service.name.get(lang), listed, lang, lobby_name(request)))


def slots_of(request: Request, service, day: date, lang: str, **form) -> str:
    backend = get_backend(request)
    slots = backend.engine.bookings.slots(service.id, day)
    base = f"/booking/{service.id}"
    return html.slots_page(service.name.get(lang), day, slots, lang, lobby_name(request), base=base,
                           form_action=f"{base}/{day.isoformat()}?lang={lang}",
                           fields=[f for f in BOOKING_FIELDS_ORDER if f in service.booking.fields], **form)


@router.get("/booking/{service_id}/{day}", response_class=HTMLResponse)
async def slots(request: Request, service_id: str, day: str):
    backend = get_backend(request)
    lang = lang_of(request)
    service, when = bookable(request, service_id), parse_day(day)
    if service is None or when is None or when not in backend.engine.bookings.days(service.id):
        return not_found(request, lang)
    return page(await backend.run(slots_of, request, service, when, lang))


def slot_time(value: str) -> str:
    value = value.strip()[:5]
    return f"{value[:2]}:{value[2:]}" if len(value) == 4 and value.isdigit() else value


async def _posted_form(request: Request, backend, lang: str):
    """(the form's fields, None), or (None, the answer) when the address is over its booking budget: a booking
    and a move take the same budget."""
    try:
        fields = await form_fields(request)
    except ValueError:
        fields = {}
    wait = backend.booking_budget.take(address_of(request))
    if wait is not None:
        return None, too_many(request, lang, wait)
    return fields, None


@router.post("/booking/{service_id}/{day}")
async def book(request: Request, service_id: str, day: str):
    backend = get_backend(request)
    lang = lang_of(request)
    service, when = bookable(request, service_id), parse_day(day)
    if service is None or when is None:
        return not_found(request, lang)
    fields, refused = await _posted_form(request, backend, lang)
    if refused is not None:
        return refused
    address = address_of(request)
    given = {k: fields.get(k, "")[:254] for k in service.booking.fields}
    try:
        booking = await backend.write(backend.engine.bookings.book, service.id, when, slot_time(fields.get("slot", "")),
                                      given, lang=lang, address=address)
    except queue_errors.BookingRefused as exc:
        backend.booking_budget.give_back(address)  # a refused booking holds nothing
        text = await backend.run(slots_of, request, service, when, lang, error=exc.message(lang),
                                 given={**given, "slot": fields.get("slot", "")})
        return page(text, exc.http_status)
    backend.kick_outbox()
    return RedirectResponse(f"/b/{booking.code}?lang={lang}&done=booked", status_code=303)


async def find(request: Request, code: str):
    """The booking of ``code``, or an answer (404, or 429 for an address guessing codes)."""
    backend = get_backend(request)
    lang = lang_of(request)
    address = address_of(request)
    normal = normalise_booking_code(code[:40])
    try:
        if normal is None:
            raise queue_errors.BookingRefused(msgid="booking.unknown_code", fields={}, reason="unknown_code")
        return await backend.write(backend.engine.bookings.view, normal), None
    except queue_errors.BookingRefused:
        wait = backend.booking_misses.take(address)
        if wait is not None:
            return None, too_many(request, lang, wait)
        return None, not_found(request, lang)


async def card(request: Request, booking, lang: str, *, error: str | None = None, done: str | None = None) -> str:
    """The booking's page; the messages sent about it are read on the engine thread (the store's lock is the
    engine's: a read here on the event loop would wait out every write in flight)."""
    backend = get_backend(request)
    names = backend.names(booking.service_id, booking.agency_id, lang)
    slot_local = datetime.fromisoformat(booking.slot_at).astimezone(backend.config.lobby.tz)
    url = f"{backend.config.lobby.public_url.rstrip('/')}/b/{booking.code}"
    service = backend.config.service_by_id.get(booking.service_id)
    before = service.booking.checkin_before_min if service and service.booking else 30
    from kiosk.notify import messages_of

    sent = await backend.run(messages_of, backend.engine, booking.code)
    return html.booking_page(booking, names["service_name"], names["agency_name"], slot_local, lang,
                             lobby_name(request), url, checkin_before_min=before, error=error, done=done,
                             messages=sent)


@router.get("/b/{code}", response_class=HTMLResponse)
async def view(request: Request, code: str):
    booking, refusal = await find(request, code)
    if refusal is not None:
        return refusal
    lang = lang_of(request, booking.lang)
    done = request.query_params.get("done")
    return page(await card(request, booking, lang, done=t(f"booking.done_{done}", lang) if done in DONE else None))


@router.post("/b/{code}/cancel")
async def cancel(request: Request, code: str):
    backend = get_backend(request)
    booking, refusal = await find(request, code)
    if refusal is not None:
        return refusal
    lang = lang_of(request, booking.lang)
    try:
        await backend.write(backend.engine.bookings.cancel, booking.code)
    except queue_errors.BookingRefused as exc:
        return page(await card(request, booking, lang, error=exc.message(lang)), exc.http_status)
    backend.kick_outbox()
    return RedirectResponse(f"/b/{booking.code}?lang={lang}&done=cancelled", status_code=303)


@router.get("/b/{code}/move", response_class=HTMLResponse)
async def move_days(request: Request, code: str):
    backend = get_backend(request)
    booking, refusal = await find(request, code)
    if refusal is not None:
        return refusal
    lang = lang_of(request, booking.lang)
    service = bookable(request, booking.service_id)
    if service is None or booking.state != "booked":
        return page(await card(request, booking, lang, error=t("booking.cannot_move", lang)), 409)
    listed = await backend.run(_days, backend.engine.bookings, service.id)
    return page(html.days_page(service.id, service.name.get(lang), listed, lang, lobby_name(request),
                               base=f"/b/{booking.code}/move"))


def move_slots(request: Request, booking, service, day: date, lang: str, error: str | None = None) -> str:
    slots = get_backend(request).engine.bookings.slots(service.id, day)
    base = f"/b/{booking.code}/move"
    return html.slots_page(service.name.get(lang), day, slots, lang, lobby_name(request), base=base,
                           form_action=f"{base}/{day.isoformat()}?lang={lang}", fields=None, error=error)


@router.get("/b/{code}/move/{day}", response_class=HTMLResponse)
async def move_slot_page(request: Request, code: str, day: str):
    backend = get_backend(request)
    booking, refusal = await find(request, code)
    if refusal is not None:
        return refusal
    lang = lang_of(request, booking.lang)
    service, when = bookable(request, booking.service_id), parse_day(day)
    if service is None or when is None or when not in backend.engine.bookings.days(service.id):
        return not_found(request, lang)
    return page(await backend.run(move_slots, request, booking, service, when, lang))


@router.post("/b/{code}/move/{day}")
async def move(request: Request, code: str, day: str):
    backend = get_backend(request)
    booking, refusal = await find(request, code)
    if refusal is not None:
        return refusal
    lang = lang_of(request, booking.lang)
    service, when = bookable(request, booking.service_id), parse_day(day)
    if service is None or when is None:
        return not_found(request, lang)
    fields, refused = await _posted_form(request, backend, lang)
    if refused is not None:
        return refused
    address = address_of(request)
    try:
        await backend.write(backend.engine.bookings.move, booking.code, when, slot_time(fields.get("slot", "")))
    except queue_errors.BookingRefused as exc:
        backend.booking_budget.give_back(address)
        return page(await backend.run(move_slots, request, booking, service, when, lang, exc.message(lang)),
                    exc.http_status)
    backend.kick_outbox()
    return RedirectResponse(f"/b/{booking.code}?lang={lang}&done=moved", status_code=303)


@router.get("/b/{code}/booking.ics")
async def calendar(request: Request, code: str):
    backend = get_backend(request)
    booking, refusal = await find(request, code)
    if refusal is not None:
        return refusal
    lang = lang_of(request, booking.lang)
    names = backend.names(booking.service_id, booking.agency_id, lang)
    service = backend.config.service_by_id.get(booking.service_id)
    minutes = service.booking.slot_minutes if service and service.booking else 30
    url = f"{backend.config.lobby.public_url.rstrip('/')}/b/{booking.code}"
    body = html.ics(booking, names["service_name"], names["agency_name"], datetime.fromisoformat(booking.slot_at),
                    minutes, backend.config.lobby.name, url, backend.engine.clock.now())
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="booking-{booking.code}.ics"'})
