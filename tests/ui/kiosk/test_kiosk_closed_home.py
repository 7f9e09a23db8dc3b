"""Closed and on a break, up front: the home screen says the lobby's state in full (kiosk.schedule.lobby_status)."""
from __future__ import annotations

from pathlib import Path

from .kiosk_driver import local, visible_texts

ROOT = Path(__file__).resolve().parents[3]


def test_the_home_screen_says_break_and_closed_with_the_reason(qtbot, server, server_clock, make_kiosk):
    server_clock.set(local("2026-11-27", "12:00"))  # Friday prayer break, 11:30-13:30
    kiosk = make_kiosk()
    texts = visible_texts(kiosk)
    assert "Tutup sampai 13:30 (Istirahat salat Jumat)" in texts
    assert kiosk.home_screen.take_button.text() == "Lihat layanan dan jam buka"
    assert not kiosk.home_screen.priority_button.isVisible()
    kiosk.grab().save(str(ROOT / "docs" / "screenshots" / "kiosk-home-break.png"))
    kiosk.set_language("en")
    assert "Closed until 13:30 (Friday prayer break)" in visible_texts(kiosk)
    kiosk.set_language("id")

    server_clock.set(local("2026-11-23", "20:00"))  # Monday evening
    with qtbot.waitSignal(kiosk.catalog_loaded, timeout=5000):
        kiosk.refresh_catalog()
    assert "Tutup sampai besok 08:00" in visible_texts(kiosk)
    kiosk.grab().save(str(ROOT / "docs" / "screenshots" / "kiosk-home-closed.png"))

    server_clock.set(local("2026-11-24", "09:00"))  # open again
    with qtbot.waitSignal(kiosk.catalog_loaded, timeout=5000):
        kiosk.refresh_catalog()
    assert not kiosk.home_screen.status_label.isVisible()
    assert kiosk.home_screen.take_button.text() == "Ambil Nomor Antrean"
    assert kiosk.home_screen.priority_button.isVisible()
