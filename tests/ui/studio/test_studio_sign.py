"""The studio records a sign pack: record → transcode → mapped in pack.toml → the display plays the new clip."""
import json
import subprocess
import tomllib
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QMediaPlayer, QVideoSink

from kiosk.sign_packs import coverage, load_pack, pack_call_playlist
from kiosk.ui.studio.model import Phase

from .conftest import lobby_config, open_studio, record_take


def _video_facts(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format",
                          str(path)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_record_keep_and_the_display_plays_the_new_clip(qtbot, config, tmp_path):
    folder = tmp_path / "sign"
    window = open_studio(qtbot, config, "sign", folder)
    item = window.studio.item
    assert (item.id, item.prompt, item.category) == ("nomor antrean", "NOMOR ANTREAN", "word")
    assert window.framing.isVisible() and not window.level_meter.isVisible()
    assert window.framing.picture is not None  # the source's picture under the guide before any take
    take = record_take(qtbot, window)
    assert _video_facts(Path(take))["streams"][0]["codec_type"] == "video"
    with qtbot.waitSignal(window.kept, timeout=60000) as kept:
        assert window.press("enter") == "keep"
    saved = Path(kept.args[0])
    assert saved == folder / "word_nomor_antrean.mp4"
    video = _video_facts(saved)["streams"][0]
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 640, 360)
    manifest = tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8"))
    assert manifest["clips"] == {"nomor antrean": "word_nomor_antrean.mp4"}
    assert manifest["signer"] == "Budi (test signer)" and manifest["region"] == "Balikpapan"
    # the list and the coverage agree: recorded, no longer missing
    assert window.studio.items[0].recorded and window.list.item(0).text().startswith("✓")
    assert "nomor antrean" not in {need.token for need in coverage(config, load_pack(folder))}
    assert window.studio.current == 1 and window.studio.phase == Phase.IDLE
    window.shutdown()

    # the display's playlist for a call starts with the new clip, and it plays (a valid frame reaches a sink)
    lobby = lobby_config(tmp_path, sign_pack="sign")
    playlist = pack_call_playlist(lobby, "A-001", "1")
    assert playlist[0].token == "nomor antrean" and playlist[0].path == saved.resolve() and not playlist[0].stand_in
    player, sink = QMediaPlayer(), QVideoSink()
    player.setVideoOutput(sink)
    frames = []
    sink.videoFrameChanged.connect(lambda frame: frame.isValid() and frames.append(frame.size()))
    player.setSource(QUrl.fromLocalFile(str(playlist[0].path)))
    player.play()
    qtbot.waitUntil(lambda: bool(frames), timeout=10000)
    assert frames[0].width() == 640 and frames[0].height() == 360
    player.stop()


def test_a_take_the_display_cannot_use_is_refused_with_a_sentence(qtbot, config, tmp_path):
    folder = tmp_path / "sign"
    window = open_studio(qtbot, config, "sign", folder)
    window.source.frames = 5  # 0.2 s: shorter than a sign clip may be
    record_take(qtbot, window)
    with qtbot.waitSignal(window.keep_failed, timeout=30000) as failed:
        window.press("enter")
    assert failed.args[0] and "lasts 0.20 s; a sign clip lasts at least 0.4 s" in failed.args[0][0]
    assert window.problem_label.text() == " ".join(failed.args[0])
    assert window.studio.phase == Phase.REVIEW and not (folder / "word_nomor_antrean.mp4").exists()
    assert "clips" not in tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8")) or \
        not tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8"))["clips"]
    window.shutdown()


def test_the_display_window_signs_a_call_with_the_clip_the_studio_kept(qtbot, config, tmp_path):
    from kiosk.audio.speech import FakeSynthesizer
    from kiosk.clock import FakeClock
    from support.configs import MONDAY_9
    from support.server import running_server

    from ..display.conftest import open_display
    from ..display.test_display_window import engine_call, issue

    folder = tmp_path / "sign"
    studio = open_studio(qtbot, config, "sign", folder)
    record_take(qtbot, studio)
    with qtbot.waitSignal(studio.kept, timeout=60000):
        studio.press("enter")
    studio.shutdown()
    lobby = lobby_config(tmp_path, sign_pack="sign")
    with running_server(lobby, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9), ping_seconds=1.0) as server:
        window = open_display(qtbot, lobby, server, FakeSynthesizer(tmp_path / "voice", duration_s=0.1))
        qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
        started = []
        window.sign_panel.token_started.connect(
            lambda token, playable: started.append((token, playable, window.sign_panel.showing_stand_in)))
        issue(server, "ktp")
        server.engine.open_counter("loket-1")
        engine_call(server, "loket-1")
        qtbot.waitUntil(lambda: bool(started), timeout=10000)
        window.shutdown()
    # the first sign of the call is the studio's recording, not a stand-in
    assert started[0] == ("nomor antrean", True, False)
