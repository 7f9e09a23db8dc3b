"""Voice packs: which fragments a call is made of, how they are joined, espeak-ng for what a pack lacks."""
from __future__ import annotations

import array
import shutil
import sys
from pathlib import Path

import pytest

from kiosk.audio import packs
from kiosk.audio.pack_cli import TEST_PACK_SPEAKER, render_test_pack
from kiosk.audio.packs import (
    CallRenderer,
    coverage_notes,
    load_pack,
    missing_fragments,
    pack_problems,
    write_manifest,
)
from kiosk.audio.phrases import announcement_texts, apply_say
from kiosk.audio.speech import (
    FakeSynthesizer,
    Pyttsx3Synthesizer,
    SpeechWorker,
    announcement_playlist,
    wav_info,
    write_wav,
)
from kiosk.config import ConfigError, load_config
from support.configs import make_config
from support.voice_packs import EN_ATOMS, ID_ATOMS, RATE, tone, tone_pack

ROOT = Path(__file__).resolve().parents[2]
# The largest step between two samples a join may make (full scale 1.0). A 400 Hz tone at
# the loudness target steps at most 0.008; a hard cut of it steps up to 0.14.
MAX_JOIN_STEP = 0.02


def config_with(base_dir: Path, **audio):
    return make_config(base_dir=base_dir, audio={"enabled": True, "chime": None, "cache_dir": "cache"} | audio)


def plan_ids(config, code, counter, lang, clips=()):
    """The plan as ids: 'x' from the pack, '~x' from espeak-ng, '|' a pause."""
    renderer = CallRenderer({lang: packs.VoicePack(Path("."), lang, "s", "l", packs.date(2026, 1, 1), RATE,
                                                   clips={c: Path(f"{c}.wav") for c in clips})}, None, ".")
    return [("|" if p.pause_ms else p.id if p.path else f"~{p.id}")
            for p in renderer.plan(config.audio, code, counter, lang)]


@pytest.mark.parametrize("lang, style, code, counter, clips, expected", [
    # no pack clips: every fragment from espeak-ng, a known phrase as one unit
    ("id", "digits", "A-012", "7", [],
     "~nomor_antrean ~letter_a ~nol ~satu ~dua | ~silakan_menuju ~loket ~tujuh"),
    ("id", "digits", "A-012", "7", ID_ATOMS, "nomor_antrean letter_a nol satu dua | silakan_menuju loket tujuh"),
    ("id", "whole", "A-012", "12", ID_ATOMS, "nomor_antrean letter_a dua belas | silakan_menuju loket dua belas"),
    ("id", "whole", "KT-110", "11", ID_ATOMS,
     "nomor_antrean letter_k letter_t seratus sepuluh | silakan_menuju loket sebelas"),
    ("id", "whole", "A-1230", "7", ID_ATOMS,
     "nomor_antrean letter_a seribu dua ratus tiga puluh | silakan_menuju loket tujuh"),
    # the longest unit the pack has wins: whole phrase > word > number > letter
    ("id", "whole", "KT-112", "12", ID_ATOMS + ["dua_belas", "silakan_menuju_loket"],
     "nomor_antrean letter_k letter_t seratus dua_belas | silakan_menuju_loket dua_belas"),
    ("id", "digits", "A-012", "7", ["nomor", "antrean", "loket_tujuh"],
     "nomor antrean ~letter_a ~nol ~satu ~dua | ~silakan_menuju loket_tujuh"),
    ("id", "digits", "A-012", "7", ["nomor"],
     "nomor ~antrean ~letter_a ~nol ~satu ~dua | ~silakan_menuju ~loket ~tujuh"),
    # letters are never swallowed by a longer clip: 'a' the letter is not a word
    ("id", "digits", "A-012", "7", ID_ATOMS + ["antrean_a"],
     "nomor_antrean letter_a nol satu dua | silakan_menuju loket tujuh"),
    ("en", "digits", "B-003", "7A", EN_ATOMS, "number letter_b zero zero three | please_go_to counter seven letter_a"),
    ("en", "whole", "A-021", "12", EN_ATOMS, "number letter_a twenty one | please_go_to counter twelve"),
    ("en", "whole", "A-123", "1", EN_ATOMS, "number letter_a one hundred twenty three | please_go_to counter one"),
    ("en", "digits", "A-012", "7", [], "~number ~letter_a ~zero ~one ~two | ~please_go_to ~counter ~seven"),
])
def test_fragments_of_a_call(tmp_path, lang, style, code, counter, clips, expected):
    config = config_with(tmp_path, number_style=style, languages=[lang])
    assert " ".join(plan_ids(config, code, counter, lang, clips)) == expected


@pytest.mark.parametrize("text, say, expected", [
    ("Loket BPJS", {"BPJS": "be pe je es"}, "Loket be pe je es"),
    ("loket bpjs", {"BPJS": "be pe je es"}, "loket be pe je es"),
    ("BPJSKU dan BPJS.", {"BPJS": "be pe je es"}, "BPJSKU dan be pe je es."),
    ("BPJS TK dan BPJS", {"BPJS": "be pe je es", "BPJS TK": "be pe je es te ka"}, "be pe je es te ka dan be pe je es"),
    ("Cetak IKD", {"IKD": "i ka de"}, "Cetak i ka de"),
    ("Loket", {}, "Loket"),
])
def test_pronunciation_table(text, say, expected):
    assert apply_say(text, say) == expected


SAY_TEMPLATE = {"id": "Nomor antrean {code}, silakan menuju {counter} IKD", "en": "Number {code}, please go to {counter}"}


def test_pronunciation_table_for_espeak_and_for_the_pack(tmp_path):
    config = config_with(tmp_path, templates=SAY_TEMPLATE, say={"IKD": "i ka de", "loket": "lo ket"})
    # espeak-ng gets the spoken form ...
    assert announcement_texts(config.audio, "A-012", "7") == [
        ("id", "Nomor antrean a nol satu dua, silakan menuju lo ket tujuh i ka de")]
    # ... and the pack lookup too: a letter's spoken name in a say value is that letter's clip
    assert plan_ids(config, "A-012", "7", "id", ID_ATOMS + ["letter_i", "letter_d", "lo"]) == [
        "nomor_antrean", "letter_a", "nol", "satu", "dua", "|", "silakan_menuju", "lo", "~ket", "tujuh",
        "letter_i", "letter_k", "letter_d"]


def test_pronunciation_table_is_validated(tmp_path):
    with pytest.raises(ConfigError) as caught:
        config_with(tmp_path, say={"BPJS": " ", "a=b": "x"})
    assert any("audio.say" in p and "'BPJS': says nothing" in p and "'a=b': write a word" in p
               for p in caught.value.problems), caught.value.problems


# --------------------------------------------------------------------------- joins

def steps(samples: array.array, around: list[int], reach: int = 3) -> float:
    """The largest sample-to-sample step (full scale 1.0) within `reach` samples of each index."""
    worst = 0
    for index in around:
        for i in range(max(1, index - reach), min(len(samples), index + reach)):
            worst = max(worst, abs(samples[i] - samples[i - 1]))
    return worst / 32767


def level_db(samples) -> float:
    return packs._db(packs._active_rms([v / 32767 for v in samples], RATE))


def render(tmp_path, pack_dir, code="KT-112", counter="12"):
    config = config_with(tmp_path, number_style="whole")
    renderer = CallRenderer({"id": load_pack(pack_dir)}, FakeSynthesizer(tmp_path / "espeak"), tmp_path / "cache")
    call = renderer.render_call(config.audio, code, counter)
    voiced = [s for s in call.segments if not s.piece.pause_ms]
    assert len(voiced) == 10 and {s.piece.source for s in voiced} == {"pack"}
    return call, voiced


def test_joins_of_clips_cut_at_full_swing_do_not_click(tmp_path):
    # every clip starts and stops at the tone's peak: joined as they are, each join would jump by ~0.14
    call, voiced = render(tmp_path, tone_pack(tmp_path / "pack", ID_ATOMS, silence_s=0))
    assert steps(call.samples, list(range(len(call.samples))), reach=1) <= MAX_JOIN_STEP
    for segment in voiced:
        assert abs(level_db(call.samples[segment.start:segment.end]) - packs.TARGET_RMS_DBFS) <= 1.0, segment


def test_joins_trim_the_silence_and_match_the_loudness(tmp_path):
    call, voiced = render(tmp_path, tone_pack(tmp_path / "pack", ID_ATOMS, silence_s=0.1))
    joins = [s.start for s in call.segments[1:]] + [s.end for s in call.segments[:-1]]
    assert steps(call.samples, joins) <= MAX_JOIN_STEP
    for segment in voiced:
        body = call.samples[segment.start:segment.end]
        # the 100 ms silences are trimmed: 0.25 s of tone and the 15 ms margins remain
        assert 0.25 <= len(body) / RATE <= 0.25 + 2 * packs.TRIM_MARGIN_MS / 1000 + 0.011, segment
        # tones of 0.05, 0.3 and 0.9 all come out at the loudness target
        assert abs(level_db(body) - packs.TARGET_RMS_DBFS) <= 1.0, (segment.piece.id, level_db(body))


def test_call_wav_is_cached_and_played_after_the_chime(tmp_path):
    pack_dir = tone_pack(tmp_path / "pack", ID_ATOMS)
    write_wav(tmp_path / "chime.wav", tone(880, 0.2, 0.5, silence_s=0), RATE)
    config = config_with(tmp_path, chime="chime.wav", repeat=2, voice_packs={"id": "pack"})
    renderer = packs.renderer_from_config(config, FakeSynthesizer(tmp_path / "espeak"))
    first = announcement_playlist(config, "A-012", "7", renderer.synthesizer, renderer)
    again = announcement_playlist(config, "A-012", "7", renderer.synthesizer, renderer)
    assert first == again == [tmp_path / "chime.wav", first[1]] * 2
    assert first[1].parent == tmp_path / "cache" / "calls" and renderer.rendered == 1
    assert wav_info(first[1]).sample_rate == RATE
    # a re-recorded fragment makes a new call file
    write_wav(pack_dir / "loket.wav", tone(300, 0.3, 0.4), RATE)
    assert announcement_playlist(config, "A-012", "7", renderer.synthesizer, renderer)[1] != first[1]


# --------------------------------------------------------------------------- fallback to espeak-ng

def test_each_missing_fragment_is_spoken_by_espeak_on_its_own(tmp_path):
    pack = load_pack(tone_pack(tmp_path / "pack", [a for a in ID_ATOMS if a not in ("loket", "tujuh", "letter_a")]))
    config = config_with(tmp_path)
    fake = FakeSynthesizer(tmp_path / "espeak")
    call = CallRenderer({"id": pack}, fake, tmp_path / "cache").render_call(config.audio, "A-012", "7")
    assert fake.calls == [("a", "id"), ("loket", "id"), ("tujuh", "id")]
    assert [s.piece.id for s in call.segments if s.piece.source == "espeak"] == ["letter_a", "loket", "tujuh"]


@pytest.fixture
def espeak(tmp_path):
    worker = SpeechWorker(name="test-voice-pack-speech")
    yield Pyttsx3Synthesizer(tmp_path / "espeak", worker=worker)
    worker.stop()


def test_fallback_to_real_espeak_joins_without_clicks(tmp_path, espeak):
    pack = load_pack(tone_pack(tmp_path / "pack", [a for a in ID_ATOMS if a != "loket"]))
    config = config_with(tmp_path, languages=["id", "en"])
    renderer = CallRenderer({"id": pack}, espeak, tmp_path / "cache")
    call = renderer.render_call(config.audio, "A-012", "7")
    spoken = [s for s in call.segments if s.piece.source == "espeak"]
    # 'loket' in Indonesian, and the whole English call (no English pack)
    assert [(s.lang, s.piece.id) for s in spoken] == [
        ("id", "loket"), ("en", "number"), ("en", "letter_a"), ("en", "zero"), ("en", "one"), ("en", "two"),
        ("en", "please_go_to"), ("en", "counter"), ("en", "seven")]
    wav = espeak.path_for("loket", "id")
    assert wav.is_file() and wav_info(wav).sample_rate == 22050 and wav_info(wav).rms > 0.01  # real espeak-ng
    assert call.sample_rate == RATE  # espeak's 22050 Hz up-sampled to the pack's rate
    # speech has steps of its own (an 's' is steep): a join may not step more than the speech on either side
    for before, after in zip(call.segments, call.segments[1:]):
        own = max(steps(call.samples, list(range(s.start + 300, s.end - 300)), reach=1)
                  for s in (before, after) if not s.piece.pause_ms)
        assert steps(call.samples, list(range(after.start - 3, before.end + 3)), reach=1) <= max(own, MAX_JOIN_STEP)
    for segment in spoken:
        assert abs(level_db(call.samples[segment.start:segment.end]) - packs.TARGET_RMS_DBFS) <= 1.5, segment


# --------------------------------------------------------------------------- the manifest

def test_every_problem_of_a_manifest_at_once(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.toml").write_text('language = "fr"\nspeker = "Ibu Sari"\nsample_rate = "48k"\n'
                                      'date = "23 November"\nnotes = 3\n', encoding="utf-8")
    write_wav(folder / "loket.wav", tone(300, 0.2, 0.3), RATE)
    assert pack_problems(folder, "id") == [
        "pack.toml: speker: unknown key — did you mean 'speaker'?",
        "pack.toml: speaker: missing (required)",
        "pack.toml: licence: missing (required)",
        "pack.toml: language: must be 'id' or 'en', got 'fr'",
        "pack.toml: date: must be a date such as 2026-11-23, got '23 November'",
        "pack.toml: sample_rate: must be a whole number of Hz from 8000 to 96000, got '48k'",
        "pack.toml: notes: must be a text, got 3",
    ]


def test_every_problem_of_the_clips_at_once(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    write_manifest(folder, "en", "Ibu Sari", "CC-BY-4.0", packs.date(2026, 11, 23), RATE)
    write_wav(folder / "loket.wav", tone(300, 0.2, 0.3, rate=22050), 22050)
    write_wav(folder / "Nomor Antrean.wav", tone(300, 0.2, 0.3), RATE)
    write_wav(folder / "satu.wav", array.array("h", bytes(2 * RATE // 2)), RATE)
    write_wav(folder / "panjang.wav", tone(300, 11, 0.3, silence_s=0), RATE)
    (folder / "tujuh.wav").write_text("not audio", encoding="utf-8")
    problems = pack_problems(folder, "id", deep=True)
    assert problems[:4] == [
        "pack.toml: language: the pack speaks 'en', it is configured for 'id'",
        "Nomor Antrean.wav: a fragment's file is named by its id (a-z, 0-9 and '_', e.g. nomor_antrean.wav)",
        "loket.wav: sample rate 22050 Hz, the manifest says 44100 Hz",
        "panjang.wav: 11.0 s long; a fragment is a word or a phrase (at most 10 s)",
    ]
    assert problems[4] == "satu.wav: is silent (quieter than -50 dBFS)"
    assert problems[5].startswith("tujuh.wav: not a PCM WAV file") and len(problems) == 6


def test_a_broken_configured_pack_is_a_config_problem(tmp_path):
    (tmp_path / "pack").mkdir()
    with pytest.raises(ConfigError) as caught:
        config_with(tmp_path, voice_packs={"id": "pack", "en": "nowhere"})
    assert [p for p in caught.value.problems if p.startswith("audio.voice_packs")] == [
        "audio.voice_packs.id: pack.toml: missing (language, speaker, licence, date, sample_rate)",
        "audio.voice_packs.id: has no fragments (one WAV per fragment, e.g. nomor_antrean.wav)",
        f"audio.voice_packs.en: folder not found: {tmp_path / 'nowhere'}",
    ]


# --------------------------------------------------------------------------- coverage

@pytest.fixture(scope="module")
def shipped():
    return load_config(ROOT / "config.toml")


@pytest.fixture(scope="module")
def test_pack(shipped, tmp_path_factory):
    """The espeak-ng test pack of the shipped config, made once (a few seconds of espeak-ng)."""
    folder = tmp_path_factory.mktemp("voice") / "id-espeak"
    worker = SpeechWorker(name="test-pack-speech")
    try:
        synthesizer = Pyttsx3Synthesizer(tmp_path_factory.mktemp("espeak"), voices=dict(shipped.audio.voices),
                                         worker=worker)
        assert render_test_pack(shipped, folder, "id", synthesizer) == 0
    finally:
        worker.stop()
    return folder


def test_rendered_test_pack_covers_the_shipped_config(shipped, test_pack):
    pack = load_pack(test_pack, "id")
    assert pack.speaker == TEST_PACK_SPEAKER == "espeak-ng (synthetic test pack, not a human voice)"
    assert missing_fragments(shipped, pack) == []
    assert missing_fragments(shipped, pack, ("digits", "whole")) == []
    assert pack_problems(test_pack, "id", deep=True) == []


def test_coverage_lists_exactly_what_is_removed(shipped, test_pack, tmp_path):
    folder = tmp_path / "pack"
    shutil.copytree(test_pack, folder)
    for fragment in ("loket", "letter_k", "sebelas"):
        (folder / f"{fragment}.wav").unlink()
    missing = missing_fragments(shipped, load_pack(folder))
    assert [(n.id, n.speech) for n in missing] == [("loket", "loket"), ("letter_k", "ka"), ("sebelas", "sebelas")]
    assert "counter 11" in missing[2].reason or "code numbers" in missing[2].reason


def test_check_config_and_voice_pack_coverage_print_what_is_missing(shipped, test_pack, tmp_path, capsys):
    from kiosk.cli import main

    folder = tmp_path / "pack"
    shutil.copytree(test_pack, folder)
    (folder / "silakan_menuju.wav").unlink()
    lobby = tmp_path / "lobby"
    lobby.mkdir()
    (lobby / "assets").symlink_to(ROOT / "assets")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    (lobby / "config.toml").write_text(text.replace("[audio]\n", f"[audio]\nvoice_packs = {{ id = '{folder}' }}\n", 1),
                                       encoding="utf-8")
    assert main(["check-config", str(lobby / "config.toml")]) == 0
    notes = [line.strip() for line in capsys.readouterr().out.splitlines() if "voice_packs" in line]
    assert notes == ["note: audio.voice_packs.id: no fragment 'silakan_menuju' ('silakan menuju', for the "
                     "announcement template); espeak-ng speaks it — record silakan_menuju.wav"]
    assert main(["voice-pack", "coverage", str(folder), "--config", str(lobby / "config.toml")]) == 1
    out = capsys.readouterr().out
    assert "1 fragment(s) the config needs are missing" in out and "missing: silakan_menuju.wav" in out
    assert main(["voice-pack", "coverage", str(test_pack), "--config", str(lobby / "config.toml")]) == 0


def test_coverage_follows_the_number_range_and_the_say_table(tmp_path):
    # imigrasi's only service has a quota of 3: numbers 1-3 in whole style need no 'puluh' for B
    config = config_with(tmp_path, number_style="whole", say={"loket": "loket BPJS"})
    needs = {n.id: n.reason for n in packs.needed_fragments(config, "id")}
    assert needs["puluh"].startswith("code numbers (whole), e.g. A-")
    assert "seribu" in needs and "ribu" in needs  # group A has no quota: up to 999999
    assert packs.group_max_number(config, "imigrasi") == 3
    assert needs["bpjs"] == "audio.counter_word"
    assert coverage_notes(config) == []  # no pack configured: nothing to note


def test_a_pack_for_a_language_not_spoken_is_noted(tmp_path):
    tone_pack(tmp_path / "en-pack", EN_ATOMS, lang="en")
    config = config_with(tmp_path, languages=["id"], voice_packs={"en": "en-pack"})
    assert coverage_notes(config) == ["audio.voice_packs.en: 'en' is not in audio.languages ['id']; the pack is not used"]


def test_shipped_config_without_a_pack_speaks_as_before(shipped):
    assert shipped.audio.voice_packs == {} and shipped.audio.say == {}
    assert packs.renderer_from_config(shipped, FakeSynthesizer(Path(sys.prefix))) is None


@pytest.mark.parametrize("style", ["digits", "whole"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_fragments_say_what_espeak_would_say(tmp_path, lang, style):
    """The pack path words a call exactly as the espeak-ng path does (same words, same order)."""
    config = config_with(tmp_path, number_style=style, languages=[lang], say={"loket": "loket BPJS"})
    renderer = CallRenderer({}, None, tmp_path)
    for code, counter in (("A-001", "1"), ("KT-110", "12"), ("B-999", "7A"), ("A-10005", "45"), ("Z-120", "20")):
        [(_, text)] = announcement_texts(config.audio, code, counter)
        expected = text.replace("-", " ").replace(",", " ").split()
        said = " ".join(p.speech for p in renderer.plan(config.audio, code, counter, lang) if not p.pause_ms)
        assert said.lower().split() == [w.lower() for w in expected], (code, counter)
