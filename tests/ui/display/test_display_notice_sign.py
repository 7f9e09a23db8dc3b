"""Notices in sign language: a notice naming a clip the sign pack has (token notice:<key>) is signed between
calls, from config.toml and from the manager's API; a call stops it at once; a notice without a clip stays on
the ticker only, and check-config names the missing clip. The pack's clips are synthetic test patterns."""
from pathlib import Path

import pytest
from support.configs import MONDAY_9, config_dict, make_config
from support.server import running_server
from support.sign_clips import synthetic_clip, write_pack

from kiosk.audio.speech import write_tone
from kiosk.clock import FakeClock
from kiosk.config import ConfigError, parse_config
from kiosk.sign_packs import coverage_notes, notice_playlist

from .conftest import open_display
from .test_display_window import engine_call, issue

ROOT = Path(__file__).resolve().parents[3]
STAND_INS = ROOT / "assets" / "sign"
SAMSAT = {"id": "Layanan Samsat tutup pukul 12:00 hari ini", "en": "Samsat closes at 12:00 today"}


def notice_config(tmp_path: Path, notices: list[dict]):
    template = synthetic_clip(tmp_path / "template.mp4", seconds=1.5)
    write_pack(tmp_path / "pack", {"notice:samsat-tutup-12": "notice_samsat_tutup_12.mp4",
                                   "notice:lift-rusak": "notice_lift_rusak.mp4"}, template=template)
    write_tone(tmp_path / "chime.wav", 880.0, 0.1)
    return make_config(base_dir=tmp_path, audio={"enabled": True, "languages": ["id"], "chime": "chime.wav"},
                       sign={"enabled": True, "clips_dir": str(STAND_INS), "info_clip": "info.mp4", "pack": "pack"},
                       display={"flash_seconds": 1, "notices": notices})


def test_a_config_notice_with_a_clip_is_signed_between_calls_and_a_call_stops_it(qtbot, tmp_path, synthesizer):
    config = notice_config(tmp_path, [SAMSAT | {"sign": "samsat-tutup-12"}, {"id": "Parkir penuh", "en": "Car park full"}])
    assert [item.token for item in notice_playlist(config, "samsat-tutup-12")] == ["notice:samsat-tutup-12"]
    assert notice_playlist(config, "parkir-penuh") == [] and notice_playlist(config, None) == []
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9), ping_seconds=1.0) as server:
        window = open_display(qtbot, config, server, synthesizer)
        panel = window.sign_panel
        try:
            qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
            # within the 2 s check of going up: signed, its words over the clip
            qtbot.waitUntil(lambda: panel.current_token == "notice:samsat-tutup-12", timeout=5000)
            assert panel.signing_notice == ("config", 0) and not panel.busy
            # the words too long for the panel's title at the readable size: it says "Pengumuman", the ticker
            # has the words; no caption reads out the token
            assert panel.title.text() == "Pengumuman" and panel.caption.text() == ""
            qtbot.wait(400)  # the clip's first frames
            window.grab().save(str(ROOT / "docs" / "screenshots" / "display-notice-signed.png"))
            stopped = []
            panel.notice_finished.connect(lambda key, whole: stopped.append((key, whole)))
            # a call comes while the notice is signed: the notice stops at once, the call is signed now
            issue(server, "ktp")
            server.engine.open_counter("loket-1")
            ticket = engine_call(server, "loket-1")
            qtbot.waitUntil(lambda: any(key == window.board.last_seq for key, _ in window.sign_log), timeout=3000)
            assert stopped == [(("config", 0), False)]
            assert ("notice:samsat-tutup-12", "interrupted") in panel.history
            assert panel.title.text().startswith(ticket.code)
            with qtbot.waitSignal(panel.call_finished, timeout=20000):
                pass
            # the call signed, the lobby quiet: the notice waits its minute before it is signed again
            qtbot.wait(2500)
            assert panel.signing_notice is None and len(window.notice_sign_log) == 1
            window._notice_signed_at[("config", 0)] -= 61  # a minute later
            qtbot.waitUntil(lambda: panel.signing_notice == ("config", 0), timeout=5000)
            with qtbot.waitSignal(panel.notice_finished, timeout=10000) as finished:
                pass
            assert finished.args == [("config", 0), True]
            assert ("notice:samsat-tutup-12", "ended") in panel.history
            # the notice without a clip was never signed: it is on the ticker only
            assert [key for key, _ in window.notice_sign_log] == [("config", 0), ("config", 0)]
            assert "Parkir penuh" in window.ticker.text
        finally:
            window.shutdown()


def test_a_notice_from_the_api_with_a_clip_is_signed_and_one_without_is_not(qtbot, tmp_path, synthesizer):
    config = notice_config(tmp_path, [])
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9), ping_seconds=1.0) as server:
        window = open_display(qtbot, config, server, synthesizer)
        panel = window.sign_panel
        try:
            qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
            quiet, _ = server.engine.add_notice("Toilet lantai 2 ditutup", "Toilets on floor 2 closed", None,
                                                "manager1", sign="toilet-tutup")  # the pack has no such clip
            lift, _ = server.engine.add_notice("Lift rusak, gunakan tangga", "Lift out of order, use the stairs",
                                               None, "manager1", sign="lift-rusak")
            server.notify()
            qtbot.waitUntil(lambda: panel.signing_notice == ("api", lift), timeout=5000)
            assert panel.current_token == "notice:lift-rusak" and panel.title.text() == "Pengumuman"
            qtbot.waitUntil(lambda: "Lift rusak" in window.ticker.text and "Toilet lantai 2" in window.ticker.text,
                            timeout=3000)
            with qtbot.waitSignal(panel.notice_finished, timeout=10000):
                pass
            qtbot.wait(2500)
            assert [key for key, _ in window.notice_sign_log] == [("api", lift)]
            assert ("api", quiet) not in window._notice_signed_at
            # the API says which clip a notice names
            assert {n["id"]: n["sign"] for n in server.engine.notices()} == {quiet: "toilet-tutup", lift: "lift-rusak"}
        finally:
            window.shutdown()


def test_check_config_names_a_config_notice_whose_clip_no_pack_has(tmp_path):
    config = notice_config(tmp_path, [SAMSAT | {"sign": "samsat-tutup-12"},
                                      {"id": "Parkir penuh", "en": "Car park full", "sign": "parkir-penuh"}])
    notes = [note for note in coverage_notes(config) if note.startswith("display.notices")]
    assert notes == ["display.notices: no sign pack has the clip notice:parkir-penuh for 'Parkir penuh': it is on "
                     "the ticker only (add it with `mpp-kiosk sign-pack add`)"]


def test_a_notice_sign_key_is_a_plain_key():
    with pytest.raises(ConfigError) as caught:
        parse_config(config_dict(display={"notices": [SAMSAT | {"sign": "Samsat tutup!"}]}))
    assert any("display.notices[0].sign" in problem for problem in caught.value.problems), caught.value.problems
