"""The page behind the ticket QR: /t/{token}.

The server renders the whole page, and the status panel again on every
change; the small script in static/phone.js only swaps the panel in, so the
page is complete without JavaScript and there is one renderer (this module).
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"

# The 9 elements of the SKM (Survei Kepuasan Masyarakat), PermenPANRB 14/2017: (name, question).
SURVEY_ELEMENTS = {
    "id": [
        ("Persyaratan", "Kesesuaian persyaratan dengan jenis pelayanan"),
        ("Sistem, Mekanisme, dan Prosedur", "Kemudahan prosedur pelayanan"),
        ("Waktu Penyelesaian", "Kecepatan waktu pelayanan"),
        ("Biaya/Tarif", "Kewajaran biaya atau tarif pelayanan"),
        ("Produk Spesifikasi Jenis Pelayanan", "Kesesuaian hasil pelayanan dengan yang ditetapkan"),
        ("Kompetensi Pelaksana", "Kemampuan petugas dalam melayani"),
        ("Perilaku Pelaksana", "Kesopanan dan keramahan petugas"),
        ("Penanganan Pengaduan, Saran dan Masukan", "Penanganan pengaduan, saran dan masukan"),
        ("Sarana dan Prasarana", "Kualitas sarana dan prasarana"),
    ],
    "en": [
        ("Requirements", "How well the requirements fit the service"),
        ("System, mechanism and procedure", "How easy the procedure was"),
        ("Completion time", "How quickly you were served"),
        ("Cost/fee", "How fair the cost or fee was"),
        ("Service product specification", "How well the result matched what was promised"),
        ("Staff competence", "How capable the staff were"),
        ("Staff conduct", "How polite and friendly the staff were"),
        ("Handling of complaints, suggestions and feedback", "How complaints and suggestions are handled"),
        ("Facilities and infrastructure", "The quality of the facilities"),
    ],
}
SCALE = {
    "id": ["Tidak baik", "Kurang baik", "Baik", "Sangat baik"],
    "en": ["Poor", "Fair", "Good", "Very good"],
}

TEXT = {
    "id": {
        "html_lang": "id",
        "title": "Nomor Antrean",
        "your_number": "Nomor antrean Anda",
        "priority": "Prioritas",
        "ahead_label": "orang di depan Anda",
        "wait_label": "menit perkiraan tunggu",
        "next": "Anda berikutnya — bersiaplah.",
        "waiting_hint": "Halaman ini diperbarui otomatis. Ponsel akan bergetar saat nomor Anda dipanggil.",
        "called_lead": "Nomor Anda dipanggil",
        "go_to": "Silakan menuju Loket {counter}",
        "recalled": "Panggilan ulang ke-{n}",
        "serving": "Sedang dilayani di Loket {counter}",
        "no_show": "Nomor Anda terlewat",
        "rejoin_hint": "Jika Anda sudah kembali di ruang tunggu, tekan tombol ini untuk masuk lagi ke antrean.",
        "rejoin": "Saya sudah kembali",
        "no_show_late": "Batas waktu untuk kembali ke antrean sudah lewat. Silakan ambil nomor baru di kiosk.",
        "expired": "Nomor ini sudah tidak berlaku karena hari layanan telah berakhir. Silakan ambil nomor baru.",
        "voided": "Nomor ini dibatalkan oleh petugas. Jika Anda masih memerlukan layanan, silakan ambil nomor baru "
                  "di kiosk atau tanyakan kepada petugas.",
        "done": "Layanan selesai. Terima kasih atas kunjungan Anda!",
        "survey_too_soon": "Survei kepuasan tidak dibuka untuk nomor ini karena layanannya sangat singkat.",
        "survey_expired": "Waktu untuk mengisi survei nomor ini sudah lewat.",
        "survey_title": "Survei Kepuasan Masyarakat",
        "survey_intro": "Bantu kami meningkatkan pelayanan: beri nilai untuk 9 hal berikut. Hanya 1 menit.",
        "comment": "Saran atau masukan (tidak wajib)",
        "submit": "Kirim penilaian",
        "survey_incomplete": "Mohon beri nilai untuk semua 9 unsur.",
        "thanks_title": "Terima kasih!",
        "thanks": "Penilaian Anda sudah kami terima dan membantu kami memperbaiki pelayanan. "
                  "Halaman ini boleh ditutup.",
        "live": "Diperbarui otomatis",
        "offline": "Koneksi terputus — mencoba lagi…",
        "switch": "English",
        "switch_lang": "en",
        "not_found_title": "Nomor antrean tidak ditemukan",
        "not_found": "Tautan ini tidak dikenal atau sudah kedaluwarsa. Pindai ulang kode QR pada tiket Anda, "
                     "atau tanyakan kepada petugas.",
        "try_again": "Gagal mengirim. Periksa koneksi lalu coba lagi.",
    },
    "en": {
        "html_lang": "en",
        "title": "Queue ticket",
        "your_number": "Your queue number",
        "priority": "Priority",
        "ahead_label": "people ahead of you",
        "wait_label": "minutes estimated wait",
        "next": "You are next — please get ready.",
        "waiting_hint": "This page updates by itself. Your phone vibrates when your number is called.",
        "called_lead": "Your number is called",
        "go_to": "Please go to counter {counter}",
        "recalled": "Call number {n}",
        "serving": "Being served at counter {counter}",
        "no_show": "Your number was missed",
        "rejoin_hint": "If you are back in the waiting area, press this button to rejoin the queue.",
        "rejoin": "I'm back",
        "no_show_late": "The time to rejoin the queue has passed. Please take a new number at the kiosk.",
        "expired": "This number is no longer valid because the service day has ended. Please take a new number.",
        "voided": "This number was cancelled by the staff. If you still need the service, please take a new number "
                  "at the kiosk or ask a staff member.",
        "done": "Service finished. Thank you for your visit!",
        "survey_too_soon": "There is no satisfaction survey for this ticket because the service was very short.",
        "survey_expired": "The time to fill in this ticket's survey has passed.",
        "survey_title": "Public Satisfaction Survey",
        "survey_intro": "Help us improve: rate these 9 aspects of the service. It takes a minute.",
        "comment": "Suggestions or feedback (optional)",
        "submit": "Send rating",
        "survey_incomplete": "Please rate all 9 items.",
        "thanks_title": "Thank you!",
        "thanks": "We have received your rating; it helps us improve the service. You may close this page.",
        "live": "Updates automatically",
        "offline": "Connection lost — retrying…",
        "switch": "Bahasa Indonesia",
        "switch_lang": "id",
        "not_found_title": "Ticket not found",
        "not_found": "This link is unknown or has expired. Scan the QR code on your ticket again, or ask a staff member.",
        "try_again": "Could not send. Check your connection and try again.",
    },
}


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def panel_html(status: dict, lang: str, *, error: str | None = None) -> str:
    """The status panel for one ticket's public view (see the server's ticket view)."""
    t = TEXT[lang]
    state = status["state"]
    code = escape(status["code"])
    counter = escape(str(status.get("counter_number") or ""))
    where = f'{escape(status["agency_short_name"])} · {escape(status["service_name"])}'
    badge = f'<span class="badge">{t["priority"]}</span>' if status.get("priority") else ""
    head = (f'<p class="label">{t["your_number"]}</p><p class="code" id="code">{code}</p>'
            f'<p class="where">{where}</p>{badge}')
    if state == "waiting":
        ahead = int(status["people_ahead"])
        minutes = int(status["estimate_minutes"])
        body = (
            '<div class="facts">'
            f'<div class="fact"><span class="fact-value" id="ahead">{ahead}</span>'
            f'<span class="fact-label">{t["ahead_label"]}</span></div>'
            f'<div class="fact"><span class="fact-value" id="estimate">{"±" if minutes else ""}{minutes}</span>'
            f'<span class="fact-label">{t["wait_label"]}</span></div>'
            '</div>'
            + (f'<p class="next">{t["next"]}</p>' if ahead == 0 else "")
            + f'<p class="hint">{t["waiting_hint"]}</p>')
    elif state == "called":
        recalls = int(status.get("recalls") or 0)
        body = (f'<p class="go" id="go">{t["go_to"].format(counter=counter)}</p>'
                + (f'<p class="recall">{t["recalled"].format(n=recalls + 1)}</p>' if recalls else ""))
        head = (f'<p class="label">{t["called_lead"]}</p><p class="code" id="code">{code}</p>'
                f'<p class="where">{where}</p>')
    elif state == "serving":
        body = f'<p class="serving">{t["serving"].format(counter=counter)}</p>'
    elif state == "no_show":
        if status.get("can_rejoin"):
            body = (f'<p class="warn">{t["no_show"]}</p><p class="hint">{t["rejoin_hint"]}</p>'
                    f'<form method="post" action="/t/{escape(status["token_path"])}/rejoin?lang={lang}" data-form="rejoin">'
                    f'<button type="submit" class="primary" id="rejoin">{t["rejoin"]}</button></form>')
        else:
            body = f'<p class="warn">{t["no_show"]}</p><p class="hint">{t["no_show_late"]}</p>'
    elif state == "done":
        if status.get("surveyed"):
            return (f'<section class="ticket state-thanks" data-state="thanks"><p class="code small">{code}</p>'
                    f'<h2 class="thanks-title" id="thanks">{t["thanks_title"]}</h2><p class="thanks">{t["thanks"]}</p>'
                    '</section>')
        done = (f'<section class="ticket state-done" data-state="done"><p class="code small">{code}</p>'
                f'<p class="done">{t["done"]}</p>')
        survey_token = status.get("survey_token")
        if survey_token:
            return done + '</section>' + survey_form(status["token_path"], lang, survey_token, error=error)
        # no form: the survey is closed for this ticket; say why in plain words (and any refusal just sent)
        closed = t["survey_expired"] if status.get("survey") == "expired" else t["survey_too_soon"]
        return done + f'<p class="hint" id="survey-closed">{closed}</p>{notice(error)}</section>'
    elif state == "voided":
        body = f'<p class="warn" id="voided">{t["voided"]}</p>'
    else:  # expired, or any state a later version adds
        body = f'<p class="hint">{t["expired"]}</p>'
    return (f'<section class="ticket state-{escape(state)}" data-state="{escape(state)}">{head}{body}'
            f'{notice(error)}</section>')


def notice(error: str | None) -> str:
    """A refusal of the visitor's last form (a survey sent too early, say), where no form shows it."""
    return f'<p class="form-error" role="alert" id="notice">{escape(error)}</p>' if error else ""


def survey_form(token: str, lang: str, survey_token: str, *, error: str | None = None) -> str:
    t = TEXT[lang]
    items = []
    for number, (name, question) in enumerate(SURVEY_ELEMENTS[lang], start=1):
        options = "".join(
            f'<label class="opt opt-{value}"><input type="radio" name="u{number}" value="{value}" required>'
            f'<span>{label}</span></label>'
            for value, label in enumerate(SCALE[lang], start=1))
        items.append(
            f'<fieldset class="q" id="u{number}"><legend><span class="q-num">U{number}</span> {name}'
            f'<small>{question}</small></legend><div class="scale">{options}</div></fieldset>')
    error_html = f'<p class="form-error" role="alert" id="survey-error"{"" if error else " hidden"}>{escape(error or "")}</p>'
    return (
        f'<form class="survey" id="survey" method="post" action="/t/{escape(token)}/survey?lang={lang}" data-form="survey">'
        # the one-time survey token: the server accepts a survey only with the token of this ticket's page
        f'<input type="hidden" name="survey_token" value="{escape(survey_token)}">'
        f'<h2>{t["survey_title"]}</h2><p class="intro">{t["survey_intro"]}</p>'
        + "".join(items)
        + f'<label class="comment">{t["comment"]}<textarea name="comment" maxlength="1000" rows="3"></textarea></label>'
        + error_html
        + f'<button type="submit" class="primary" id="send-survey">{t["submit"]}</button></form>')


def page_html(status: dict, lang: str, *, lobby_name: str, error: str | None = None) -> str:
    t = TEXT[lang]
    token = status["token_path"]
    title = f'{status["code"]} — {lobby_name}'
    client_text = {key: t[key] for key in ("live", "offline", "survey_incomplete", "try_again")}
    return _template("phone.html").substitute(
        lang=t["html_lang"],
        title=escape(title),
        lobby=escape(lobby_name),
        token=escape(token),
        switch_href=f"/t/{escape(token)}?lang={t['switch_lang']}",
        switch=t["switch"],
        switch_lang=t["switch_lang"],
        panel=panel_html(status, lang, error=error),
        live=t["live"],
        # JSON inside a <script>: '<' escaped so no text can close the tag
        text_json=json.dumps(client_text, ensure_ascii=False).replace("<", "\\u003c"),
    )


def not_found_html(lang: str, *, lobby_name: str) -> str:
    t = TEXT[lang]
    return _template("not_found.html").substitute(
        lang=t["html_lang"], lobby=escape(lobby_name), title=t["not_found_title"], body=t["not_found"],
        switch_href=f"?lang={t['switch_lang']}", switch=t["switch"], switch_lang=t["switch_lang"])
