"""The server's own errors (auth, limits, bad requests) and the request's language.

Every error answer has the same shape as the queue's: ``{"error": code,
"message": "..."}`` with the message in the request's language.
"""
from __future__ import annotations

from starlette.requests import HTTPConnection

from kiosk.i18n import languages, t

# code -> HTTP status; each code's sentence is the catalog's error.<code> (kiosk/i18n.py)
HTTP_STATUS: dict[str, int] = {
    "unauthorized": 401,
    "device_revoked": 401,
    "enrol_rate_limited": 429,
    "forbidden": 403,
    "wrong_counter": 403,
    "counter_not_allowed": 403,
    "login_failed": 401,
    "login_needs_device": 401,
    "login_wrong_device": 403,
    "counter_busy": 409,
    "rate_limited": 429,
    "settings_rate_limited": 429,
    "lan_only": 403,
    "visitor_rate_limited": 429,
    "issue_rate_limited": 429,
    "not_found": 404,
    "unknown_action": 404,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "invalid_json": 400,
    "invalid_request": 422,
    "storage_unavailable": 503,
    "internal_error": 500,
}


class ApiProblem(Exception):
    """An error answer the server itself decides on (not one of the queue's rules)."""

    def __init__(self, code: str, *, headers: dict | None = None, msgid: str | None = None,
                 fields: dict | None = None, message_id: str | None = None, message_en: str | None = None,
                 **details):
        super().__init__(code)
        self.code = code
        self.http_status = HTTP_STATUS[code]
        # a sentence made for this one answer (naming a field, a user): the catalog's msgid with its fields
        # (a field worded per language is a callable lang -> str); else the code's catalog sentence
        self.msgid = msgid
        self.fields = fields or {}
        self.message_id = message_id
        self.message_en = message_en
        self.headers = headers or {}
        self.details = details

    def message(self, lang: str) -> str:
        if self.msgid is not None:
            return t(self.msgid, lang, **{k: v(lang) if callable(v) else v for k, v in self.fields.items()})
        if self.message_id is None:
            return t(f"error.{self.code}", lang)
        return self.message_en if lang == "en" and self.message_en else self.message_id

    def to_dict(self, lang: str) -> dict:
        return {"error": self.code, "message": self.message(lang), **self.details}


def parse_accept_language(header: str) -> str | None:
    """The supported language the client prefers most ('in' is the old code for Indonesian)."""
    best, best_q = None, 0.0
    langs = languages()
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        primary = "id" if primary == "in" else primary
        if primary not in langs:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if not 0 < q <= 1:
            continue
        # the earlier one wins a tie, as the header lists preferences in order
        if q > best_q:
            best, best_q = primary, q
    return best


def request_lang(conn: HTTPConnection, default: str) -> str:
    """?lang= first, then Accept-Language, then the lobby's default."""
    asked = conn.query_params.get("lang")
    if asked in languages():
        return asked
    header = conn.headers.get("accept-language")
    if header:
        found = parse_accept_language(header)
        if found:
            return found
    return default
