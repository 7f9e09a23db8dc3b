"""The display signs a call from a recorded pack: its whole numbers and phrases over the stand-ins' digits
and words, and the stand-in badge only on stand-in clips. The pack's clips are synthetic test patterns."""
from pathlib import Path

from support.configs import MONDAY_9, make_config
from support.server import running_server
from support.sign_clips import synthetic_clip, write_pack

from kiosk.audio.speech import write_tone
from kiosk.clock import FakeClock
from kiosk.sign_packs import load_pack

from .conftest import open_display
from .test_display_window import engine_call, issue

ROOT = Path(__file__).resolve().parents[3]
STAND_INS = ROOT / "assets" / "sign"


def test_a_call_from_a_recorded_pack_takes_its_whole_number_and_phrase(qtbot, tmp_path, synthesizer):
    template = synthetic_clip(tmp_path / "template.mp4", seconds=0.5)
    write_pack(tmp_path / "pack", {"1": "number_1.mp4", "silakan menuju loket": "phrase_silakan_menuju_loket.mp4"},
               template=template, numbers="whole")
    assert not load_pack(tmp_path / "pack").stand_in
    write_tone(tmp_path / "chime.wav", 880.0, 0.1)
    config = make_config(base_dir=tmp_path, audio={"enabled": True, "languages": ["id"], "chime": "chime.wav"},
                         sign={"enabled": True, "clips_dir": str(STAND_INS), "info_clip": "info.mp4", "pack": "pack"},
                         display={"flash_seconds": 1})
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9), ping_seconds=1.0) as server:
        window = open_display(qtbot, config, server, synthesizer)
        qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
        panel = window.sign_panel
        # between calls the information clip loops; it is the stand-ins' own, so it is badged
        assert panel.showing_stand_in and panel.view.stand_in_badge.text() == "CONTOH · stand-in"
        started = []
        panel.token_started.connect(lambda token, playable: started.append((token, playable, panel.showing_stand_in)))
        finished = []
        panel.token_finished.connect(lambda token, outcome: finished.append((token, outcome)))
        issue(server, "ktp")
        server.engine.open_counter("loket-1")
        ticket = engine_call(server, "loket-1")
        assert ticket.code == "A-001"
        with qtbot.waitSignal(panel.call_finished, timeout=15000):
            pass
        window.shutdown()
    # A-001 at Loket 1: "1" whole (not 0, 0, 1) and "silakan menuju loket" as one clip, from the pack;
    # "nomor antrean" and "A" from the stand-ins, badged as such
    assert started == [("nomor antrean", True, True), ("A", True, True), ("1", True, False),
                       ("silakan menuju loket", True, False), ("1", True, False)]
    assert finished == [(token, "ended") for token, _, _ in started]
