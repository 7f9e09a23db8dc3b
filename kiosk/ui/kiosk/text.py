"""Every word the kiosk shows, in Indonesian and English.

The kiosk never shows a string that is not in :data:`TEXT` (or comes from the
server or config in the visitor's language), so switching language switches
every visible word. No Qt here: the texts are plain data, tested on their own.
"""
from __future__ import annotations

from datetime import datetime

from kiosk.dates import long_date, zone_name
from kiosk.printer.layout import estimate_amount

TEXT: dict[str, dict[str, str]] = {
    # header and navigation
    "language_button": {"id": "English", "en": "Bahasa Indonesia"},
    "accessible_on": {"id": "Tata letak mudah dijangkau", "en": "Accessible layout"},
    "accessible_off": {"id": "Tata letak biasa", "en": "Standard layout"},
    "back": {"id": "◀  Kembali", "en": "◀  Back"},
    "home": {"id": "Beranda", "en": "Home"},
    # home
    "welcome": {"id": "Selamat datang", "en": "Welcome"},
    "take_number": {"id": "Ambil Nomor Antrean", "en": "Take a number"},
    "home_hint": {"id": "Sentuh tombol di bawah untuk memilih layanan",
                  "en": "Touch the button below to choose a service"},
    # agencies
    "agencies_title": {"id": "Pilih Instansi", "en": "Choose an agency"},
    "agencies_hint": {"id": "Sentuh instansi yang ingin Anda tuju, atau cari layanan",
                      "en": "Touch the agency you need, or search for a service"},
    "search_button": {"id": "Cari layanan, mis. KTP, paspor, SKCK",
                      "en": "Search a service, e.g. KTP, passport, SKCK"},
    "page_of": {"id": "Halaman {page} dari {pages}", "en": "Page {page} of {pages}"},
    "prev_page": {"id": "◀  Sebelumnya", "en": "◀  Previous"},
    "next_page": {"id": "Berikutnya  ▶", "en": "Next  ▶"},
    "waiting_count": {"id": "{count} menunggu", "en": "{count} waiting"},
    "queue_line": {"id": "{count} menunggu  ·  tunggu {amount}", "en": "{count} waiting  ·  wait {amount}"},
    "services_count": {"id": "{count} layanan", "en": "{count} services"},
    # search
    "search_title": {"id": "Cari Layanan", "en": "Search for a service"},
    "search_hint": {"id": "Ketik nama layanan dengan papan ketik di bawah",
                    "en": "Type the name of a service on the keyboard below"},
    "search_placeholder": {"id": "Ketik di sini…", "en": "Type here…"},
    "search_none": {"id": "Tidak ada layanan yang cocok. Coba kata lain.",
                    "en": "No matching service. Try another word."},
    "search_found": {"id": "{count} layanan ditemukan", "en": "{count} services found"},
    "key_space": {"id": "Spasi", "en": "Space"},
    "key_delete": {"id": "⌫ Hapus", "en": "⌫ Delete"},
    "key_clear": {"id": "Kosongkan", "en": "Clear"},
    # services
    "services_title": {"id": "Pilih Layanan", "en": "Choose a service"},
    "services_hint": {"id": "Sentuh layanan yang Anda butuhkan", "en": "Touch the service you need"},
    "estimate": {"id": "Perkiraan tunggu: {amount}", "en": "Estimated wait: {amount}"},
    # confirm
    "requirements": {"id": "Persyaratan yang perlu dibawa", "en": "What to bring"},
    "no_requirements": {"id": "Tidak ada persyaratan khusus.", "en": "No special requirements."},
    "confirm_hint": {"id": "Periksa persyaratan, lalu ambil nomor",
                     "en": "Check the requirements, then take your number"},
    "priority_choice": {
        "id": "Prioritas: penyandang disabilitas, lansia, ibu hamil, orang tua dengan bayi",
        "en": "Priority: people with disabilities, the elderly, pregnant women, parents with infants",
    },
    "priority_on": {"id": "✔ Antrean prioritas dipilih", "en": "✔ Priority queue chosen"},
    "confirm": {"id": "Ambil Nomor", "en": "Take number"},
    "confirm_priority": {"id": "Ambil Nomor Prioritas", "en": "Take priority number"},
    "people_ahead": {"id": "Orang di depan Anda: {count}", "en": "People ahead of you: {count}"},
    # issuing
    "printing": {"id": "Mencetak…", "en": "Printing…"},
    "printing_hint": {"id": "Mohon tunggu sebentar", "en": "Please wait a moment"},
    "take_ticket": {"id": "Silakan ambil tiket Anda", "en": "Please take your ticket"},
    "your_number": {"id": "Nomor antrean Anda", "en": "Your queue number"},
    "priority_mark": {"id": "PRIORITAS", "en": "PRIORITY"},
    "scan_hint": {"id": "Pindai kode QR untuk memantau antrean dari ponsel",
                  "en": "Scan the QR code to follow your queue on your phone"},
    "printer_fallback": {
        "id": "Printer bermasalah — silakan foto nomor dan kode QR ini",
        "en": "Printer problem — please photograph this number and QR code",
    },
    "done": {"id": "Selesai", "en": "Done"},
    # trouble
    "offline_title": {"id": "Mohon tunggu", "en": "Please wait"},
    "offline": {"id": "Sistem antrean sedang tidak terhubung, mohon tunggu",
                "en": "The queue system is offline, please wait"},
    "offline_hint": {"id": "Kios akan tersambung kembali dengan sendirinya.",
                     "en": "The kiosk will reconnect by itself."},
    "loading": {"id": "Memuat layanan…", "en": "Loading services…"},
    "issue_failed": {"id": "Nomor antrean belum dapat diambil. Silakan coba lagi.",
                     "en": "The number could not be taken. Please try again."},
    "service_not_open": {"id": "Layanan ini sedang tidak menerima antrean.",
                         "en": "This service is not taking numbers now."},
    # technician exit
    "exit_title": {"id": "Keluar dari kios (teknisi)", "en": "Leave the kiosk (technician)"},
    "exit_prompt": {"id": "Masukkan PIN teknisi", "en": "Enter the technician PIN"},
    "exit_wrong": {"id": "PIN salah.", "en": "Wrong PIN."},
    "exit_checking": {"id": "Memeriksa…", "en": "Checking…"},
    "exit_no_pin": {"id": "PIN keluar belum diatur (kiosk.exit_pin_hash).",
                    "en": "No exit PIN is set (kiosk.exit_pin_hash)."},
    "exit_cancel": {"id": "Batal", "en": "Cancel"},
    "exit_ok": {"id": "Keluar", "en": "Exit"},
}


def t(key: str, lang: str, **values) -> str:
    """The text for ``key`` in ``lang`` ('id' for anything else), with ``{values}`` filled in."""
    entry = TEXT[key]
    text = entry["en"] if lang == "en" else entry["id"]
    return text.format(**values) if values else text


def date_text(moment: datetime, lang: str) -> str:
    """'Senin, 23 November 2026' / 'Monday, 23 November 2026' (the moment as given: convert it first)."""
    return long_date(moment.date(), lang)


def clock_text(moment: datetime) -> str:
    """'09:00 WITA'."""
    return f"{moment:%H:%M} {zone_name(moment)}"


def estimate_text(minutes: int | None, lang: str) -> str:
    if minutes is None:
        return ""
    return t("estimate", lang, amount=estimate_amount(int(minutes), lang))
