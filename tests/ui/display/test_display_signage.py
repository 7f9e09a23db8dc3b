"""Signage between calls: the playlist in order, a broken file skipped, a call pauses it at once, it resumes."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from PySide6.QtGui import QColor, QImage

from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.ui.display.window import DisplayWindow
from support.configs import MONDAY_9, config_dict
from support.server import running_server

from .conftest import SIGN_DIR, display_config


def picture(path, colour: str, size=(64, 36)):
    image = QImage(*size, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path))
    return path.name


def signage_config(tmp_path, items, *, sign=True):
    base = display_config(tmp_path)
    data = config_dict(**{key: base.model_dump(mode="json")[key] for key in ("audio", "sign", "display")})
    data["display"] |= {"signage": items, "signage_after_s": 1}
    data["sign"]["enabled"] = sign
    return parse_config(data, base_dir=tmp_path)


def open_window(qtbot, config, server, synthesizer, screen=(1366, 768)):
    window = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer, clock=FakeClock(MONDAY_9))
    qtbot.addWidget(window)
    window.resize(*screen)
    window.show()
    window.start()
    return window


def test_the_playlist_plays_in_order_and_skips_a_broken_file(qtbot, tmp_path, synthesizer, caplog):
    a, b = picture(tmp_path / "a.png", "#c0392b"), picture(tmp_path / "b.png", "#27ae60")
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 and then nothing")
    config = signage_config(tmp_path, [
        {"kind": "image", "file": a, "seconds": 0.3},
        {"kind": "image", "file": "broken.png", "seconds": 0.3},
        {"kind": "video", "file": "broken.mp4", "seconds": 0.3},
        {"kind": "image", "file": b, "seconds": 0.3},
        {"kind": "sign_info", "seconds": 0.6},
    ])
    caplog.set_level(logging.WARNING, logger="kiosk.ui.display.signage")
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer)
        try:
            assert not window.signage_visible  # what the snapshot shows stays up first
            qtbot.waitUntil(lambda: window.signage_visible, timeout=3000)
            assert not window.slot.isVisible()
            qtbot.waitUntil(lambda: len(window.signage.history) >= 5, timeout=8000)
            assert list(window.signage.history)[:5] == ["a.png", "b.png", "sign_info", "a.png", "b.png"]
            # each broken file skipped once, logged, and never shown again
            assert sorted(name for name, _ in window.signage.skipped) == ["broken.mp4", "broken.png"]
            assert {r.getMessage().split(" skipped")[0] for r in caplog.records} >= {"signage: broken.png",
                                                                                   "signage: broken.mp4"}
            assert window.signage_visible and window.signage.view.image is not None  # a picture, not black
        finally:
            window.shutdown()


def test_a_playlist_of_broken_files_leaves_the_calls_on_screen(qtbot, tmp_path, synthesizer):
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    config = signage_config(tmp_path, [{"kind": "image", "file": "broken.png", "seconds": 0.3},
                                       {"kind": "sign_info", "seconds": 0.3}], sign=False)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer)
        try:
            qtbot.waitUntil(lambda: len(window.signage.skipped) == 2, timeout=4000)  # no info clip: sign is off
            assert not window.signage_visible and window.slot.isVisible()
            assert window.counter_label.text() == "Belum ada panggilan"
        finally:
            window.shutdown()


def test_a_call_pauses_signage_at_once_and_it_resumes_after(qtbot, tmp_path, synthesizer):
    a, b = picture(tmp_path / "a.png", "#c0392b"), picture(tmp_path / "b.png", "#27ae60")
    config = signage_config(tmp_path, [{"kind": "image", "file": a, "seconds": 4},
                                       {"kind": "image", "file": b, "seconds": 4}], sign=False)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer)
        try:
            qtbot.waitUntil(lambda: window.live.connected and window.signage_visible, timeout=4000)
            assert window.signage.current_name == "a.png"
            server.engine.issue_ticket("paspor")
            server.engine.open_counter("loket-3")
            ticket = server.engine.call_next("loket-3")
            server.notify()
            # within the call's own event: the call is on screen and signage stopped
            qtbot.waitUntil(lambda: window.shown_calls() == [(ticket.code, "Loket 3")], timeout=3000)
            assert not window.signage_visible and window.slot.isVisible() and window.signage.paused
            left = window.signage._remaining_ms
            qtbot.waitUntil(lambda: window.announcer.enqueue_counts and not window.announcer.busy, timeout=4000)
            assert not window.signage_visible  # spoken, but signage_after_s is not over yet
            qtbot.waitUntil(lambda: window.signage_visible, timeout=4000)
            # it goes on with the picture it was showing, for what was left of its time
            assert window.signage.current_name == "a.png" and list(window.signage.history) == ["a.png"]
            assert 0 < left < 4000
        finally:
            window.shutdown()


def test_a_managers_notice_reaches_the_ticker_live_and_at_a_start(qtbot, tmp_path, synthesizer):
    config = signage_config(tmp_path, [], sign=False)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer)
        manager = server.client("manager")
        try:
            qtbot.waitUntil(lambda: window.live.connected, timeout=4000)
            added = manager.add_notice({"id": "Samsat tutup pukul 12:00", "en": "Samsat closes at 12:00"})
            server.notify()
            qtbot.waitUntil(lambda: "Samsat tutup pukul 12:00" in window.ticker.text
                            and "Samsat closes at 12:00" in window.ticker.text, timeout=8000)
            later = open_window(qtbot, config, server, synthesizer)  # a display started now reads it too
            try:
                qtbot.waitUntil(lambda: "Samsat closes at 12:00" in later.ticker.text, timeout=4000)
            finally:
                later.shutdown()
            manager.remove_notice(added["id"])
            server.notify()
            qtbot.waitUntil(lambda: "Samsat" not in window.ticker.text, timeout=3000)
        finally:
            manager.close()
            window.shutdown()


def test_a_notices_answer_older_than_a_notices_event_does_not_undo_it(qtbot, tmp_path, synthesizer, monkeypatch):
    """The display reads the notices at its start; a manager's notice whose event arrives while that read is on
    its way stays on the ticker when the older answer comes (CI once saw the ticker lose it so)."""
    import threading

    from kiosk.client import ApiClient

    config = signage_config(tmp_path, [], sign=False)
    released = threading.Event()
    read = ApiClient.notices

    def slow_notices(client):
        answer = read(client)  # what the server held when the display asked: nothing yet
        released.wait(10)
        return answer

    monkeypatch.setattr(ApiClient, "notices", slow_notices)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer)
        manager = server.client("manager")
        try:
            qtbot.waitUntil(lambda: window.live.connected, timeout=4000)
            manager.add_notice({"id": "Samsat tutup pukul 12:00", "en": "Samsat closes at 12:00"})
            server.notify()
            qtbot.waitUntil(lambda: "Samsat closes at 12:00" in window.ticker.text, timeout=8000)
            tasks_before = len(window._tasks._relays)
            released.set()  # the start's read answers now, with the list from before the notice
            qtbot.waitUntil(lambda: len(window._tasks._relays) < tasks_before, timeout=5000)
            qtbot.wait(50)
            assert "Samsat closes at 12:00" in window.ticker.text
        finally:
            released.set()
            manager.close()
            window.shutdown()


def test_a_picture_larger_than_the_screen_is_held_at_the_screens_size(qtbot, tmp_path, synthesizer):
    """A 4K picture on a smaller screen is decoded at the screen's size (its shape kept), not its own: 32 MB
    decoded against the screen's 8 MB at most."""
    big = picture(tmp_path / "big.png", "#2980b9", size=(3840, 2160))
    config = signage_config(tmp_path, [{"kind": "image", "file": big, "seconds": 4}], sign=False)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer)
        try:
            qtbot.waitUntil(lambda: window.signage_visible and window.signage.view.image is not None, timeout=4000)
            image, screen = window.signage.view.image, window.screen().size()
            assert image.width() <= screen.width() and image.height() <= screen.height() and image.width() < 3840
            assert abs(image.width() * 2160 - image.height() * 3840) <= 3840  # 16:9 still, to a pixel
            assert image.pixelColor(image.width() // 2, image.height() // 2) == QColor("#2980b9")
        finally:
            window.shutdown()


def decoding_threads() -> list[str]:
    """The names of this process's FFmpeg frame-decoding threads (FFmpeg names them av:CODEC:dfN)."""
    names = (Path(task, "comm").read_text().strip() for task in Path("/proc/self/task").iterdir())
    return [name for name in names if name.startswith("av:") and ":df" in name]


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="threads are counted in /proc; below 2 cores FFmpeg decodes on one thread anyway")
def test_signage_video_is_decoded_on_one_thread(qtbot, tmp_path, synthesizer):
    """FFmpeg's own choice is a decoding thread per core plus one, each with its own frames: one per clip."""
    config = signage_config(tmp_path, [{"kind": "video", "file": str(SIGN_DIR / "digit_1.mp4"), "seconds": 3}])
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = open_window(qtbot, config, server, synthesizer)
        try:
            qtbot.waitUntil(lambda: list(window.signage.history) == ["digit_1.mp4"], timeout=5000)
            assert window.sign_panel.view.frames_shown > 0  # the sign panel's information clip plays as well
            assert decoding_threads() == []
        finally:
            window.shutdown()
