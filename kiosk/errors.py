"""Typed errors of the queue, each with a sentence a visitor or the staff can read.

The server turns them into 4xx answers in the request's language; the windows
show ``message(lang)`` as a plain sentence. An error of a fixed kind says its
catalog sentence (error.<code>, kiosk/i18n.py, see :meth:`QueueError._worded`);
one the engine raises is given its msgid and fields (``msgid=``, ``fields=``),
worded in the asker's language when the answer is made.
"""
from __future__ import annotations

from typing import Callable

from kiosk.i18n import t


class QueueError(Exception):
    code = "queue_error"
    http_status = 409

    def __init__(self, message_id: str | None = None, message_en: str | None = None, *,
                 render: Callable[[str], str] | None = None, msgid: str | None = None,
                 fields: dict | None = None, **details):
        if msgid is not None:
            self._worded(msgid, fields or {}, **details)
            return
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en
        self._render = render
        self.details = details

    def _worded(self, msgid: str, fields: dict, **details) -> None:
        """Word ``self`` with the catalog's ``msgid`` (``fields`` fill its placeholders).

        A field whose value is itself worded per language (a service's name, a status
        sentence) is given as a callable ``lang -> str``.
        """
        def render(lang: str) -> str:
            return t(msgid, lang, **{k: v(lang) if callable(v) else v for k, v in fields.items()})

        QueueError.__init__(self, render("id"), render("en"), render=render, **details)

    def message(self, lang: str = "id") -> str:
        if self._render is not None:
            return self._render(lang)
        return self.message_en if lang == "en" else self.message_id

    def to_dict(self, lang: str = "id") -> dict:
        return {"error": self.code, "message": self.message(lang), **self.details}


class NoticeInvalid(QueueError):
    code = "notice_invalid"
    http_status = 422


class NotFound(QueueError):
    code = "not_found"
    http_status = 404


class UnknownService(NotFound):
    code = "unknown_service"

    def __init__(self, service_id: str):
        self._worded("error.unknown_service", {"service_id": service_id}, service_id=service_id)


class UnknownCounter(NotFound):
    code = "unknown_counter"

    def __init__(self, counter_id: str):
        self._worded("error.unknown_counter", {"counter_id": counter_id}, counter_id=counter_id)


class UnknownTicket(NotFound):
    code = "unknown_ticket"

    def __init__(self, ref: str):
        self._worded("error.unknown_ticket", {"ref": ref})


class ServiceUnavailable(QueueError):
    """Closed or full: the status sentence says which and until when."""

    code = "service_unavailable"

    def __init__(self, status):
        super().__init__(status.text_id, status.text_en, render=status.text, state=status.state)
        self.status = status


class PriorityNotAllowed(QueueError):
    code = "priority_not_allowed"
    http_status = 422

    def __init__(self, service_id: str):
        self._worded("error.priority_not_allowed", {}, service_id=service_id)


class NotServedHere(QueueError):
    code = "not_served_here"
    http_status = 422

    def __init__(self, counter_number: str, service_id: str):
        self._worded("error.not_served_here", {"counter_number": counter_number, "service_id": service_id},
                           service_id=service_id)


class NothingWaiting(QueueError):
    code = "nothing_waiting"

    def __init__(self):
        self._worded("error.nothing_waiting", {})


class InvalidState(QueueError):
    code = "invalid_state"


class CounterUnavailable(QueueError):
    code = "counter_unavailable"


class SurveyError(QueueError):
    code = "survey_invalid"
    http_status = 422


class SurveyRefused(InvalidState):
    """A survey the honesty rules refuse; ``reason`` says which rule (see kiosk.engine.SURVEY_REFUSALS)."""

    code = "survey_refused"

    def __init__(self, reason: str, http_status: int = 409):
        super().__init__(msgid=f"error.survey_refused.{reason}", reason=reason)
        self.reason = reason
        self.http_status = http_status


class InvalidRequestId(QueueError):
    code = "invalid_request_id"
    http_status = 422

    def __init__(self):
        self._worded("error.invalid_request_id", {})


class RequestIdConflict(QueueError):
    """A request_id already used for a different ticket request: never hand back someone else's ticket."""

    code = "request_id_conflict"

    def __init__(self):
        self._worded("error.request_id_conflict", {})


class RequestIdMismatch(InvalidRequestId):
    code = "request_id_mismatch"

    def __init__(self):
        self._worded("error.request_id_mismatch", {})


class SupervisorRequired(QueueError):
    """A rule only a supervisor may set aside (a transfer into a closed, full or other agency's service)."""

    code = "supervisor_required"
    http_status = 403


class VoidRefused(QueueError):
    code = "void_refused"
    http_status = 422


class BookingRefused(QueueError):
    """A booking, move, cancellation or check-in refused: ``reason`` says which rule (the sentence says it
    to the visitor, with what to do)."""
    code = "booking_refused"

    def __init__(self, *, msgid: str, fields: dict, reason: str, http_status: int = 409):
        self.http_status = http_status
        self.reason = reason
        self._worded(msgid, fields, reason=reason)
