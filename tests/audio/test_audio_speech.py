"""Speech to WAV with the real pyttsx3 + espeak-ng, its cache and failures, and the call playlist."""
import logging
import threading
import time
import wave
from pathlib import Path

import pytest
from support.configs import make_config

from kiosk.audio.speech import (
    FakeSynthesizer,
    Pyttsx3Synthesizer,
    SpeechError,
    SpeechWorker,
    announcement_playlist,
    shared_worker,
    synthesizer_from_config,
    wav_info,
    write_tone,
)

ROOT = Path(__file__).resolve().parents[2]
CHIME = ROOT / "assets" / "sounds" / "chime.wav"
INDONESIAN_CALL = "Nomor antrean a nol satu dua, silakan menuju loket tujuh"


@pytest.fixture
def synthesizer(tmp_path):
    return Pyttsx3Synthesizer(tmp_path / "voice-cache", voices={"id": "id", "en": "en"}, rate=150)


def test_indonesian_call_is_a_real_spoken_wav(synthesizer):
    path = synthesizer.synthesize(INDONESIAN_CALL, "id")
    info = wav_info(path)
    assert path.is_file() and path.parent == synthesizer.cache_dir
    assert info.sample_rate >= 22050
    assert info.channels == 1
    assert 1.5 <= info.duration_s <= 8.0, info
    assert info.rms > 0.02, info  # speech, not silence


def test_synthesis_prints_nothing_on_stdout(synthesizer, capfd):
    # pyttsx3's espeak driver prints "Audio saved to …" per file; a display runs for months
    synthesizer.synthesize("Nomor antrean ce dua, silakan menuju loket tiga", "id")
    assert capfd.readouterr().out == ""


def test_language_code_id_selects_espeak_ngs_indonesian_voice(synthesizer):
    synthesizer.synthesize("Nomor antrean be satu", "id")
    assert shared_worker().submit(lambda engine: engine.getProperty("voice")).result(5) == "poz/id"
    synthesizer.synthesize("Number bee one", "en")
    assert shared_worker().submit(lambda engine: engine.getProperty("voice")).result(5) == "gmw/en"


def test_a_phrase_is_synthesized_once_then_served_from_the_cache(synthesizer):
    first = synthesizer.synthesize(INDONESIAN_CALL, "id")
    made = first.stat().st_mtime_ns
    files = sorted(synthesizer.cache_dir.iterdir())
    started = time.perf_counter()
    again = synthesizer.synthesize(INDONESIAN_CALL, "id")
    assert time.perf_counter() - started < 0.05
    assert again == first
    assert synthesizer.synthesized == 1
    assert again.stat().st_mtime_ns == made
    assert sorted(synthesizer.cache_dir.iterdir()) == files == [first]  # no temp files left behind


def test_the_cache_key_includes_text_voice_and_rate(tmp_path, synthesizer):
    base = synthesizer.synthesize(INDONESIAN_CALL, "id")
    other_text = synthesizer.synthesize(INDONESIAN_CALL.replace("tujuh", "delapan"), "id")
    # a pause with espeak idle used to make the next rate change get lost: keep it in the test
    time.sleep(0.3)
    slower = Pyttsx3Synthesizer(synthesizer.cache_dir, rate=110).synthesize(INDONESIAN_CALL, "id")
    english_voice = Pyttsx3Synthesizer(synthesizer.cache_dir, voices={"id": "en"}).synthesize(INDONESIAN_CALL, "id")
    assert len({base, other_text, slower, english_voice}) == 4
    assert wav_info(slower).duration_s > wav_info(base).duration_s * 1.15


def test_an_unknown_voice_fails_fast_and_clearly_and_leaves_no_file(tmp_path):
    broken = Pyttsx3Synthesizer(tmp_path, voices={"id": "xx-nonexistent"})
    started = time.perf_counter()
    with pytest.raises(SpeechError, match="no voice 'xx-nonexistent'"):
        broken.synthesize(INDONESIAN_CALL, "id")
    assert time.perf_counter() - started < 3
    assert list(tmp_path.iterdir()) == []
    # the shared engine is still fine afterwards, and speaks Indonesian again
    good = Pyttsx3Synthesizer(tmp_path / "ok").synthesize(INDONESIAN_CALL, "id")
    assert wav_info(good).rms > 0.02


def test_a_language_without_a_voice_and_an_empty_phrase_are_errors(synthesizer):
    with pytest.raises(SpeechError, match="no voice configured for language 'fr'"):
        synthesizer.synthesize("Bonjour", "fr")
    with pytest.raises(SpeechError, match="empty"):
        synthesizer.synthesize("   ", "id")


def test_concurrent_callers_share_the_one_engine_safely(tmp_path):
    synth = Pyttsx3Synthesizer(tmp_path)
    results: dict[int, Path] = {}
    failures = []

    def call(n: int):
        try:
            results[n] = synth.synthesize(f"Nomor antrean a {n}, silakan menuju loket {n}", "id")
        except Exception as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert failures == []
    assert len(set(results.values())) == 6
    assert all(wav_info(p).rms > 0.02 for p in results.values())


def test_engine_that_cannot_start_gives_a_speech_error_naming_espeak(tmp_path):
    def no_espeak():
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    worker = SpeechWorker(engine_factory=no_espeak)
    try:
        synth = Pyttsx3Synthesizer(tmp_path, worker=worker)
        for _ in range(2):  # every later call gets the same clear error
            with pytest.raises(SpeechError, match="espeak-ng") as caught:
                synth.synthesize(INDONESIAN_CALL, "id")
            assert "libespeak-ng.so.1" in str(caught.value)
    finally:
        worker.stop()


class HangingEngine:
    """An engine whose run loop never finishes until released, like espeak stuck on a bad device."""

    def __init__(self):
        self.release = threading.Event()

    def setProperty(self, name, value):
        pass

    def save_to_file(self, text, filename):
        pass

    def runAndWait(self):
        self.release.wait(30)


def test_a_hanging_engine_times_out_instead_of_hanging_the_caller(tmp_path):
    engine = HangingEngine()
    worker = SpeechWorker(engine_factory=lambda: engine)
    try:
        synth = Pyttsx3Synthesizer(tmp_path, worker=worker, timeout_s=0.3)
        started = time.perf_counter()
        with pytest.raises(SpeechError, match="longer than 0.3 s"):
            synth.synthesize(INDONESIAN_CALL, "id")
        assert time.perf_counter() - started < 2
        # while the one speech thread is still stuck, later calls fail at once
        time.sleep(0.05)
        started = time.perf_counter()
        with pytest.raises(SpeechError, match="stuck"):
            synth.synthesize("Nomor antrean be satu", "id")
        assert time.perf_counter() - started < 0.1
    finally:
        engine.release.set()
        worker.stop()


def test_wav_info_measures_a_known_tone(tmp_path):
    path = write_tone(tmp_path / "tone.wav", 440.0, 1.0, sample_rate=16000, amplitude=0.5)
    info = wav_info(path)
    assert (info.sample_rate, info.channels) == (16000, 1)
    assert info.duration_s == pytest.approx(1.0)
    assert info.rms == pytest.approx(0.5 / 2 ** 0.5, rel=0.02)  # a sine's RMS is peak/√2
    silent = tmp_path / "silence.wav"
    with wave.open(str(silent), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(4 * 4000))
    assert wav_info(silent) == (8000, 2, 0.5, 0.0)


def test_fake_synthesizer_writes_real_wavs_and_records_calls(tmp_path):
    fake = FakeSynthesizer(tmp_path, duration_s=0.25)
    indonesian = fake.synthesize("Nomor antrean a satu", "id")
    english = fake.synthesize("Number eh one", "en")
    assert fake.calls == [("Nomor antrean a satu", "id"), ("Number eh one", "en")]
    assert indonesian != english
    for path in (indonesian, english):
        info = wav_info(path)
        assert info.duration_s == pytest.approx(0.25, abs=0.001) and info.rms > 0.2
    failing = FakeSynthesizer(tmp_path, fail="no espeak-ng")
    with pytest.raises(SpeechError, match="no espeak-ng"):
        failing.synthesize("x", "id")


# --------------------------------------------------------------------------- playlist

def audio_config(tmp_path, **audio):
    (tmp_path / "sounds").mkdir(exist_ok=True)
    (tmp_path / "sounds" / "chime.wav").write_bytes(CHIME.read_bytes())
    section = {"enabled": True, "chime": "sounds/chime.wav", "cache_dir": "cache", **audio}
    return make_config(base_dir=tmp_path, audio=section)


def test_playlist_is_chime_then_each_language_repeated(tmp_path):
    config = audio_config(tmp_path, languages=["id", "en"], repeat=2)
    fake = FakeSynthesizer(tmp_path / "cache")
    playlist = announcement_playlist(config, "A-012", "7", fake)
    chime = tmp_path / "sounds" / "chime.wav"
    indonesian, english = fake.synthesize(fake.calls[0][0], "id"), fake.synthesize(fake.calls[1][0], "en")
    assert playlist == [chime, indonesian, english, chime, indonesian, english]
    assert fake.calls[:2] == [
        ("Nomor antrean a nol satu dua, silakan menuju loket tujuh", "id"),
        ("Number eh zero one two, please go to counter seven", "en"),
    ]


def test_playlist_without_chime_once_and_when_disabled(tmp_path):
    fake = FakeSynthesizer(tmp_path / "cache")
    no_chime = audio_config(tmp_path, chime=None)
    assert announcement_playlist(no_chime, "B-3", "2", fake) == [
        fake.synthesize("Nomor antrean be tiga, silakan menuju loket dua", "id")]
    assert announcement_playlist(audio_config(tmp_path, enabled=False), "B-3", "2", fake) == []


def test_a_chime_missing_at_run_time_is_left_out_and_logged_once(tmp_path, caplog):
    config = audio_config(tmp_path)
    (tmp_path / "sounds" / "chime.wav").unlink()
    fake = FakeSynthesizer(tmp_path / "cache")
    with caplog.at_level(logging.WARNING, logger="kiosk.audio.speech"):
        first = announcement_playlist(config, "A-1", "1", fake)
        announcement_playlist(config, "A-2", "1", fake)
    assert len(first) == 1 and first[0].parent == tmp_path / "cache"
    assert [r.message for r in caplog.records].count(
        f"chime not found, calls go without it: {tmp_path / 'sounds' / 'chime.wav'}") == 1


def test_a_speech_failure_reaches_the_caller(tmp_path):
    with pytest.raises(SpeechError, match="boom"):
        announcement_playlist(audio_config(tmp_path), "A-1", "1", FakeSynthesizer(tmp_path, fail="boom"))


def test_real_playlist_from_config(tmp_path):
    config = audio_config(tmp_path, languages=["id", "en"], number_style="whole", rate=170)
    synth = synthesizer_from_config(config)
    assert synth.cache_dir == tmp_path / "cache" and synth.rate == 170
    playlist = announcement_playlist(config, "KT-105", "12", synth)
    assert playlist[0] == tmp_path / "sounds" / "chime.wav"
    infos = [wav_info(p) for p in playlist]
    assert all(i.channels == 1 and i.rms > 0.02 for i in infos)
    assert all(1.0 <= i.duration_s <= 8.0 for i in infos[1:])


class _EmptyFirstEngine:
    """A stand-in for pyttsx3's engine: its first ``empty`` files hold no samples (as espeak-ng's now and then
    on a machine short of memory), the next ones a tenth of a second of silence."""

    def __init__(self, empty: int):
        self.empty, self.calls, self._target = empty, 0, None

    def setProperty(self, name, value):  # noqa: N802 (pyttsx3's name)
        pass

    def save_to_file(self, text, target):
        self._target = target

    def runAndWait(self):  # noqa: N802
        self.calls += 1
        frames = 0 if self.calls <= self.empty else 2205
        with wave.open(self._target, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(22050)
            out.writeframes(b"\0\0" * frames)


def test_an_empty_file_from_the_engine_is_said_once_more_then_an_error(tmp_path, caplog):
    from kiosk.audio.speech import EMPTY_RETRIES, SpeechError, _save_wav

    engine = _EmptyFirstEngine(empty=EMPTY_RETRIES)
    with caplog.at_level(logging.WARNING, logger="kiosk.audio.speech"):
        path = _save_wav(engine, "Nomor A-001", "id", 150, 1.0, tmp_path / "a.wav")
    with wave.open(str(path), "rb") as wav:
        assert wav.getnframes() == 2205
    assert engine.calls == EMPTY_RETRIES + 1 and "empty file" in caplog.text
    always_empty = _EmptyFirstEngine(empty=10)
    with pytest.raises(SpeechError, match="empty file"):
        _save_wav(always_empty, "Nomor A-002", "id", 150, 1.0, tmp_path / "b.wav")
    assert always_empty.calls == EMPTY_RETRIES + 1 and not (tmp_path / "b.wav").exists()
