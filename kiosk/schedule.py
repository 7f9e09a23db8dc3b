"""Whether a service takes tickets now: ONE function for hours, holidays, breaks,
the last-ticket cutoff and the daily quota. Everything that shows or enforces
a service's status calls :func:`service_status`."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable

from kiosk.config import WEEKDAYS, Config, Service, Span
from kiosk.dates import day_name
from kiosk.i18n import t



@dataclass(frozen=True)
class ServiceStatus:
    state: str  # "open" | "closed" | "full"
    render: Callable[[str], str] = field(repr=False, compare=False)  # lang -> the sentence (catalog words)
    opens_at: datetime | None = None  # local time of the next opening, when closed

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def text(self, lang: str) -> str:
        return self.render(lang)

    @property
    def text_id(self) -> str:
        return self.text("id")

    @property
    def text_en(self) -> str:
        return self.text("en")

    def to_dict(self, lang: str = "id") -> dict:
        return {
            "state": self.state,
            "text": self.text(lang),
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
        }


def local_day(config: Config, now: datetime) -> date:
    return now.astimezone(config.lobby.tz).date()


@functools.lru_cache(maxsize=4096)
def _span(text: str) -> Span:
    """A parsed 'HH:MM-HH:MM' (validated once per text: a ticket is issued many times a day)."""
    return Span.parse(text)


def _spans_on(config: Config, service: Service, day: date) -> list[Span]:
    weekday = WEEKDAYS[day.weekday()]
    weekly = service.hours if service.hours is not None else config.schedule.weekly
    return sorted((_span(s) for s in weekly.get(weekday, [])), key=lambda s: s.start)


def opening_spans(config: Config, service: Service, day: date) -> list[Span]:
    """The service's opening hours of a day as configured (breaks and holidays not applied: ask
    :func:`service_status` whether a moment of them takes tickets)."""
    return _spans_on(config, service, day)


def _holiday(config: Config, day: date):
    for holiday in config.schedule.holidays:
        if holiday.date == day:
            return holiday
    return None


def _open_periods(config: Config, service: Service, day: date) -> list[tuple[time, time, object]]:
    """Opening spans minus breaks, each with the break that ends it (or None)."""
    if _holiday(config, day):
        return []
    weekday = WEEKDAYS[day.weekday()]
    breaks = sorted(
        ((_span(b.span), b) for b in config.schedule.breaks if weekday in b.days),
        key=lambda pair: pair[0].start,
    )
    periods = []
    for span in _spans_on(config, service, day):
        start = span.start
        for brk_span, brk in breaks:
            if brk_span.end <= start or brk_span.start >= span.end:
                continue
            if brk_span.start > start:
                periods.append((start, brk_span.start, brk))
            start = max(start, brk_span.end)
        if start < span.end:
            periods.append((start, span.end, None))
    return periods


def _ticket_periods(config: Config, service: Service, day: date):
    """(open periods cut at the day's last-ticket time, that time, closing time); times None on a closed day.

    A period that starts at or after the cutoff takes no tickets, so it is dropped:
    "closed until 13:00" must not be said when nothing is issued at 13:00.
    """
    periods = _open_periods(config, service, day)
    if not periods:
        return [], None, None
    last_end = datetime.combine(day, periods[-1][1])
    cutoff_at = last_end - timedelta(minutes=config.schedule.last_ticket_minutes)
    cutoff = cutoff_at.time() if cutoff_at.date() == day else time.min
    clipped = []
    for start, end, brk in periods:
        if start < cutoff:
            clipped.append((start, end, brk) if end <= cutoff else (start, cutoff, None))
    return clipped, cutoff, periods[-1][1]


def _next_opening(config: Config, service: Service, local_now: datetime) -> datetime | None:
    for offset in range(0, 15):
        day = local_now.date() + timedelta(days=offset)
        for start, _end, _brk in _ticket_periods(config, service, day)[0]:
            opening = datetime.combine(day, start, tzinfo=local_now.tzinfo)
            if opening > local_now:
                return opening
    return None


def _until_text(opening: datetime | None, local_now: datetime, lang: str) -> str:
    if opening is None:
        return t("schedule.closed", lang)
    hhmm = opening.strftime("%H:%M")
    days = (opening.date() - local_now.date()).days
    if days == 0:
        when = hhmm
    elif days == 1:
        when = t("schedule.tomorrow", lang, time=hhmm)
    elif days < 7:
        when = f"{day_name(opening, lang)} {hhmm}"
    else:  # a week or more away: the weekday alone would read as this week's
        when = f"{day_name(opening, lang)} {opening.day}/{opening.month} {hhmm}"
    return t("schedule.closed_until", lang, when=when)


def _closed(opening, local_now, reason: Callable[[str], str] | None) -> ServiceStatus:
    """Closed until the next opening; ``reason`` (lang -> words) says why, in brackets."""
    def render(lang: str) -> str:
        text = _until_text(opening, local_now, lang)
        return t("schedule.reason", lang, text=text, reason=reason(lang)) if reason else text

    return ServiceStatus("closed", render, opening)


def service_status(config: Config, service: Service, now: datetime, issued_today: int) -> ServiceStatus:
    """Open, closed until …, or full — for taking a new ticket at ``now``."""
    local_now = now.astimezone(config.lobby.tz)
    day, clock = local_now.date(), local_now.time()
    holiday = _holiday(config, day)
    if holiday:
        return _closed(_next_opening(config, service, local_now), local_now,
                       lambda lang: t("schedule.holiday", lang, name=holiday.name))
    periods, cutoff, closes = _ticket_periods(config, service, day)
    if not any(start <= clock < end for start, end, _brk in periods):
        opening = _next_opening(config, service, local_now)
        reason = None
        if cutoff is not None and cutoff <= clock < closes:
            last = f"{cutoff:%H:%M}"
            reason = lambda lang: t("schedule.last_ticket", lang, time=last)  # noqa: E731
        else:
            for _start, end, brk in periods:
                # in a break, and the service opens again after it today
                if brk is not None and end <= clock and opening and opening.date() == day:
                    reason = brk.reason.get  # the break's name is lobby data (config.toml), in id and en
        return _closed(opening, local_now, reason)
    if service.daily_quota is not None and issued_today >= service.daily_quota:
        quota = service.daily_quota
        return ServiceStatus(
            "full",
            lambda lang: t("schedule.full", lang, quota=quota),
            _next_opening(config, service, local_now.replace(hour=23, minute=59)),
        )
    return ServiceStatus("open", lambda lang: t("schedule.open", lang))


def lobby_status(config: Config, statuses: list[ServiceStatus]) -> ServiceStatus:
    """The lobby as the home screen says it, from the services' own statuses (service_status, the one rule):
    open while any service takes tickets; else the soonest reopening, with its reason in full ("Tutup sampai
    13:30 (Istirahat salat Jumat)"); full when every service still open today is full."""
    if not statuses or any(status.is_open for status in statuses):
        return ServiceStatus("open", lambda lang: t("schedule.open", lang))
    closed = [status for status in statuses if status.state == "closed"]
    if not closed:
        return statuses[0]
    return min(closed, key=lambda status: (status.opens_at is None, status.opens_at or datetime.max.replace(tzinfo=config.lobby.tz)))
