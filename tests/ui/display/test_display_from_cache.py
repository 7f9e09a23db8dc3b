"""A display that runs from its file cache: started with the server away and the lobby's assets gone from
this PC, it still loops the information clip, plays the chime and signs a call, each from the cache."""
from __future__ import annotations

import shutil

from kiosk.client import ApiClient
from kiosk.clock import FakeClock
from kiosk.files import resolve, sync_files, use_files
from support.configs import DEVICE_KEYS, MONDAY_9
from support.lobby_files import files_config
from support.server import running_server

from .conftest import ROOT, open_display
from .test_display_window import engine_call, issue

SHOTS = ROOT / "docs" / "screenshots"


def test_a_display_started_from_its_cache_with_the_server_away_chimes_and_signs(qtbot, tmp_path, synthesizer):
    lobby, cache = tmp_path / "lobby", tmp_path / "cache"
    config = files_config(lobby)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9), ping_seconds=1.0) as server:
        with ApiClient(server.url, DEVICE_KEYS["display"]) as client:
            files = sync_files(client, cache, "display")
        server.stop()
        shutil.rmtree(lobby / "assets")  # nothing left on this PC but the cache
        device = use_files(config.model_copy(update={"base_dir": tmp_path / "elsewhere"}), files)
        with ApiClient(server.url, DEVICE_KEYS["display"], timeout=1) as client:
            assert sync_files(client, cache, "display").from_cache  # the server is away

        window = open_display(qtbot, device, server, synthesizer)
        panel = window.sign_panel
        # between calls: the stand-ins' information clip, from the cache, while the server is away
        assert not window.live.connected
        assert panel.info_clip is not None and cache in panel.info_clip.parents and panel.info_clip.is_file()
        qtbot.waitUntil(lambda: panel.player.source().toLocalFile() == str(panel.info_clip), timeout=5000)
        qtbot.wait(800)  # a few frames of the clip
        SHOTS.mkdir(exist_ok=True)
        window.grab().save(str(SHOTS / "display-from-cache-server-away.png"))

        server.start()  # back: a call arrives, and what it plays is still the cache's
        qtbot.waitUntil(lambda: window.live.connected, timeout=15000)
        segments, signed = [], []
        window.announcer.segment_started.connect(lambda _key, path: segments.append(path))
        panel.token_started.connect(lambda token, playable: signed.append((token, playable,
                                                                          panel.player.source().toLocalFile())))
        issue(server, "ktp")
        server.engine.open_counter("loket-1")
        engine_call(server, "loket-1")
        with qtbot.waitSignal(panel.call_finished, timeout=20000):
            pass
        qtbot.waitUntil(lambda: len(segments) >= 1, timeout=5000)
        window.shutdown()
    chime = resolve(device, "assets/sounds/chime.wav")
    assert segments[0] == str(chime) and cache in chime.parents
    assert signed and all(playable for _t, playable, _p in signed)
    assert all(path.startswith(str(cache)) for _t, _p, path in signed), signed
