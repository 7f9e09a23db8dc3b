"""A visitor at the kiosk: home → agency → service → confirm → printed ticket, in both languages."""
from __future__ import annotations

import httpx
import zxingcpp
from PIL import Image

from kiosk.i18n import messages
from support.fake_printer import strip_status_requests

from .kiosk_driver import LEFT, agency_tile, go_to_confirm, service_card, take_ticket, visible_texts

QR_STORE = b"\x1d(k"  # GS ( k: the native QR commands


def test_whole_flow_in_indonesian_prints_the_ticket(qtbot, kiosk, server, fake_printer):
    assert kiosk.lang == "id"
    assert "Ambil Nomor Antrean" in visible_texts(kiosk)
    ticket = take_ticket(qtbot, kiosk, "dukcapil", "ktp")

    assert kiosk.current == "ticket"
    assert ticket["code"] == "A-001" and not ticket["printer_failed"]
    assert kiosk.ticket_screen.code_label.text() == "A-001"
    texts = visible_texts(kiosk)
    assert "Silakan ambil tiket Anda" in texts
    assert "Orang di depan Anda: 0" in texts
    data = strip_status_requests(fake_printer.wait_for_ticket(timeout=5))
    assert b"A-001" in data and QR_STORE in data
    assert b"Nomor Antrean" in data  # printed in the visitor's language
    assert ticket["token"].encode() in data  # the QR carries the status URL

    # the ticket is real: the server knows it by its token
    status = httpx.get(f"{server.url}/api/v1/tickets/{ticket['token']}").json()
    assert status["code"] == "A-001"
    assert [t.code for t in server.engine.waiting()] == ["A-001"]


def test_whole_flow_in_english_with_priority(qtbot, kiosk, server, fake_printer):
    qtbot.mouseClick(kiosk.language_button, LEFT)
    assert kiosk.lang == "en"
    assert "Take a number" in visible_texts(kiosk)
    go_to_confirm(qtbot, kiosk, "dukcapil", "kk")
    texts = visible_texts(kiosk)
    assert "Family card" in texts
    assert any("Priority: people with disabilities, the elderly, pregnant women, parents with infants" in text
               for text in texts)
    qtbot.mouseClick(kiosk.confirm_screen.priority_toggle, LEFT)
    assert kiosk.confirm_screen.confirm_button.text() == "Take priority number"
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000) as shown:
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    ticket = shown.args[0]
    assert ticket["priority"] is True
    texts = visible_texts(kiosk)
    assert "Please take your ticket" in texts and "PRIORITY" in " ".join(texts)
    data = strip_status_requests(fake_printer.wait_for_ticket(timeout=5))
    assert ticket["code"].encode() in data and b"Queue number" in data and b"PRIORITY" in data
    assert server.engine.waiting()[0].priority is True


def _words_of(lang: str) -> set[str]:
    """The kiosk's own texts that exist only in one language (e.g. 'Beranda' but not 'Buka'/'Open' pairs)."""
    other = "en" if lang == "id" else "id"
    mine, theirs = messages(lang), messages(other)
    return {mine[key].split("{")[0].strip() for key in mine if key.startswith("kiosk.")
            and mine[key] != theirs[key] and len(mine[key].split("{")[0].strip()) > 3}


def _screens_visited(qtbot, kiosk):
    """Walk every screen a visitor can reach; yield its name while it is shown."""
    yield "home"
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    yield "agencies"
    qtbot.mouseClick(kiosk.agency_screen.search_button, LEFT)
    for key in "KTP":
        qtbot.mouseClick(kiosk.search_screen.keyboard.keys[key], LEFT)
    yield "search"
    qtbot.mouseClick(kiosk.back_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "imigrasi"), LEFT)
    yield "services"
    qtbot.mouseClick(kiosk.back_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    qtbot.mouseClick(service_card(kiosk, "ktp"), LEFT)
    yield "confirm"
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000):
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    yield "ticket"


def test_every_visible_word_follows_the_language(qtbot, kiosk):
    """In English no Indonesian kiosk text is on screen, on any screen (and the other way round)."""
    qtbot.mouseClick(kiosk.language_button, LEFT)
    indonesian = _words_of("id")
    for name in _screens_visited(qtbot, kiosk):
        shown = " | ".join(visible_texts(kiosk))
        leaked = sorted(word for word in indonesian if word in shown)
        assert not leaked, f"{name}: Indonesian on an English screen: {leaked}\n{shown}"
        # the language button names the other language, in that language
        assert kiosk.language_button.text() == "Bahasa Indonesia"
    qtbot.mouseClick(kiosk.language_button, LEFT)  # back to Indonesian on the ticket screen
    english = _words_of("en")
    shown = " | ".join(visible_texts(kiosk))
    assert not sorted(word for word in english if word in shown and word not in ("Done",))
    assert "Silakan ambil tiket Anda" in shown


def test_idle_visitor_returns_home_in_the_default_language(qtbot, kiosk):
    qtbot.mouseClick(kiosk.language_button, LEFT)
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    assert (kiosk.current, kiosk.lang) == ("services", "en")
    # config.kiosk.idle_seconds = 5: nothing touched for that long
    qtbot.waitUntil(lambda: kiosk.current == "home", timeout=8000)
    assert kiosk.lang == "id"
    assert "Ambil Nomor Antrean" in visible_texts(kiosk)


def test_touching_keeps_the_visitor_where_they_are(qtbot, kiosk):
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(kiosk.agency_screen.search_button, LEFT)
    for key in "PASPORPASPOR":
        qtbot.mouseClick(kiosk.search_screen.keyboard.keys[key], LEFT)
        qtbot.wait(600)  # 7 s in all, longer than idle_seconds, but never idle for 5 s
    assert kiosk.current == "search"


def test_ticket_screen_goes_home_after_ticket_seconds(qtbot, kiosk):
    qtbot.mouseClick(kiosk.language_button, LEFT)
    take_ticket(qtbot, kiosk)
    assert kiosk.current == "ticket"
    qtbot.waitUntil(lambda: kiosk.current == "home", timeout=6000)  # ticket_seconds = 3
    assert kiosk.lang == "id"


def test_double_tap_and_fast_repeats_issue_one_ticket(qtbot, kiosk, server, fake_printer):
    go_to_confirm(qtbot, kiosk, "dukcapil", "ktp")
    button = kiosk.confirm_screen.confirm_button
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000):
        qtbot.mouseClick(button, LEFT)
        qtbot.mouseDClick(button, LEFT)
        button.click()
        kiosk.confirm_screen.confirmed.emit("ktp", False)  # even a second signal while in flight
        assert kiosk.issue("ktp") is False
    qtbot.wait(500)
    assert [t.code for t in server.engine.waiting()] == ["A-001"]
    assert kiosk.issue_count == 1
    fake_printer.wait_for_ticket(timeout=5)
    assert len(fake_printer.tickets) == 1


def test_search_finds_services_by_keyword_and_issues(qtbot, kiosk, server):
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(kiosk.agency_screen.search_button, LEFT)
    keyboard = kiosk.search_screen.keyboard
    for key in "PASPOR":
        qtbot.mouseClick(keyboard.keys[key], LEFT)
    assert kiosk.search_screen.query_label.text().startswith("paspor")
    assert kiosk.search_screen.result_ids == ["paspor"]
    qtbot.mouseClick(keyboard.clear_key, LEFT)
    for key in "KARTU":
        qtbot.mouseClick(keyboard.keys[key], LEFT)
    assert kiosk.search_screen.result_ids == ["kk"]
    qtbot.mouseClick(keyboard.delete_key, LEFT)
    assert keyboard.text() == "kart"
    for key in "ZZZ":
        qtbot.mouseClick(keyboard.keys[key], LEFT)
    assert kiosk.search_screen.result_ids == []
    assert "Tidak ada layanan yang cocok. Coba kata lain." in visible_texts(kiosk)
    qtbot.mouseClick(keyboard.clear_key, LEFT)
    for key in "KTP":
        qtbot.mouseClick(keyboard.keys[key], LEFT)
    qtbot.mouseClick(service_card(kiosk, "ktp", kiosk.search_screen), LEFT)
    assert kiosk.current == "confirm"
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000):
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    # back goes where the visitor came from, and home clears the search
    assert server.engine.waiting()[0].service_id == "ktp"


def test_back_returns_along_the_way_the_visitor_came(qtbot, kiosk):
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    qtbot.mouseClick(kiosk.agency_screen.search_button, LEFT)
    for key in "KK":
        qtbot.mouseClick(kiosk.search_screen.keyboard.keys[key], LEFT)
    qtbot.mouseClick(service_card(kiosk, "kk", kiosk.search_screen), LEFT)
    assert kiosk.current == "confirm"
    qtbot.mouseClick(kiosk.back_button, LEFT)
    assert kiosk.current == "search" and kiosk.search_screen.keyboard.text() == "kk"
    qtbot.mouseClick(kiosk.back_button, LEFT)
    assert kiosk.current == "agencies"
    qtbot.mouseClick(kiosk.home_button, LEFT)
    assert kiosk.current == "home" and kiosk.search_screen.keyboard.text() == ""


def test_qr_on_screen_decodes_to_the_status_url(qtbot, kiosk):
    ticket = take_ticket(qtbot, kiosk)
    image = kiosk.ticket_screen.qr_label.grab().toImage()
    assert not image.isNull()
    path = kiosk.ticket_screen.qr_url
    pil = Image.frombytes("RGBA", (image.width(), image.height()),
                          bytes(image.convertToFormat(image.Format.Format_RGBA8888).constBits()))
    decoded = [result.text for result in zxingcpp.read_barcodes(pil.convert("L"))]
    assert decoded == [ticket["status_url"]] == [path]
    assert ticket["status_url"].endswith(f"/t/{ticket['token']}")


def test_tickets_issued_elsewhere_show_up_at_once(qtbot, kiosk, server):
    """The lobby's event stream refreshes the waiting counts long before the 10 s refresh."""
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    tile = agency_tile(kiosk, "dukcapil")
    assert tile.waiting_label.text() == "0 menunggu"
    qtbot.waitUntil(lambda: kiosk.live.connected, timeout=5000)
    for _ in range(2):  # another kiosk
        server.engine.issue_ticket("ktp")
    server.notify()
    qtbot.waitUntil(lambda: tile.waiting_label.text() == "2 menunggu", timeout=3000)


def test_lobby_logo_is_shown_when_configured(qtbot, make_kiosk, tmp_path):
    from PySide6.QtGui import QColor, QImage

    from support.configs import BASE, PIN_1234, make_config

    logo = QImage(200, 100, QImage.Format_RGB32)
    logo.fill(QColor("#FFD23F"))
    assert logo.save(str(tmp_path / "logo.png"))
    config = make_config(base_dir=tmp_path, lobby={**BASE["lobby"], "logo": "logo.png"},
                         kiosk={"idle_seconds": 30, "exit_pin_hash": PIN_1234})
    kiosk = make_kiosk(config_=config)
    assert kiosk.logo_label.isVisible()
    assert kiosk.logo_label.pixmap().height() == 84
