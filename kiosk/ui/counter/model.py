"""What the counter window knows and may do, in plain Python (no Qt).

The window keeps a :class:`CounterView` (built from the live lobby state and
its own session) and asks :func:`availability` which actions make sense now;
an action that doesn't gets the reason as a sentence in the window's language
(the catalog's counter.* messages, kiosk/i18n.py), so the rules and their words
are tested without a display.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from kiosk.codes import normalise_code
from kiosk.i18n import t
from kiosk.protocol.actions import BUTTON_ACTIONS
from kiosk.protocol.events import EventType

# The actions with a button, in button order, and their keyboard shortcuts (the protocol's table).
ACTIONS = tuple(action.name for action in BUTTON_ACTIONS)
SHORTCUTS = {action.name: action.key for action in BUTTON_ACTIONS}
# Sent to the server as the counter's pause reason: language-neutral keys, shown translated.
PAUSE_REASONS = ("break", "prayer", "system")


def reason_text(lang: str, reason: str | None) -> str:
    """A pause reason in words: our own keys translated, anything else (set by another tool) as it is."""
    if reason in PAUSE_REASONS:
        return t(f"counter.reason_{reason}", lang)
    return reason or t("counter.reason_break", lang)


@dataclass(frozen=True)
class CounterView:
    """The counter as the window sees it now."""

    connected: bool = False
    status: str = "closed"            # open | paused | closed (the server's counter status)
    reason: str | None = None         # pause reason
    ticket: dict | None = None        # the ticket at the counter (a LobbyState ticket dict)
    waiting: int = 0                  # tickets waiting for this counter's services
    recalls_needed: int = 1           # config.queue.recalls_before_no_show
    in_flight: bool = False           # an action was sent and has not been answered
    no_show_left_s: int = 0           # seconds until no-show is offered (counter_app.no_show_after_s since the last call)


def availability(view: CounterView, lang: str) -> dict[str, str | None]:
    """For each action: None when it can be done now, else why not (a sentence)."""
    out: dict[str, str | None] = {}
    ticket = view.ticket
    code = ticket["code"] if ticket else ""
    if not view.connected:
        return {action: t("counter.why_offline", lang) for action in ACTIONS}

    def calling() -> str | None:
        if view.status == "closed":
            return t("counter.why_closed", lang)
        if view.status == "paused":
            return t("counter.why_paused", lang)
        if ticket is not None:
            return t("counter.why_busy_ticket", lang, code=code)
        return None

    def with_ticket(states: tuple[str, ...]) -> str | None:
        if ticket is None:
            return t("counter.why_no_ticket", lang)
        if ticket["state"] not in states:
            return t("counter.why_already_serving", lang, code=code)
        return None

    # the table's rule first (a ticket in these states, or a free counter); then the special cases
    for action in BUTTON_ACTIONS:
        out[action.name] = with_ticket(action.ticket_states) if action.ticket_states else calling()
    out["call_next"] = out["call_next"] or (t("counter.why_nothing_waiting", lang) if view.waiting == 0 else None)
    if ticket is None:
        out["no_show"] = t("counter.why_no_ticket", lang)
    elif ticket["state"] != "called":
        out["no_show"] = t("counter.why_serving_no_show", lang, code=code)
    elif (ticket.get("recalls") or 0) < view.recalls_needed:
        out["no_show"] = t("counter.why_recall_first", lang, code=code, done=ticket.get("recalls") or 0,
                            needed=view.recalls_needed)
    elif view.no_show_left_s > 0:
        out["no_show"] = t("counter.why_no_show_wait", lang, time=countdown_text(view.no_show_left_s), code=code)
    else:
        out["no_show"] = None
    # pause works with a ticket at the counter too (a system fault mid-service); resume only when paused
    out["pause"] = t("counter.why_closed", lang) if view.status == "closed" else None
    return {action: out[action] for action in ACTIONS}


# ---------------------------------------------------------------------------- safeguards (issue 18)

def countdown_text(seconds: float) -> str:
    """Seconds left as 'm:ss', rounded up: 0:01 until the moment has come."""
    whole = max(0, int(-(-seconds // 1)))
    return f"{whole // 60}:{whole % 60:02d}"


def last_call_at(ticket: dict | None, recent_calls: list[dict]) -> datetime | None:
    """When the ticket was last called or recalled (a recall restarts the visitor's walk to the counter)."""
    if ticket is None:
        return None
    times = [parse_time(call.get("at")) for call in recent_calls if call.get("ticket_id") == ticket.get("id")]
    times.append(parse_time(ticket.get("called_at")))
    times = [when for when in times if when is not None]
    return max(times) if times else None


def seconds_left(since: datetime | None, now: datetime, wait_s: float) -> float:
    """Of a wait of ``wait_s`` that began at ``since``: what is left (0 when over, or nothing began)."""
    if since is None:
        return 0.0
    return max(0.0, wait_s - (now - since).total_seconds())


def no_show_label(lang: str, left_s: float) -> str:
    """F5's label: 'Tidak hadir (0:45)' while the wait runs, else 'Tidak hadir'."""
    if left_s > 0:
        return t("counter.action_no_show_wait", lang, time=countdown_text(left_s))
    return t("counter.action_no_show", lang)


def finish_too_soon_s(ticket: dict | None, now: datetime, within_s: float) -> int | None:
    """Seconds since the call when a finish now is suspiciously soon (counter_app.finish_confirm_within_s)."""
    called = parse_time(ticket.get("called_at")) if ticket else None
    if called is None or within_s <= 0:
        return None
    since = (now - called).total_seconds()
    return max(0, int(since)) if since < within_s else None


def closed_banner(lang: str, config, service_ids: list[str], now: datetime, waiting: int) -> str | None:
    """A sentence when the lobby, or some of this counter's services, take no new tickets now (closed, a break,
    past the last ticket, a holiday), with how many still wait for this counter; None while all are open."""
    from kiosk.schedule import service_status

    services = config.service_by_id
    statuses = {sid: service_status(config, services[sid], now, 0) for sid in service_ids if sid in services}
    closed = {sid: status for sid, status in statuses.items() if status.state == "closed"}
    if not closed:
        return None
    every_service_closed = all(service_status(config, service, now, 0).state == "closed"
                               for service in config.services)
    first = next(iter(closed.values()))
    if every_service_closed:
        return t("counter.banner_lobby_closed", lang, status=first.text(lang), n=waiting)
    by_text: dict[str, list[str]] = {}
    for sid, status in closed.items():
        by_text.setdefault(status.text(lang), []).append(services[sid].name.get(lang))
    return " ".join(t("counter.banner_services_closed", lang, services=", ".join(names), status=text, n=waiting)
                    for text, names in by_text.items())


@dataclass(frozen=True)
class Overdue:
    """A service's oldest waiting ticket, waiting past the service's target."""

    code: str
    service_id: str
    minutes: int
    target: int


def target_wait_minutes(config, service_id: str) -> int:
    service = config.service_by_id.get(service_id)
    if service is not None and service.target_wait_minutes is not None:
        return service.target_wait_minutes
    return config.queue.target_wait_minutes


def overdue_tickets(config, waiting: list[dict], now: datetime) -> list[Overdue]:
    """Per service, its oldest waiting ticket when it has waited longer than the service's target wait."""
    oldest: dict[str, tuple[datetime, dict]] = {}
    for ticket in waiting:
        issued = parse_time(ticket.get("issued_at"))
        if issued is None:
            continue
        known = oldest.get(ticket["service_id"])
        if known is None or issued < known[0]:
            oldest[ticket["service_id"]] = (issued, ticket)
    out = []
    for service_id, (issued, ticket) in oldest.items():
        target = target_wait_minutes(config, service_id)
        waited = whole_minutes(issued, now)
        if (now - issued).total_seconds() > target * 60:
            out.append(Overdue(ticket["code"], service_id, waited, target))
    return sorted(out, key=lambda o: (-o.minutes, o.code))


def wait_alert_lines(lang: str, overdue: list[Overdue], service_name) -> list[str]:
    """One sentence per overdue service, longest wait first."""
    return [t("counter.wait_alert", lang, code=o.code, service=service_name(o.service_id), minutes=o.minutes,
              target=o.target) for o in overdue]


def wait_alert_text(lang: str, overdue: list[Overdue], service_name) -> str:
    """The alert's one line: the longest wait, and how many other services have one ('' when none); the
    window's tooltip has every line (wait_alert_lines), so the ticket keeps its room."""
    lines = wait_alert_lines(lang, overdue, service_name)
    if len(lines) > 1:
        return t("counter.wait_alert_more", lang, text=lines[0], n=len(lines) - 1)
    return lines[0] if lines else ""


# ---------------------------------------------------------------------------- scanning and times

_URL_RE = re.compile(r"^\s*https?://\S+/t/[A-Za-z0-9_-]+/?\s*$")


def scanned_ref(text: str) -> str | None:
    """What a scanner or a person typed, if it can name a ticket: a code ('A-003', 'a3') or a QR URL."""
    text = (text or "").strip()
    if normalise_code(text) or _URL_RE.match(text):  # the engine's own grammar: A-10005 too
        return text
    return None


_RANGE_END_RE = re.compile(r"([A-Za-z]{1,3})\s*-?\s*0*(\d{1,6})")


@dataclass(frozen=True)
class VoidInput:
    """What the supervisor's void dialog sends (POST /api/v1/tickets/void)."""

    codes: list[str]
    range: tuple[str, int, int] | None  # (prefix, first, last)
    reason: str


def void_input(lang: str, codes_text: str, range_text: str, reason: str) -> VoidInput | str:
    """The dialog's three fields as a request, or the sentence saying what to fix."""
    codes = []
    for part in re.split(r"[,;\s]+(?=[A-Za-z])|[,;]", codes_text or ""):
        if not part.strip():
            continue
        code = normalise_code(part)
        if code is None:
            return t("counter.void_bad_code", lang, text=part.strip()[:24])
        codes.append(code)
    span = None
    if (range_text or "").strip():
        ends = _RANGE_END_RE.findall(range_text)
        leftover = _RANGE_END_RE.sub("", range_text).strip(" -–—sdto.")
        if len(ends) != 2 or ends[0][0].upper() != ends[1][0].upper() or leftover \
                or not 1 <= int(ends[0][1]) <= int(ends[1][1]):
            return t("counter.void_bad_range", lang)
        span = (ends[0][0].upper(), int(ends[0][1]), int(ends[1][1]))
    if not codes and span is None:
        return t("counter.void_need_tickets", lang)
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        return t("counter.void_need_reason", lang)
    return VoidInput(codes, span, reason[:200])


def void_done_text(lang: str, answer: dict) -> str:
    """The status line after a void: how many, which, and what the range skipped."""
    codes = [t["code"] for t in answer.get("voided", [])]
    shown = ", ".join(codes[:8]) + (f" … (+{len(codes) - 8})" if len(codes) > 8 else "")
    skipped = [s["code"] for s in answer.get("skipped", [])]
    if skipped:
        return t("counter.done_void_skipped", lang, n=len(codes), codes=shown, skipped=", ".join(skipped[:8]))
    return t("counter.done_void", lang, n=len(codes), codes=shown)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def whole_minutes(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds() // 60))


def clock_text(start: datetime | None, end: datetime | None) -> str:
    """Elapsed time as 'm:ss' (or 'h:mm:ss' past an hour)."""
    if start is None or end is None:
        return "0:00"
    seconds = max(0, int((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def minutes_text(lang: str, minutes: float | None) -> str:
    if minutes is None:
        return t("counter.stats_none", lang)
    shown = f"{minutes:.1f}"
    if lang != "en":
        shown = shown.replace(".", ",")
    return t("counter.minutes", lang, n=shown)



# ---------------------------------------------------------------------------- today's figures (supervisors)

def decimal_text(lang: str, value: float, digits: int = 1) -> str:
    """A number as people write it: '12,5' in Indonesian, '12.5' in English."""
    shown = f"{value:.{digits}f}"
    return shown if lang == "en" else shown.replace(".", ",")


def grade_name(lang: str, letter: str) -> str:
    """The IKM grade's name (PermenPANRB 14/2017), from the report module's one table of grades."""
    from kiosk.reports import GRADES
    from kiosk.reports import grade_name as report_grade_name

    return report_grade_name(letter, lang) if any(grade == letter for _lowest, grade in GRADES) else letter


def ikm_text(lang: str, ikm: dict | None) -> str:
    """'85,42 (B, Baik)', or that there is no survey yet."""
    if not ikm or ikm.get("ikm") is None:
        return t("counter.ikm_none", lang)
    return t("counter.ikm_value", lang, ikm=decimal_text(lang, ikm["ikm"], 2), grade=ikm["grade"],
              name=grade_name(lang, ikm["grade"]))


@dataclass(frozen=True)
class TodayTexts:
    """What the supervisor's "today" panel shows, from GET /api/v1/reports/today."""

    waiting: str
    served: str
    mean_wait: str
    ikm: str          # the value: '72,22 C'
    ikm_label: str    # 'IKM hari ini — Kurang Baik'
    month_line: str
    updated: str


def today_texts(lang: str, summary: dict, tz) -> TodayTexts:
    ikm_today = summary.get("ikm_today") or {}
    if ikm_today.get("ikm") is not None:
        ikm = f"{decimal_text(lang, ikm_today['ikm'], 2)} {ikm_today['grade']}"
        # the grade's name stays on one line when the label wraps
        ikm_label = f"{t('counter.today_ikm', lang)} — {grade_name(lang, ikm_today['grade']).replace(' ', chr(0xA0))}"
    else:
        ikm, ikm_label = t("counter.stats_none", lang), t("counter.today_ikm_none", lang)
    generated = parse_time(summary.get("generated_at"))
    return TodayTexts(
        waiting=str(summary.get("waiting_now", 0)),
        served=str(summary.get("served_today", 0)),
        mean_wait=minutes_text(lang, summary.get("mean_wait_minutes")),
        ikm=ikm,
        ikm_label=ikm_label,
        month_line=t("counter.today_month", lang, ikm=ikm_text(lang, summary.get("ikm_month")),
                      no_shows=summary.get("no_shows_today", 0), issued=summary.get("issued_today", 0)),
        updated=t("counter.today_updated", lang, time=generated.astimezone(tz).strftime("%H:%M")) if generated else "",
    )


@dataclass(frozen=True)
class SecurityRow:
    """One line of the supervisor's security panel, from GET /api/v1/security/events."""

    time: str
    what: str
    user: str
    counter: str
    address: str
    why: str = ""  # what a lockout's limit means, for the row's tooltip


def security_rows(lang: str, events: list[dict], tz) -> list[SecurityRow]:
    """Newest first: the lockouts (a user or address reaching a limit) and take-overs of today."""
    rows = []
    for event in reversed(events):
        why = ""
        at = parse_time(event.get("at"))
        # names where the server knows them (a made-up user name is shown as it was typed)
        shown_user = event.get("name") or event.get("user") or ""
        if event.get("type") == EventType.COUNTER_TAKEN_OVER:
            what = t("counter.taken_over", lang, user=event.get("from_name") or event.get("from_user") or "?")
        elif event.get("type") == EventType.LOGIN_LOCKED and event.get("scope") in ("user_address", "address", "user"):
            what = t(f"counter.locked_{event['scope']}", lang, n=event.get("failures") or 0)
            why = t(f"counter.locked_{event['scope']}_why", lang)
        else:  # a kind this window does not know yet: shown by its name rather than hidden
            what = str(event.get("type"))
        rows.append(SecurityRow(
            time=at.astimezone(tz).strftime("%H:%M") if at else "",
            what=what,
            user=shown_user if event.get("scope") != "address" else t("counter.stats_none", lang),
            counter=str(event.get("counter_number") or t("counter.stats_none", lang)),
            address=event.get("address") or "",
            why=why,
        ))
    return rows



def help_lines(lang: str, requests: list[dict], tz) -> list[tuple[int, str]]:
    """The open calls for help (LobbyState.help_requests), oldest first: (seq to acknowledge, sentence)."""
    lines = []
    for request in requests:
        at = parse_time(request.get("at"))
        lines.append((int(request["seq"]), t("counter.help_requested", lang, device=request.get("device", "?"),
                                             time=at.astimezone(tz).strftime("%H:%M") if at else "")))
    return lines
