"""Booking ahead (antrean online): slots, booking, moving, cancelling and checking in.

A booking is a place in a time slot of one service's day. Its slots are the service's opening
hours cut into ``booking.slot_minutes`` steps, kept only where the ONE status function
(:func:`kiosk.schedule.service_status`) says the service takes tickets at the slot's start and
just before its end: holidays, breaks (the Friday prayer) and the last-ticket cutoff close slots
the same way they close the kiosk. Checking in within the window issues a ticket of the same
numbering (:meth:`kiosk.engine.QueueEngine._issue_in`), marked as booked with its slot.

Every method is one write transaction (BEGIN IMMEDIATE): counting a slot's places and taking
one cannot interleave with another process doing the same, so no slot is overbooked.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from kiosk import errors
from kiosk.config import BookingSettings, Config, Service
from kiosk.schedule import local_day, opening_spans, service_status

# no 0/O, 1/I/L: a code read aloud or typed from paper is not misread; 31^8 ≈ 8.5e11 codes
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
LIVE_STATES = ("booked", "checked_in")
BOOKING_FIELDS_ORDER = ("name", "nik", "phone", "email")  # the order the booking page asks them in
PHONE_RE = re.compile(r"\+?[0-9]{9,15}")
EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}")


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def random_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_booking_code(code: str) -> str:
    """'K7QM4XPD' → 'K7QM-4XPD' (as printed and said)."""
    return f"{code[:4]}-{code[4:]}"


def normalise_booking_code(ref: str) -> str | None:
    """A typed, scanned or linked booking code → its 8 characters; None if it cannot be one.

    Takes 'k7qm-4xpd', 'K7QM 4XPD' and a booking page URL ending in the code (the QR)."""
    ref = str(ref).strip()
    if "/b/" in ref:
        ref = ref.rsplit("/b/", 1)[1].split("?", 1)[0].split("/", 1)[0]
    code = re.sub(r"[\s-]", "", ref).upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def nik_problem(nik: str, today: date) -> str | None:
    """The msgid of what is wrong with a NIK (16 digits: province, regency, district, birth date
    DDMMYY with 40 added to the day for women, then a serial), or None if it is plausible."""
    if not re.fullmatch(r"[0-9]{16}", nik):
        return "booking.bad_nik_digits"
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    century = 2000 if 2000 + year <= today.year else 1900
    try:
        born = date(century + year, month, day)
    except ValueError:
        return "booking.bad_nik_birth"
    if born > today or int(nik[:2]) < 11 or nik[12:] == "0000":
        return "booking.bad_nik_birth"
    return None


@dataclass(frozen=True)
class Slot:
    time: str        # local 'HH:MM'
    at: datetime     # its start, aware (UTC)
    places: int
    taken: int

    @property
    def free(self) -> int:
        return max(0, self.places - self.taken)


@dataclass(frozen=True)
class Booking:
    id: int
    code: str
    service_id: str
    agency_id: str
    day: str
    slot_time: str
    slot_at: str
    state: str       # booked | checked_in | cancelled | no_show
    name: str
    phone: str
    email: str
    lang: str
    created_at: str
    moves: int
    ticket_id: int | None

    @classmethod
    def from_row(cls, row: dict) -> "Booking":
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})

    @property
    def display_code(self) -> str:
        return format_booking_code(self.code)


def refused(msgid: str, reason: str, **fields) -> errors.BookingRefused:
    return errors.BookingRefused(msgid=msgid, fields=fields, reason=reason)


def outstanding_bookings(conn, config: Config, service: Service, now: datetime) -> int:
    """Today's bookings not yet checked in whose check-in window is still open: the places they hold
    against the walk-ins' quota. A booking past its window gives its place back to the walk-ins."""
    settings = service.booking
    day = local_day(config, now).isoformat()
    earliest = iso(now - timedelta(minutes=settings.checkin_after_min))
    return conn.execute(
        "SELECT count(*) FROM bookings WHERE service_id = ? AND day = ? AND state = 'booked' AND slot_at >= ?",
        (service.id, day, earliest)).fetchone()[0]


def slot_starts(config: Config, service: Service, day: date) -> list[tuple[str, datetime]]:
    """The slot starts ('HH:MM', UTC) of a day that the status function keeps open from start to last minute."""
    tz = config.lobby.tz
    step = timedelta(minutes=service.booking.slot_minutes)
    starts = []
    for span in opening_spans(config, service, day):
        at = datetime.combine(day, span.start, tzinfo=tz)
        end = datetime.combine(day, span.end, tzinfo=tz) if span.end != time(0, 0) else \
            datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
        while at + step <= end:
            last_minute = at + step - timedelta(minutes=1)
            if service_status(config, service, at, 0).is_open and \
                    service_status(config, service, last_minute, 0).is_open:
                starts.append((at.strftime("%H:%M"), at.astimezone(timezone.utc)))
            at += step
    return starts


def stranded_bookings(config: Config, db_path, today: date) -> list[str]:
    """Live bookings (today on) that ``config`` would strand: their service no longer bookable, or their slot
    gone (other hours, a new holiday or break, another slot length). Read-only; [] without a database."""
    import sqlite3
    from pathlib import Path

    path = Path(db_path)
    if not path.is_file():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'bookings'").fetchone():
            return []
        rows = conn.execute("SELECT code, service_id, day, slot_time FROM bookings WHERE state = 'booked' "
                            "AND day >= ? ORDER BY day, slot_time, code", (today.isoformat(),)).fetchall()
    finally:
        conn.close()
    found, cache = [], {}
    services = config.service_by_id
    for code, service_id, day, slot in rows:
        service = services.get(service_id)
        where = f"booking {format_booking_code(code)} ({service_id} {day} {slot})"
        if service is None or service.booking is None or not service.booking.enabled:
            found.append(f"{where}: the service takes no bookings in this config")
            continue
        key = (service_id, day)
        if key not in cache:
            cache[key] = {hhmm for hhmm, _at in slot_starts(config, service, date.fromisoformat(day))}
        if slot not in cache[key]:
            found.append(f"{where}: that slot is closed in this config")
    return found


class BookingDesk:
    """The bookings of one lobby, over the engine's store, clock and config."""

    def __init__(self, engine, code_factory: Callable[[], str] = random_code):
        self.engine = engine
        self.code_factory = code_factory
        # the channels a message goes out on (kiosk.notify wires them: "email", "webhook")
        self.channels: tuple[str, ...] = ()

    @property
    def config(self) -> Config:
        return self.engine.config

    # ------------------------------------------------------------------ helpers

    def _settings(self, service_id: str) -> tuple[Service, BookingSettings]:
        service = self.engine._service(service_id)
        if service.booking is None or not service.booking.enabled:
            raise refused("booking.not_bookable", "not_bookable")
        return service, service.booking

    def bookable_services(self) -> list[Service]:
        return [s for s in self.config.services if s.booking is not None and s.booking.enabled]

    def days(self, service_id: str) -> list[date]:
        """The days a visitor may book now: today and the next ``days_ahead`` days."""
        _service, settings = self._settings(service_id)
        today = local_day(self.config, self.engine.clock.now())
        return [today + timedelta(days=n) for n in range(settings.days_ahead + 1)]

    def _slot_starts(self, service: Service, day: date) -> list[tuple[str, datetime]]:
        """slot_starts, kept per service and day for the config in force (a pure function of it: 50 status
        checks a day, asked again by every slot page and booking); a new config starts afresh."""
        config = self.config
        if getattr(self, "_starts_config", None) is not config or len(self._starts) > 512:
            self._starts_config, self._starts = config, {}
        key = (service.id, day)
        if key not in self._starts:
            self._starts[key] = slot_starts(config, service, day)
        return list(self._starts[key])

    def _taken(self, conn, service_id: str, day: str) -> dict[str, int]:
        return dict(conn.execute(
            "SELECT slot_time, count(*) FROM bookings WHERE service_id = ? AND day = ? AND state IN (?, ?) "
            "GROUP BY slot_time", (service_id, day, *LIVE_STATES)).fetchall())

    def _day_cap(self, service: Service) -> int | None:
        if service.daily_quota is None:
            return None
        return int(service.daily_quota * (1 - service.booking.walk_in_share))

    def _in_range(self, service: Service, day: date, now: datetime) -> None:
        today = local_day(self.config, now)
        if not today <= day <= today + timedelta(days=service.booking.days_ahead):
            raise refused("booking.day_out_of_range", "day_out_of_range", days=service.booking.days_ahead)

    def slots(self, service_id: str, day: date) -> list[Slot]:
        """The day's open slots (past ones left out) with their places taken."""
        service, settings = self._settings(service_id)
        now = self.engine.clock.now()
        with self.engine.store.read() as conn:
            taken = self._taken(conn, service.id, day.isoformat())
        return [Slot(hhmm, at, settings.places_per_slot, taken.get(hhmm, 0))
                for hhmm, at in self._slot_starts(service, day) if at > now]

    def day_free(self, service_id: str, day: date) -> int | None:
        """Places left under the day's cap for bookings (None: no cap)."""
        service, _settings = self._settings(service_id)
        cap = self._day_cap(service)
        if cap is None:
            return None
        with self.engine.store.read() as conn:
            return max(0, cap - sum(self._taken(conn, service.id, day.isoformat()).values()))

    def _fields(self, settings: BookingSettings, given: dict, today: date) -> dict:
        """What the service asks for, checked; anything it does not ask for is dropped."""
        clean = {"name": "", "phone": "", "email": "", "nik_hash": ""}
        for field in settings.fields:
            value = str(given.get(field) or "").strip()
            if not value:
                raise refused("booking.field_missing", "field_missing", field=lambda lang, f=field: _field_word(f, lang))
            if field == "name":
                if len(value) > 80 or not any(ch.isalpha() for ch in value):
                    raise refused("booking.bad_name", "bad_name")
                clean["name"] = " ".join(value.split())
            elif field == "phone":
                phone = re.sub(r"[\s().-]", "", value)
                if phone.startswith("+62"):
                    phone = "0" + phone[3:]
                if not PHONE_RE.fullmatch(phone):
                    raise refused("booking.bad_phone", "bad_phone")
                clean["phone"] = phone
            elif field == "email":
                if len(value) > 254 or not EMAIL_RE.fullmatch(value):
                    raise refused("booking.bad_email", "bad_email")
                clean["email"] = value.lower()
            elif field == "nik":
                nik = re.sub(r"\s", "", value)
                problem = nik_problem(nik, today)
                if problem:
                    raise refused(problem, "bad_nik")
                clean["nik_hash"] = hmac.new(self.engine._survey_key, b"nik:" + nik.encode(), hashlib.sha256).hexdigest()
        return clean

    def _take_place(self, conn, service: Service, day: date, slot_time: str, person: dict, now: datetime,
                    exclude_id: int | None = None) -> datetime:
        """Refuse unless the slot is open, in the future, has a place, the day's cap allows and the person
        holds fewer than the limit; the slot's start (UTC)."""
        settings = service.booking
        self._in_range(service, day, now)
        starts = dict(self._slot_starts(service, day))
        if slot_time not in starts:
            raise refused("booking.no_such_slot", "no_such_slot", time=slot_time)
        slot_at = starts[slot_time]
        if slot_at <= now:
            raise refused("booking.slot_passed", "slot_passed", time=slot_time)
        day_text = day.isoformat()
        other = exclude_id if exclude_id is not None else -1
        taken = conn.execute(
            "SELECT count(*) FROM bookings WHERE service_id = ? AND day = ? AND slot_time = ? AND state IN (?, ?) "
            "AND id != ?", (service.id, day_text, slot_time, *LIVE_STATES, other)).fetchone()[0]
        if taken >= settings.places_per_slot:
            raise refused("booking.slot_full", "slot_full", time=slot_time)
        cap = self._day_cap(service)
        if cap is not None:
            day_taken = conn.execute(
                "SELECT count(*) FROM bookings WHERE service_id = ? AND day = ? AND state IN (?, ?) AND id != ?",
                (service.id, day_text, *LIVE_STATES, other)).fetchone()[0]
            if day_taken >= cap:
                raise refused("booking.day_full", "day_full")
        for column in ("phone", "nik_hash", "email"):
            if person.get(column):
                held = conn.execute(
                    # "!= ''" lets SQLite use the partial index of that column (a bound value does not)
                    f"SELECT count(*) FROM bookings WHERE service_id = ? AND day = ? AND {column} = ? "
                    f"AND {column} != '' AND state IN (?, ?) AND id != ?",
                    (service.id, day_text, person[column], *LIVE_STATES, other)).fetchone()[0]
                if held >= settings.per_person_per_day:
                    raise refused("booking.person_limit", "person_limit", limit=settings.per_person_per_day)
        return slot_at

    def _row(self, conn, code: str) -> dict:
        normal = normalise_booking_code(code)
        row = self.engine._one(conn, "SELECT * FROM bookings WHERE code = ?", (normal,)) if normal else None
        if row is None:
            raise errors.BookingRefused(msgid="booking.unknown_code", fields={}, reason="unknown_code",
                                        http_status=404)
        return row

    # ------------------------------------------------------------------ the visitor

    def book(self, service_id: str, day: date, slot_time: str, given: dict, *, lang: str = "id",
             address: str = "") -> Booking:
        service, settings = self._settings(service_id)
        now = self.engine.clock.now()
        lang = lang if lang in ("id", "en") else self.config.lobby.default_language
        person = self._fields(settings, given, local_day(self.config, now))
        with self.engine.store.write() as conn:
            return self._book_in(conn, service, day, slot_time, person, lang, address, now)

    def _book_in(self, conn, service: Service, day: date, slot_time: str, person: dict, lang: str, address: str,
                 now: datetime) -> Booking:
        slot_at = self._take_place(conn, service, day, slot_time, person, now)
        for _attempt in range(8):
            code = self.code_factory()
            if not conn.execute("SELECT 1 FROM bookings WHERE code = ?", (code,)).fetchone():
                break
        else:  # eight collisions in 8.5e11: the factory is broken, not the visitor
            raise RuntimeError("the booking code factory keeps repeating itself")
        cursor = conn.execute(
            "INSERT INTO bookings (code, service_id, agency_id, day, slot_time, slot_at, state, name, phone, email, "
            "nik_hash, lang, address, created_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?, ?, ?, ?, ?)",
            (code, service.id, service.agency, day.isoformat(), slot_time, iso(slot_at), person["name"],
             person["phone"], person["email"], person["nik_hash"], lang, address[:64], iso(now), iso(now)))
        booking = self._booking(conn, cursor.lastrowid)
        self._queue_messages(conn, booking, "confirmed", now)
        return booking

    def import_rows(self, rows: list[dict], *, partial: bool = False) -> tuple[list[Booking], list[tuple[int, str]]]:
        """Bookings made elsewhere (a CSV of service_id, day, time and the service's fields, optionally lang):
        every row checked by the rules of the booking page (no per-address limit). Returns the bookings made
        and (row number, problem) for every bad row; unless ``partial``, one bad row imports nothing."""
        now = self.engine.clock.now()
        made: list[Booking] = []
        problems: list[tuple[int, str]] = []
        try:
            self._import_in(rows, partial, now, made, problems)
        except _Discarded:
            made = []  # rolled back: one bad row imports nothing
        return made, problems

    def _import_in(self, rows, partial, now, made, problems) -> None:
        with self.engine.store.write() as conn:
            for number, row in enumerate(rows, start=1):
                conn.execute("SAVEPOINT import_row")
                try:
                    service, settings = self._settings(str(row.get("service_id") or "").strip())
                    day = _parse_day(str(row.get("day") or ""))
                    slot_time = str(row.get("time") or "").strip()
                    lang = str(row.get("lang") or self.config.lobby.default_language).strip()
                    person = self._fields(settings, row, local_day(self.config, now))
                    made.append(self._book_in(conn, service, day, slot_time, person,
                                              lang if lang in ("id", "en") else "id", "import", now))
                    conn.execute("RELEASE import_row")
                except errors.QueueError as exc:
                    conn.execute("ROLLBACK TO import_row")
                    conn.execute("RELEASE import_row")
                    problems.append((number, exc.message("en")))
            if problems and not partial:
                raise _Discarded()

    def _booking(self, conn, booking_id: int) -> Booking:
        return Booking.from_row(self.engine._one(conn, "SELECT * FROM bookings WHERE id = ?", (booking_id,)))

    def view(self, code: str) -> Booking:
        with self.engine.store.write() as conn:
            self._mark_no_shows(conn, self.engine.clock.now())
            return Booking.from_row(self._row(conn, code))

    def _require_changeable(self, row: dict) -> None:
        if row["state"] == "cancelled":
            raise refused("booking.cancelled", "cancelled")
        if row["state"] == "checked_in":
            raise refused("booking.already_checked_in", "already_checked_in")
        if row["state"] == "no_show":
            raise refused("booking.missed", "missed")

    def cancel(self, code: str) -> Booking:
        now = self.engine.clock.now()
        with self.engine.store.write() as conn:
            self._mark_no_shows(conn, now)
            row = self._row(conn, code)
            self._require_changeable(row)
            conn.execute("UPDATE bookings SET state = 'cancelled', changed_at = ? WHERE id = ?", (iso(now), row["id"]))
            booking = self._booking(conn, row["id"])
            self._queue_messages(conn, booking, "cancelled", now)
            return booking

    def move(self, code: str, day: date, slot_time: str) -> Booking:
        now = self.engine.clock.now()
        with self.engine.store.write() as conn:
            self._mark_no_shows(conn, now)
            row = self._row(conn, code)
            self._require_changeable(row)
            service, _settings = self._settings(row["service_id"])
            person = {"phone": row["phone"], "nik_hash": row["nik_hash"], "email": row["email"]}
            slot_at = self._take_place(conn, service, day, slot_time, person, now, exclude_id=row["id"])
            conn.execute(
                "UPDATE bookings SET day = ?, slot_time = ?, slot_at = ?, moves = moves + 1, changed_at = ? WHERE id = ?",
                (day.isoformat(), slot_time, iso(slot_at), iso(now), row["id"]))
            booking = self._booking(conn, row["id"])
            self._queue_messages(conn, booking, "moved", now)
            return booking

    # ------------------------------------------------------------------ the kiosk

    def check_in(self, code: str, *, device: str | None = None):
        """Issue the booking's ticket (kiosk.engine.Issued) if now is within its check-in window."""
        engine = self.engine
        now = engine.clock.now()
        with engine.store.write() as conn:
            engine._roll_over(conn, now)
            self._mark_no_shows(conn, now)
            row = self._row(conn, code)
            if row["state"] == "cancelled":
                raise refused("booking.cancelled", "cancelled")
            if row["state"] == "checked_in":
                raise refused("booking.already_checked_in", "already_checked_in")
            service = engine._service(row["service_id"])
            settings = service.booking or BookingSettings()
            slot_at = datetime.fromisoformat(row["slot_at"])
            local_slot = slot_at.astimezone(self.config.lobby.tz)
            today = local_day(self.config, now).isoformat()
            if row["day"] != today:
                raise refused("booking.other_day", "other_day", day=row["day"], time=row["slot_time"])
            opens = slot_at - timedelta(minutes=settings.checkin_before_min)
            closes = slot_at + timedelta(minutes=settings.checkin_after_min)
            if now < opens:
                raise refused("booking.too_early", "too_early", time=row["slot_time"],
                              opens=opens.astimezone(self.config.lobby.tz).strftime("%H:%M"))
            if row["state"] == "no_show" or now > closes:
                raise refused("booking.too_late", "too_late", time=local_slot.strftime("%H:%M"))
            issued = engine._issue_in(conn, service, now, priority=False, lang=row["lang"], device=device,
                                      booking=row)
            conn.execute("UPDATE bookings SET state = 'checked_in', ticket_id = ?, changed_at = ? WHERE id = ?",
                         (issued.ticket.id, iso(now), row["id"]))
            return issued

    def _mark_no_shows(self, conn, now: datetime) -> None:
        """Bookings never checked in by the end of their window become no-shows (their place is free)."""
        for service in self.bookable_services():
            latest = iso(now - timedelta(minutes=service.booking.checkin_after_min))
            conn.execute("UPDATE bookings SET state = 'no_show', changed_at = ? WHERE service_id = ? "
                         "AND state = 'booked' AND slot_at < ?", (iso(now), service.id, latest))

    # ------------------------------------------------------------------ messages

    def _queue_messages(self, conn, booking: Booking, kind: str, now: datetime) -> None:
        """One message per channel the booking can be reached on; kiosk.notify sends them later."""
        notify = self.config.notify
        channels = (*(("email",) if notify.email else ()), *(("webhook",) if notify.webhook else ()), *self.channels)
        reachable = {"email": bool(booking.email), "webhook": bool(booking.phone or booking.email)}
        for channel in dict.fromkeys(channels):
            if not reachable.get(channel):
                continue
            conn.execute(
                "INSERT INTO booking_messages (booking_id, kind, channel, created_at, next_attempt_at) "
                "VALUES (?, ?, ?, ?, ?)", (booking.id, kind, channel, iso(now), iso(now)))

    REMINDERS = (("reminder_day", timedelta(hours=24)), ("reminder_hour", timedelta(hours=1)))

    def queue_reminders(self) -> int:
        """Queue the day-before and hour-before reminders of bookings now that close to their slot (once each;
        none for a slot nearer than the next reminder's lead when it was booked). The number queued."""
        now = self.engine.clock.now()
        queued = 0
        with self.engine.store.write() as conn:
            for kind, lead in self.REMINDERS:
                rows = conn.execute(
                    "SELECT b.* FROM bookings b WHERE b.state = 'booked' AND b.slot_at > ? AND b.slot_at <= ? "
                    "AND round((julianday(b.slot_at) - julianday(b.changed_at)) * 86400) > ? AND NOT EXISTS "
                    "(SELECT 1 FROM booking_messages m WHERE m.booking_id = b.id AND m.kind = ?)",
                    (iso(now), iso(now + lead), int(lead.total_seconds()), kind))
                names = [d[0] for d in rows.description]
                for row in rows.fetchall():
                    booking = Booking.from_row(dict(zip(names, row)))
                    before = conn.execute("SELECT count(*) FROM booking_messages").fetchone()[0]
                    self._queue_messages(conn, booking, kind, now)
                    queued += conn.execute("SELECT count(*) FROM booking_messages").fetchone()[0] - before
        return queued

    def counts(self, day: str) -> list[dict]:
        """Per service: bookings of the day by state (the report's and the API's numbers)."""
        with self.engine.store.write() as conn:
            self._mark_no_shows(conn, self.engine.clock.now())
        rows = self.engine.store.query(
            "SELECT service_id, state, count(*) AS n FROM bookings WHERE day = ? GROUP BY service_id, state "
            "ORDER BY service_id", (day,))
        by_service: dict[str, dict] = {}
        for row in rows:
            entry = by_service.setdefault(row["service_id"], {
                "service_id": row["service_id"], "booked": 0, "checked_in": 0, "cancelled": 0, "no_show": 0})
            entry[row["state"]] = row["n"]
        return list(by_service.values())


class _Discarded(Exception):
    """Raised to roll an import back (kiosk.store.Store.write rolls back on any exception)."""


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise refused("booking.bad_day", "bad_day", day=text.strip()[:20]) from None


def _field_word(field: str, lang: str) -> str:
    from kiosk.i18n import t
    return t(f"booking.field_{field}", lang)
