"""The server's own errors (auth, limits, bad requests) and the request's language.

Every error answer has the same shape as the queue's: ``{"error": code,
"message": "..."}`` with the message in the request's language.
"""
from __future__ import annotations

from starlette.requests import HTTPConnection

LANGS = ("id", "en")

# code -> (HTTP status, Indonesian, English)
MESSAGES: dict[str, tuple[int, str, str]] = {
    "unauthorized": (401, "Kunci perangkat atau sesi petugas tidak valid.", "Missing or invalid device key or staff session."),
    "device_revoked": (401, "Perangkat ini telah dicabut oleh pengelola lobi; kuncinya tidak berlaku lagi. Minta teknisi "
                            "mendaftarkannya lagi (mpp-kiosk enrol).",
                       "This device was revoked by the lobby's manager; its key no longer works. Ask the technician "
                       "to enrol it again (mpp-kiosk enrol)."),
    "enrol_rate_limited": (429, "Terlalu banyak permintaan pemasangan. Tunggu sebentar lalu coba lagi.",
                           "Too many pairing requests. Wait a moment and try again."),
    "forbidden": (403, "Perangkat atau petugas ini tidak boleh melakukan itu.", "This device or staff member may not do that."),
    "wrong_counter": (403, "Sesi ini untuk loket lain.", "This session belongs to another counter."),
    "counter_not_allowed": (403, "Anda tidak terdaftar untuk loket ini.", "You are not assigned to this counter."),
    "login_failed": (401, "Nama pengguna atau PIN salah.", "Wrong user name or PIN."),
    "login_needs_device": (401, "Masuk petugas hanya dari aplikasi loket: kunci perangkat loket (counter-app) tidak ada "
                                "atau tidak valid.",
                           "Staff log in only from the counter app: its counter-app device key is missing or invalid."),
    "login_wrong_device": (403, "Perangkat ini bukan aplikasi loket; petugas masuk hanya dari PC loket.",
                           "This device is not a counter app; staff log in only from a counter PC."),
    "counter_busy": (409, "Loket ini sedang dipakai petugas lain; minta dia keluar dulu atau panggil supervisor.",
                     "This counter is in use by another officer; ask them to log out first or call a supervisor."),
    "rate_limited": (429, "Terlalu banyak percobaan masuk. Coba lagi sebentar lagi.",
                     "Too many login attempts. Try again shortly."),
    "lan_only": (403, "Alamat ini hanya untuk perangkat dan petugas di jaringan lobi, bukan dari Wi-Fi tamu.",
                 "This address is only for devices and staff on the lobby network, not the guest Wi-Fi."),
    "visitor_rate_limited": (429, "Terlalu banyak permintaan dari perangkat ini. Tunggu sebentar, lalu muat ulang.",
                             "Too many requests from this device. Wait a moment, then reload."),
    "issue_rate_limited": (429, "Terlalu banyak tiket dari kios ini dalam satu menit. Tunggu sebentar lalu coba lagi.",
                           "Too many tickets from this kiosk in one minute. Please wait a moment and try again."),
    "not_found": (404, "Alamat ini tidak ada.", "No such address."),
    "unknown_action": (404, "Tindakan loket tidak dikenal.", "Unknown counter action."),
    "method_not_allowed": (405, "Metode ini tidak didukung di alamat ini.", "This method is not allowed here."),
    "payload_too_large": (413, "Permintaan terlalu besar.", "The request is too large."),
    "invalid_json": (400, "Isi permintaan bukan JSON yang valid.", "The request body is not valid JSON."),
    "invalid_request": (422, "Permintaan tidak valid.", "The request is not valid."),
    "storage_unavailable": (503, "Basis data antrean tidak dapat ditulisi (disk penuh atau hanya-baca). Nomor baru "
                                 "belum dapat diberikan; hubungi teknisi.",
                            "The queue database cannot be written (disk full or read-only). No new numbers "
                            "for now; please call the technician."),
    "internal_error": (500, "Terjadi kesalahan di server antrean.", "The queue server had an internal error."),
}


class ApiProblem(Exception):
    """An error answer the server itself decides on (not one of the queue's rules)."""

    def __init__(self, code: str, *, headers: dict | None = None, message_id: str | None = None,
                 message_en: str | None = None, **details):
        status, default_id, default_en = MESSAGES[code]
        super().__init__(code)
        self.code = code
        self.http_status = status
        self.message_id = message_id or default_id
        self.message_en = message_en or default_en
        self.headers = headers or {}
        self.details = details

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_id

    def to_dict(self, lang: str) -> dict:
        return {"error": self.code, "message": self.message(lang), **self.details}


def parse_accept_language(header: str) -> str | None:
    """The supported language the client prefers most ('in' is the old code for Indonesian)."""
    best, best_q = None, 0.0
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        primary = "id" if primary == "in" else primary
        if primary not in LANGS:
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
    if asked in LANGS:
        return asked
    header = conn.headers.get("accept-language")
    if header:
        found = parse_accept_language(header)
        if found:
            return found
    return default
