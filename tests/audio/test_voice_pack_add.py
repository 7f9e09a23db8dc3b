"""`mpp-kiosk voice-pack add|export|import`: a WAV recorded elsewhere, checked, trimmed and normalised; a pack as a zip."""
import array
import wave
from datetime import date

from kiosk.audio.pack_cli import add_fragment
from kiosk.audio.packs import TARGET_RMS_DBFS, _active_rms, _db, load_pack, read_wav, write_manifest
from kiosk.audio.speech import wav_info, write_wav
from kiosk.cli import main
from support.voice_packs import tone

DAY = date(2026, 12, 2)


def _pack(folder):
    folder.mkdir(parents=True, exist_ok=True)
    write_manifest(folder, "id", "Rina (test speaker)", "CC-BY-4.0", DAY, 48000, notes="consent: signed form")
    return folder


def test_add_trims_normalises_and_resamples_to_the_pack(tmp_path, capsys):
    pack = _pack(tmp_path / "pack")
    source = tmp_path / "studio-take.wav"
    write_wav(source, tone(440, 0.5, 0.05, rate=44100, silence_s=0.5), 44100)  # quiet, with 0.5 s silences
    assert main(["voice-pack", "add", str(pack), "loket", str(source)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{pack}: loket = loket.wav (0.5")
    info = wav_info(pack / "loket.wav")
    assert info.sample_rate == 48000 and 0.5 <= info.duration_s <= 0.55
    assert abs(_db(_active_rms(*read_wav(pack / "loket.wav"))) - TARGET_RMS_DBFS) < 1.0
    assert load_pack(pack, "id").clips == {"loket": pack / "loket.wav"}


def test_add_refuses_a_silent_a_too_long_and_an_unplayable_file_with_sentences(tmp_path, capsys):
    pack = _pack(tmp_path / "pack")
    silent = tmp_path / "silent.wav"
    write_wav(silent, array.array("h", bytes(2 * 48000)), 48000)
    long = tmp_path / "long.wav"
    write_wav(long, tone(300, 11.0, 0.3, rate=8000), 8000)
    broken = tmp_path / "phone.m4a"
    broken.write_bytes(b"\x00\x00\x00\x18ftypM4A not really")
    assert main(["voice-pack", "add", str(pack), "loket", str(silent)]) == 1
    err = capsys.readouterr().err
    assert "silent.wav is silent (quieter than -50 dBFS): check the microphone and its level." in err
    assert main(["voice-pack", "add", str(pack), "loket", str(long)]) == 1
    err = capsys.readouterr().err
    assert "long.wav lasts 11.2 s; a fragment is one word or phrase of at most 10 s" in err
    assert main(["voice-pack", "add", str(pack), "loket", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "phone.m4a cannot be read as a PCM WAV file" in err and "ffmpeg -i phone.m4a" in err
    assert "Traceback" not in err
    assert not (pack / "loket.wav").exists()


def test_add_says_every_problem_at_once(tmp_path):
    short = tmp_path / "click.wav"
    write_wav(short, array.array("h", [0, 20000, -20000, 0] * 100), 48000)  # 8 ms
    try:
        add_fragment(tmp_path / "no-pack", "Loket!", short)
    except ValueError as exc:
        problems = exc.problems
    else:
        raise AssertionError("added")
    assert problems[0].startswith("'Loket!' is not a fragment id")
    assert problems[1].startswith(f"{tmp_path / 'no-pack'} has no pack.toml")
    assert problems[2] == "click.wav lasts 0.01 s; a fragment lasts at least 0.15 s."


def test_a_failed_add_keeps_the_old_clip(tmp_path):
    pack = _pack(tmp_path / "pack")
    good = tmp_path / "good.wav"
    write_wav(good, tone(440, 0.4, 0.3, rate=48000), 48000)
    add_fragment(pack, "loket", good)
    before = (pack / "loket.wav").read_bytes()
    silent = tmp_path / "silent.wav"
    write_wav(silent, array.array("h", bytes(2 * 48000)), 48000)
    try:
        add_fragment(pack, "loket", silent)
    except ValueError:
        pass
    assert (pack / "loket.wav").read_bytes() == before


def test_export_and_import_a_voice_pack(tmp_path, capsys):
    pack = _pack(tmp_path / "pack")
    good = tmp_path / "good.wav"
    write_wav(good, tone(440, 0.4, 0.3, rate=48000), 48000)
    add_fragment(pack, "loket", good)
    archive = tmp_path / "voice-id.zip"
    assert main(["voice-pack", "export", str(pack), str(archive)]) == 0
    assert "2 files and their SHA-256 checksums" in capsys.readouterr().out
    assert main(["voice-pack", "import", str(archive), str(tmp_path / "copy")]) == 0
    assert (tmp_path / "copy" / "loket.wav").read_bytes() == (pack / "loket.wav").read_bytes()
    assert load_pack(tmp_path / "copy", "id").speaker == "Rina (test speaker)"
    # a damaged zip is refused with a sentence, and nothing is unpacked
    data = bytearray(archive.read_bytes())
    offset = data.find(b"RIFF")
    data[offset + 200] ^= 0xFF
    archive.write_bytes(bytes(data))
    assert main(["voice-pack", "import", str(archive), str(tmp_path / "copy2")]) == 1
    assert "loket.wav is damaged in the zip (its CRC does not match); copy the zip again." in capsys.readouterr().err
    assert not (tmp_path / "copy2").exists()
    with wave.open(str(pack / "loket.wav")) as wav:
        assert wav.getframerate() == 48000


def test_the_studio_command_is_wired(monkeypatch, tmp_path):
    seen = {}
    import kiosk.ui.studio.window as studio_window

    monkeypatch.setattr(studio_window, "main", lambda args: seen.update(vars(args)) or 0)
    assert main(["studio", "--config", str(tmp_path / "c.toml"), "--pack", str(tmp_path / "p"), "--kind", "sign"]) == 0
    assert seen["pack"] == tmp_path / "p" and seen["kind"] == "sign"
