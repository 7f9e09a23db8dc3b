"""The typed views the server returns (``response_model=``) and the clients read.

A view is a strict pydantic model: a client reads ``service.waiting``, never
``service.get("waitng", 0)``, so a misspelt field is an error where it is written, not a silent
zero on a kiosk. ``extra="ignore"`` on reading keeps an older client working against a newer
server that answers with more fields.

Every view and event model is built (its validator and serializer) at its first use, not at import
(``defer_build``): a process uses a few of the 85, and the server's start imports them all. The bodies
(kiosk/protocol/requests.py) are built at import: FastAPI reads them as it adds the routes.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class ServiceStatusView(View):
    state: Literal["open", "closed", "full"]
    text: str                     # the sentence a visitor reads, in the catalog's language
    opens_at: str | None = None   # ISO local time of the next opening, when closed


class ServiceView(View):
    id: str
    agency_id: str
    name: str
    status: ServiceStatusView
    waiting: int
    estimate_minutes: int
    priority_allowed: bool
    requirements: list[str] = []  # what to bring, one line each
    keywords: list[str] = []
    daily_quota: int | None = None
    issued_today: int = 0
    location: str = ""            # where to wait, in the request's language ('' when the config names none)
    pictogram: str | None = None  # a shipped pictogram's name (assets/pictograms/<name>.svg)

    @property
    def is_open(self) -> bool:
        return self.status.state == "open"


class AgencyView(View):
    id: str
    name: str
    short_name: str
    colour: str
    logo: str | None = None
    pictogram: str | None = None  # a shipped pictogram's name (assets/pictograms/<name>.svg)
    waiting: int
    services: list[str]           # service ids, in the config's order


class CatalogView(View):
    """``GET /api/v1/catalog``: what the kiosk shows, in one language."""

    lang: str
    lobby: str
    agencies: list[AgencyView]
    services: list[ServiceView]
    status: ServiceStatusView | None = None  # the lobby's: open, or closed until … (why), from kiosk.schedule

    def service(self, service_id: str) -> ServiceView | None:
        return next((s for s in self.services if s.id == service_id), None)

    def agency(self, agency_id: str) -> AgencyView | None:
        return next((a for a in self.agencies if a.id == agency_id), None)

    def services_of(self, agency_id: str) -> list[ServiceView]:
        return [s for s in self.services if s.agency_id == agency_id]


TicketState = Literal["waiting", "called", "serving", "done", "no_show", "expired", "voided"]


class _TicketFields(View):
    """What every view of one ticket shows: its code, service, state and times."""

    code: str
    service_id: str
    issued_service_id: str
    agency_id: str
    priority: bool
    lang: str
    state: TicketState
    day: str
    issued_at: str
    called_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    no_show_at: str | None = None
    counter_id: str | None = None
    recalls: int = 0
    transfers: int = 0
    booked: bool = False          # checked in from a booking (kiosk.bookings)
    slot_at: str | None = None    # the booking's slot (UTC)


class TicketView(_TicketFields):
    """A ticket as a device or the counter sees it: everything but its token."""

    id: int
    queued_seq: int
    booked_name: str | None = None  # the name the booking gave, where the service asks for one (staff only)


# --------------------------------------------------------------------------- the server's answers
# The server answers with ``response_model_exclude_unset=True``: a field the server did not set is
# left out, not sent as null, so each answer on the wire is exactly what the server built.

class NamedTicketView(TicketView):
    """A ticket with its service's and agency's names in the request's language (counter answers, void, waiting)."""

    service_name: str
    agency_name: str
    agency_short_name: str


class IssuedTicketView(View):
    """``POST /api/v1/tickets``: the ticket just issued (or, ``replayed``, the one this request id already made)."""

    id: int
    code: str
    token: str                    # the holder's only credential: printed as the QR of status_url
    status_url: str
    position: int                 # people ahead
    estimate_minutes: int
    issued_at: str
    day: str
    priority: bool
    lang: str
    service_id: str
    agency_id: str
    service_name: str
    agency_name: str
    agency_short_name: str
    seq: int
    replayed: bool
    # a checked-in booking's ticket (POST /api/v1/bookings/check-in); left out for a walk-in
    booked: bool = False
    slot_time: str | None = None      # the booking's slot, local 'HH:MM', printed on the ticket
    booking_code: str | None = None   # 'K7QM-4XPD'
    booked_name: str | None = None


class TicketStatusView(_TicketFields):
    """``GET /api/v1/tickets/{token}``: the holder's view of their ticket (nothing about other tickets)."""

    people_ahead: int
    estimate_minutes: int
    counter_number: str | None = None
    surveyed: bool
    survey: str                   # open, done, or why it is closed: not_served, too_soon, expired
    can_rejoin: bool
    service_name: str
    agency_name: str
    agency_short_name: str
    view_lang: str                # the language the view's names are in


class CounterView(View):
    id: str
    number: str
    agency_id: str
    services: list[str]
    status: str                   # open, paused, closed
    reason: str | None = None     # why paused
    ticket_id: int | None = None
    user: str | None = None


class CounterActionView(View):
    """``POST /api/v1/counters/{counter_id}/<action>``: the ticket the action left at the counter, and the counter."""

    action: str                   # the action's path, e.g. "call-next"
    ticket: NamedTicketView | None = None
    counter: CounterView
    seq: int


class WaitingView(View):
    counter_id: str
    tickets: list[NamedTicketView]
    seq: int


class CounterStatsView(View):
    counter_id: str
    day: str
    served_today: int
    mean_service_minutes: float | None = None
    no_shows_today: int
    waiting: int


class LoginView(View):
    """``POST /api/v1/sessions``: the staff session (its token) and the counter it opened."""

    token: str
    user: str
    name: str
    supervisor: bool
    counter_id: str
    expires_at: str
    counter: CounterView


class LogoutView(View):
    closed: bool                  # False: a ticket is still at the counter, so it stays open
    counter: CounterView


class SkippedTicket(View):
    code: str
    state: str


class VoidView(View):
    voided: list[NamedTicketView]
    skipped: list[SkippedTicket]
    seq: int


class SnapshotTicket(View):
    id: int
    code: str
    service_id: str
    agency_id: str
    priority: bool
    state: TicketState
    counter_id: str | None = None
    queued_seq: int
    issued_at: str
    called_at: str | None = None
    recalls: int = 0


class SnapshotCounter(View):
    status: str
    reason: str | None = None
    ticket_id: int | None = None
    user: str | None = None


class RecentCall(View):
    seq: int
    ticket_id: int | None = None
    code: str
    counter_id: str | None = None
    counter_number: str | None = None
    service_id: str
    agency_id: str
    at: str
    recall: bool


class HelpRequestView(View):
    seq: int       # the help_requested event: what the acknowledgement names
    device: str    # the kiosk
    screen: str
    at: str


class SnapshotView(View):
    """``GET /api/v1/state``: the lobby now, with the seq of the last event it includes."""

    seq: int
    day: str | None = None
    tickets: list[SnapshotTicket]
    counters: dict[str, SnapshotCounter]   # only counters ever opened
    recent_calls: list[RecentCall]
    help_requests: list[HelpRequestView] = []  # visitors' calls for help not yet acknowledged


class HealthView(View):
    status: str
    seq: int


class SettingsView(View):
    """GET /api/v1/settings: the config a device may read (kiosk.live_config.settings_for), never a secret."""

    version: str = Field(description="SHA-256 of the config's public part; config_changed events carry the new one")
    role: str = Field(description="whose view this is: kiosk, display, counter-app, manager or staff")
    config: dict[str, Any] = Field(description="config.toml's sections without device keys, PIN hashes or the TLS "
                                               "key; staff names only for counter PCs, none for kiosks and displays")
    profile: str | None = Field(default=None, description="for a display device: the [[displays]] profile whose "
                                "device names it (it shows that zone), else null")


class SeqView(View):
    """An answer that is only the seq of the event it wrote (e.g. a printer fault)."""

    seq: int


class SurveyAnswerView(View):
    ok: bool


class SecurityEventView(View):
    seq: int
    type: str
    at: str
    scope: str | None = None
    user: str | None = None
    name: str | None = None
    from_user: str | None = None
    from_name: str | None = None
    counter_id: str | None = None
    counter_number: str | None = None
    address: str | None = None
    failures: int | None = None
    retry_after_s: int | None = None


class SecurityEventsView(View):
    """``GET /api/v1/security/events``: today's login lockouts and counter take-overs."""

    day: str
    events: list[SecurityEventView]


# -- devices (enrolment and the registry)

class PairingView(View):
    """``POST /api/v1/enrol``: the code the new PC shows, and the secret it polls with."""

    code: str
    poll_secret: str
    expires_at: str
    expires_in_s: int
    poll_path: str


class PairingPollView(View):
    """``GET /api/v1/enrol/{poll_secret}``: pending (202: code, expires_at) or approved (200: name, role, key, once)."""

    state: Literal["pending", "approved"]
    code: str | None = None
    expires_at: str | None = None
    name: str | None = None
    role: str | None = None
    key: str | None = None


class DeviceView(View):
    name: str
    role: str
    enrolled_at: str
    last_seen: str | None = None
    revoked_at: str | None = None


class RevokedDeviceView(DeviceView):
    streams_closed: int


class ConfigDeviceView(View):
    name: str
    role: str


class PendingPairingView(View):
    code: str
    name_hint: str
    address: str
    requested_at: str
    expires_at: str


class DevicesView(View):
    devices: list[DeviceView]
    config_devices: list[ConfigDeviceView]
    pending: list[PendingPairingView]


class ApprovedPairingView(View):
    code: str
    role: str
    name: str
    address: str
    name_hint: str


class RefusedPairingView(View):
    code: str
    refused: bool


# -- reports

class ReportPeriodView(BaseModel):
    # "from" is a Python keyword: the field is period_from, spelt "from" on the wire
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)

    period_from: str = Field(alias="from")
    to: str
    days: int
    by: str


class ReportAgencyView(View):
    id: str
    name: str
    short_name: str


class ReportTableView(View):
    title: str
    columns: list[str]
    rows: list[list[Any]]         # one list per row, in the columns' order; each table has its own columns


class ReportHeadView(View):
    lobby: str
    period: ReportPeriodView
    agency: ReportAgencyView | None = None
    generated_at: str


class ReportTablesView(ReportHeadView):
    """``GET /api/v1/reports/tables``: every table by its name."""

    tables: dict[str, ReportTableView]


class OneReportTableView(ReportHeadView):
    """``GET /api/v1/reports/{table}``."""

    name: str
    table: ReportTableView


class IkmView(View):
    ikm: float | int | None = None
    grade: str | None = None
    grade_name: str | None = None
    respondents: int = 0


class IkmMonthView(IkmView):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)

    month_from: str = Field(alias="from")


class TodaySummaryView(View):
    """``GET /api/v1/reports/today``: today so far, and this month's IKM so far."""

    day: str
    agency: ReportAgencyView | None = None
    generated_at: str
    waiting_now: int
    issued_today: int
    served_today: int
    no_shows_today: int
    mean_wait_minutes: int | float | None = None
    ikm_today: IkmView
    ikm_month: IkmMonthView
    surveys_refused_today: dict[str, int]
    survey_bursts_today: list[str]


# --------------------------------------------------------------------------- the lobby's files (kiosk.files)

class FileEntryView(View):
    name: str = Field(description="relative to the lobby folder, '/'-separated; GET /api/v1/files/{name}")
    size: int
    sha256: str


class FilesView(View):
    """``GET /api/v1/files``: every file the caller's role may need, with its size and SHA-256."""

    role: str
    files: list[FileEntryView]


class ImportedBookingView(View):
    code: str                     # 'K7QM-4XPD'
    service_id: str
    day: str
    slot_time: str


class ImportProblemView(View):
    row: int                      # 1 = the first row sent
    message: str


class ImportBookingsView(View):
    """``POST /api/v1/bookings/import``: the bookings made and every refused row (none made unless ``partial``
    when a row is refused)."""

    imported: list[ImportedBookingView]
    problems: list[ImportProblemView]
class NoticeItemView(View):
    id: int
    text: dict[str, str] = Field(description="lang -> words")
    until: str | None = Field(description="ISO time it ends by itself, or null")
    sign: str | None = Field(default=None, description="the key of its sign-language clip (notice:<sign>), or null")


class NoticesView(View):
    """GET /api/v1/notices: the notices up now, oldest first (the displays show them on their ticker)."""
    notices: list[NoticeItemView]


class NoticeAddedView(View):
    id: int
    seq: int = Field(description="the notices_changed event every display follows")
