"""The studio records a voice pack: record → trim → save → the list shows it → the announcer's renderer uses it."""
import tomllib
from pathlib import Path

from kiosk.audio.packs import GATE_DBFS, TARGET_RMS_DBFS, CallRenderer, _active_rms, _db, load_pack, read_wav
from kiosk.audio.speech import FakeSynthesizer, wav_info
from kiosk.ui.display.announcer import Announcer
from kiosk.ui.studio.model import Phase

from .conftest import DAY, lobby_config, open_studio, record_take


def test_a_new_pack_asks_for_the_manifest_first(qtbot, config, tmp_path):
    folder = tmp_path / "voice-id"
    window = open_studio(qtbot, config, "voice", folder, new=True)
    assert window.pages.currentWidget() is window.form
    assert not window.form.create()  # nothing filled in
    assert window.form.problem.text() == "Isi nama yang merekam. Isi lisensinya. Isi persetujuannya."
    assert not (folder / "pack.toml").exists()
    window.form.person.setText("Rina (test speaker)")
    window.form.licence.setText("CC-BY-4.0")
    window.form.consent.setText("signed form kept at the MPP office")
    assert window.form.create()
    manifest = tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8"))
    assert manifest["speaker"] == "Rina (test speaker)" and manifest["licence"] == "CC-BY-4.0"
    assert manifest["date"] == DAY and manifest["sample_rate"] == 48000
    assert "signed form kept at the MPP office" in manifest["notes"]
    assert window.pages.currentIndex() == 1 and window.studio.items
    window.shutdown()


def test_record_trim_keep_and_the_call_uses_the_new_wav(qtbot, config, tmp_path):
    folder = tmp_path / "voice-id"
    window = open_studio(qtbot, config, "voice", folder)
    first = window.studio.item
    assert first.id == "nomor_antrean" and not first.recorded
    assert window.prompt_label.text() == "nomor antrean"
    assert window.count_label.text() == f"0 dari {len(window.studio.items)} sudah direkam"
    levels = []
    window.capture.level.connect(levels.append)
    take = record_take(qtbot, window)
    assert window.studio.phase == Phase.REVIEW
    assert wav_info(take).duration_s > 1.1  # the raw take: 0.3 s silence, 0.6 s tone, 0.3 s silence
    assert max(levels) > 0.1 and min(levels) == 0.0  # the meter saw the tone and the silences
    assert window.level_meter.value() == int(max(levels) * 300)  # in review the meter holds the take's peak
    with qtbot.waitSignal(window.kept, timeout=15000) as kept:
        assert window.press("enter") == "keep"
    saved = folder / "nomor_antrean.wav"
    assert kept.args[0] == str(saved)
    info = wav_info(saved)
    assert info.sample_rate == 48000
    assert 0.6 <= info.duration_s <= 0.7  # trimmed to the tone and its margins
    samples, rate = read_wav(saved)
    assert abs(_db(_active_rms(samples, rate)) - TARGET_RMS_DBFS) < 1.0
    # the list shows it recorded, and the next missing fragment is up
    assert window.studio.items[0].recorded and window.list.item(0).text().startswith("✓")
    assert window.studio.current == 1 and window.studio.phase == Phase.IDLE
    assert window.count_label.text().startswith("1 dari")
    # the announcer's renderer builds a call with the new clip in it
    renderer = CallRenderer({"id": load_pack(folder, "id")}, FakeSynthesizer(tmp_path / "espeak"), tmp_path / "calls")
    pieces = renderer.plan(config.audio, "A-001", "1", "id")
    assert pieces[0].id == "nomor_antrean" and pieces[0].path == saved and pieces[0].source == "pack"
    call = renderer.render(config.audio, "A-001", "1")
    assert _db(_active_rms(*read_wav(call))) > GATE_DBFS
    window.shutdown()
    # and the display's announcer, configured with the pack, plays one call WAV built from it
    lobby = lobby_config(tmp_path, voice_packs={"id": "voice-id"})
    announcer = Announcer(lobby, FakeSynthesizer(tmp_path / "espeak2", duration_s=0.1))
    assert announcer.voice_packs.plan(lobby.audio, "A-001", "1", "id")[0].path == saved
    played = []
    announcer.segment_started.connect(lambda key, path: played.append(path))
    with qtbot.waitSignal(announcer.announcement_finished, timeout=15000):
        announcer.announce(1, "A-001", "1")
    assert [Path(p).name.startswith("call-") for p in played] == [False, True]  # the chime, then the call
    announcer.shutdown()


def test_the_level_meter_follows_the_source(qtbot, config, tmp_path):
    window = open_studio(qtbot, config, "voice", tmp_path / "voice-id")
    window.source.script = ((0.2, 330.0, 0.3),)
    seen = []
    window.capture.level.connect(lambda level: seen.append(window.level_meter.value()))
    record_take(qtbot, window)
    assert seen and min(seen) > 20  # the tone at 0.3: about 21% RMS, shown x3
    window.shutdown()
