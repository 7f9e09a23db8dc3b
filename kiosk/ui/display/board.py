"""What the lobby display shows, without Qt: the current calls, each counter's state, the lobby's notice.

Two layers. :func:`true_calls`, :func:`counter_lines` and :func:`lobby_notice` are what is true now,
read from a :class:`~kiosk.lobby_state.LobbyState` (and the schedule): a call stays current while its
ticket is still at its counter, so a transfer, finish, no-show or void takes it off at once.
:class:`CallSlots` adds time: a new call waits for a slot until the oldest call on screen has had its
configured time, and once nothing waits the slots hold exactly the newest true calls.

A call is identified by the seq of its event, so a reconnect or a resync can neither repeat a call
nor lose one. Time is passed in (``now``, monotonic seconds).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kiosk.config import WEEKDAYS, Span
from kiosk.dates import day_name
from kiosk.i18n import t
from kiosk.sign import WORD_CALL, WORD_GO_TO

SLOTS = 4  # current calls shown large; four rows keep each code above 1/9 of the screen's height


@dataclass(frozen=True)
class Call:
    """One call (or recall) of a ticket to a counter; ``seq`` is its event's and identifies it for ever."""
    seq: int
    ticket_id: int
    code: str
    counter_id: str
    counter_number: str
    agency_id: str
    service_id: str
    recall: int
    at: str

    @classmethod
    def from_entry(cls, entry: dict) -> "Call":
        """From a ``recent_calls`` entry of a snapshot (or ``call_entry(event)``)."""
        return cls(seq=int(entry["seq"]), ticket_id=entry["ticket_id"], code=str(entry["code"]),
                   counter_id=str(entry["counter_id"]), counter_number=str(entry["counter_number"]),
                   agency_id=str(entry["agency_id"]), service_id=str(entry["service_id"]),
                   recall=int(entry.get("recall") or 0), at=str(entry["at"]))


# --------------------------------------------------------------------------- what is true now

def _local_day(at: str, tz) -> str | None:
    try:
        return datetime.fromisoformat(at).astimezone(tz).date().isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class Zone:
    """The part of the lobby a display shows and announces: its agencies and counters ([[displays]])."""
    name: str
    agencies: frozenset
    counters: frozenset  # ids: the listed counters and every counter of its agencies
    voice: bool = True

    def covers(self, call: Call) -> bool:
        return call.agency_id in self.agencies or call.counter_id in self.counters

    @classmethod
    def of_profile(cls, config, name: str) -> "Zone":
        """The zone of ``[[displays]]`` profile ``name``; ValueError (a sentence) when there is none."""
        profile = profile_named(config, name)
        agencies = frozenset(profile.agencies)
        counters = frozenset(profile.counters) | {c.id for c in config.counters if c.agency in agencies}
        return cls(profile.name, agencies, counters, profile.voice)


def profile_named(config, name: str | None):
    """The ``[[displays]]`` profile called ``name`` (None for None); ValueError (a sentence) when there is none."""
    if not name:
        return None
    profile = next((p for p in config.displays if p.name == name), None)
    if profile is None:
        known = ", ".join(p.name for p in config.displays) or "none"
        raise ValueError(f"no display profile {name!r} in [[displays]] (profiles: {known})")
    return profile


def display_languages(config, profile=None) -> list[str]:
    """The display's languages: the profile's if it names them, else the lobby's default first, then the others."""
    if profile is not None and profile.languages:
        return list(dict.fromkeys(profile.languages))
    langs = [config.lobby.default_language]
    return langs + [lang for lang in config.lobby.languages if lang not in langs]


def spoken_config(config, profile=None):
    """The config the display's voice reads: a profile's languages are the languages it speaks."""
    if profile is None or not profile.languages:
        return config
    audio = config.audio.model_copy(update={"languages": list(dict.fromkeys(profile.languages))})
    return config.model_copy(update={"audio": audio})


def ticker_text(config, langs: list[str], profile=None, notices=()) -> str:
    """The running text: the profile's (else [display]'s) ticker, then the notices (config's, then the API's),
    each in the display's languages."""
    ticker = profile.ticker if profile is not None and profile.ticker is not None else config.display.ticker
    return "   •   ".join(text.get(lang) for text in [ticker, *config.display.notices, *notices] for lang in langs)


class _NoticeWords(dict):
    """A notice from the server ({"id": ..., "en": ...}) read like a config Text: ``.get(lang)``."""

    def get(self, lang, default=None):
        return super().get(lang) or super().get("id") or default or ""


def active_notices(notices: list[dict], now: datetime) -> list:
    """The server's notices still up at ``now`` (one past its ``until`` leaves the ticker by itself)."""
    return [_NoticeWords(notice.get("text") or {}) for notice in notices if _still_up(notice, now)]


def _still_up(notice: dict, now: datetime) -> bool:
    until = notice.get("until")
    try:
        return not (until and datetime.fromisoformat(until) <= now)
    except (TypeError, ValueError):
        return True


NOTICE_SIGN_EVERY_S = 60  # a notice with a clip is signed again between calls after this long


def signed_notices(config, notices: list[dict], now: datetime) -> list[tuple[tuple, str, object]]:
    """The notices up now that name a sign clip: (key, sign, words) — config's first, then the server's.
    ``words.get(lang)`` gives its text; the key stays the same while the notice is up."""
    found = [(("config", i), notice.sign, notice) for i, notice in enumerate(config.display.notices) if notice.sign]
    for notice in notices:
        if notice.get("sign") and _still_up(notice, now):
            found.append((("api", notice.get("id")), notice["sign"], _NoticeWords(notice.get("text") or {})))
    return found


def signage_items(config, profile=None) -> list:
    """The playlist between calls: the profile's, else [display]'s."""
    if profile is not None and profile.signage:
        return list(profile.signage)
    return list(config.display.signage)


def is_current(state, call: Call) -> bool:
    """The call's ticket is still at its counter (not transferred, finished, no-show or voided)."""
    return state.counters.get(call.counter_id, {}).get("ticket_id") == call.ticket_id


def true_calls(state, tz=None, zone: Zone | None = None) -> list[Call]:
    """Every current call, newest first, one per ticket (its latest call or recall); of today only;
    of the zone only when one is given."""
    shown: list[Call] = []
    tickets: set = set()
    for entry in reversed(state.recent_calls):
        call = Call.from_entry(entry)
        if call.ticket_id in tickets:
            continue
        tickets.add(call.ticket_id)
        if not is_current(state, call) or zone is not None and not zone.covers(call):
            continue
        if tz is not None and state.day and _local_day(call.at, tz) != state.day:
            continue  # the server keeps its last calls across midnight; yesterday's code would mislead
        shown.append(call)
    return shown


@dataclass(frozen=True)
class CounterLine:
    """One counter on the counter board: serving a code, open and free, paused (with why) or closed."""
    counter_id: str
    number: str
    agency_id: str
    status: str            # serving | open | paused | closed
    code: str | None = None
    reason: str | None = None
    until: str | None = None  # a paused counter's end, "13:00", where the config has one (the lobby's break)

    def text(self, lang: str, fit=None) -> str:
        """The state in words; ``fit(text) -> bool`` (a narrow board row): the shortest wording that fits."""
        if self.status == "serving":
            return t("display.counter_serving", lang, code=self.code)
        if self.status == "paused" and self.until:
            reason = pause_reason_text(self.reason, lang)
            words = [t(f"display.{msgid}", lang, reason=reason, time=self.until)
                     for msgid in ("counter_paused_until", "counter_paused_until_short", "counter_paused_time")]
            return next((text for text in words if fit is None or fit(text)), words[-1])
        if self.status == "paused":
            return t("display.counter_paused", lang, reason=pause_reason_text(self.reason, lang))
        return t(f"display.counter_{self.status}", lang)


PAUSE_REASONS = ("break", "prayer", "system")  # the counter window's keys (kiosk.ui.counter.model)


def pause_reason_text(reason: str | None, lang: str) -> str:
    if reason in PAUSE_REASONS:
        return t(f"counter.reason_{reason}", lang)
    return reason or t("counter.reason_break", lang)


def counter_lines(state, counters, pause_until: str | None = None) -> list[CounterLine]:
    """Each configured counter's state, in the config's order; ``pause_until`` ("13:00"): when the paused
    counters come back, where the config says (a break of [schedule] going on now)."""
    lines = []
    for counter in counters:
        entry = state.counters.get(counter.id) or {"status": "closed", "reason": None, "ticket_id": None}
        status = entry.get("status") or "closed"
        code = None
        if status != "closed" and entry.get("ticket_id") is not None:
            ticket = state.tickets.get(entry["ticket_id"])
            code = ticket.get("code") if ticket else None
        if status == "open" and code:
            status = "serving"
        lines.append(CounterLine(counter.id, counter.number, counter.agency, status, code,
                                 entry.get("reason") if status == "paused" else None,
                                 pause_until if status == "paused" else None))
    return lines


@dataclass(frozen=True)
class Board:
    """The whole true board: what a display settled on the same events shows."""
    calls: tuple[Call, ...]
    counters: tuple[CounterLine, ...]


def zone_counters(config, zone: Zone | None) -> list:
    return [c for c in config.counters if zone is None or c.id in zone.counters]


def true_board(state, config, slots: int = SLOTS, zone: Zone | None = None) -> Board:
    return Board(tuple(true_calls(state, config.lobby.tz, zone)[:slots]),
                 tuple(counter_lines(state, zone_counters(config, zone))))


# --------------------------------------------------------------------------- the lobby's notice

@dataclass(frozen=True)
class Notice:
    """A lobby-wide notice: a break (with its reason and end), closing soon, or closed (and when it opens)."""
    kind: str                      # break | closing | closed
    until: datetime | None         # the break's end, the closing time, or the next opening
    reason: object = None          # lang -> words (a break's reason, a holiday's name), or None

    def text(self, lang: str, today: date) -> str:
        if self.kind == "break":
            return t("display.break_until", lang, reason=self.reason(lang), time=f"{self.until:%H:%M}")
        if self.kind == "closing":
            # 24:00 is kept as the day's last instant (kiosk.config): say it as the lobby wrote it
            closes = "24:00" if self.until.time() == time.max else f"{self.until:%H:%M}"
            return t("display.closing_at", lang, time=closes)
        when = _when(self.until, today, lang) if self.until else None
        text = t("display.closed_until", lang, when=when) if when else t("display.closed", lang)
        return f"{self.reason(lang)} · {text}" if self.reason else text


def _when(at: datetime, today: date, lang: str) -> str:
    hhmm = f"{at:%H:%M}"
    days = (at.date() - today).days
    if days == 0:
        return hhmm
    if days == 1:
        return t("schedule.tomorrow", lang, time=hhmm)
    return f"{day_name(at.date(), lang)} {at.day}/{at.month} {hhmm}"


def _lobby_spans(schedule, day: date):
    if any(holiday.date == day for holiday in schedule.holidays):
        return []
    spans = [Span.parse(text) for text in schedule.weekly.get(WEEKDAYS[day.weekday()], [])]
    return sorted((span.start, span.end) for span in spans)


def _next_opening(schedule, local_now: datetime) -> datetime | None:
    for offset in range(15):
        day = local_now.date() + timedelta(days=offset)
        for start, _end in _lobby_spans(schedule, day):
            opening = datetime.combine(day, start, tzinfo=local_now.tzinfo)
            if opening > local_now:
                return opening
    return None


def lobby_notice(config, now: datetime) -> Notice | None:
    """The lobby's notice at ``now`` from [schedule] (weekly hours, breaks, holidays, last_ticket_minutes)."""
    schedule = config.schedule
    local = now.astimezone(config.lobby.tz)
    clock = local.time()
    holiday = next((h for h in schedule.holidays if h.date == local.date()), None)
    if holiday is not None:
        return Notice("closed", _next_opening(schedule, local), lambda lang, name=holiday.name: name)
    spans = _lobby_spans(schedule, local.date())
    weekday = WEEKDAYS[local.weekday()]
    for brk in schedule.breaks:
        span = Span.parse(brk.span)
        start, end = span.start, span.end
        if weekday in brk.days and start <= clock < end:
            return Notice("break", datetime.combine(local.date(), end, tzinfo=local.tzinfo), brk.reason.get)
    open_now = [(start, end) for start, end in spans if start <= clock < end]
    if not open_now:
        return Notice("closed", _next_opening(schedule, local))
    if open_now[-1] == spans[-1]:
        closes = datetime.combine(local.date(), spans[-1][1], tzinfo=local.tzinfo)
        if local >= closes - timedelta(minutes=schedule.last_ticket_minutes):
            return Notice("closing", closes)
    return None


# --------------------------------------------------------------------------- the slots, in time

@dataclass
class Shown:
    call: Call
    since: float  # when it took its slot; -inf for a call loaded quietly from a snapshot


class CallSlots:
    """The current calls on screen, newest first, at most ``size``; new calls wait for a slot.

    ``update(state, now)`` is called after every event and when a slot's time is up: calls whose
    ticket left its counter go at once (queued ones too, never shown); the next waiting call takes a
    slot when one is free or the oldest shown call has been up ``min_seconds``. A recall replaces its
    ticket's own slot at once (it evicts nobody) and flashes again.
    """

    def __init__(self, size: int = SLOTS, min_seconds: float = 6.0, tz=None, zone: Zone | None = None):
        self.size = size
        self.min_seconds = min_seconds
        self.tz = tz
        self.zone = zone
        self.shown: list[Shown] = []
        self.queue: deque[Call] = deque()
        self.last_seq = 0

    @property
    def current(self) -> Call | None:
        """The newest call on screen."""
        return self.shown[0].call if self.shown else None

    def calls(self) -> list[Call]:
        return [entry.call for entry in self.shown]

    def load(self, state) -> None:
        """A first snapshot: its current calls take the slots quietly (they were announced before)."""
        self.queue.clear()
        self.shown = [Shown(call, float("-inf")) for call in true_calls(state, self.tz, self.zone)[:self.size]]
        self.last_seq = max(state.seq, *(entry.call.seq for entry in self.shown), 0)

    def add(self, call: Call) -> bool:
        """Queue a new call; False when it was handled before (a repeat after a reconnect) or is another zone's."""
        if call.seq <= self.last_seq:
            return False
        if self.zone is not None and not self.zone.covers(call):
            self.last_seq = call.seq
            return False
        self.last_seq = call.seq
        self.queue.append(call)
        return True

    def seen(self, seq: int) -> None:
        self.last_seq = max(self.last_seq, seq)

    def update(self, state, now: float) -> list[Call]:
        """Bring the slots up to ``state``; the calls that took a slot now (to flash, in order)."""
        current = {call.ticket_id: call for call in true_calls(state, self.tz, self.zone)}
        waiting = {call.seq for call in self.queue}
        # what left its counter goes; a shown call whose ticket was called again meanwhile stays until its turn
        def still_there(call: Call) -> bool:
            now_call = current.get(call.ticket_id)
            return now_call is not None and now_call.counter_id == call.counter_id and now_call.seq >= call.seq

        self.shown = [entry for entry in self.shown if still_there(entry.call)
                      and (current[entry.call.ticket_id].seq == entry.call.seq
                           or current[entry.call.ticket_id].seq in waiting)]
        self.queue = deque(call for call in self.queue if still_there(call))
        taken: list[Call] = []
        while self.queue:
            call = self.queue[0]
            own = next((i for i, entry in enumerate(self.shown) if entry.call.ticket_id == call.ticket_id), None)
            if own is not None:
                del self.shown[own]
            elif len(self.shown) >= self.size and now - self.shown[-1].since < self.min_seconds:
                break
            elif len(self.shown) >= self.size:
                self.shown.pop()
            self.queue.popleft()
            self.shown.insert(0, Shown(call, now))
            taken.append(call)
        self._backfill(current, now)
        return taken

    def _backfill(self, current: dict, now: float) -> None:
        """A slot freed by a finish shows the next newest current call again (quietly), as a fresh display would."""
        if self.queue or len(self.shown) >= self.size:
            return
        on_screen = {entry.call.seq for entry in self.shown}
        for call in sorted(current.values(), key=lambda c: -c.seq):
            if len(self.shown) >= self.size:
                break
            if call.seq not in on_screen:
                self.shown.append(Shown(call, float("-inf")))
        self.shown.sort(key=lambda entry: -entry.call.seq)

    def next_change(self, now: float) -> float | None:
        """Seconds until a waiting call may take a slot (None: nothing waits or nothing needs the clock)."""
        if not self.queue:
            return None
        if len(self.shown) < self.size:
            return 0.0
        return max(0.0, self.min_seconds - (now - self.shown[-1].since))

    def new_day(self) -> None:
        """Numbers restart at midnight: yesterday's calls leave the screen (calls still queued stay)."""
        self.shown = []


# the words every call repeats: left out of a call's signs while later calls wait (the title says the call)
REPEATED_WORDS = frozenset({WORD_CALL, WORD_GO_TO})


def brief_playlist(items: list) -> list:
    """A call's sign playlist without the repeated words; its code and counter (and a phrase clip that
    holds them) stay."""
    brief = [item for item in items if item.token not in REPEATED_WORDS]
    return brief or list(items)


def waiting_pages(items: list[tuple], widths: list[int], available: int, gap: int) -> list[list[int]]:
    """Split chips (by their pixel widths) into pages that fit ``available`` pixels: indexes per page."""
    pages: list[list[int]] = []
    page: list[int] = []
    used = 0
    for index, width in enumerate(widths):
        need = width if not page else used + gap + width
        if page and need > available:
            pages.append(page)
            page, used = [index], width
        else:
            page.append(index)
            used = need
    if page:
        pages.append(page)
    return pages
