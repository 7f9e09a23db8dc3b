"""The kiosk's words and its service search, without Qt."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.ui.kiosk.search import ServiceSearch, initials, words
from kiosk.i18n import t
from kiosk.ui.kiosk.text import clock_text, date_text, estimate_text
from support.configs import MONDAY_9, make_config

SHIPPED = Path(__file__).resolve().parents[3] / "config.toml"


def test_the_issue_sentences_are_word_for_word():
    assert t("kiosk.take_number", "id") == "Ambil Nomor Antrean" and t("kiosk.take_number", "en") == "Take a number"
    assert t("kiosk.printer_fallback", "id") == "Printer bermasalah — silakan foto nomor dan kode QR ini"
    assert t("kiosk.printer_fallback", "en") == "Printer problem — please photograph this number and QR code"
    assert t("kiosk.offline", "id") == "Sistem antrean sedang tidak terhubung, mohon tunggu"
    assert t("kiosk.offline", "en") == "The queue system is offline, please wait"
    assert t("kiosk.priority_choice", "id") == "Prioritas: penyandang disabilitas, lansia, ibu hamil, orang tua dengan bayi"
    assert t("kiosk.accessible_on", "id") == "Tata letak mudah dijangkau" and t("kiosk.accessible_on", "en") == "Accessible layout"
    assert t("kiosk.printing", "en") == "Printing…" and t("kiosk.take_ticket", "en") == "Please take your ticket"


def test_unknown_language_falls_back_to_indonesian():
    assert t("kiosk.home", "fr") == "Beranda"


def test_date_and_clock_in_the_lobby_time():
    assert date_text(MONDAY_9, "id") == "Senin, 23 November 2026"
    assert date_text(MONDAY_9, "en") == "Monday, 23 November 2026"
    assert clock_text(MONDAY_9) == "09:00 WITA"


def test_estimate_sentences():
    assert estimate_text(25, "id") == "Perkiraan tunggu: ± 25 menit"
    assert estimate_text(70, "en") == "Estimated wait: about 1 h 10 min"
    assert estimate_text(None, "id") == ""


def test_words_and_initials():
    assert words("KTP-el (Baru), Ümit") == ["ktp", "el", "baru", "umit"]
    assert initials("Kartu Keluarga (baru, perubahan, hilang)") == "kk"
    assert initials("Paspor") == ""


def test_search_in_the_test_config():
    search = ServiceSearch(make_config())
    assert search.find("ktp") == ["ktp"]
    assert search.find("KARTU kel") == ["kk"]          # every word, as a prefix, any case
    assert search.find("family") == ["kk"]             # the English name
    assert search.find("kk") == ["kk"]                 # what people call it
    assert search.find("imigrasi") == ["paspor"]       # the agency's name
    assert search.find("disdukcapil") == ["ktp", "kk"]  # config order on a tie
    assert search.find("") == [] and search.find("  -- ") == []
    assert search.find("zzz") == []


@pytest.mark.parametrize("query,expected", [
    ("ktp", "dukcapil-ktp-rekam"),
    ("paspor", "imigrasi-paspor-baru"),
    ("passport", "imigrasi-paspor-baru"),
    ("skck", "polresta-skck"),
    ("kartu keluarga", "dukcapil-kk"),
    # what visitors say, in capitals as they write it: the word on the card, not the agency's name
    ("SIM", "polresta-sim-perpanjang"),          # the driving licence is at "Polresta"
    ("driving licence", "polresta-sim-perpanjang"),
    ("BPJS", "bpjs-kesehatan-daftar"),
    ("KTP", "dukcapil-ktp-rekam"),
    ("STNK", "samsat-pkb"),                      # the yearly STNK endorsement is paid with the vehicle tax
    ("pajak motor", "samsat-pkb"),
    ("NPWP", "kpp-npwp"),
    ("akta", "dukcapil-akta-lahir"),
    ("akta kematian", "dukcapil-akta-mati"),
])
def test_search_in_the_shipped_lobby(query, expected):
    search = ServiceSearch(load_config(SHIPPED))
    assert search.find(query)[0] == expected
