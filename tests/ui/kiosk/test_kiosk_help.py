"""The help button (on every screen) and the Help key: staff are told, the visitor hears that help is coming."""
from __future__ import annotations

from PySide6.QtCore import Qt

from .kiosk_driver import LEFT, agency_tile, service_card, visible_texts


def test_the_help_button_is_on_every_screen_and_tells_the_server(qtbot, kiosk, server):
    for step in (lambda: None, lambda: qtbot.mouseClick(kiosk.home_screen.take_button, LEFT),
                 lambda: qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT),
                 lambda: qtbot.mouseClick(service_card(kiosk, "ktp"), LEFT)):
        step()
        assert kiosk.help_button.isVisible() and kiosk.help_button.mapTo(kiosk, kiosk.help_button.rect().topLeft()).y() \
            > kiosk.height() // 2, kiosk.current
    assert kiosk.current == "confirm"
    with qtbot.waitSignal(kiosk.help_answered, timeout=5000) as answered:
        qtbot.mouseClick(kiosk.help_button, LEFT)
    assert answered.args == [True]
    assert "Petugas sudah diberi tahu dan segera datang membantu Anda." in visible_texts(kiosk)
    requests = server.engine.snapshot()["help_requests"]
    assert [(r["device"], r["screen"]) for r in requests] == [("kiosk1", "confirm")]
    assert requests[0]["seq"] == kiosk.help_seq


def test_the_help_key_in_speech_mode_is_spoken(qtbot, kiosk, server):
    qtbot.keyClick(kiosk.stack.currentWidget(), Qt.Key_F2)
    with qtbot.waitSignal(kiosk.help_answered, timeout=5000):
        qtbot.keyClick(kiosk.stack.currentWidget(), Qt.Key_F1)
    assert kiosk.speech.texts[-1] == "Petugas sudah diberi tahu dan segera datang membantu Anda."
    assert len(server.engine.snapshot()["help_requests"]) == 1


def test_help_not_sent_says_where_to_ask(qtbot, kiosk, server):
    server.stop()
    try:
        with qtbot.waitSignal(kiosk.help_answered, timeout=15000) as answered:
            qtbot.mouseClick(kiosk.help_button, LEFT)
        assert answered.args == [False]
        assert any("meja informasi" in text for text in visible_texts(kiosk))
    finally:
        server.start()
