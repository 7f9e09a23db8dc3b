"""A burst of 10 calls at 10 counters: each takes a large slot for its time, in order, is spoken and signed once;
and a display restarted mid-burst still shows, speaks and signs each call once."""
from __future__ import annotations

from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.ui.display.board import SLOTS
from kiosk.ui.display.window import DisplayWindow
from support.configs import MONDAY_9, config_dict
from support.server import running_server

from .conftest import display_config

COUNTERS = [f"loket-{n}" for n in range(1, 11)]


def ten_counter_config(tmp_path):
    base = display_config(tmp_path)
    data = config_dict(**{key: base.model_dump(mode="json")[key] for key in ("audio", "sign", "display")})
    data["counters"] = [{"id": cid, "number": cid.split("-")[1], "agency": "dukcapil", "services": ["ktp", "kk"]}
                        for cid in COUNTERS]
    data["counters"].append({"id": "loket-11", "number": "11", "agency": "imigrasi", "services": ["paspor"]})
    data["staff"] = []
    return parse_config(data, base_dir=tmp_path)


def open_window(qtbot, config, server, synthesizer, handled_file):
    window = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                           clock=FakeClock(MONDAY_9), handled_file=handled_file)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
    return window


def call(server, counter_id) -> int:
    server.engine.call_next(counter_id)
    server.notify()
    return max(e["seq"] for e in server.engine.events_since(0) if e["type"] == "called")


def held_for_their_time(slot_log, seconds):
    """Each call that took a slot once all were full waited for the oldest to have had its time."""
    times = [at for _, _, at in slot_log]
    return all(times[k] - times[k - SLOTS] >= seconds * 0.95 for k in range(SLOTS, len(times)))


def test_a_burst_of_ten_calls_each_large_for_its_time_spoken_and_signed_once_in_order(qtbot, tmp_path, synthesizer):
    config = ten_counter_config(tmp_path)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        for counter_id in COUNTERS:
            server.engine.issue_ticket("ktp")
            server.engine.open_counter(counter_id)
        window = open_window(qtbot, config, server, synthesizer, tmp_path / "display.seq")
        try:
            seqs = [call(server, counter_id) for counter_id in COUNTERS]
            flash = config.display.flash_seconds
            qtbot.waitUntil(lambda: len(window.slot_log) == 10, timeout=int(10 * flash * 1000) + 5000)
            assert [seq for seq, _, _ in window.slot_log] == seqs
            assert held_for_their_time(list(window.slot_log), flash)
            assert window.announcer.enqueue_counts == {seq: 1 for seq in seqs}
            assert list(window.sign_panel.queued_keys) == seqs
            assert [code for code, _ in window.shown_calls()] == [code for _, code, _ in list(window.slot_log)[-4:]][::-1]
        finally:
            window.shutdown()


def test_a_display_restarted_mid_burst_shows_speaks_and_signs_each_call_once(qtbot, tmp_path, synthesizer):
    config = ten_counter_config(tmp_path)
    handled = tmp_path / "display.seq"
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        for counter_id in COUNTERS:
            server.engine.issue_ticket("ktp")
            server.engine.open_counter(counter_id)
        first = open_window(qtbot, config, server, synthesizer, handled)
        seqs = [call(server, counter_id) for counter_id in COUNTERS[:5]]
        qtbot.waitUntil(lambda: len(first.sign_panel.queued_keys) == 5, timeout=4000)
        qtbot.waitUntil(lambda: handled.exists() and handled.read_text() == str(seqs[-1]), timeout=3000)
        first.shutdown()
        seqs += [call(server, counter_id) for counter_id in COUNTERS[5:7]]  # while no display runs
        second = open_window(qtbot, config, server, synthesizer, handled)
        try:
            seqs += [call(server, counter_id) for counter_id in COUNTERS[7:]]
            qtbot.waitUntil(lambda: len(second.slot_log) == 5, timeout=10000)
            qtbot.wait(300)  # a repeat, were there one, would be here by now
            assert [seq for seq, _, _ in second.slot_log] == seqs[5:]  # the missed two first, then the rest
            spoken = first.announcer.enqueue_counts + second.announcer.enqueue_counts
            assert spoken == {seq: 1 for seq in seqs}
            assert list(first.sign_panel.queued_keys) + list(second.sign_panel.queued_keys) == seqs
        finally:
            second.shutdown()
