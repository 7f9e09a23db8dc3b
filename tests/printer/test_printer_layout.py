"""The one layout model: words in both languages, dates, sizes, wrapping, printable text."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from printer_samples import ISSUED_AT, STATUS_URL, make_ticket

from kiosk.printer.layout import (
    COLUMNS,
    Cut,
    QrCode,
    TextLine,
    format_estimate,
    format_issued_at,
    printable,
    ticket_lines,
    wrap,
    zone_name,
)


def texts(ticket) -> list[str]:
    return [e.text for e in ticket_lines(ticket) if isinstance(e, TextLine)]


def test_indonesian_ticket_reads_top_to_bottom(ticket):
    assert texts(ticket) == [
        "Mal Pelayanan Publik Kota Balikpapan",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "-" * 46,
        "Nomor Antrean",
        "A-012",
        "Perekaman KTP",  # size 2: 23 characters a line
        "Elektronik",
        "-" * 46,
        "Orang di depan Anda: 3",
        "Perkiraan waktu tunggu: ± 25 menit",
        "Senin, 23 November 2026 10:15 WITA",
        "",
        "Pindai untuk memantau antrean",
        "",
        "Terima kasih atas kunjungan Anda",
    ]
    elements = ticket_lines(ticket)
    assert elements[-1] == Cut()
    qr = [e for e in elements if isinstance(e, QrCode)]
    assert [q.data for q in qr] == [STATUS_URL]


def test_english_labels():
    lines = texts(make_ticket(lang="en", priority=True, footer="Thank you for your visit"))
    assert "Queue number" in lines
    assert " PRIORITY " in lines
    assert "People ahead of you: 3" in lines
    assert "Estimated wait: about 25 min" in lines
    assert "Monday, 23 November 2026 10:15 WITA" in lines
    assert "Scan to follow your queue" in lines
    assert not any("Nomor" in line or "Orang" in line or "Senin" in line for line in lines)


def test_priority_is_an_inverted_band_only_on_priority_tickets():
    band = [e for e in ticket_lines(make_ticket(priority=True)) if isinstance(e, TextLine) and e.invert]
    assert [(b.text, b.size, b.bold) for b in band] == [(" PRIORITAS ", 2, True)]
    assert not any(e.invert for e in ticket_lines(make_ticket()) if isinstance(e, TextLine))


def test_code_is_the_largest_text_and_fits_on_one_line():
    for paper in (58, 80):
        for code in ("A-012", "ABC-1234"):
            lines = [e for e in ticket_lines(make_ticket(code=code, paper_mm=paper)) if isinstance(e, TextLine)]
            code_line = next(line for line in lines if line.text == code)
            assert code_line.size == max(line.size for line in lines)
            assert code_line.size >= 3
            assert len(code) * code_line.size <= COLUMNS[paper]
    # 5 characters at 6x: 360 of 576 dots on 80 mm, 360 of 384 on 58 mm
    assert next(e for e in ticket_lines(make_ticket()) if isinstance(e, TextLine) and e.text == "A-012").size == 6


@pytest.mark.parametrize("paper, qr_dots", [(80, 7), (58, 6)])
def test_every_line_fits_the_paper(paper, qr_dots):
    ticket = make_ticket(paper_mm=paper, lang="en", priority=True,
                         service_name="Legalisasi dokumen kependudukan dan pencatatan sipil (akta, KK, KTP)",
                         footer="Simpan tiket ini sampai layanan selesai. Terima kasih atas kunjungan Anda.")
    elements = ticket_lines(ticket)
    for element in elements:
        if isinstance(element, TextLine):
            # one character cell stays clear at each side
            assert len(element.text) * element.size <= COLUMNS[paper] - 2, element
    assert next(e for e in elements if isinstance(e, QrCode)).module_dots == qr_dots


def test_58mm_breaks_label_and_value_apart_rather_than_mid_sentence():
    lines = texts(make_ticket(paper_mm=58, estimate_minutes=85, lang="en"))
    assert "Estimated wait:" in lines and "about 1 h 25 min" in lines
    assert "Monday, 23 November 2026" in lines and "10:15 WITA" in lines
    lines_id = texts(make_ticket(paper_mm=58))
    assert "Perkiraan waktu tunggu:" in lines_id and "± 25 menit" in lines_id


def test_wrapping_keeps_lines_even():
    assert wrap("Terima kasih. Simpan tiket ini sampai layanan selesai.", 1, 46) == [
        "Terima kasih. Simpan tiket", "ini sampai layanan selesai."]
    assert wrap("Perekaman KTP", 2, 46) == ["Perekaman KTP"]
    assert wrap(("Label:", "value"), 1, 8) == ["Label:", "value"]
    assert wrap(("Label:", "value"), 1, 46) == ["Label: value"]


def test_no_estimate_line_when_there_is_no_estimate():
    assert not any("Perkiraan" in line for line in texts(make_ticket(estimate_minutes=None)))


@pytest.mark.parametrize("minutes, lang, expected", [
    (25, "id", "Perkiraan waktu tunggu: ± 25 menit"),
    (25, "en", "Estimated wait: about 25 min"),
    (60, "id", "Perkiraan waktu tunggu: ± 1 jam"),
    (85, "id", "Perkiraan waktu tunggu: ± 1 jam 25 menit"),
    (125, "en", "Estimated wait: about 2 h 5 min"),
    (0, "id", "Perkiraan waktu tunggu: kurang dari 1 menit"),
    (0, "en", "Estimated wait: under 1 min"),
])
def test_estimate_sentences(minutes, lang, expected):
    assert format_estimate(minutes, lang) == expected


@pytest.mark.parametrize("zone, abbreviation, local_time", [
    ("Asia/Makassar", "WITA", "10:15"),
    ("Asia/Jakarta", "WIB", "09:15"),
    ("Asia/Pontianak", "WIB", "09:15"),
    ("Asia/Jayapura", "WIT", "11:15"),
    ("Asia/Singapore", "UTC+8", "10:15"),
    ("Asia/Kolkata", "UTC+5:30", "07:45"),
    ("UTC", "UTC", "02:15"),
    ("America/Sao_Paulo", "UTC-3", "23:15"),
])
def test_time_zones_by_their_indonesian_names_else_the_offset(zone, abbreviation, local_time):
    local = ISSUED_AT.astimezone(ZoneInfo(zone))
    assert zone_name(local) == abbreviation
    assert format_issued_at(local, "en").endswith(f" {local_time} {abbreviation}")


def test_issued_at_shown_in_local_time_however_it_is_passed():
    as_utc = make_ticket()  # UTC moment + the lobby's zone
    already_local = make_ticket(issued_at=ISSUED_AT.astimezone(ZoneInfo("Asia/Makassar")), local_tz=None)
    fixed_offset = make_ticket(issued_at=ISSUED_AT.astimezone(timezone(timedelta(hours=8))), local_tz=None)
    assert "Senin, 23 November 2026 10:15 WITA" in texts(as_utc)
    assert "Senin, 23 November 2026 10:15 WITA" in texts(already_local)
    assert "Senin, 23 November 2026 10:15 UTC+8" in texts(fixed_offset)


def test_every_indonesian_day_and_month_name():
    days = [format_issued_at(datetime(2026, 6, d, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta")), "id").split(",")[0]
            for d in range(1, 8)]
    assert days == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    months = [format_issued_at(datetime(2026, m, 1, tzinfo=ZoneInfo("Asia/Jakarta")), "id").split()[2]
              for m in range(1, 13)]
    assert months == ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                      "September", "Oktober", "November", "Desember"]


@pytest.mark.parametrize("raw, shown", [
    ("Café Lezat", "Cafe Lezat"),
    ("Pelayanan – Terpadu", "Pelayanan - Terpadu"),
    ("“Kartu” ‘Identitas’…", "\"Kartu\" 'Identitas'..."),
    ("Jl.\u00a0Jend.\tSudirman\nNo. 1", "Jl. Jend. Sudirman No. 1"),
    ("± 5 menit", "± 5 menit"),
    ("Straße", "Strasse"),
    ("行政 A", "?? A"),
    ("😀 ok", "? ok"),
])
def test_printable_text(raw, shown):
    assert printable(raw) == shown


def test_all_ticket_text_is_printable_even_from_odd_config_names():
    ticket = make_ticket(lobby_name="MPP “Balikpapan” – Kaltim", agency_name="Dinas Pendidikan & Kebudayaan",
                         service_name="Légalisasi ijazah", footer="Terima kasih 🙏")
    for line in texts(ticket):
        assert all(" " <= c <= "~" or c == "±" for c in line), line
    assert "Legalisasi ijazah" in texts(ticket)


@pytest.mark.parametrize("change, message", [
    ({"issued_at": datetime(2026, 11, 23, 10, 15)}, "aware"),
    ({"lang": "fr"}, "lang"),
    ({"paper_mm": 76}, "paper_mm"),
    ({"people_ahead": -1}, "people_ahead"),
    ({"estimate_minutes": -5}, "estimate_minutes"),
    ({"code": " "}, "code"),
])
def test_bad_ticket_values_are_refused_with_the_field_named(change, message):
    with pytest.raises(ValueError, match=message):
        make_ticket(**change)


def test_text_line_size_is_an_escpos_magnification():
    with pytest.raises(ValueError):
        TextLine("x", size=9)
