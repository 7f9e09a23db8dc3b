"""What the counter window knows and may do, in plain Python (no Qt).

The window keeps a :class:`CounterView` (built from the live lobby state and
its own session) and asks :func:`availability` which actions make sense now;
an action that doesn't gets the reason as a sentence in the window's language.
Texts for both languages live here too, so the rules and their words are
tested without a display.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from kiosk.codes import normalise_code
from kiosk.protocol.actions import BUTTON_ACTIONS
from kiosk.protocol.events import EventType

# The actions with a button, in button order, and their keyboard shortcuts (the protocol's table).
ACTIONS = tuple(action.name for action in BUTTON_ACTIONS)
SHORTCUTS = {action.name: action.key for action in BUTTON_ACTIONS}
# Sent to the server as the counter's pause reason: language-neutral keys, shown translated.
PAUSE_REASONS = ("break", "prayer", "system")

TEXTS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Loket {number} — {agency}",
        "title_logged_out": "Aplikasi loket",
        "connected": "● Terhubung",
        "disconnected": "● Koneksi terputus — menyambung ulang…",
        "login_heading": "Masuk ke loket",
        "login_counter": "Loket",
        "login_user": "Nama pengguna",
        "login_pin": "PIN",
        "login_button": "Masuk",
        "login_busy": "Memeriksa…",
        "login_missing": "Isi nama pengguna dan PIN.",
        "login_no_counter": "Pilih loket.",
        "logout": "Keluar",
        "logout_busy_ticket": "Selesaikan {code} dulu sebelum keluar.",
        "lang_switch": "English",
        "counter_choice": "Loket {number} — {agency}",
        "user_line": "Petugas: {name}",
        "no_ticket": "Tidak ada nomor di loket",
        "no_ticket_hint": "Tekan F1 untuk memanggil nomor berikutnya, atau pindai nomor antrean.",
        "paused_heading": "Loket sedang jeda: {reason}",
        "paused_hint": "Tekan F8 untuk melanjutkan pelayanan.",
        "closed_heading": "Loket belum dibuka",
        "state_called": "Dipanggil",
        "state_serving": "Sedang dilayani",
        "priority": "PRIORITAS",
        "recalled_times": "dipanggil ulang {count}×",
        "waited": "Menunggu {minutes} sebelum dipanggil",
        "at_counter": "Di loket {elapsed}",
        "minutes": "{n} menit",
        "action_call_next": "Panggil berikutnya",
        "action_recall": "Panggil ulang",
        "action_start": "Mulai layani",
        "action_finish": "Selesai",
        "action_no_show": "Tidak hadir",
        "action_transfer": "Alihkan",
        "action_call_ticket": "Panggil nomor",
        "action_pause": "Jeda",
        "action_resume": "Lanjutkan",
        "why_offline": "Koneksi ke server terputus; tunggu sampai tersambung lagi.",
        "why_closed": "Loket belum dibuka.",
        "why_paused": "Loket sedang jeda; tekan Lanjutkan (F8) dulu.",
        "why_busy_ticket": "Selesaikan {code} dulu.",
        "why_nothing_waiting": "Tidak ada yang menunggu.",
        "why_no_ticket": "Belum ada nomor di loket.",
        "why_already_serving": "{code} sudah dilayani.",
        "why_recall_first": "Panggil ulang {code} dulu ({done} dari {needed} kali).",
        "why_serving_no_show": "{code} sudah dilayani; tidak bisa ditandai tidak hadir.",
        "why_in_flight": "Tunggu, tindakan sebelumnya masih diproses.",
        "done_call_next": "{code} dipanggil.",
        "done_call_ticket": "{code} dipanggil.",
        "done_recall": "{code} dipanggil ulang.",
        "done_start": "{code} mulai dilayani.",
        "done_finish": "{code} selesai.",
        "done_no_show": "{code} ditandai tidak hadir.",
        "done_transfer": "{code} dialihkan ke {service}.",
        "done_pause": "Loket dijeda: {reason}.",
        "done_resume": "Pelayanan dilanjutkan.",
        "done_logout": "Anda sudah keluar.",
        "unreachable": "Server antrean tidak dapat dihubungi. Tindakan tidak dikirim ulang: periksa keadaan, lalu coba lagi.",
        "login_unreachable": "Server antrean tidak dapat dihubungi. Periksa jaringan, lalu coba lagi.",
        "session_ended": "Sesi Anda berakhir (mungkin masuk dari tempat lain). Silakan masuk lagi.",
        "unexpected": "Terjadi kesalahan: {detail}",
        "scan_placeholder": "Pindai atau ketik nomor antrean, lalu Enter",
        "scan_hint": "Ketik atau pindai nomor antrean, lalu tekan Enter (atau klik dua kali di daftar).",
        "scan_not_code": "'{text}' bukan nomor antrean.",
        "waiting_heading": "Menunggu di loket ini",
        "waiting_total": "{n} menunggu",
        "col_code": "Nomor",
        "col_service": "Layanan",
        "col_priority": "Prioritas",
        "col_wait": "Menunggu",
        "priority_mark": "★ Prioritas",
        "minutes_short": "{n} mnt",
        "stats": "Dilayani hari ini: {served} · Rata-rata layanan: {mean}",
        "stats_none": "—",
        "transfer_title": "Alihkan {code} ke layanan…",
        "transfer_search": "Cari layanan atau instansi",
        "transfer_ok": "Alihkan",
        "transfer_keep_place": "Pertahankan urutan sesuai jam ambil nomor (tanpa ini: di akhir antrean tujuan)",
        "cancel": "Batal",
        "pause_title": "Alasan jeda",
        "reason_break": "Istirahat",
        "reason_prayer": "Salat",
        "reason_system": "Gangguan sistem",
        "today_heading": "Hari ini — seluruh MPP",
        "today_updated": "diperbarui {time}",
        "today_loading": "Memuat angka hari ini…",
        "today_waiting": "menunggu",
        "today_served": "dilayani",
        "today_mean_wait": "rata-rata tunggu",
        "today_ikm": "IKM hari ini",
        "today_ikm_none": "IKM hari ini: belum ada survei",
        "today_month": "IKM bulan ini: {ikm}\u00a0· Tidak hadir hari ini:\u00a0{no_shows}\u00a0· Nomor diambil:\u00a0{issued}",
        "today_unreachable": "Angka hari ini tidak dapat dimuat: server antrean tidak dapat dihubungi. Dicoba lagi otomatis.",
        "today_refused": "Angka hari ini tidak dapat dimuat: {message}",
        "ikm_value": "{ikm} ({grade}, {name})",
        "ikm_none": "belum ada survei",
        "security_heading": "Keamanan hari ini — penguncian dan pengambilalihan",
        "security_none": "Belum ada penguncian atau pengambilalihan loket hari ini.",
        "security_loading": "Memuat kejadian keamanan…",
        "security_refused": "Kejadian keamanan tidak dapat dimuat: {message}",
        "security_unreachable": "Kejadian keamanan tidak dapat dimuat: server antrean tidak dapat dihubungi.",
        "col_time": "Jam",
        "col_what": "Kejadian",
        "col_user": "Petugas",
        "col_counter": "Loket",
        "col_address": "Alamat",
        "locked_user_address": "Dikunci: {n} PIN salah",
        "locked_address": "Alamat dikunci: {n} PIN salah",
        "locked_user": "Pengguna dikunci: {n} PIN salah",
        "taken_over": "Diambil alih dari {user}",
        "locked_user_address_why": "PIN salah berulang untuk petugas ini dari satu alamat",
        "locked_address_why": "PIN salah berulang dari satu alamat, dengan nama apa pun",
        "locked_user_why": "PIN salah untuk petugas ini dari banyak alamat (PC loketnya sendiri tetap bisa masuk)",
        "taken_over_notice": "Loket ini diambil alih oleh supervisor {name}. Silakan masuk lagi bila perlu.",
        "void_open": "Batalkan nomor…",
        "void_title": "Batalkan nomor antrean hari ini",
        "void_intro": "Nomor yang dibatalkan keluar dari antrean dan kuota, tidak dihitung sebagai kunjungan, dan "
                      "tidak diberikan lagi. Nomor yang sedang atau sudah dilayani tidak dapat dibatalkan.",
        "void_codes": "Nomor, dipisah koma (mis. A-012, A-015)",
        "void_range": "atau rentang (mis. A-120 - A-180)",
        "void_reason": "Alasan (wajib, masuk catatan dan laporan)",
        "void_ok": "Batalkan nomor",
        "void_need_tickets": "Isi nomor atau rentang nomor yang dibatalkan.",
        "void_bad_code": "'{text}' bukan nomor antrean.",
        "void_bad_range": "Tulis rentang sebagai dua nomor dengan huruf yang sama, mis. A-120 - A-180.",
        "void_need_reason": "Tulis alasan pembatalan (paling sedikit 3 huruf).",
        "done_void": "{n} nomor dibatalkan: {codes}.",
        "done_void_skipped": "{n} nomor dibatalkan: {codes}. Dilewati (sedang/sudah dilayani): {skipped}.",
    },
    "en": {
        "title": "Counter {number} — {agency}",
        "title_logged_out": "Counter app",
        "connected": "● Connected",
        "disconnected": "● Connection lost — reconnecting…",
        "login_heading": "Log in to a counter",
        "login_counter": "Counter",
        "login_user": "User name",
        "login_pin": "PIN",
        "login_button": "Log in",
        "login_busy": "Checking…",
        "login_missing": "Enter your user name and PIN.",
        "login_no_counter": "Choose a counter.",
        "logout": "Log out",
        "logout_busy_ticket": "Finish {code} before logging out.",
        "lang_switch": "Bahasa Indonesia",
        "counter_choice": "Counter {number} — {agency}",
        "user_line": "Staff: {name}",
        "no_ticket": "No ticket at the counter",
        "no_ticket_hint": "Press F1 to call the next ticket, or scan a ticket.",
        "paused_heading": "Counter paused: {reason}",
        "paused_hint": "Press F8 to resume serving.",
        "closed_heading": "Counter not open",
        "state_called": "Called",
        "state_serving": "Being served",
        "priority": "PRIORITY",
        "recalled_times": "recalled {count}×",
        "waited": "Waited {minutes} before the call",
        "at_counter": "At the counter {elapsed}",
        "minutes": "{n} min",
        "action_call_next": "Call next",
        "action_recall": "Recall",
        "action_start": "Start",
        "action_finish": "Finish",
        "action_no_show": "No-show",
        "action_transfer": "Transfer",
        "action_call_ticket": "Call ticket",
        "action_pause": "Pause",
        "action_resume": "Resume",
        "why_offline": "The connection to the server is lost; wait until it is back.",
        "why_closed": "The counter is not open.",
        "why_paused": "The counter is paused; press Resume (F8) first.",
        "why_busy_ticket": "Finish {code} first.",
        "why_nothing_waiting": "No one is waiting.",
        "why_no_ticket": "No ticket at the counter yet.",
        "why_already_serving": "{code} is already being served.",
        "why_recall_first": "Recall {code} first ({done} of {needed} times).",
        "why_serving_no_show": "{code} is being served; it cannot be a no-show.",
        "why_in_flight": "Wait, the previous action is still being processed.",
        "done_call_next": "{code} called.",
        "done_call_ticket": "{code} called.",
        "done_recall": "{code} recalled.",
        "done_start": "Serving {code}.",
        "done_finish": "{code} finished.",
        "done_no_show": "{code} marked no-show.",
        "done_transfer": "{code} transferred to {service}.",
        "done_pause": "Counter paused: {reason}.",
        "done_resume": "Serving again.",
        "done_logout": "You are logged out.",
        "unreachable": "The queue server cannot be reached. The action is not sent again: check the state, then try again.",
        "login_unreachable": "The queue server cannot be reached. Check the network, then try again.",
        "session_ended": "Your session ended (perhaps a login elsewhere). Please log in again.",
        "unexpected": "Something went wrong: {detail}",
        "scan_placeholder": "Scan or type a ticket number, then Enter",
        "scan_hint": "Type or scan a ticket number, then press Enter (or double-click in the list).",
        "scan_not_code": "'{text}' is not a ticket number.",
        "waiting_heading": "Waiting for this counter",
        "waiting_total": "{n} waiting",
        "col_code": "Ticket",
        "col_service": "Service",
        "col_priority": "Priority",
        "col_wait": "Waiting",
        "priority_mark": "★ Priority",
        "minutes_short": "{n} min",
        "stats": "Served today: {served} · Mean service time: {mean}",
        "stats_none": "—",
        "transfer_title": "Transfer {code} to…",
        "transfer_search": "Search a service or agency",
        "transfer_ok": "Transfer",
        "transfer_keep_place": "Keep its place by the time it was issued (otherwise: the end of the target queue)",
        "cancel": "Cancel",
        "pause_title": "Reason for the pause",
        "reason_break": "Break",
        "reason_prayer": "Prayer",
        "reason_system": "System problem",
        "today_heading": "Today — whole MPP",
        "today_updated": "updated {time}",
        "today_loading": "Loading today's figures…",
        "today_waiting": "waiting",
        "today_served": "served",
        "today_mean_wait": "mean wait",
        "today_ikm": "IKM today",
        "today_ikm_none": "IKM today: no survey yet",
        "today_month": "IKM this month: {ikm}\u00a0· No-shows today:\u00a0{no_shows}\u00a0· Tickets issued:\u00a0{issued}",
        "today_unreachable": "Today's figures cannot be loaded: the queue server cannot be reached. Retrying by itself.",
        "today_refused": "Today's figures cannot be loaded: {message}",
        "ikm_value": "{ikm} ({grade}, {name})",
        "ikm_none": "no survey yet",
        "security_heading": "Security today — lockouts and take-overs",
        "security_none": "No login lockout or counter take-over today.",
        "security_loading": "Loading security events…",
        "security_refused": "Security events cannot be loaded: {message}",
        "security_unreachable": "Security events cannot be loaded: the queue server cannot be reached.",
        "col_time": "Time",
        "col_what": "What",
        "col_user": "Staff",
        "col_counter": "Counter",
        "col_address": "Address",
        "locked_user_address": "Locked: {n} wrong PINs",
        "locked_address": "Address locked: {n} wrong PINs",
        "locked_user": "User locked: {n} wrong PINs",
        "taken_over": "Taken over from {user}",
        "locked_user_address_why": "wrong PINs for this user from one address",
        "locked_address_why": "wrong PINs from one address, whatever the name",
        "locked_user_why": "wrong PINs for this user from many addresses (their own counter PC still logs in)",
        "taken_over_notice": "Supervisor {name} took this counter over. Log in again if needed.",
        "void_open": "Void tickets…",
        "void_title": "Void tickets of today",
        "void_intro": "A voided ticket leaves the queue and the quota, is not counted as a visit, and its number is "
                      "not given out again. A ticket being served or already served cannot be voided.",
        "void_codes": "Codes, comma-separated (e.g. A-012, A-015)",
        "void_range": "or a range (e.g. A-120 - A-180)",
        "void_reason": "Reason (required; kept in the log and the report)",
        "void_ok": "Void",
        "void_need_tickets": "Enter the codes or the range to void.",
        "void_bad_code": "'{text}' is not a ticket code.",
        "void_bad_range": "Write a range as two codes of the same letter, e.g. A-120 - A-180.",
        "void_need_reason": "Give a reason for the void (at least 3 characters).",
        "done_void": "{n} ticket(s) voided: {codes}.",
        "done_void_skipped": "{n} ticket(s) voided: {codes}. Skipped (being served or served): {skipped}.",
    },
}


def tr(lang: str, key: str, **values) -> str:
    table = TEXTS["en"] if lang == "en" else TEXTS["id"]
    return table[key].format(**values)


def reason_text(lang: str, reason: str | None) -> str:
    """A pause reason in words: our own keys translated, anything else (set by another tool) as it is."""
    if reason in PAUSE_REASONS:
        return tr(lang, f"reason_{reason}")
    return reason or tr(lang, "reason_break")


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


def availability(view: CounterView, lang: str) -> dict[str, str | None]:
    """For each action: None when it can be done now, else why not (a sentence)."""
    out: dict[str, str | None] = {}
    ticket = view.ticket
    code = ticket["code"] if ticket else ""
    if not view.connected:
        return {action: tr(lang, "why_offline") for action in ACTIONS}

    def calling() -> str | None:
        if view.status == "closed":
            return tr(lang, "why_closed")
        if view.status == "paused":
            return tr(lang, "why_paused")
        if ticket is not None:
            return tr(lang, "why_busy_ticket", code=code)
        return None

    def with_ticket(states: tuple[str, ...]) -> str | None:
        if ticket is None:
            return tr(lang, "why_no_ticket")
        if ticket["state"] not in states:
            return tr(lang, "why_already_serving", code=code)
        return None

    out["call_next"] = calling() or (tr(lang, "why_nothing_waiting") if view.waiting == 0 else None)
    out["call_ticket"] = calling()
    out["recall"] = with_ticket(("called",))
    out["start"] = with_ticket(("called",))
    out["finish"] = with_ticket(("called", "serving"))
    out["transfer"] = with_ticket(("called", "serving"))
    if ticket is None:
        out["no_show"] = tr(lang, "why_no_ticket")
    elif ticket["state"] != "called":
        out["no_show"] = tr(lang, "why_serving_no_show", code=code)
    elif (ticket.get("recalls") or 0) < view.recalls_needed:
        out["no_show"] = tr(lang, "why_recall_first", code=code, done=ticket.get("recalls") or 0,
                            needed=view.recalls_needed)
    else:
        out["no_show"] = None
    # pause works with a ticket at the counter too (a system fault mid-service); resume only when paused
    out["pause"] = tr(lang, "why_closed") if view.status == "closed" else None
    return {action: out[action] for action in ACTIONS}


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
            return tr(lang, "void_bad_code", text=part.strip()[:24])
        codes.append(code)
    span = None
    if (range_text or "").strip():
        ends = _RANGE_END_RE.findall(range_text)
        leftover = _RANGE_END_RE.sub("", range_text).strip(" -–—sdto.")
        if len(ends) != 2 or ends[0][0].upper() != ends[1][0].upper() or leftover \
                or not 1 <= int(ends[0][1]) <= int(ends[1][1]):
            return tr(lang, "void_bad_range")
        span = (ends[0][0].upper(), int(ends[0][1]), int(ends[1][1]))
    if not codes and span is None:
        return tr(lang, "void_need_tickets")
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        return tr(lang, "void_need_reason")
    return VoidInput(codes, span, reason[:200])


def void_done_text(lang: str, answer: dict) -> str:
    """The status line after a void: how many, which, and what the range skipped."""
    codes = [t["code"] for t in answer.get("voided", [])]
    shown = ", ".join(codes[:8]) + (f" … (+{len(codes) - 8})" if len(codes) > 8 else "")
    skipped = [s["code"] for s in answer.get("skipped", [])]
    if skipped:
        return tr(lang, "done_void_skipped", n=len(codes), codes=shown, skipped=", ".join(skipped[:8]))
    return tr(lang, "done_void", n=len(codes), codes=shown)


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
        return tr(lang, "stats_none")
    shown = f"{minutes:.1f}"
    if lang != "en":
        shown = shown.replace(".", ",")
    return tr(lang, "minutes", n=shown)



# ---------------------------------------------------------------------------- today's figures (supervisors)

def decimal_text(lang: str, value: float, digits: int = 1) -> str:
    """A number as people write it: '12,5' in Indonesian, '12.5' in English."""
    shown = f"{value:.{digits}f}"
    return shown if lang == "en" else shown.replace(".", ",")


def grade_name(lang: str, letter: str) -> str:
    """The IKM grade's name (PermenPANRB 14/2017), from the report module's one table of grades."""
    from kiosk.reports import GRADES

    for _lowest, grade, name_id, name_en in GRADES:
        if grade == letter:
            return name_en if lang == "en" else name_id
    return letter


def ikm_text(lang: str, ikm: dict | None) -> str:
    """'85,42 (B, Baik)', or that there is no survey yet."""
    if not ikm or ikm.get("ikm") is None:
        return tr(lang, "ikm_none")
    return tr(lang, "ikm_value", ikm=decimal_text(lang, ikm["ikm"], 2), grade=ikm["grade"],
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
        ikm_label = f"{tr(lang, 'today_ikm')} — {grade_name(lang, ikm_today['grade']).replace(' ', chr(0xA0))}"
    else:
        ikm, ikm_label = tr(lang, "stats_none"), tr(lang, "today_ikm_none")
    generated = parse_time(summary.get("generated_at"))
    return TodayTexts(
        waiting=str(summary.get("waiting_now", 0)),
        served=str(summary.get("served_today", 0)),
        mean_wait=minutes_text(lang, summary.get("mean_wait_minutes")),
        ikm=ikm,
        ikm_label=ikm_label,
        month_line=tr(lang, "today_month", ikm=ikm_text(lang, summary.get("ikm_month")),
                      no_shows=summary.get("no_shows_today", 0), issued=summary.get("issued_today", 0)),
        updated=tr(lang, "today_updated", time=generated.astimezone(tz).strftime("%H:%M")) if generated else "",
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
            what = tr(lang, "taken_over", user=event.get("from_name") or event.get("from_user") or "?")
        elif event.get("type") == EventType.LOGIN_LOCKED and event.get("scope") in ("user_address", "address", "user"):
            what = tr(lang, f"locked_{event['scope']}", n=event.get("failures") or 0)
            why = tr(lang, f"locked_{event['scope']}_why")
        else:  # a kind this window does not know yet: shown by its name rather than hidden
            what = str(event.get("type"))
        rows.append(SecurityRow(
            time=at.astimezone(tz).strftime("%H:%M") if at else "",
            what=what,
            user=shown_user if event.get("scope") != "address" else tr(lang, "stats_none"),
            counter=str(event.get("counter_number") or tr(lang, "stats_none")),
            address=event.get("address") or "",
            why=why,
        ))
    return rows

