"""The typed views the server returns (``response_model=``) and the clients read.

A view is a strict pydantic model: a client reads ``service.waiting``, never
``service.get("waitng", 0)``, so a misspelt field is an error where it is written, not a silent
zero on a kiosk. ``extra="ignore"`` on reading keeps an older client working against a newer
server that answers with more fields.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


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

    @property
    def is_open(self) -> bool:
        return self.status.state == "open"


class AgencyView(View):
    id: str
    name: str
    short_name: str
    colour: str
    logo: str | None = None
    waiting: int
    services: list[str]           # service ids, in the config's order


class CatalogView(View):
    """``GET /api/v1/catalog``: what the kiosk shows, in one language."""

    lang: str
    lobby: str
    agencies: list[AgencyView]
    services: list[ServiceView]

    def service(self, service_id: str) -> ServiceView | None:
        return next((s for s in self.services if s.id == service_id), None)

    def agency(self, agency_id: str) -> AgencyView | None:
        return next((a for a in self.agencies if a.id == agency_id), None)

    def services_of(self, agency_id: str) -> list[ServiceView]:
        return [s for s in self.services if s.agency_id == agency_id]


TicketState = Literal["waiting", "called", "serving", "done", "no_show", "expired", "voided"]


class TicketView(View):
    """A ticket as a device or the counter sees it: everything but its token."""

    id: int
    code: str
    service_id: str
    issued_service_id: str
    agency_id: str
    priority: bool
    lang: str
    state: TicketState
    day: str
    issued_at: str
    queued_seq: int
    called_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    no_show_at: str | None = None
    counter_id: str | None = None
    recalls: int = 0
    transfers: int = 0
