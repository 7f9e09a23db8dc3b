"""[[displays]] profiles beyond the zone: chosen by the device, their languages and ticker, one counter's screen."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from kiosk.clock import FakeClock
from kiosk.config import ConfigError, parse_config
from kiosk.device_file import window_credential
from kiosk.settings_sync import load_settings
from kiosk.ui.display.window import DisplayWindow, device_profile
from support.configs import MONDAY_9, config_dict
from support.server import running_server

from .conftest import display_config


def profiles_config(tmp_path, *profiles, display=None):
    base = display_config(tmp_path)
    data = config_dict(**{key: base.model_dump(mode="json")[key] for key in ("audio", "sign", "display")})
    if display:
        data["display"] |= display
    data["displays"] = list(profiles)
    return parse_config(data, base_dir=tmp_path)


def open_window(qtbot, config, server, synthesizer, profile, screen=(1366, 768)):
    window = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                           clock=FakeClock(MONDAY_9), profile=profile)
    qtbot.addWidget(window)
    window.resize(*screen)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
    return window


def test_the_display_device_takes_the_profile_that_names_it(tmp_path):
    config = profiles_config(tmp_path, {"name": "lantai-2", "agencies": ["imigrasi"], "device": "display1"},
                             {"name": "lantai-1", "agencies": ["dukcapil"]})
    # config.toml's display key is display1's: its profile without --profile
    assert device_profile(config, window_credential(config, "display")) == "lantai-2"
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        display, kiosk = server.client("display"), server.client("kiosk")
        try:
            assert display.settings()["profile"] == "lantai-2"   # the server's word for this device
            assert kiosk.settings()["profile"] is None           # a kiosk has no display profile
            # an enrolled PC starts from the settings answer: the profile comes with it
            loaded = load_settings(display.settings, server.url, tmp_path / "device")
        finally:
            display.close()
            kiosk.close()
    assert loaded.profile == "lantai-2"
    from dataclasses import replace

    credential = replace(window_credential(config, "display"), name="", profile=loaded.profile)
    assert device_profile(loaded.config, credential) == "lantai-2"
    # a device no profile names shows the whole lobby
    assert device_profile(config, replace(credential, name="display9", profile=None)) is None


def test_profile_checks_are_reported_at_their_keys(tmp_path):
    with pytest.raises(ConfigError) as caught:
        profiles_config(tmp_path, {"name": "a", "counters": ["loket-1", "loket-2"], "layout": "counter"},
                        {"name": "b", "agencies": ["dukcapil"], "device": "kiosk1"},
                        {"name": "c", "agencies": ["dukcapil"], "device": "display1"},
                        {"name": "d", "agencies": ["imigrasi"], "device": "display1",
                         "signage": [{"kind": "image"}, {"kind": "video", "file": "nowhere.mp4"}]})
    text = str(caught.value)
    assert "displays[0].layout: 'counter' shows one counter" in text
    assert "displays[1].device: 'kiosk1' is a 'kiosk' device, not a display" in text
    assert "displays[3].device: 'display1' already takes displays[2]" in text
    assert "displays[3].signage[0].file: a 'image' item needs its file" in text
    assert "displays[3].signage[1].file: file not found:" in text


def test_a_profile_has_its_own_languages_and_ticker(qtbot, tmp_path, synthesizer):
    config = profiles_config(
        tmp_path, {"name": "wna", "agencies": ["imigrasi"], "languages": ["en"],
                   "ticker": {"id": "Layanan paspor", "en": "Passport services"}},
        display={"notices": [{"id": "Samsat tutup pukul 12:00", "en": "Samsat closes at 12:00"}]})
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer, "wna")
        try:
            assert window.langs == ["en"]
            assert window.ticker.text == "Passport services   •   Samsat closes at 12:00"
            assert window.announcer.config.audio.languages == ["en"]
            assert window.slot_caption.text() == "Ticket number"
        finally:
            window.shutdown()
        lobby = open_window(qtbot, config, server, synthesizer, None)
        try:  # the whole lobby keeps [display]'s ticker in the lobby's languages
            assert lobby.ticker.text == ("Selamat datang di MPP Uji   •   Welcome to MPP Uji   •   "
                                         "Samsat tutup pukul 12:00   •   Samsat closes at 12:00")
        finally:
            lobby.shutdown()


@pytest.mark.parametrize("screen", [(1920, 1080), (1366, 768)])
def test_a_one_counter_screen_shows_its_number_and_state_large(qtbot, tmp_path, synthesizer, screen):
    config = profiles_config(tmp_path, {"name": "loket-3", "counters": ["loket-3"], "layout": "counter"})
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer, "loket-3", screen)
        try:
            assert window.counter_screen_text() == ("Loket 3", "", "Tutup\nClosed")
            assert not window.slot.isVisible() and not window.counters_frame.isVisible()
            engine = server.engine
            for service in ("ktp", "paspor"):
                engine.issue_ticket(service)
            engine.open_counter("loket-1")
            engine.open_counter("loket-3")
            server.notify()
            qtbot.waitUntil(lambda: window.counter_screen_text() == ("Loket 3", "", "Buka\nOpen"), timeout=3000)
            other = engine.call_next("loket-1")
            own = engine.call_next("loket-3")
            server.notify()
            qtbot.waitUntil(lambda: window.counter_screen_text()[1] == own.code, timeout=3000)
            assert window.counter_screen_text()[2] == "Silakan ke loket ini\nPlease come to this counter"
            # the number fills the screen: far above the 1/20 rule
            assert QFontMetrics(window.counter_screen_code.font()).height() >= screen[1] * 0.3
            qtbot.waitUntil(lambda: window.counter_screen_code.width() > 0, timeout=2000)
            assert window.counter_screen_code.sizeHint().width() <= window.counter_screen_code.width()  # not cut off
            seqs = {e["ticket_id"]: e["seq"] for e in engine.events_since(0) if e["type"] == "called"}
            qtbot.waitUntil(lambda: window.announcer.enqueue_counts == {seqs[own.id]: 1}, timeout=2000)
            assert seqs[other.id] not in window.announcer.enqueue_counts  # the other counter's call: silent here
            engine.finish("loket-3")
            engine.pause("loket-3", "prayer")
            server.notify()
            qtbot.waitUntil(lambda: window.counter_screen_text() == ("Loket 3", "", "Jeda: Salat\nPaused: Prayer"),
                            timeout=3000)
            engine.close_counter("loket-3")
            server.notify()
            qtbot.waitUntil(lambda: window.counter_screen_text() == ("Loket 3", "", "Tutup\nClosed"), timeout=3000)
            for label in window.readable_labels():
                assert QFontMetrics(label.font()).height() >= screen[1] / 20, label.objectName()
        finally:
            window.shutdown()


def test_a_pause_shows_its_end_time_where_the_config_has_one(qtbot, tmp_path, synthesizer):
    from datetime import timedelta

    config = profiles_config(tmp_path, {"name": "loket-3", "counters": ["loket-3"], "layout": "counter"})
    lunch = MONDAY_9 + timedelta(hours=3, minutes=10)  # 12:10, within [schedule] 12:00-13:00 "Istirahat siang"
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        for counter_id in ("loket-1", "loket-3"):
            server.engine.open_counter(counter_id)
        server.engine.pause("loket-1", "prayer")
        server.engine.pause("loket-3", "prayer")
        server.notify()
        lobby = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer, clock=FakeClock(lunch))
        small = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                              clock=FakeClock(lunch), profile="loket-3")
        morning = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                                clock=FakeClock(MONDAY_9))
        windows = [lobby, small, morning]
        for window in windows:
            qtbot.addWidget(window)
            window.resize(1366, 768)
            window.show()
            window.start()
        try:
            qtbot.waitUntil(lambda: all(w.live.connected for w in windows), timeout=5000)
            qtbot.waitUntil(lambda: "Loket 1 Salat s/d 13:00" in lobby.counter_board_text(), timeout=3000)
            assert small.counter_screen_text()[2] == "Jeda: Salat sampai 13:00\nPaused: Prayer until 13:00"
            # outside a configured break the pause has no end time to show
            qtbot.waitUntil(lambda: "Loket 1 Jeda: Salat" in morning.counter_board_text(), timeout=3000)
        finally:
            for window in windows:
                window.shutdown()
