"""The one schema of config.toml.

Every section is a pydantic model with ``extra="forbid"``; :func:`load_config`
collects every problem at once (schema errors and cross-checks) and reports each
by its key path, with a "did you mean" hint for unknown keys and ids.
"""
from __future__ import annotations

import difflib
import functools
import ipaddress
import re
import tomllib
import typing
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

Lang = Literal["id", "en"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PREFIX_RE = re.compile(r"^[A-Z]{1,3}$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_SPAN_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
PIN_HASH_RE = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([0-9a-f]{32})\$([0-9a-f]{64})$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Ident = Annotated[str, Field(pattern=_ID_RE.pattern, description="lower-case id: a-z, 0-9, _ and -")]


class Text(Model):
    """A text in both languages."""

    id: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


class NoticeText(Text):
    """A notice on the displays' ticker, and its clip in the sign pack where there is one."""

    sign: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$", description=(
        "the key of its sign-language clip (the pack's token notice:<sign>): signed between calls"))


class TextList(Model):
    id: list[str] = []
    en: list[str] = []

    def get(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.id


def _parse_span(span: str) -> tuple[time, time]:
    match = _SPAN_RE.match(span)
    if not match:
        raise ValueError(f"must be 'HH:MM-HH:MM', got {span!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h2 == 24 and m2:
        raise ValueError(f"a day ends at 24:00, got {span!r}")
    start = time(h1, m1)
    # 24:00 is the last instant of the day: time(23, 59, 59) would close the lobby for its last second
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"ends before it starts: {span!r}")
    return start, end


class Span(Model):
    start: time
    end: time

    @classmethod
    def parse(cls, span: str) -> "Span":
        start, end = _parse_span(span)
        return cls(start=start, end=end)

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _check_span(span: str) -> str:
    _parse_span(span)
    return span


def _no_overlap(spans: list[str]) -> list[str]:
    parsed = [Span.parse(s) for s in spans]
    for i, a in enumerate(parsed):
        for b in parsed[i + 1:]:
            if a.overlaps(b):
                raise ValueError(f"hours {a} and {b} overlap")
    return spans


# Validated per span and per day, so a mistake is reported as e.g. 'schedule.weekly.mon[1]'.
SpanText = Annotated[str, AfterValidator(_check_span)]
DaySpans = Annotated[list[SpanText], AfterValidator(_no_overlap)]


class Lobby(Model):
    name: str = Field(min_length=1)
    address: str = ""
    timezone: str = "Asia/Makassar"
    public_url: str = Field(
        default="http://127.0.0.1:8600",
        description="base URL visitors' phones reach; ticket QR codes encode {public_url}/t/{token}",
    )
    languages: list[Lang] = ["id", "en"]
    default_language: Lang = "id"
    logo: Path | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. 'Asia/Makassar', 'Asia/Jakarta')") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Device(Model):
    name: Ident
    role: Literal["kiosk", "display", "counter-app", "manager"]
    key: str = Field(min_length=16, description="shared secret the device sends as 'Authorization: Bearer <key>'")


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(f"must be an address or a CIDR such as '192.168.10.0/24', got {value!r}") from None


Network = Annotated[str, AfterValidator(_network)]


class Limits(Model):
    """What one client may ask of the server; the defaults fit a busy lobby with room to spare."""

    issue_per_minute: int = Field(default=30, ge=1, le=100_000,
                                  description="tickets one kiosk key may issue a minute (a busy kiosk issues ~3)")
    issue_burst: int = Field(default=10, ge=1, le=100_000, description="tickets a kiosk may issue at once before the per-minute rate applies")
    login_failures_per_user: int = Field(default=20, ge=1, description="wrong PINs for one user a minute from all addresses together")
    login_failures_per_address: int = Field(
        default=10, ge=1, description="wrong PINs a minute from one address, all user names together")
    header_timeout_s: float = Field(default=10, gt=0, le=300, description="a request's headers must arrive within this")
    body_timeout_s: float = Field(default=20, gt=0, le=300, description="a request's body must arrive within this")
    idle_timeout_s: float = Field(default=15, gt=0, le=3600, description="an idle keep-alive connection is closed after this")
    max_header_bytes: int = Field(default=16_384, ge=1024, le=1_048_576, description="a request's line and headers together")
    connections_per_address: int = Field(default=256, ge=1, description="open connections one client address may hold")
    visitor_requests_per_second: float = Field(
        default=20, gt=0, description="requests a second one address may make of the visitor side (phone page, its feed)")
    visitor_burst: int = Field(default=60, ge=1, description="visitor-side requests one address may make at once")
    booking_per_hour: int = Field(default=10, ge=1, le=100_000,
                                  description="bookings (new or moved) one client address may make an hour on the booking page")
    booking_misses_per_hour: int = Field(
        default=30, ge=1, le=100_000, description="unknown booking codes one client address may ask for an hour (guessing)")


class ServerSettings(Model):
    host: str = "127.0.0.1"
    port: int = Field(default=8600, ge=1, le=65535)
    url: str = Field(default="", description="where clients reach the server; default http://{host}:{port}, https:// with tls_cert")
    database: Path = Path("data/mpp.sqlite")
    log_dir: Path = Path("logs")
    max_body_bytes: int = Field(default=16_384, ge=1024)
    login_attempts_per_minute: int = Field(default=5, ge=1, description="wrong PINs a minute for one user from one address")
    session_hours: float = Field(default=12, gt=0)
    lan_networks: list[Network] = Field(
        default=["127.0.0.0/8", "::1/128"],
        description="where devices and staff may come from; every other address reaches only the visitor side")
    public_host: str | None = Field(default=None, description="a second listener that serves only the visitor side")
    public_port: int | None = Field(default=None, ge=1, le=65535)
    trusted_proxies: list[Network] = Field(
        default=[], description="reverse proxies whose X-Forwarded-For is believed; none by default")
    tls_cert: Path | None = Field(default=None, description="PEM certificate: the server speaks HTTPS/WSS")
    tls_key: Path | None = None
    tls_fingerprint: str = Field(default="", description="SHA-256 of the server certificate the windows accept")
    tls_ca_file: Path | None = Field(default=None, description="a CA file the windows verify the server with")
    pin_length: int = Field(default=6, ge=4, le=12, description="digits of a new PIN (init-secrets, hash-pin)")
    limits: Limits = Limits()
    devices: list[Device] = []

    @property
    def base_url(self) -> str:
        if self.url:
            return self.url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"{'https' if self.tls_cert else 'http'}://{host}:{self.port}"

    def key_for(self, role: str) -> str | None:
        for device in self.devices:
            if device.role == role:
                return device.key
        return None


# the shipped set, through the package's lobby template (a link to assets/ in a checkout, a copy in the wheel)
PICTOGRAMS_DIR = Path(__file__).resolve().parent / "lobby_template" / "assets" / "pictograms"


@functools.cache
def pictogram_names() -> tuple[str, ...]:
    """The shipped pictograms, by the name config.toml uses (the file name without .svg); the folder is read
    once, not for each of a lobby's hundred tiles."""
    return tuple(sorted(p.stem for p in PICTOGRAMS_DIR.glob("*.svg")))


def _known_pictogram(value: str) -> str:
    names = pictogram_names()
    if value not in names:
        raise ValueError(f"no shipped pictogram {value!r} (assets/pictograms){_hint(value, names)}")
    return value


Pictogram = Annotated[str, AfterValidator(_known_pictogram)]


class Agency(Model):
    id: Ident
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1, max_length=24)
    colour: str = "#1F4E79"
    logo: Path | None = None
    pictogram: Pictogram | None = Field(default=None, description="a shipped pictogram (assets/pictograms/<name>.svg), e.g. 'id-card'")
    name_en: str | None = Field(default=None, min_length=1, description="the full name in English; default name")
    short_name_en: str | None = Field(default=None, min_length=1, max_length=24, description="default short_name")

    @field_validator("colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR_RE.match(value):
            raise ValueError(f"must be '#RRGGBB', got {value!r}")
        return value


class NumberingGroup(Model):
    id: Ident
    prefix: str

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX_RE.match(value):
            raise ValueError(f"must be 1-3 capital letters, got {value!r}")
        return value


class Location(Model):
    """Where a visitor goes or waits: printed on the ticket and shown on the ticket screen."""
    floor: str = Field(default="", max_length=10, description="e.g. '1', 'G', '2'")
    zone: str = Field(default="", max_length=10, description="e.g. 'B'")
    text: Text | None = Field(default=None, description="a short text in each language, e.g. 'Loket 1–4'")
BOOKING_FIELDS = ("name", "phone", "email", "nik")


class BookingSettings(Model):
    """Booking ahead (antrean online) for one service: the slots a day offers and what the visitor gives."""
    enabled: bool = True
    slot_minutes: int = Field(default=30, ge=5, le=240, description="length of one time slot")
    places_per_slot: int = Field(default=4, ge=1, le=500, description="bookings one slot takes")
    days_ahead: int = Field(default=7, ge=0, le=90, description="a visitor may book today and this many days ahead")
    walk_in_share: float = Field(
        default=0.3, ge=0, le=1,
        description="share of the service's daily_quota kept for walk-ins (bookings take at most the rest)")
    checkin_before_min: int = Field(default=30, ge=0, le=240, description="check-in opens this many minutes before the slot")
    checkin_after_min: int = Field(default=15, ge=0, le=240, description="check-in closes this many minutes after the slot starts")
    fields: list[Literal["name", "phone", "email", "nik"]] = Field(
        default=["name", "phone"], description="what the visitor is asked: name, phone, email, nik (nothing else)")
    per_person_per_day: int = Field(
        default=1, ge=1, le=10, description="bookings one NIK or phone number may hold for this service on one day")

    @field_validator("fields")
    @classmethod
    def _unique_fields(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a field is listed twice")
        if not set(value) & {"phone", "email", "nik"}:
            raise ValueError("ask for at least one of phone, email, nik: the per-person limit and the booking's "
                             "messages need one")
        return value


class Service(Model):
    id: Ident
    agency: str
    name: Text
    group: str
    daily_quota: int | None = Field(default=None, ge=1, description="tickets per day; none = no limit")
    service_minutes: float = Field(default=10, gt=0, le=480, description="mean minutes at the counter until there is history")
    priority_allowed: bool = True
    requirements: TextList = TextList()
    keywords: list[str] = Field(default=[], description="extra search words for the kiosk, e.g. 'ktp'")
    hours: dict[Weekday, DaySpans] | None = Field(default=None, description="overrides schedule.weekly")
    target_wait_minutes: int | None = Field(
        default=None, ge=1, description="the counters are alerted when a ticket waits longer; default queue.target_wait_minutes")
    location: Location | None = Field(default=None, description="where its visitors wait; default its first counter's")
    booking: BookingSettings | None = Field(default=None, description="booking ahead; none = walk-in only")
    pictogram: Pictogram | None = Field(default=None, description="a shipped pictogram (assets/pictograms/<name>.svg), e.g. 'passport'")


class Counter(Model):
    id: Ident
    number: str = Field(min_length=1, max_length=6, description="shown and spoken: 'Loket 7'")
    agency: str
    services: list[str] = Field(min_length=1, description="the services this counter calls; call-next takes the oldest ticket across all of them (the list order breaks ties)")
    location: Location | None = Field(default=None, description="where the counter is (floor, zone, a short text)")


class Staff(Model):
    user: Ident
    name: str = Field(min_length=1)
    pin_hash: str
    counters: list[str] = Field(min_length=1, description="counter ids, or '*' for every counter")
    supervisor: bool = False

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash(cls, value: str) -> str:
        if not PIN_HASH_RE.match(value):
            raise ValueError("not a PIN hash made by 'mpp-kiosk hash-pin' (scrypt$N$r$p$salt$hash)")
        return value


class Break(Model):
    days: list[Weekday] = Field(min_length=1)
    span: SpanText
    reason: Text


class Holiday(Model):
    date: date
    name: str = Field(min_length=1)


class Schedule(Model):
    weekly: dict[Weekday, DaySpans]
    breaks: list[Break] = []
    holidays: list[Holiday] = []
    last_ticket_minutes: int = Field(default=30, ge=0, le=240, description="no new tickets this many minutes before closing")


class QueuePolicy(Model):
    max_consecutive_priority: int = Field(
        default=2, ge=1, description="priority tickets go first, but at most this many in a row while regular ones wait")
    max_consecutive_booked: int = Field(
        default=2, ge=1,
        description="checked-in bookings whose slot has begun go before walk-ins, but at most this many in a row while a walk-in waits")
    recalls_before_no_show: int = Field(default=1, ge=0, description="recalls needed before a ticket can be marked no-show")
    rejoin_grace_minutes: int = Field(default=30, ge=0, description="a no-show can re-queue within this time")
    no_show_undo_s: int = Field(
        default=10, ge=0, le=300,
        description="a counter may undo its no-show this many seconds after marking it (the ticket is called back to it)")
    target_wait_minutes: int = Field(default=30, ge=1, description="reports: share served within this wait; the counters' alert for a ticket waiting longer (per service: services[].target_wait_minutes)")
    estimate_window: int = Field(default=20, ge=1, description="recent services used for the mean service time")
    day_end: Literal["expire", "keep"] = Field(
        default="expire", description="what happens at local midnight to tickets still waiting or called")
    survey_min_service_seconds: int = Field(
        default=60, ge=0, le=3600,
        description="a survey is accepted only for a ticket served at least this long (start or call to finish)")
    survey_burst_count: int = Field(
        default=5, ge=2, description="this many surveys for one counter within survey_burst_seconds flag it in the report")
    survey_burst_seconds: int = Field(default=120, ge=1)
    survey_open_hours: int = Field(
        default=24, ge=1, le=168,
        description="the phone page offers the survey (and its one-time survey token) this many hours after the finish")


class RetentionSettings(Model):
    """How long the server keeps what it keeps (UU 27/2022): personal fields, old days, logs; when it tidies up."""

    personal_days: int = Field(
        default=365, ge=1, le=3650,
        description="personal fields (survey comments; with booking, names, phone numbers, e-mail, NIK) are erased "
                    "this many days after their day; counts, times and SKM/IKM scores are kept")
    maintenance_hour: int = Field(
        default=22, ge=0, le=23,
        description="local hour of the daily tidy-up (erasing, incremental vacuum): out of hours; also once at start")
    vacuum: bool = Field(default=True, description="give the space of erased and archived rows back to the disk")
    log_max_mb: float = Field(default=5, gt=0, le=1000, description="a log file is rotated at this size")
    log_files: int = Field(default=10, ge=1, le=1000, description="rotated log files kept per role")
    log_days: int = Field(default=30, ge=1, le=3650,
                          description="rotated log files older than this many days are deleted; a log rotates daily")


class PrinterSettings(Model):
    backend: Literal["dummy", "file", "network", "usb", "serial"] = "dummy"
    paper_mm: Literal[58, 80] = 80
    qr: Literal["native", "image"] = "native"
    profile: str = Field(default="", description="python-escpos printer profile; default from paper width")
    host: str = "127.0.0.1"
    port: int = Field(default=9100, ge=1, le=65535)
    timeout_s: float = Field(default=3, gt=0, le=60)
    usb_vendor: int | None = None
    usb_product: int | None = None
    serial_device: str = "/dev/ttyUSB0"
    baudrate: int = 9600
    file_path: Path = Path("data/printer.bin")
    status_check: bool = Field(default=True, description="ask the printer for paper/cover status before issuing")
    footer: Text = Text(id="Terima kasih atas kunjungan Anda", en="Thank you for your visit")

    @model_validator(mode="after")
    def _backend_needs(self):
        if self.backend == "usb" and (self.usb_vendor is None or self.usb_product is None):
            raise ValueError("backend 'usb' needs usb_vendor and usb_product")
        return self


class AudioSettings(Model):
    enabled: bool = True
    languages: list[Lang] = ["id"]
    voices: dict[Lang, str] = {"id": "id", "en": "en"}
    rate: int = Field(default=150, ge=60, le=300, description="words per minute")
    volume: float = Field(default=0.9, ge=0, le=1)
    chime: Path | None = Path("assets/sounds/chime.wav")
    repeat: int = Field(default=1, ge=1, le=3)
    number_style: Literal["digits", "whole"] = "digits"
    templates: Text = Text(
        id="Nomor antrean {code}, silakan menuju {counter}",
        en="Number {code}, please go to {counter}",
    )
    counter_word: Text = Text(id="loket", en="counter")
    cache_dir: Path = Path("data/voice-cache")
    cache_max_mb: float = Field(
        default=500, gt=0, le=100_000,
        description="the voice cache (spoken phrases, rendered calls) is trimmed to this size, least recently used first")
    voice_packs: dict[Lang, Path] = Field(
        default={}, description="language -> folder of a recorded voice pack (pack.toml + one WAV per fragment); "
                                "absent: espeak-ng speaks that language")
    say: dict[str, str] = Field(
        default={}, description="pronunciation table: a written word -> how it is spoken, e.g. BPJS = 'be pe je es'")

    @field_validator("say")
    @classmethod
    def _sayable(cls, value: dict[str, str]) -> dict[str, str]:
        problems = [f"{word!r}: write a word or words (letters, digits, '-')"
                    for word in value if not re.fullmatch(r"\w[\w -]*", word) or word.endswith((" ", "-"))]
        problems += [f"{word!r}: says nothing" for word, spoken in value.items() if not spoken.strip()]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("templates")
    @classmethod
    def _speakable(cls, value: Text) -> Text:
        from kiosk.audio.phrases import template_problems

        problems = [f"{lang}: {p}" for lang in ("id", "en") for p in template_problems(value.get(lang))]
        if problems:
            raise ValueError("; ".join(problems))
        return value


def _screen(value):
    # one message instead of one per member of the union
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "" or (isinstance(value, int) and value < 0):
        raise ValueError(f"must be a screen index (0, 1, ...) or a screen name, got {value!r}")
    return value


class ScreenSettings(Model):
    screen: Annotated[int | str, BeforeValidator(_screen)] = Field(
        default=0, description="screen index or name (QScreen.name())")
    fullscreen: bool = True


KEY_ACTIONS = ("up", "down", "select", "back", "help", "volume_up", "volume_down", "speech", "repeat")


class KioskKeysSettings(Model):
    """The kiosk's physical keys (a USB keypad, EZ-Access-like): key names as Qt spells them
    ("Up", "Return", "Backspace", "Escape", "F1", "?", "+", "*"), one list per action."""
    up: list[str] = Field(default=["Up"], description="move to the previous choice")
    down: list[str] = Field(default=["Down"], description="move to the next choice")
    select: list[str] = Field(default=["Return", "Enter"], description="choose the selected item")
    back: list[str] = Field(default=["Backspace", "Escape"], description="one screen back")
    help: list[str] = Field(default=["F1", "?"], description="ask staff for help")
    volume_up: list[str] = Field(default=["+"], description="speech louder")
    volume_down: list[str] = Field(default=["-"], description="speech softer")
    speech: list[str] = Field(default=["F2", "*"], description="start speech mode (and say where the visitor is)")
    repeat: list[str] = Field(default=["F3", "/"], description="say the last sentence again")

    @model_validator(mode="after")
    def _each_key_once(self):
        seen: dict[str, str] = {}
        problems = []
        for action in KEY_ACTIONS:
            for name in getattr(self, action):
                key = name.strip().lower()
                if not key:
                    problems.append(f"{action}: an empty key name")
                elif key in seen and seen[key] != action:
                    problems.append(f"{name!r} is both {seen[key]} and {action}")
                seen.setdefault(key, action)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class KioskSettings(ScreenSettings):
    idle_seconds: int = Field(default=45, ge=5)
    ticket_seconds: int = Field(default=12, ge=3)
    exit_pin_hash: str | None = None
    accessible_layout: bool = False
    keys: KioskKeysSettings = KioskKeysSettings()
    speech_volume: float = Field(default=0.8, ge=0.1, le=1, description="speech mode's starting volume")
    speech_hold_seconds: float = Field(default=2.0, ge=0.5, le=10,
                                       description="hold the marked spot at the bottom this long to start speech")
    speech_device: str = Field(default="", description=(
        "part of the name of the audio output speech mode uses (the kiosk's headphone jack); empty: the default"))

    @field_validator("exit_pin_hash")
    @classmethod
    def _pin_hash(cls, value):
        if value is not None and not PIN_HASH_RE.match(value):
            raise ValueError("not a PIN hash made by 'mpp-kiosk hash-pin'")
        return value


class SignageItem(Model):
    """One item of a display's signage playlist: a video, an image or the sign information clip."""
    kind: Literal["video", "image", "sign_info"]
    file: Path | None = Field(default=None, description="the video or image (relative to config.toml's folder)")
    seconds: float = Field(default=10, gt=0, le=3600, description="how long it stays (a video: at most this long)")


class DisplaySettings(ScreenSettings):
    recent_calls: int = Field(default=6, ge=1, le=12, description=(
        "no longer used: the display shows up to 4 current calls large and a counter board instead of a "
        "list of previous calls; still accepted so an older config.toml loads"))
    flash_seconds: float = Field(default=6, ge=1, le=60)
    ticker: Text = Text(id="Selamat datang", en="Welcome")
    notices: list[NoticeText] = Field(default=[], description=(
        "notices on every display's ticker after its running text; one with sign = \"key\" is also signed "
        "between calls where the sign pack has the clip notice:<key>"))
    signage: list[SignageItem] = Field(default=[], description="the whole-lobby display's playlist between calls")
    signage_after_s: float = Field(default=20, ge=1, le=600, description=(
        "signage starts (or resumes) this long after the last call took the screen and every call was spoken "
        "and signed"))


class DisplayProfile(Model):
    """A zone's display: it shows and announces only the calls of its agencies and counters."""
    name: str = Field(min_length=1, description="the profile's name, for mpp-kiosk display --profile NAME")
    device: str = Field(default="", description="the display device (server.devices[].name, or an enrolled "
                        "PC's name) that takes this profile without --profile")
    agencies: list[str] = Field(default=[], description="agency ids whose calls, counters and waiting it shows")
    counters: list[str] = Field(default=[], description="counter ids it shows besides its agencies' counters")
    voice: bool = Field(default=True, description="announce its calls aloud (when audio.enabled is on)")
    languages: list[Lang] = Field(default=[], description="the languages it shows and speaks, first the main one; "
                                  "default the lobby's")
    layout: Literal["lobby", "counter"] = Field(default="lobby", description="lobby: the calls, the counter board "
                                                "and the waiting; counter: one counter's number and state, large")
    ticker: Text | None = Field(default=None, description="its own running text; default display.ticker")
    signage: list[SignageItem] = Field(default=[], description="played between calls; default display.signage")


class CounterSettings(ScreenSettings):
    fullscreen: bool = False
    counter: str = Field(default="", description="counter the all-in-one lobby opens; default the first")
    no_show_after_s: int = Field(
        default=45, ge=0, le=600,
        description="no-show is offered only this many seconds after the last call or recall (a countdown on F5)")
    finish_confirm_within_s: int = Field(
        default=20, ge=0, le=600, description="finishing this soon after the call asks once for a confirmation; 0: never")


class SignSettings(Model):
    enabled: bool = True
    clips_dir: Path = Path("assets/sign")
    info_clip: str | None = None
    clips: dict[str, str] = Field(default={}, description="token -> clip file in clips_dir")
    pack: Path | None = Field(default=None, description="a recorded sign pack (a folder with pack.toml); "
                              "absent: the stand-ins in clips_dir, which stay the fallback token by token")
    with_agency: bool = Field(default=False, description="end each signed call with the agency's name sign")


class EmailSettings(Model):
    """Booking messages by e-mail over SMTP."""
    host: str = Field(min_length=1)
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(min_length=3, description="the From address, e.g. 'MPP Balikpapan <antrean@mpp.example.go.id>'")
    starttls: bool = False
    user: str = ""
    password_env: str = Field(default="", description="the environment variable holding the SMTP password (never the file)")
    timeout_s: float = Field(default=10, gt=0, le=120)


class WebhookSettings(Model):
    """Booking messages as a JSON POST to the SMS/WhatsApp gateway the lobby contracts."""
    url: str = Field(pattern=r"^https?://", description="the gateway's URL")
    token_env: str = Field(default="", description="the environment variable holding a bearer token for the gateway")
    timeout_s: float = Field(default=10, gt=0, le=120)


class NotifySettings(Model):
    """Messages about bookings (confirmed, moved, cancelled): queued with the booking, sent in the background
    and retried, so a gateway that is down never holds a booking up."""
    email: EmailSettings | None = None
    webhook: WebhookSettings | None = None
    max_attempts: int = Field(default=6, ge=1, le=50, description="tries before a message is given up (state failed)")
    retry_seconds: int = Field(default=30, ge=1, le=3600, description="the first wait after a failure; doubled each time, at most an hour")


class Config(Model):
    lobby: Lobby
    server: ServerSettings = ServerSettings()
    agencies: list[Agency] = Field(min_length=1)
    groups: list[NumberingGroup] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    counters: list[Counter] = []
    staff: list[Staff] = []
    schedule: Schedule
    queue: QueuePolicy = QueuePolicy()
    retention: RetentionSettings = RetentionSettings()
    printer: PrinterSettings = PrinterSettings()
    audio: AudioSettings = AudioSettings()
    kiosk: KioskSettings = KioskSettings()
    display: DisplaySettings = DisplaySettings()
    displays: list[DisplayProfile] = Field(default=[], description="zone displays (mpp-kiosk display --profile NAME); "
                                           "without --profile a display shows the whole lobby")
    counter_app: CounterSettings = CounterSettings()
    sign: SignSettings = SignSettings()
    notify: NotifySettings = NotifySettings()

    # Set by load_config: the folder relative paths are resolved against.
    base_dir: Path = Field(default=Path("."), exclude=True)

    def path(self, relative: Path | str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else self.base_dir / p

    # The lookups are read per label and per request: build each once (a frozen
    # model never changes). Every reader shares the dict: read it, never write it.
    # model_copy drops them (below), so a copy with other services builds its own.
    @functools.cached_property
    def agency_by_id(self) -> dict[str, Agency]:
        return {a.id: a for a in self.agencies}

    @functools.cached_property
    def service_by_id(self) -> dict[str, Service]:
        return {s.id: s for s in self.services}

    @functools.cached_property
    def counter_by_id(self) -> dict[str, Counter]:
        return {c.id: c for c in self.counters}

    @functools.cached_property
    def group_by_id(self) -> dict[str, NumberingGroup]:
        return {g.id: g for g in self.groups}

    @functools.cached_property
    def staff_by_user(self) -> dict[str, Staff]:
        return {s.user: s for s in self.staff}

    def model_copy(self, *, update: Mapping[str, typing.Any] | None = None, deep: bool = False) -> Config:
        # pydantic copies __dict__, where cached_property keeps its values.
        copied = super().model_copy(update=update, deep=deep)
        for name in _LOOKUPS:
            copied.__dict__.pop(name, None)
        return copied


_LOOKUPS = ("agency_by_id", "service_by_id", "counter_by_id", "group_by_id", "staff_by_user")


# --------------------------------------------------------------------------- errors

class ConfigError(Exception):
    """Every problem of one config file, each 'key.path: message'."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))


def _hint(wrong: str, choices) -> str:
    close = difflib.get_close_matches(str(wrong), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else ""


def _loc(parts) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _fields_at(model_cls, loc) -> list[str]:
    """Field names valid at the given location (for 'did you mean')."""
    cls = model_cls
    for part in loc:
        if isinstance(part, int) or cls is None:
            continue
        field = cls.model_fields.get(part) if hasattr(cls, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        cls = _model_in(ann)
    if cls is None or not hasattr(cls, "model_fields"):
        return []
    return [name for name, field in cls.model_fields.items() if not field.exclude]


def _model_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _schema_problems(exc: ValidationError) -> list[str]:
    errors = []
    for err in exc.errors(include_url=False):
        # pydantic adds tags for validators, unions and dict keys ('function-after[...]', '[key]'): drop them
        loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
        errors.append((loc, err))

    # A misspelt key is one mistake: report it once, with its hint, not also as "missing" under its right name.
    hinted: set[tuple] = set()
    unknown: dict[int, str] = {}
    for n, (loc, err) in enumerate(errors):
        if err["type"] == "extra_forbidden":
            hint = _hint(loc[-1], _fields_at(Config, loc[:-1]))
            unknown[n] = hint
            if hint:
                hinted.add((*loc[:-1], hint.split("'")[1]))

    problems = []
    for n, (loc, err) in enumerate(errors):
        if n in unknown:
            problems.append(f"{_loc(loc)}: unknown key{unknown[n]}")
        elif err["type"] == "missing":
            if tuple(loc) not in hinted:
                problems.append(f"{_loc(loc)}: missing (required)")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            shown = "" if isinstance(value, (dict, list)) or value is None or str(value) in msg else f", got {value!r}"
            problems.append(f"{_loc(loc)}: {msg}{shown}")
    return problems


def _stand_in(model_cls, raw):
    """``model_cls`` validated from ``raw`` when it can be; else an unvalidated copy of ``raw`` over the defaults.

    Cross-checks run on stand-ins so that a config with schema errors still gets its
    reference and file problems reported in the same run. Raw values are kept as they
    are (not dropped), so a bad agency colour does not also make every service of that
    agency "refer to a missing agency".
    """
    try:
        return model_cls.model_validate(raw)
    except ValidationError:
        pass
    raw = raw if isinstance(raw, dict) else {}
    values = {}
    for name, field in model_cls.model_fields.items():
        if name in raw:
            values[name] = _salvage(field.annotation, raw[name])
        elif field.is_required():
            values[name] = None
        else:
            values[name] = field.get_default(call_default_factory=True)
    return model_cls.model_construct(**values)


def _salvage(annotation, raw):
    if typing.get_origin(annotation) is list:
        item_model = _model_in(typing.get_args(annotation)[0])
        if item_model is not None:
            return [_stand_in(item_model, item) for item in raw] if isinstance(raw, list) else []
        return raw
    model = _model_in(annotation) if typing.get_origin(annotation) is not dict else None
    return _stand_in(model, raw) if model is not None else raw


def _strs(values) -> list[str]:
    """The strings of a list (wrong types are the schema's to report)."""
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _span_or_none(text) -> Span | None:
    try:
        return Span.parse(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _date_or_none(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _signage_item_problems(key: str, item, problems: list[str]) -> None:
    if not isinstance(item, SignageItem):
        return
    if item.kind == "sign_info" and item.file is not None:
        problems.append(f"{key}.file: a 'sign_info' item plays sign.info_clip; it takes no file")
    elif item.kind != "sign_info" and item.file is None:
        problems.append(f"{key}.file: a {item.kind!r} item needs its file")


def cross_check(config: Config) -> list[str]:
    """Checks that span sections: ids that refer to other ids, uniqueness, files.

    Written to also run on a stand-in config (see :func:`_stand_in`): a value of the
    wrong type is skipped here, because the schema already reports it.
    """
    problems: list[str] = []

    def unique(items, attr, section):
        seen = {}
        for i, item in enumerate(items):
            value = getattr(item, attr, None)
            if not isinstance(value, str):
                continue
            if value in seen:
                problems.append(f"{section}[{i}].{attr}: {value!r} is already used by {section}[{seen[value]}]")
            else:
                seen[value] = i

    unique(config.agencies, "id", "agencies")
    unique(config.groups, "id", "groups")
    unique(config.groups, "prefix", "groups")
    unique(config.services, "id", "services")
    unique(config.counters, "id", "counters")
    unique(config.counters, "number", "counters")
    unique(config.staff, "user", "staff")
    unique(config.server.devices, "name", "server.devices")
    unique(config.server.devices, "key", "server.devices")

    def ids(items, attr="id") -> list[str]:
        return _strs([getattr(item, attr, None) for item in items])

    agencies, groups = ids(config.agencies), ids(config.groups)
    services, counters = ids(config.services), ids(config.counters)

    def refer(key: str, value, choices: list[str], what: str):
        if isinstance(value, str) and value not in choices:
            problems.append(f"{key}: no {what} {value!r}{_hint(value, choices)}")

    for i, service in enumerate(config.services):
        refer(f"services[{i}].agency", service.agency, agencies, "agency")
        refer(f"services[{i}].group", service.group, groups, "numbering group")
    for i, counter in enumerate(config.counters):
        refer(f"counters[{i}].agency", counter.agency, agencies, "agency")
        for j, sid in enumerate(counter.services if isinstance(counter.services, list) else []):
            refer(f"counters[{i}].services[{j}]", sid, services, "service")
        listed = _strs(counter.services)
        if len(set(listed)) != len(listed):
            problems.append(f"counters[{i}].services: a service is listed twice")
    for i, member in enumerate(config.staff):
        for j, cid in enumerate(member.counters if isinstance(member.counters, list) else []):
            if cid != "*":
                refer(f"staff[{i}].counters[{j}]", cid, counters, "counter")
    if config.counter_app.counter:
        refer("counter_app.counter", config.counter_app.counter, counters, "counter")
    unique(config.displays, "name", "displays")
    for i, profile in enumerate(config.displays):
        for j, aid in enumerate(profile.agencies if isinstance(profile.agencies, list) else []):
            refer(f"displays[{i}].agencies[{j}]", aid, agencies, "agency")
        for j, cid in enumerate(profile.counters if isinstance(profile.counters, list) else []):
            refer(f"displays[{i}].counters[{j}]", cid, counters, "counter")
        if isinstance(profile, DisplayProfile) and not profile.agencies and not profile.counters:
            problems.append(f"displays[{i}]: name its agencies or counters (a display of everything needs no profile)")
        if isinstance(profile, DisplayProfile) and profile.layout == "counter" \
                and (profile.agencies or len(profile.counters) != 1):
            problems.append(f"displays[{i}].layout: 'counter' shows one counter: name exactly one in counters "
                            "and no agencies")
        lobby_langs = config.lobby.languages if config.lobby is not None else []
        for j, lang in enumerate(profile.languages if isinstance(profile.languages, list) else []):
            if isinstance(lobby_langs, list) and isinstance(lang, str) and lang not in lobby_langs:
                problems.append(f"displays[{i}].languages[{j}]: {lang!r} is not in lobby.languages")
    devices_seen: dict[str, int] = {}
    for i, profile in enumerate(config.displays):
        device = getattr(profile, "device", "")
        if not isinstance(device, str) or not device:
            continue
        if device in devices_seen:
            problems.append(f"displays[{i}].device: {device!r} already takes displays[{devices_seen[device]}]")
        devices_seen.setdefault(device, i)
        role = next((d.role for d in config.server.devices if getattr(d, "name", None) == device), "display")
        if role != "display":
            problems.append(f"displays[{i}].device: {device!r} is a {role!r} device, not a display")
        for j, item in enumerate(profile.signage if isinstance(profile.signage, list) else []):
            _signage_item_problems(f"displays[{i}].signage[{j}]", item, problems)
    for j, item in enumerate(config.display.signage if isinstance(config.display.signage, list) else []):
        _signage_item_problems(f"display.signage[{j}]", item, problems)
    lobby = config.lobby if config.lobby is not None else Lobby.model_construct(name=None)
    if isinstance(lobby.languages, list) and isinstance(lobby.default_language, str) \
            and lobby.default_language not in lobby.languages:
        problems.append(f"lobby.default_language: {lobby.default_language!r} is not in lobby.languages")

    weekly = config.schedule.weekly if config.schedule is not None and isinstance(config.schedule.weekly, dict) else {}
    breaks = config.schedule.breaks if config.schedule is not None and isinstance(config.schedule.breaks, list) else []
    holidays = config.schedule.holidays if config.schedule is not None and isinstance(config.schedule.holidays, list) else []
    for i, brk in enumerate(breaks):
        span = _span_or_none(brk.span)
        for day in _strs(brk.days):
            day_spans = weekly.get(day, [])
            opening = [_span_or_none(s) for s in day_spans] if isinstance(day_spans, list) else [None]
            if span is None or None in opening:
                continue  # a malformed span is the schema's problem; comparing with it would mislead
            if not any(s.overlaps(span) for s in opening):
                problems.append(f"schedule.breaks[{i}]: {day} {span} is outside that day's opening hours")
    seen_dates: dict[date, int] = {}
    for i, holiday in enumerate(holidays):
        day = _date_or_none(holiday.date)
        if day is None:
            continue
        if day in seen_dates:
            problems.append(f"schedule.holidays[{i}].date: {day} is already schedule.holidays[{seen_dates[day]}]")
        seen_dates.setdefault(day, i)

    # services nobody can call are a trap for visitors: they would wait forever
    served = {sid for c in config.counters for sid in _strs(c.services)}
    if config.counters:
        for i, service in enumerate(config.services):
            if isinstance(service.id, str) and service.id not in served:
                problems.append(f"services[{i}]: no counter serves {service.id!r}; add it to a counter's services")

    def must_exist(key: str, rel):
        if not isinstance(rel, (str, Path)):
            return
        try:
            found = config.path(rel).is_file()
        except (OSError, ValueError):  # e.g. a name too long or with a NUL byte
            found = False
        if not found:
            problems.append(f"{key}: file not found: {config.path(rel)}")

    must_exist("lobby.logo", lobby.logo)
    signage = [(f"display.signage[{j}]", item) for j, item in enumerate(_list(config.display.signage))]
    for i, profile in enumerate(config.displays):
        signage += [(f"displays[{i}].signage[{j}]", item) for j, item in enumerate(_list(getattr(profile, "signage", [])))]
    for key, item in signage:
        if isinstance(item, SignageItem) and item.file is not None:
            must_exist(f"{key}.file", item.file)
    for i, agency in enumerate(config.agencies):
        must_exist(f"agencies[{i}].logo", agency.logo)
    if config.audio.enabled is True:
        must_exist("audio.chime", config.audio.chime)
        packs = config.audio.voice_packs if isinstance(config.audio.voice_packs, dict) else {}
        for lang, folder in packs.items():
            if isinstance(folder, (str, Path)):
                from kiosk.audio.packs import pack_problems

                problems += [f"audio.voice_packs.{lang}: {p}" for p in pack_problems(config.path(folder), lang)]
    clips_dir = config.sign.clips_dir
    if config.sign.enabled is True and isinstance(clips_dir, (str, Path)):
        clips = config.sign.clips if isinstance(config.sign.clips, dict) else {}
        for token, clip in clips.items():
            if isinstance(clip, str):
                must_exist(f"sign.clips.{token!r}" if " " in token else f"sign.clips.{token}", Path(clips_dir) / clip)
        if isinstance(config.sign.info_clip, str) and config.sign.info_clip:
            must_exist("sign.info_clip", Path(clips_dir) / config.sign.info_clip)
    server = config.server
    if (server.tls_cert is None) != (server.tls_key is None):
        problems.append("server.tls_cert: tls_cert and tls_key go together; set both or neither")
    if (server.public_host is None) != (server.public_port is None):
        problems.append("server.public_host: public_host and public_port go together; set both or neither")
    elif server.public_port is not None and server.public_port == server.port and server.public_host == server.host:
        problems.append("server.public_port: the visitor listener needs an address or port of its own")
    if server.tls_cert is not None:
        must_exist("server.tls_cert", server.tls_cert)
        must_exist("server.tls_key", server.tls_key)
    if server.tls_ca_file is not None:
        must_exist("server.tls_ca_file", server.tls_ca_file)
        if isinstance(server.tls_ca_file, Path) and config.path(server.tls_ca_file).is_file():
            import ssl

            try:  # a window builds its TLS context from it at start: a bad file is reported here, once
                ssl.create_default_context(cafile=str(config.path(server.tls_ca_file)))
            except (ssl.SSLError, OSError, ValueError) as exc:
                problems.append(f"server.tls_ca_file: not a PEM CA certificate file: {config.path(server.tls_ca_file)} "
                                f"({getattr(exc, 'reason', None) or exc})")
    fingerprint = server.tls_fingerprint.replace(":", "").lower() if isinstance(server.tls_fingerprint, str) else ""
    if fingerprint and not re.fullmatch(r"[0-9a-f]{64}", fingerprint):
        problems.append(f"server.tls_fingerprint: must be 64 hex digits (SHA-256, colons allowed), "
                        f"got {server.tls_fingerprint!r}")
    # a role without a config key is fine: its PCs enrol (mpp-kiosk enrol); check-config notes it
    return problems


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _covered(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # a host name: the operating system decides what it is
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def service_location(config: Config, service_id: str) -> Location | None:
    """A service's own location, else that of the first counter (in config order) that serves it."""
    service = config.service_by_id.get(service_id)
    if service is not None and service.location is not None:
        return service.location
    return next((c.location for c in config.counters if service_id in c.services and c.location is not None), None)


def location_notes(config: Config) -> list[str]:
    """check-config: services a visitor would not know where to wait for."""
    missing = [s.id for s in config.services if service_location(config, s.id) is None]
    if not missing:
        return []
    return [f"{len(missing)} service(s) have no location (services[].location, or one on a counter that serves "
            f"them): their tickets do not say where to wait: {', '.join(missing)}"]


def kiosk_notes(config: Config) -> list[str]:
    """check-config: agency colours the kiosk cannot put its white text on at 7:1 (it shows the panel colour
    instead, so the agency loses its colour), and counters no staff member may log in to."""
    from kiosk.ui.common import theme  # plain colours and the WCAG formula: no Qt

    notes = []
    weak = []
    for agency in config.agencies:
        if agency.colour:
            ratio = theme.contrast(theme.WHITE, agency.colour)
            if ratio < 7.0:
                weak.append(f"{agency.id} {agency.colour} ({ratio:.1f}:1)")
    if weak:
        notes.append(f"{len(weak)} agency colour(s) give white text less than 7:1, so the kiosk shows those "
                     f"tiles in its panel colour instead; choose a darker colour: {', '.join(weak)}")
    bare_agencies = [a.id for a in config.agencies if not a.pictogram and not a.logo]
    bare_services = [s.id for s in config.services if not s.pictogram]
    if bare_agencies or bare_services:
        named = [f"agencies {', '.join(bare_agencies)}" if bare_agencies else "",
                 f"services {', '.join(bare_services)}" if bare_services else ""]
        notes.append(f"{len(bare_agencies) + len(bare_services)} tile(s) have neither a pictogram nor a logo, so a "
                     f"visitor who reads little finds nothing to recognise there (pictogram = a name of "
                     f"assets/pictograms): {'; '.join(n for n in named if n)}")
    if not config.staff:
        notes.append("no staff member may log in to a counter: [[staff]] is empty (add one with a PIN hash from "
                     "`mpp-kiosk hash-pin`)")
    else:
        covered = {cid for member in config.staff for cid in member.counters}
        if "*" not in covered:
            orphans = [c.id for c in config.counters if c.id not in covered]
            if orphans:
                notes.append(f"no staff member may log in to {len(orphans)} counter(s): {', '.join(orphans)} "
                             f"(add the counter to a staff member's counters, or '*')")
    return notes


def listen_notes(config: Config) -> list[str]:
    """What the server's listening addresses mean for who can reach what: not errors, but what a
    technician must know before the doors open (shown by check-config)."""
    server = config.server
    lan = list(server.lan_networks)
    lan_text = ", ".join(lan) or "nothing"
    only_loopback = all(ipaddress.ip_network(n, strict=False).is_loopback for n in lan)
    notes = []
    roles = {d.role for d in server.devices}
    for role in ("kiosk", "display", "counter-app"):
        if role not in roles:
            notes.append(f"server.devices has no device with role {role!r}: such a window connects only from a PC "
                         f"enrolled with `mpp-kiosk enrol` and `mpp-kiosk devices approve`")
    if _is_loopback(server.host):
        if not only_loopback:
            notes.append(f"server.host {server.host!r} listens on this PC only: the devices of "
                         f"server.lan_networks ({lan_text}) cannot reach it; set host to this PC's LAN address "
                         f"or '0.0.0.0'")
    elif server.host in ("0.0.0.0", "::", ""):
        notes.append(f"server.host {server.host!r} listens on every network of this PC, the guest Wi-Fi too: "
                     f"phones reach only the visitor side (/t/<token>); devices and staff are accepted only "
                     f"from server.lan_networks ({lan_text})")
        if only_loopback:
            notes.append("server.lan_networks holds only loopback: no kiosk, display or counter on another PC "
                         "can connect; add the lobby LAN, e.g. lan_networks = [\"127.0.0.0/8\", \"192.168.10.0/24\"]")
    elif not _covered(server.host, lan):
        notes.append(f"server.host {server.host!r} is not covered by any server.lan_networks entry ({lan_text}): "
                     f"devices on that network get 403; add its network to lan_networks, or, if it is the "
                     f"guest Wi-Fi, serve it with public_host/public_port (visitor side only) instead")
    if server.public_host is not None and server.public_host not in ("0.0.0.0", "::", "") \
            and _covered(server.public_host, lan) and not _is_loopback(server.public_host):
        notes.append(f"server.public_host {server.public_host!r} is inside server.lan_networks: phones on that "
                     f"network would count as lobby devices on the main listener; keep the guest Wi-Fi out of "
                     f"lan_networks")
    return notes


def parse_config(data: dict, *, base_dir: Path = Path("."), source: str = "config") -> Config:
    data = {**data, "base_dir": base_dir}
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        # report the cross-section problems too, so one run shows every mistake
        problems = _schema_problems(exc)
        try:
            problems += cross_check(_stand_in(Config, data))
        except (TypeError, AttributeError, ValueError):
            pass  # too broken to cross-check (whole sections missing): the schema problems say why
        raise ConfigError(source, problems) from None
    problems = cross_check(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: Path | str = "config.toml") -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [f"file not found: {path}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [f"not UTF-8 text: {exc}"]) from None
    except OSError as exc:  # a folder, no permission, ...
        raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    if "base_dir" in data:
        raise ConfigError(str(path), ["base_dir: unknown key"])
    return parse_config(data, base_dir=path.resolve().parent, source=str(path))
