"""Typed errors of the queue, each with a message in Indonesian and English.

The server turns them into 4xx answers in the request's language; the windows
show ``message(lang)`` as a plain sentence.
"""
from __future__ import annotations


class QueueError(Exception):
    code = "queue_error"
    http_status = 409

    def __init__(self, message_id: str, message_en: str, **details):
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en
        self.details = details

    def message(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message_id

    def to_dict(self, lang: str = "id") -> dict:
        return {"error": self.code, "message": self.message(lang), **self.details}


class NotFound(QueueError):
    code = "not_found"
    http_status = 404


class UnknownService(NotFound):
    code = "unknown_service"

    def __init__(self, service_id: str):
        super().__init__(f"Layanan '{service_id}' tidak dikenal.", f"Unknown service '{service_id}'.", service_id=service_id)


class UnknownCounter(NotFound):
    code = "unknown_counter"

    def __init__(self, counter_id: str):
        super().__init__(f"Loket '{counter_id}' tidak dikenal.", f"Unknown counter '{counter_id}'.", counter_id=counter_id)


class UnknownTicket(NotFound):
    code = "unknown_ticket"

    def __init__(self, ref: str):
        super().__init__(f"Nomor antrean '{ref}' tidak ditemukan.", f"Ticket '{ref}' not found.")


class ServiceUnavailable(QueueError):
    """Closed or full: the status sentence says which and until when."""

    code = "service_unavailable"

    def __init__(self, status):
        super().__init__(status.text_id, status.text_en, state=status.state)
        self.status = status


class PriorityNotAllowed(QueueError):
    code = "priority_not_allowed"
    http_status = 422

    def __init__(self, service_id: str):
        super().__init__(
            "Layanan ini tidak memiliki antrean prioritas.", "This service has no priority queue.", service_id=service_id)


class NotServedHere(QueueError):
    code = "not_served_here"
    http_status = 422

    def __init__(self, counter_number: str, service_id: str):
        super().__init__(
            f"Loket {counter_number} tidak melayani layanan '{service_id}'.",
            f"Counter {counter_number} does not serve '{service_id}'.",
            service_id=service_id,
        )


class NothingWaiting(QueueError):
    code = "nothing_waiting"

    def __init__(self):
        super().__init__("Tidak ada antrean yang menunggu.", "No one is waiting.")


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

    def __init__(self, reason: str, message_id: str, message_en: str, http_status: int = 409):
        super().__init__(message_id, message_en, reason=reason)
        self.reason = reason
        self.http_status = http_status


class InvalidRequestId(QueueError):
    code = "invalid_request_id"
    http_status = 422

    def __init__(self):
        super().__init__(
            "request_id harus 1-64 karakter: huruf, angka, '_' atau '-'.",
            "request_id must be 1-64 characters: letters, digits, '_' or '-'.")


class RequestIdConflict(QueueError):
    """A request_id already used for a different ticket request: never hand back someone else's ticket."""

    code = "request_id_conflict"

    def __init__(self):
        super().__init__(
            "request_id ini sudah dipakai untuk permintaan nomor yang lain.",
            "This request_id was already used for a different ticket request.")


class RequestIdMismatch(InvalidRequestId):
    code = "request_id_mismatch"

    def __init__(self):
        QueueError.__init__(
            self,
            "Header Idempotency-Key dan request_id berbeda; kirim satu saja, atau keduanya sama.",
            "The Idempotency-Key header and request_id differ; send one, or both the same.")


class SupervisorRequired(QueueError):
    """A rule only a supervisor may set aside (a transfer into a closed, full or other agency's service)."""

    code = "supervisor_required"
    http_status = 403


class VoidRefused(QueueError):
    code = "void_refused"
    http_status = 422
