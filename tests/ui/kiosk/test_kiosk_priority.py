"""Priority in one tap from the home screen; the chosen service may still refuse it; it ends with the visit."""
from __future__ import annotations

from .kiosk_driver import LEFT, agency_tile, service_card, visible_texts


def test_one_tap_on_home_takes_a_priority_number(qtbot, kiosk, server, fake_printer):
    assert kiosk.home_screen.priority_button.text() == "Prioritas: lansia, disabilitas, ibu hamil, membawa balita"
    qtbot.mouseClick(kiosk.home_screen.priority_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    qtbot.mouseClick(service_card(kiosk, "ktp"), LEFT)
    assert kiosk.confirm_screen.priority_toggle.isChecked()
    assert kiosk.confirm_screen.confirm_button.text() == "Ambil Nomor Prioritas"
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000) as shown:
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    assert shown.args[0]["priority"] is True and server.engine.waiting()[0].priority is True
    qtbot.mouseClick(kiosk.ticket_screen.done_button, LEFT)
    # the next visitor starts without it
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    qtbot.mouseClick(service_card(kiosk, "ktp"), LEFT)
    assert not kiosk.confirm_screen.priority_toggle.isChecked()


def test_a_service_without_priority_says_so_and_gives_a_regular_number(qtbot, kiosk, server):
    qtbot.mouseClick(kiosk.home_screen.priority_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "imigrasi"), LEFT)
    qtbot.mouseClick(service_card(kiosk, "paspor"), LEFT)
    assert "Layanan ini tidak memberi nomor prioritas; Anda mendapat nomor biasa." in visible_texts(kiosk)
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000) as shown:
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    assert shown.args[0]["priority"] is False
