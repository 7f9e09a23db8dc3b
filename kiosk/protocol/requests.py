"""The request bodies the server accepts: strict (no unknown field), bounded, described for OpenAPI."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# The largest number of a group in one day, six digits: a kiosk limited to 30 tickets a minute would
# need 23 days of nonstop issuing to reach it.
MAX_TICKET_NUMBER = 999_999
MAX_VOID = 500  # tickets in one void: a whole flood of a day's group, never the database in one transaction


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueRequest(Body):
    service_id: str = Field(max_length=64, description="a service id from the catalog")
    priority: bool = Field(default=False, strict=True, description="the priority queue (disabled, elderly, pregnant, infants)")
    lang: Literal["id", "en"] | None = Field(default=None, description="the visitor's language; default: the request's")
    request_id: str | None = Field(
        default=None, max_length=200,
        description="the kiosk's id for this one tap, 1-64 of [A-Za-z0-9_-]: sent again (a retry after a lost answer) "
                    "it returns the ticket already issued instead of a second number; also accepted as the "
                    "Idempotency-Key header")


class CheckInRequest(Body):
    code: str = Field(min_length=1, max_length=200,
                      description="the booking code as typed ('K7QM-4XPD', any case) or scanned (its /b/<code> link)")
    lang: Literal["id", "en"] | None = Field(default=None, description="the visitor's language; default: the booking's")


ImportCell = Annotated[str, Field(max_length=254)]


class ImportBookingsRequest(Body):
    rows: list[dict[Annotated[str, Field(max_length=32)], ImportCell]] = Field(
        min_length=1, max_length=2000,
        description="one object per booking: service_id, day (YYYY-MM-DD), time (HH:MM), the service's fields "
                    "(name, phone, email, nik) and optionally lang, as the CSV of `mpp-kiosk import-bookings`")
    partial: bool = Field(default=False, strict=True, description="import the good rows even when some are refused")


class SurveyRequest(Body):
    scores: list[Annotated[int, Field(strict=True, ge=1, le=4)]] = Field(
        min_length=9, max_length=9, description="U1..U9 of the SKM, each 1 (tidak baik) to 4 (sangat baik)")
    comment: str = Field(default="", max_length=1000)
    survey_token: str | None = Field(
        default=None, max_length=64,
        description="the one-time survey token of the ticket's phone page (its survey form's hidden field)")


class LoginRequest(Body):
    user: str = Field(min_length=1, max_length=40)
    pin: str = Field(min_length=1, max_length=12, description="digits, as a string")
    counter_id: str = Field(min_length=1, max_length=40)


class CallRequest(Body):
    ticket: str = Field(min_length=1, max_length=300, description="a code of today ('A-012', 'a12'), a token or a status URL")


class TransferRequest(Body):
    service_id: str = Field(max_length=64)
    keep_place: bool = Field(
        default=False, strict=True,
        description="a supervisor only: keep the ticket's place in time instead of joining the end of the queue")


class VoidRange(Body):
    prefix: str = Field(min_length=1, max_length=3, description="the group's letter(s) as printed, e.g. 'A'")
    from_number: int = Field(strict=True, ge=1, le=MAX_TICKET_NUMBER)
    to_number: int = Field(strict=True, ge=1, le=MAX_TICKET_NUMBER)


class VoidRequest(Body):
    codes: list[Annotated[str, Field(min_length=1, max_length=16)]] = Field(
        default=[], max_length=MAX_VOID, description="codes of today, e.g. ['A-012', 'a13']")
    range: VoidRange | None = Field(default=None, description="every ticket of today from..to of one group")
    reason: str = Field(min_length=3, max_length=200, description="why, for the event log and the report")


class PauseRequest(Body):
    reason: str = Field(default="break", max_length=80)


class HelpRequest(Body):
    screen: str = Field(default="", max_length=20, description="where the visitor is: home, agencies, confirm, ...")
    lang: str = Field(default="id", max_length=5)


class PrinterFaultRequest(Body):
    kind: str = Field(min_length=1, max_length=40, description="e.g. 'paper_out', 'cover_open', 'offline'")
    message: str = Field(default="", max_length=300)
    code: str | None = Field(default=None, max_length=16, description="the ticket code being printed, if any")


class NoticeText(Body):
    id: str = Field(min_length=1, max_length=200, description="the notice in Indonesian")
    en: str = Field(min_length=1, max_length=200, description="the notice in English")


class NoticeRequest(Body):
    """POST /api/v1/notices: a notice on every display's ticker, e.g. "Layanan Samsat tutup pukul 12:00 hari ini"."""
    text: NoticeText
    sign: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$",
                             description="the key of its clip in the sign pack (token notice:<sign>, e.g. "
                                         "'samsat-tutup-12'): the displays sign it between calls where the pack has it")
    until: datetime | None = Field(default=None, description="when it ends by itself (with its UTC offset); "
                                   "none: until DELETE /api/v1/notices/{id}")
