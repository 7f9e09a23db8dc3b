"""The display's board against a real server: readable from 5 m, true within one event, signs keep up."""
from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QFontInfo, QFontMetrics

from kiosk.clock import FakeClock
from kiosk.sign import WORD_CALL, WORD_GO_TO
from kiosk.ui.display.window import DisplayWindow
from support.configs import MONDAY_9

from .conftest import open_display


def issue(server, *services):
    for service in services:
        server.engine.issue_ticket(service)
    server.notify()


@pytest.mark.parametrize("screen", [(1920, 1080), (1366, 768)])
def test_everything_a_visitor_reads_from_5_m_is_at_least_a_twentieth_of_the_screen(
        qtbot, config, server, synthesizer, screen):
    # the display's clock in the lunch break: the notice shows too
    window = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                           clock=FakeClock(MONDAY_9.replace(hour=12, minute=15)))
    qtbot.addWidget(window)
    window.resize(*screen)
    window.show()
    window.start()
    try:
        qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
        issue(server, "ktp", "kk", "paspor", "ktp")
        for counter_id in ("loket-1", "loket-2", "loket-3"):
            server.engine.open_counter(counter_id)
        for counter_id in ("loket-1", "loket-2", "loket-3"):
            server.engine.call_next(counter_id)
        server.engine.recall("loket-1")
        server.engine.finish("loket-2")
        server.engine.pause("loket-2", "prayer")
        server.notify()
        qtbot.waitUntil(lambda: window.recall_badge.isVisible() and len(window.shown_calls()) == 2, timeout=5000)
        qtbot.wait(100)
        height = window.height()
        labels = window.readable_labels()
        names = {label.objectName() for label in labels}
        # the set is the whole board: calls, the recall, the notice, the counters, the sign panel, the waiting
        assert {"code", "counter", "agency", "recallBadge", "notice", "counterNumber", "counterState",
                "signTitle", "waitingChip"} <= names, names
        assert window.notice_label.text().startswith("Istirahat siang · sampai pukul 13:00")
        for label in labels:
            pixels = QFontInfo(label.font()).pixelSize()
            assert pixels >= height / 20, (screen, label.objectName(), label.text(), pixels)
            # and it is all there: not cut by its own box
            metrics = QFontMetrics(label.font())
            assert label.height() >= metrics.ascent(), (label.objectName(), label.text(), label.height())
            if not label.wordWrap():
                assert label.width() >= metrics.horizontalAdvance(label.text()) - 1, (
                    screen, label.objectName(), label.text(), label.width())
            assert window.rect().contains(label.geometry().translated(label.mapTo(window, label.rect().topLeft())
                                                                      - label.geometry().topLeft()))
    finally:
        window.shutdown()


def test_the_board_is_true_within_one_event(qtbot, config, server, display):
    """Transfer, finish, no-show, void, pause and close: each changes the board in the event's own handling."""
    issue(server, "ktp", "ktp", "kk", "kk", "paspor", "paspor")
    for counter_id in ("loket-1", "loket-2", "loket-3"):
        server.engine.open_counter(counter_id)
    seen: dict[int, tuple] = {}
    # connected after the window's own handler: what the board shows right after each event
    display.live.event_applied.connect(
        lambda event: seen.__setitem__(event["seq"], (display.shown_calls(), display.counter_board_text())))

    def last_seq():
        return server.engine.events_since(0, limit=100_000)[-1]["seq"]

    def after(step):
        step()
        server.notify()
        seq = last_seq()
        qtbot.waitUntil(lambda: seq in seen, timeout=3000)
        return seen[seq]

    first = server.engine.call_next("loket-1")
    second = server.engine.call_next("loket-2")
    third = server.engine.call_next("loket-3")
    server.notify()
    qtbot.waitUntil(lambda: len(display.shown_calls()) == 3, timeout=3000)

    calls, counters = after(lambda: server.engine.transfer("loket-1", "kk"))
    assert first.code not in [code for code, _ in calls] and "Loket 1 Buka" in counters
    calls, _ = after(lambda: server.engine.finish("loket-2"))
    assert second.code not in [code for code, _ in calls]
    calls, _ = after(lambda: server.engine.recall("loket-3"))
    calls, _ = after(lambda: server.engine.no_show("loket-3"))
    assert calls == []
    fourth = server.engine.call_next("loket-1")
    server.notify()
    qtbot.waitUntil(lambda: display.shown_calls() == [(fourth.code, "Loket 1")], timeout=3000)
    calls, counters = after(lambda: server.engine.void_tickets(codes=[fourth.code], reason="dobel", by_user="sup"))
    assert calls == [] and "Loket 1 Buka" in counters
    _, counters = after(lambda: server.engine.pause("loket-2", "prayer"))
    assert "Loket 2 Jeda: Salat" in counters
    _, counters = after(lambda: server.engine.close_counter("loket-3"))
    assert counters[-1] == "Loket 3 Tutup"
    # what the window shows is the board a fresh display would show
    assert [label.text() for pair in display.counter_rows for label in pair] == [
        "Loket 1", "Buka", "Loket 2", "Jeda: Salat", "Tutup", "3"]
    assert third.code


def test_a_burst_of_three_calls_is_signed_in_full_and_the_last_within_10_s(qtbot, config, server, display):
    """Real stand-in clips at their own speed: behind, the repeated words go and the clips run faster."""
    issue(server, "ktp", "kk", "paspor")
    for counter_id in ("loket-1", "loket-2", "loket-3"):
        server.engine.open_counter(counter_id)
    qtbot.waitUntil(lambda: not display.sign_panel.busy, timeout=3000)
    tokens: list[str] = []
    display.sign_panel.token_started.connect(lambda token, _playable: tokens.append(token))
    called = []
    for counter_id in ("loket-1", "loket-2", "loket-3"):
        ticket = server.engine.call_next(counter_id)
        server.notify()
        called.append((ticket.code, time.monotonic()))
        qtbot.wait(1500 if counter_id != "loket-3" else 0)  # three calls in 3 s
    seqs = [e["seq"] for e in server.engine.events_since(0, limit=1000) if e["type"] == "called"]
    qtbot.waitUntil(lambda: len(display.sign_log) == 3, timeout=15000)
    started = dict(display.sign_log)
    assert list(started) == seqs  # each signed once, in order
    last_delay = started[seqs[-1]] - called[-1][1]
    assert last_delay <= 10.0, f"the last call's signing started {last_delay:.1f} s after it"
    qtbot.waitUntil(lambda: not display.sign_panel.busy, timeout=20000)
    # every call's code and counter was signed: the letters and digits of each, three "loket"
    assert tokens.count("loket") == 3
    for code, _ in called:
        assert code[0] in tokens
    assert tokens.count(WORD_CALL) + tokens.count(WORD_GO_TO) < 6  # the repeated words left out when behind
    assert display.sign_panel.playback_rate == 1.0  # caught up: back to the clips' own speed
