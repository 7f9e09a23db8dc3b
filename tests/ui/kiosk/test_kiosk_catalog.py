"""The kiosk in a pseudo-language: every word on every screen, and on the printed ticket, is catalog text."""
from __future__ import annotations

import pytest

from kiosk.printer.layout import printable
from support.fake_printer import strip_status_requests
from support.pseudo import not_from_the_catalog, pseudo, pseudo_language, unmarked_words

from .kiosk_driver import LEFT, _on_current_screen, agency_tile, service_card


@pytest.fixture(autouse=True)
def xx(tmp_path):
    with pseudo_language(tmp_path / "locale") as lang:
        yield lang


def _in_pseudo_language(qtbot, kiosk, xx):
    kiosk.set_language(xx)
    kiosk.refresh_catalog()  # the server's words (service status) in xx too
    qtbot.waitUntil(lambda: xx in kiosk.catalogs, timeout=5000)
    kiosk.set_language(xx)


def _walk(qtbot, kiosk):
    """Every screen a visitor reaches, by touch; yields its name while it shows."""
    yield "home"
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    yield "agencies"
    qtbot.mouseClick(kiosk.agency_screen.search_button, LEFT)
    yield "search (empty)"
    for key in "KTP":
        qtbot.mouseClick(kiosk.search_screen.keyboard.keys[key], LEFT)
    yield "search"
    for key in "QQQ":
        qtbot.mouseClick(kiosk.search_screen.keyboard.keys[key], LEFT)
    yield "search (nothing found)"
    qtbot.mouseClick(kiosk.back_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    yield "services"
    qtbot.mouseClick(service_card(kiosk, "kk"), LEFT)
    yield "confirm"
    qtbot.mouseClick(kiosk.confirm_screen.priority_toggle, LEFT)
    yield "confirm (priority)"
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000):
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    yield "ticket"


def test_every_kiosk_screen_shows_only_catalog_words(qtbot, kiosk, config, xx):
    _in_pseudo_language(qtbot, kiosk, xx)
    seen = set()
    for screen in _walk(qtbot, kiosk):
        stray = not_from_the_catalog(kiosk, config, visible=lambda w: _on_current_screen(kiosk, w),
                                     typed=("KTPQQQ", "ktpqqq", "KTP", "ktp"))
        assert not stray, f"{screen}: texts not in the catalog: {stray}"
        seen.add(screen)
    assert kiosk.current == "ticket" and len(seen) == 9
    assert kiosk.home_button.text() == pseudo("Beranda")
    assert kiosk.ticket_screen.code_label.text()  # the code shows (lobby data, not catalog text)


def test_the_printed_ticket_says_only_catalog_words(qtbot, kiosk, config, fake_printer, xx):
    _in_pseudo_language(qtbot, kiosk, xx)
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    qtbot.mouseClick(service_card(kiosk, "ktp"), LEFT)
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000):
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    data = strip_status_requests(fake_printer.wait_for_ticket(timeout=5)).decode("cp437", "replace")
    # the printer spells ⟦ ⟧ as '?': the pseudo words are there, the plain ones are not
    for word in ("Nomor Antrean", "Orang di depan Anda", "Pindai untuk memantau antrean"):
        assert printable(pseudo(word)) in data, word
    assert "Nomor Antrean\n" not in data.replace(printable(pseudo("Nomor Antrean")), "")
    assert unmarked_words(pseudo("x"), []) == ""


def test_the_offline_screen_and_the_technicians_pin_pad_too(qtbot, kiosk, server, config, xx):
    from PySide6.QtCore import QPoint

    from kiosk.ui.kiosk import window as kiosk_window

    _in_pseudo_language(qtbot, kiosk, xx)
    qtbot.mousePress(kiosk.exit_corner, LEFT, pos=QPoint(20, 20))
    qtbot.waitUntil(kiosk.pin_overlay.isVisible, timeout=kiosk_window.EXIT_HOLD_MS + 2000)
    qtbot.mouseRelease(kiosk.exit_corner, LEFT, pos=QPoint(20, 20))
    for digit in "9999":
        qtbot.mouseClick(kiosk.pin_overlay.pad.keys[digit], LEFT)
    qtbot.mouseClick(kiosk.pin_overlay.ok_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.pin_overlay.message.text() == pseudo("PIN salah."), timeout=5000)
    stray = not_from_the_catalog(kiosk.pin_overlay, config)
    assert not stray, f"PIN pad: {stray}"
    qtbot.mouseClick(kiosk.pin_overlay.cancel_button, LEFT)

    server.stop()
    qtbot.waitUntil(lambda: kiosk.current == "offline", timeout=8000)
    kiosk.set_language(xx)  # going offline starts over for the next visitor, in the lobby's language
    stray = not_from_the_catalog(kiosk, config, visible=lambda w: _on_current_screen(kiosk, w))
    assert not stray, f"offline: {stray}"
    assert pseudo("Sistem antrean sedang tidak terhubung, mohon tunggu") in kiosk.offline_screen.message_label.text()
