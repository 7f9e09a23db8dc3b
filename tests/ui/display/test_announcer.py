"""The display's voice: real speech files, chime then phrase, calls strictly one after another."""
import logging
import time
from pathlib import Path

import pytest

from kiosk.audio.phrases import announcement_texts
from kiosk.audio.speech import FakeSynthesizer, Pyttsx3Synthesizer, SpeechWorker, wav_info, write_tone
from kiosk.ui.display.announcer import Announcer
from support.configs import make_config

ROOT = Path(__file__).resolve().parents[3]


def audio_config(base_dir: Path, **audio):
    settings = {"enabled": True, "languages": ["id"], "chime": "chime.wav", "volume": 0.7} | audio
    return make_config(base_dir=base_dir, audio=settings)


@pytest.fixture
def short_chime(tmp_path):
    return write_tone(tmp_path / "chime.wav", 880.0, 0.25)


def record(announcer):
    """(event, key, file name, monotonic time) of every start and end the player reports."""
    events = []
    announcer.segment_started.connect(lambda key, path: events.append(("start", key, Path(path).name, time.monotonic())))
    announcer.segment_ended.connect(lambda key, path: events.append(("end", key, Path(path).name, time.monotonic())))
    return events


def assert_one_after_another(events):
    """Starts and ends alternate: nothing starts before the previous file ended."""
    kinds = [e[0] for e in events]
    assert kinds == ["start", "end"] * (len(events) // 2), kinds
    for ended, started in zip(events[1::2], events[2::2]):
        assert started[3] >= ended[3]


@pytest.fixture
def real_synthesizer(tmp_path):
    worker = SpeechWorker(name="test-speech")
    yield Pyttsx3Synthesizer(tmp_path / "voice", worker=worker)
    worker.stop()


def test_real_speech_wav_of_a_call(tmp_path, real_synthesizer):
    config = audio_config(ROOT, chime="assets/sounds/chime.wav", languages=["id", "en"])
    for lang, text in announcement_texts(config.audio, "A-012", "7"):
        path = real_synthesizer.synthesize(text, lang)
        info = wav_info(path)
        assert path.is_file()
        assert info.sample_rate >= 22050 and info.channels == 1
        assert info.rms > 0.01, "the phrase is silent"
        # 'Nomor antrean a nol satu dua, silakan menuju loket tujuh' at 150 wpm: a few seconds
        assert 1.5 < info.duration_s < 12, info.duration_s


def test_chime_then_real_phrase_played_in_order(qtbot, real_synthesizer):
    config = audio_config(ROOT, chime="assets/sounds/chime.wav")
    announcer = Announcer(config, real_synthesizer)
    events = record(announcer)
    announcer.announce(101, "A-012", "7")
    with qtbot.waitSignal(announcer.announcement_finished, timeout=15000) as finished:
        pass
    assert finished.args == [101]
    files = [e[2] for e in events if e[0] == "start"]
    assert files[0] == "chime.wav"
    assert len(files) == 2 and files[1].startswith("id-")
    assert_one_after_another(events)
    # the chime plays for its whole length (1.2 s) before the phrase starts: never cut off
    chime_start, chime_end = events[0][3], events[1][3]
    assert chime_end - chime_start >= wav_info(ROOT / "assets/sounds/chime.wav").duration_s - 0.15
    assert announcer.audio_output.volume() == pytest.approx(0.7, abs=0.01)
    announcer.shutdown()


def test_calls_in_quick_succession_never_overlap(qtbot, tmp_path, short_chime):
    config = audio_config(tmp_path, languages=["id", "en"], repeat=2)
    synthesizer = FakeSynthesizer(tmp_path / "voice", duration_s=0.2)
    announcer = Announcer(config, synthesizer)
    events = record(announcer)
    finished = []
    announcer.announcement_finished.connect(finished.append)
    for seq, code in ((7, "A-001"), (8, "B-002"), (9, "A-003")):
        announcer.announce(seq, code, "2")
    qtbot.waitUntil(lambda: len(finished) == 3, timeout=10000)
    assert finished == [7, 8, 9]
    assert announcer.enqueue_counts == {7: 1, 8: 1, 9: 1}
    starts = [(e[1], e[2][:3]) for e in events if e[0] == "start"]
    # a call with calls waiting behind it catches up: once, first language only, and no chime of its own
    # right after a sound; the last of the burst is played in full: [chime, id, en] x repeat 2
    assert starts == [(7, "chi"), (7, "id-"), (8, "id-")] + [(9, f) for f in ["chi", "id-", "en-"] * 2]
    assert_one_after_another(events)
    assert all(r.outcome == "ended" for r in announcer.history)
    announcer.shutdown()


@pytest.mark.parametrize("second_comes_during,first_call_plays", [
    ("chi", ["chi", "id-"]),  # during its chime: its first phrase is still spoken, then no more of it
    ("id-", ["chi", "id-"]),  # during its first phrase: that phrase ends, its English and its repeat are left out
])
def test_a_call_that_comes_while_one_plays_shortens_the_rest_of_it(qtbot, tmp_path, short_chime,
                                                                   second_comes_during, first_call_plays):
    config = audio_config(tmp_path, languages=["id", "en"], repeat=2)
    announcer = Announcer(config, FakeSynthesizer(tmp_path / "voice", duration_s=0.6))
    events = record(announcer)
    finished = []
    announcer.announcement_finished.connect(finished.append)
    announcer.announce(7, "A-001", "2")
    qtbot.waitUntil(lambda: any(e[0] == "start" and e[2].startswith(second_comes_during) for e in events),
                    timeout=5000)
    announcer.announce(8, "B-002", "3")
    qtbot.waitUntil(lambda: finished == [7, 8], timeout=15000)
    starts = [(e[1], e[2][:3]) for e in events if e[0] == "start"]
    # the last of the burst, with nobody behind it, in full: [chime, id, en] x repeat 2
    assert starts == [(7, f) for f in first_call_plays] + [(8, f) for f in ["chi", "id-", "en-"] * 2]
    assert_one_after_another(events)
    announcer.shutdown()


def test_speech_failure_is_logged_once_and_calls_still_chime(qtbot, tmp_path, short_chime, caplog):
    config = audio_config(tmp_path)
    announcer = Announcer(config, FakeSynthesizer(tmp_path / "voice", fail="espeak-ng is not installed"))
    failures = []
    announcer.speech_failed.connect(failures.append)
    finished = []
    announcer.announcement_finished.connect(finished.append)
    events = record(announcer)
    with caplog.at_level(logging.INFO, logger="kiosk.ui.display.announcer"):
        for seq in (1, 2, 3):
            announcer.announce(seq, f"A-00{seq}", "1")
        qtbot.waitUntil(lambda: len(finished) == 3, timeout=8000)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "espeak-ng is not installed" in errors[0].getMessage()
    assert failures == ["espeak-ng is not installed"]
    assert [e[2] for e in events if e[0] == "start"] == ["chime.wav"] * 3
    announcer.shutdown()


def test_unplayable_file_is_skipped_and_the_queue_goes_on(qtbot, tmp_path, short_chime, caplog):
    (tmp_path / "broken.wav").write_bytes(b"not a wav at all" * 64)

    class BrokenThenFine(FakeSynthesizer):
        def synthesize(self, text, lang):
            self.calls.append((text, lang))
            return tmp_path / "broken.wav" if len(self.calls) == 1 else super().synthesize(text, lang)

    announcer = Announcer(audio_config(tmp_path), BrokenThenFine(tmp_path / "voice", duration_s=0.2))
    finished = []
    announcer.announcement_finished.connect(finished.append)
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.display.announcer"):
        announcer.announce(1, "A-001", "1")
        announcer.announce(2, "A-002", "1")
        qtbot.waitUntil(lambda: finished == [1, 2], timeout=8000)
    assert [r.outcome for r in announcer.history] == ["ended", "error", "ended", "ended"]
    assert any("broken.wav" in r.getMessage() for r in caplog.records)
    announcer.shutdown()


def test_audio_disabled_queues_nothing(qtbot, tmp_path):
    config = make_config(base_dir=tmp_path)  # the test config has audio off
    announcer = Announcer(config, FakeSynthesizer(tmp_path))
    assert announcer.announce(1, "A-001", "1") is False
    assert not announcer.busy and announcer.enqueue_counts == {}
    announcer.shutdown()
