"""The display's board against a real server: readable from 5 m, true within one event, signs keep up."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontInfo, QFontMetrics

from kiosk.clock import FakeClock
from kiosk.sign import WORD_CALL, WORD_GO_TO
from kiosk.ui.display.window import DisplayWindow
from support.configs import MONDAY_9



def issue(server, *services):
    for service in services:
        server.engine.issue_ticket(service)
    server.notify()


def check_readable(window, screen):
    """Each label of the 5 m set: its font at least 1/20 of the screen's height, and shown whole."""
    height = window.height()
    labels = window.readable_labels()
    assert labels
    for label in labels:
        pixels = QFontInfo(label.font()).pixelSize()
        assert pixels >= height / 20, (screen, label.objectName(), label.text(), pixels)
        metrics = QFontMetrics(label.font())
        assert label.height() >= metrics.ascent(), (screen, label.objectName(), label.text(), label.height())
        if not label.wordWrap():
            assert label.width() >= metrics.horizontalAdvance(label.text()) - 1, (
                screen, label.objectName(), label.text(), label.width())
        else:  # wrapped: one line per language at most
            lines = metrics.boundingRect(0, 0, label.width(), 10_000, int(Qt.TextFlag.TextWordWrap),
                                         label.text()).height() // metrics.lineSpacing()
            assert lines <= len(window.langs), (screen, label.objectName(), label.text(), lines)
        assert window.rect().contains(QRect(label.mapTo(window, QPoint(0, 0)), label.size()))
    return labels


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
        qtbot.wait(100)
        check_readable(window, screen)  # idle: nobody called yet, nobody waiting
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
        labels = check_readable(window, screen)
        names = {label.objectName() for label in labels}
        # the set is the whole board: calls, the recall, the notice, the counters, the sign panel, the waiting
        assert {"code", "counter", "agency", "recallBadge", "notice", "counterNumber", "counterState",
                "signTitle", "waitingChip"} <= names, names
        assert window.notice_label.text().startswith("Istirahat siang · sampai 13:00")
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


def test_the_shipped_lobbys_counter_board_pages_through_every_counter_once(qtbot, tmp_path, synthesizer):
    """45 counters: open ones a row each, the closed ones together; every page readable, every counter once."""
    from kiosk.config import load_config
    from support.server import running_server

    from .conftest import ROOT, open_display

    config = load_config(ROOT / "config.toml")
    with running_server(config, tmp_path / "lobby.sqlite", clock=FakeClock(MONDAY_9)) as lobby:
        lobby.engine.open_counter("dukcapil-1")
        lobby.engine.open_counter("imigrasi-1")
        lobby.engine.pause("imigrasi-1", "prayer")
        lobby.notify()
        for screen in ((1920, 1080), (1366, 768)):
            window = open_display(qtbot, config, lobby, synthesizer, screen)
            try:
                qtbot.waitUntil(lambda: any("Jeda" in line for line in window.counter_board_text()), timeout=5000)
                qtbot.wait(50)
                pages = window._counter_pages()
                assert len(pages) > 1
                numbers = []
                for page in range(len(pages)):
                    window._counter_page = page
                    window._layout_counter_rows()
                    qtbot.wait(10)
                    check_readable(window, screen)
                    rows = [(a.text(), b.text()) for a, b in window.counter_rows]
                    closed = [i for i, (_, _) in enumerate(rows) if pages[page][i][2] == "closed"]
                    if closed:
                        assert rows[closed[0]][0] == "Tutup", rows  # each page names the closed ones
                    for left, right in rows:
                        if left.startswith("Loket"):
                            numbers.append(left.split()[-1])
                        else:
                            numbers += right.split(", ")
                    box = window.counters_frame.rect()
                    for pair in window.counter_rows:
                        for label in pair:
                            assert box.contains(label.geometry()), (screen, label.text())
                assert sorted(numbers) == sorted(c.number for c in config.counters)
                assert ("Loket " + config.counter_by_id["imigrasi-1"].number, "Jeda: Salat") in [
                    (row[0], row[1]) for page in pages for row in page]
            finally:
                window.shutdown()


def test_a_backlog_of_events_is_drawn_once_and_ends_true(qtbot, config, server, display):
    """200 events reach the display while its GUI thread is busy (a reconnect, a hall of 20 counters): it applies
    every one and draws the board for the last, instead of once per event (the kill -9 fault test's display
    spent two minutes redrawing a backlog while the test's own timer could not fire)."""
    draws = []
    refresh = display._refresh_counters
    display._refresh_counters = lambda: (draws.append(display.live.state.seq), refresh())[1]
    applied = []
    display.live.event_applied.connect(lambda event: applied.append(event["seq"]))
    issue(server, "ktp", "ktp", "paspor")
    for _ in range(50):  # 200 events: a counter opened, paused, resumed and closed 50 times
        server.engine.open_counter("loket-1")
        server.engine.pause("loket-1")
        server.engine.resume("loket-1")
        server.engine.close_counter("loket-1")
    server.engine.open_counter("loket-2")
    server.notify()
    last = server.engine.events_since(0, limit=100_000)[-1]["seq"]
    time.sleep(1.5)  # the GUI thread busy elsewhere: the stream's thread queues the events meanwhile
    assert display.live.behind >= 150
    qtbot.waitUntil(lambda: display.live.state.seq == last and display.live.behind == 0, timeout=10_000)
    qtbot.wait(50)
    assert len(applied) >= 200
    assert 1 <= len(draws) <= 5, draws
    assert draws[-1] == last
    waiting = dict(item.rsplit(" ", 1) for item in display.waiting_text())
    assert waiting == {"Disdukcapil": "2", "Imigrasi": "1"}, waiting
    board = display.counter_board_text()
    assert board == ["Loket 1 Tutup", "Loket 2 Buka", "Loket 3 Tutup"], board
