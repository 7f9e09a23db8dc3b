"""The display's voice with a recorded voice pack: each call is the chime, then one WAV of the pack's fragments."""
from pathlib import Path

from kiosk.audio.speech import FakeSynthesizer, wav_info, write_tone
from kiosk.ui.display.announcer import Announcer
from support.configs import make_config
from support.voice_packs import ID_ATOMS, RATE, tone_pack


def test_a_call_plays_the_chime_then_one_wav_of_the_pack(qtbot, tmp_path):
    write_tone(tmp_path / "chime.wav", 880.0, 0.2)
    tone_pack(tmp_path / "pack", [a for a in ID_ATOMS if a != "tujuh"])
    config = make_config(base_dir=tmp_path, audio={"enabled": True, "languages": ["id"], "chime": "chime.wav",
                                                   "cache_dir": "cache", "voice_packs": {"id": "pack"}})
    synthesizer = FakeSynthesizer(tmp_path / "espeak", duration_s=0.2)
    announcer = Announcer(config, synthesizer)
    assert announcer.voice_packs is not None
    started = []
    announcer.segment_started.connect(lambda key, path: started.append(Path(path)))
    finished = []
    announcer.announcement_finished.connect(finished.append)
    announcer.announce(1, "A-012", "7")
    qtbot.waitUntil(lambda: finished == [1], timeout=15000)
    assert [p.name for p in started][0] == "chime.wav" and len(started) == 2
    call = started[1]
    assert call.parent == tmp_path / "cache" / "calls" and call.name.startswith("call-")
    assert wav_info(call).sample_rate == RATE
    # espeak-ng (here the fake) spoke only what the pack lacks: the warm-up made every such fragment
    # the config's calls can need (digits 4-9; 'tujuh' for this call), each on its own
    assert {text for text, _ in synthesizer.calls} == {"empat", "lima", "enam", "tujuh", "delapan", "sembilan"}
    announcer.shutdown()
