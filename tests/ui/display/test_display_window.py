"""The lobby display against a real server: calls in the big slot, queued, flashed, announced once."""
import logging
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFontMetrics, QImage
from PySide6.QtWidgets import QLabel

from kiosk.audio.speech import FakeSynthesizer
from kiosk.clock import FakeClock
from kiosk.dates import long_date
from kiosk.ui.display.window import DisplayWindow, waiting_pages
from support.configs import MONDAY_9
from support.fit import clipped

from .conftest import open_display


def issue(server, *services):
    kiosk = server.client("kiosk")
    try:
        return [kiosk.issue(service) for service in services]
    finally:
        kiosk.close()


def engine_call(server, counter_id):
    """A call made straight through the engine (as another process would), then the clients are told."""
    ticket = server.engine.call_next(counter_id)
    server.notify()
    return ticket


# --------------------------------------------------------------------------- no Qt

def test_waiting_pages_fill_the_width_then_break():
    assert waiting_pages([], [], 100, 10) == []
    assert waiting_pages([("a", 1)] * 4, [40, 40, 40, 40], 100, 10) == [[0, 1], [2, 3]]
    assert waiting_pages([("a", 1)] * 3, [150, 20, 20], 100, 10) == [[0], [1, 2]]  # too wide: a page of its own


def test_long_date_in_both_languages():
    assert long_date(MONDAY_9.date(), "id") == "Senin, 23 November 2026"
    assert long_date(MONDAY_9.date(), "en") == "Monday, 23 November 2026"


# --------------------------------------------------------------------------- against the server

@pytest.mark.parametrize("screen", [(1920, 1080), (1366, 768)])
def test_a_counter_call_fills_the_big_slot(qtbot, config, server, synthesizer, screen):
    window = open_display(qtbot, config, server, synthesizer, screen)
    qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
    issue(server, "ktp", "kk", "paspor")
    qtbot.waitUntil(lambda: window.waiting_text() == ["Disdukcapil 2", "Imigrasi 1"], timeout=3000)
    staff = server.staff_client("petugas1", "loket-2")
    answer = staff.action("loket-2", "call-next")
    staff.close()
    code = answer["ticket"]["code"]
    qtbot.waitUntil(lambda: window.code_label.text() == code, timeout=3000)
    assert window.counter_label.text() == "Loket 2"
    assert window.agency_label.text() == "Disdukcapil"
    assert window.flashing
    # the code is large: its font and its label are each above a tenth of the screen's height
    height = window.height()
    assert height == screen[1]
    assert QFontMetrics(window.code_label.font()).height() >= height / 10
    assert window.code_label.height() >= height / 10
    assert window.code_label.sizeHint().width() <= window.code_label.width()  # and it is not cut off
    qtbot.waitUntil(lambda: window.waiting_text() == ["Disdukcapil 1", "Imigrasi 1"], timeout=3000)
    assert window.announcer.enqueue_counts == {answer["seq"]: 1}
    assert window.sign_panel.title.text().startswith(code)
    # after flash_seconds the slot stops flashing and keeps the call
    qtbot.waitUntil(lambda: not window.flashing, timeout=3000)
    assert window.code_label.text() == code
    window.shutdown()


def test_a_burst_of_three_calls_shows_all_three_large_at_once(qtbot, config, server, display):
    issue(server, "ktp", "kk", "paspor")
    for counter_id in ("loket-1", "loket-2", "loket-3"):
        server.engine.open_counter(counter_id)
    calls = [server.engine.call_next(counter_id) for counter_id in ("loket-1", "loket-2", "loket-3")]
    server.notify()
    qtbot.waitUntil(lambda: len(display.slot_log) == 3, timeout=6000)
    assert [code for _, code, _ in display.slot_log] == [t.code for t in calls]
    # none waits for another: there is a card for each, newest on top, all flashing
    starts = [at for _, _, at in display.slot_log]
    assert max(starts) - min(starts) < 1.0, starts
    assert display.shown_calls() == [(calls[2].code, "Loket 3"), (calls[1].code, "Loket 2"), (calls[0].code, "Loket 1")]
    assert all(display._card_flashing(card, display.monotonic()) for card in display.cards[:3])
    seqs = [seq for seq, _, _ in display.slot_log]
    assert display.announcer.enqueue_counts == {seq: 1 for seq in seqs}
    # each stays up after its flash: the board keeps the current calls large
    qtbot.waitUntil(lambda: not display.flashing, timeout=4000)
    assert [code for code, _ in display.shown_calls()] == [t.code for t in reversed(calls)]


def test_a_recall_is_flashed_and_announced_again(qtbot, server, display):
    issue(server, "ktp")
    staff = server.staff_client("petugas1", "loket-1")
    first = staff.action("loket-1", "call-next")
    qtbot.waitUntil(lambda: len(display.slot_log) == 1 and not display.flashing, timeout=4000)
    assert not display.recall_badge.isVisible()
    again = staff.action("loket-1", "recall")
    staff.close()
    qtbot.waitUntil(lambda: len(display.slot_log) == 2, timeout=3000)
    assert display.flashing and display.recall_badge.isVisible()
    assert display.code_label.text() == first["ticket"]["code"]
    assert display.announcer.enqueue_counts == {first["seq"]: 1, again["seq"]: 1}
    # one ticket, one card: the recall replaced its first call, with "Panggilan ulang" large
    assert display.shown_calls() == [(first["ticket"]["code"], "Loket 1")]
    assert display.recall_badge.text().startswith("Panggilan ulang")
    assert QFontMetrics(display.recall_badge.font()).height() >= display.height() / 20


def test_ten_calls_across_a_server_restart_each_shown_and_announced_once(qtbot, config, server, display, tmp_path):
    issue(server, *["ktp"] * 10)
    staff = server.staff_client("petugas1", "loket-1")
    seqs, codes = [], []
    for n in range(10):
        if n == 5:
            staff.close()
            server.restart()  # same port, same database; the session is kept in the database
            staff = server.staff_client("petugas1", "loket-1")
        answer = staff.action("loket-1", "call-next")
        seqs.append(answer["seq"])
        codes.append(answer["ticket"]["code"])
        staff.action("loket-1", "finish")
        qtbot.wait(50)
    staff.close()
    flash = config.display.flash_seconds
    qtbot.waitUntil(lambda: len(display.slot_log) >= 10, timeout=10 * flash * 1000 + 6000)
    qtbot.wait(300)  # a repeat, if there were one, would arrive now
    assert [seq for seq, _, _ in display.slot_log] == seqs
    assert [code for _, code, _ in display.slot_log] == codes
    assert display.announcer.enqueue_counts == {seq: 1 for seq in seqs}
    assert list(display.sign_panel.queued_keys) == seqs  # and signed once each, in order
    assert display.live._stream.connections >= 2  # it did reconnect


def test_connection_lost_sign_while_the_server_is_down(qtbot, server, display):
    assert not display.offline_sign_visible
    server.stop()
    qtbot.waitUntil(lambda: display.offline_sign_visible, timeout=5000)
    assert "Koneksi terputus" in display.offline_sign.text() and "Connection lost" in display.offline_sign.text()
    # it sits over the screen, inside it, readable
    assert display.rect().contains(display.offline_sign.geometry())
    server.start()
    qtbot.waitUntil(lambda: not display.offline_sign_visible, timeout=6000)
    issue(server, "paspor")
    server.engine.open_counter("loket-3")
    ticket = engine_call(server, "loket-3")
    qtbot.waitUntil(lambda: display.code_label.text() == ticket.code, timeout=3000)


def test_started_before_the_server_it_shows_the_sign_then_connects(qtbot, config, server, synthesizer):
    server.stop()
    window = open_display(qtbot, config, server, synthesizer)
    qtbot.waitUntil(lambda: window.offline_sign_visible, timeout=6000)
    server.start()
    qtbot.waitUntil(lambda: window.live.connected and not window.offline_sign_visible, timeout=6000)
    window.shutdown()


def test_calls_made_before_the_display_started_are_shown_quietly(qtbot, config, server, synthesizer):
    issue(server, "ktp", "kk")
    server.engine.open_counter("loket-1")
    first = engine_call(server, "loket-1")
    server.engine.finish("loket-1")
    second = engine_call(server, "loket-1")
    window = open_display(qtbot, config, server, synthesizer)
    qtbot.waitUntil(lambda: window.code_label.text() == second.code, timeout=5000)
    assert window.shown_calls() == [(second.code, "Loket 1")]  # the first was finished: it is not current
    assert first.code != second.code
    assert not window.flashing
    assert window.announcer.enqueue_counts == {}  # announced when they were made, not again
    window.shutdown()


def test_speech_failure_the_call_is_still_shown_and_signed(qtbot, config, server, tmp_path, caplog):
    failing = FakeSynthesizer(tmp_path / "voice", fail="espeak-ng is not installed")
    window = open_display(qtbot, config, server, failing)
    qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
    signed = []
    window.sign_panel.call_started.connect(signed.append)
    issue(server, "ktp", "kk")
    server.engine.open_counter("loket-1")
    server.engine.open_counter("loket-2")
    with caplog.at_level(logging.ERROR, logger="kiosk.ui.display.announcer"):
        first = engine_call(server, "loket-1")
        second = engine_call(server, "loket-2")
        qtbot.waitUntil(lambda: len(window.slot_log) == 2, timeout=5000)
        qtbot.waitUntil(lambda: not window.announcer.busy, timeout=5000)
    assert [code for _, code, _ in window.slot_log] == [first.code, second.code]
    assert len(signed) >= 1  # the first call's signing started; the second waits its turn
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    assert window.isVisible()
    window.shutdown()


def test_display_main_reports_a_bad_config(tmp_path, capsys):
    from argparse import Namespace

    from kiosk.ui.display.window import main

    assert main(Namespace(config=tmp_path / "missing.toml", server=None)) == 1
    assert "file not found" in capsys.readouterr().err


def test_midnight_clears_yesterdays_calls(qtbot, config, server, synthesizer):
    issue(server, "ktp")
    server.engine.open_counter("loket-1")
    yesterday = engine_call(server, "loket-1")
    window = open_display(qtbot, config, server, synthesizer)
    qtbot.waitUntil(lambda: window.code_label.text() == yesterday.code, timeout=5000)
    server.clock.advance(days=1)  # Tuesday 09:00: numbers start again
    server.engine.tick()
    server.notify()
    qtbot.waitUntil(lambda: not window.code_label.isVisible(), timeout=3000)
    assert window.counter_label.text() == "Belum ada panggilan"
    assert window.shown_calls() == []
    window.shutdown()
    # a display started the next day does not show yesterday's call either
    again = open_display(qtbot, config, server, synthesizer)
    qtbot.waitUntil(lambda: again.live.connected, timeout=5000)
    qtbot.wait(200)
    assert not again.code_label.isVisible() and again.board.current is None
    again.shutdown()


def test_slow_speech_never_blocks_the_window(qtbot, config, server, tmp_path):
    class SlowSynthesizer(FakeSynthesizer):
        def synthesize(self, text, lang):
            time.sleep(1.5)  # a stuck espeak-ng, a slow disk
            return super().synthesize(text, lang)

    window = open_display(qtbot, config, server, SlowSynthesizer(tmp_path / "voice", duration_s=0.1))
    qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
    gaps, last = [], [time.monotonic()]

    def beat():
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.timeout.connect(beat)
    issue(server, "ktp")
    server.engine.open_counter("loket-1")
    ticket = engine_call(server, "loket-1")
    last[0] = time.monotonic()
    heartbeat.start(10)  # from here on only the window works on this thread
    qtbot.waitUntil(lambda: window.code_label.text() == ticket.code, timeout=3000)
    qtbot.waitUntil(lambda: len(window.announcer.history) > 0, timeout=5000)  # the speech arrived and plays
    heartbeat.stop()
    assert max(gaps) < 0.25, f"the Qt loop stalled for {max(gaps):.2f} s"
    window.shutdown()


def test_lobby_logo_and_ticker(qtbot, tmp_path, server, synthesizer):
    from kiosk.config import parse_config
    from support.configs import config_dict

    from .conftest import display_config

    logo = QImage(200, 100, QImage.Format.Format_RGB32)
    logo.fill(QColor("#1F4E79"))
    logo.save(str(tmp_path / "logo.png"))
    base = display_config(tmp_path)
    data = config_dict(**{key: base.model_dump(mode="json")[key] for key in ("audio", "sign", "display")})
    data["lobby"] = {**data["lobby"], "logo": "logo.png"}
    config = parse_config(data, base_dir=tmp_path)
    window = open_display(qtbot, config, server, synthesizer)
    assert window.logo.isVisible() and not window.logo.pixmap().isNull()
    assert window.logo.pixmap().height() <= window.header.height()
    assert window.lobby_name.text() == "MPP Uji"
    assert window.ticker.text == "Selamat datang di MPP Uji   •   Welcome to MPP Uji"
    offset = window.ticker.offset
    qtbot.waitUntil(lambda: window.ticker.offset < offset - 20, timeout=2000)  # it runs
    assert window.date_label.text() == "Senin, 23 November 2026" and window.time_label.text() == "09:00"
    window.shutdown()


def test_many_agencies_waiting_page_through_and_fit(qtbot, tmp_path, synthesizer):
    """The shipped lobby: 27 agencies; the chips of a page stay inside their row at both sizes."""
    from kiosk.config import load_config
    from support.server import running_server

    from .conftest import ROOT

    config = load_config(ROOT / "config.toml")
    with running_server(config, tmp_path / "lobby.sqlite", clock=FakeClock(MONDAY_9)) as lobby:
        first_service = {}
        for service in config.services:
            first_service.setdefault(service.agency, service.id)
        for service_id in first_service.values():
            # straight into the queue: 27 at once is more than the shipped kiosk may issue in a burst
            lobby.engine.issue_ticket(service_id)
        for screen in ((1920, 1080), (1366, 768)):
            window = open_display(qtbot, config, lobby, synthesizer, screen)
            qtbot.waitUntil(lambda: len(window._waiting_items) == len(first_service), timeout=5000)
            qtbot.wait(50)
            pages = len(window._pages)
            assert pages > 1 and window.waiting_page_label.text() == f"1/{pages}"
            seen = []
            for page in range(pages):
                box = window.waiting_chips_box.rect()
                for chip in window.waiting_chips:
                    assert box.contains(chip.geometry()), (screen, chip.text(), chip.geometry(), box)
                    # each agency's drawing before its name (every shipped agency names one), the text whole after it
                    drawing = chip.findChild(QLabel, "waitingPictogram")
                    assert drawing is not None and not drawing.pixmap().isNull(), chip.text()
                    assert drawing.geometry().right() < chip.contentsRect().left(), chip.text()
                assert clipped(window.waiting_chips_box) == [], screen
                if page == 0:  # looked at
                    window.grab().save(str(ROOT / "docs" / "screenshots" / f"display-waiting-{screen[0]}x{screen[1]}.png"))
                seen += window.waiting_text()
                window._next_waiting_page()
                qtbot.wait(10)
            assert sorted(seen) == sorted(f"{config.agency_by_id[a].short_name} 1" for a in first_service)
            window.shutdown()


def test_a_refused_key_is_said_plainly(qtbot, config, server, synthesizer, caplog):
    window = DisplayWindow(config, server.url, "not-the-display-key-at-all", synthesizer=synthesizer,
                           clock=FakeClock(MONDAY_9))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    with caplog.at_level(logging.ERROR, logger="kiosk.ui.display.window"):
        window.start()
        qtbot.waitUntil(lambda: window.offline_sign_visible, timeout=5000)
    assert "ditolak" in window.offline_sign.text() and "refused" in window.offline_sign.text()
    assert any("refused the display's key" in r.getMessage() for r in caplog.records)
    window.shutdown()
