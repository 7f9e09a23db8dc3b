"""The sign-language panel: every shipped clip plays offscreen; a missing or broken clip becomes text."""
import logging
from pathlib import Path

from kiosk.sign import ALL_TOKENS, PlaylistItem, build_playlist, call_tokens, load_clip_mapping
from kiosk.ui.display.sign_panel import SignPanel

ROOT = Path(__file__).resolve().parents[3]
SIGN_DIR = ROOT / "assets" / "sign"


def test_every_shipped_clip_plays_to_the_end(qtbot):
    clips, info_clip = load_clip_mapping(SIGN_DIR / "mapping.toml")
    assert set(clips) == set(ALL_TOKENS)
    items = build_playlist(list(ALL_TOKENS), clips, SIGN_DIR)
    assert not [i.token for i in items if i.missing]
    # 4x speed keeps this test short; every frame is still decoded and delivered
    panel = SignPanel(SIGN_DIR / info_clip, playback_rate=4.0)
    qtbot.addWidget(panel)
    panel.resize(640, 420)
    panel.show()
    valid_frames = {}

    def count_frame(frame):
        token = panel.current_token
        if frame.isValid() and token is not None:
            valid_frames[token] = valid_frames.get(token, 0) + 1

    panel.sink.videoFrameChanged.connect(count_frame)
    finished, idle = [], []
    panel.token_finished.connect(lambda token, outcome: finished.append((token, outcome)))
    panel.idle_started.connect(lambda: idle.append(True))
    panel.play_call("all", items, "all clips")
    for n in range(len(items)):
        # a per-clip limit: one stuck clip fails here, naming itself, instead of eating the whole budget
        qtbot.waitUntil(lambda: len(finished) > n, timeout=3000)
        assert finished[n] == (items[n].token, "ended"), finished[n]
        assert valid_frames.get(items[n].token, 0) > 0, f"no video frame for {items[n].token!r}"
    qtbot.waitUntil(lambda: idle == [True], timeout=3000)
    # idle: the information clip loops
    shown = panel.view.frames_shown
    qtbot.waitUntil(lambda: panel.view.frames_shown > shown + 5, timeout=3000)
    panel.shutdown()


def test_missing_and_broken_clips_become_text_and_the_call_goes_on(qtbot, tmp_path, caplog):
    clips, _info = load_clip_mapping(SIGN_DIR / "mapping.toml")
    (tmp_path / "broken.mp4").write_bytes(b"no video here" * 100)
    for token, clip in clips.items():
        if token not in ("2", "7"):
            (tmp_path / clip).symlink_to(SIGN_DIR / clip)
    clips = clips | {"loket": "broken.mp4"}
    del clips["2"]  # no mapping; '7' has a mapping but no file
    with caplog.at_level(logging.WARNING):
        items = build_playlist(call_tokens("A-012", "7"), clips, tmp_path)
        panel = SignPanel(None, idle_caption="Bahasa isyarat", playback_rate=4.0, missing_ms=400)
        qtbot.addWidget(panel)
        panel.resize(480, 320)
        panel.show()
        panel.start()
        assert panel.view.text == "Bahasa isyarat"  # no information clip: the idle caption instead
        shown_as_text = {}

        def on_finished(token, outcome):
            if outcome != "ended":
                shown_as_text[token] = (outcome, panel.view.text, panel.caption.text())

        panel.token_finished.connect(on_finished)
        with qtbot.waitSignal(panel.call_finished, timeout=10000):
            panel.play_call(1, items, "A-012 → Loket 7")
            assert panel.title.text() == "A-012 → Loket 7"
    assert [t for t, _ in panel.history] == ["nomor antrean", "A", "0", "1", "2", "silakan menuju", "loket", "7"]
    assert dict(panel.history) == {"nomor antrean": "ended", "A": "ended", "0": "ended", "1": "ended",
                                   "2": "missing", "silakan menuju": "ended", "loket": "error", "7": "missing"}
    # while skipped, each token stood in the panel as large text and in the caption
    assert shown_as_text == {"2": ("missing", "2", "2"), "loket": ("error", "Loket", "Loket"),
                             "7": ("missing", "7", "7")}
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "'2'" in messages and "'7'" in messages and "broken.mp4" in messages
    qtbot.waitUntil(lambda: not panel.busy and panel.view.text == "Bahasa isyarat", timeout=2000)
    panel.shutdown()


def test_calls_are_signed_one_after_another(qtbot):
    clips, _info = load_clip_mapping(SIGN_DIR / "mapping.toml")
    panel = SignPanel(None, playback_rate=4.0)
    qtbot.addWidget(panel)
    order = []
    panel.call_started.connect(lambda key: order.append(("start", key)))
    panel.call_finished.connect(lambda key: order.append(("end", key)))
    short = [PlaylistItem("A", SIGN_DIR / clips["A"]), PlaylistItem("1", SIGN_DIR / clips["1"])]
    panel.play_call(1, short)
    panel.play_call(2, short)
    qtbot.waitUntil(lambda: len(order) == 4, timeout=6000)
    assert order == [("start", 1), ("end", 1), ("start", 2), ("end", 2)]
    panel.shutdown()


def test_calls_coming_faster_than_signs_leave_the_oldest_waiting_unsigned_and_the_queue_bounded(qtbot):
    """A display that signs for months under more calls than it can sign keeps at most MAX_WAITING_CALLS
    waiting: the oldest waiting call is left to the board (told by call_skipped), the newest are signed."""
    from kiosk.ui.display.sign_panel import MAX_WAITING_CALLS

    clips, _info = load_clip_mapping(SIGN_DIR / "mapping.toml")
    panel = SignPanel(None, playback_rate=4.0)
    qtbot.addWidget(panel)
    skipped, started = [], []
    panel.call_skipped.connect(skipped.append)
    panel.call_started.connect(started.append)
    short = [PlaylistItem("A", SIGN_DIR / clips["A"])]
    extra = 7
    for key in range(1, MAX_WAITING_CALLS + extra + 2):  # the first is signed at once, the rest wait
        panel.play_call(key, short)
    assert panel.waiting_calls == MAX_WAITING_CALLS
    assert skipped == list(range(2, 2 + extra)) and panel.skipped_calls == extra
    qtbot.waitUntil(lambda: len(started) >= 2, timeout=6000)
    assert started[:2] == [1, 2 + extra]  # after the first, the oldest call still waiting
    panel.shutdown()
