"""The display takes new settings at once: its ticker and the agency names on the waiting chips."""
from __future__ import annotations

import pytest

from support.configs import BASE

from .conftest import display_config


def test_new_ticker_and_agency_names_show_at_once(qtbot, display, server, tmp_path):
    server.client("kiosk").issue("paspor")
    qtbot.waitUntil(lambda: display.waiting_text() == ["Imigrasi 1"], timeout=5000)
    agencies = [dict(a) for a in BASE["agencies"]]
    agencies[1]["short_name"] = "Imigrasi Kelas I"
    new = display_config(tmp_path, ticker={"id": "Loket 9 dibuka hari ini", "en": "Counter 9 opens today"})
    new = new.model_copy(update={"agencies": [type(new.agencies[0])(**a) for a in agencies]})
    display.apply_config(new)
    assert display.ticker.text.startswith("Loket 9 dibuka hari ini")
    qtbot.waitUntil(lambda: display.waiting_text() == ["Imigrasi Kelas I 1"], timeout=3000)
    assert display.config is new
    from pathlib import Path

    display.grab().save(str(Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "display-live-settings.png"))


def test_new_audio_settings_reach_the_next_call(qtbot, display, server, tmp_path):
    """A new chime (and volume) from the server: the next call plays it, no restart of the display."""
    from pathlib import Path

    from kiosk.audio.speech import write_tone

    write_tone(tmp_path / "gong.wav", 440.0, 0.15)
    new = display.config.model_copy(update={"audio": display.config.audio.model_copy(
        update={"chime": Path("gong.wav"), "volume": 0.4})})
    display.apply_config(new)
    # the volume reaches the audio output from the event loop (posted: kiosk/ui/common/media.py)
    qtbot.waitUntil(lambda: display.announcer.audio_output.volume() == pytest.approx(0.4, abs=0.01), timeout=2000)
    played = []
    display.announcer.segment_started.connect(lambda _key, path: played.append(Path(path).name))
    display.announcer.announce("live-1", "A-009", "2")
    qtbot.waitUntil(lambda: len(played) >= 2, timeout=10000)
    assert played[0] == "gong.wav" and played[1] != "chime.wav"
