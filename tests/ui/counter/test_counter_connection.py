"""The connection to the server lost and back: a visible sign, buttons off, resume by itself, no double action."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from .test_counter_actions import issue, key, server_counter, server_ticket


def count_events(server, kind: str) -> int:
    return server.engine.store.query("SELECT count(*) AS n FROM events WHERE type = ?", (kind,))[0]["n"]


def test_server_restart_with_a_ticket_at_the_counter(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp", "kk")
    key(qtbot, window, Qt.Key.Key_F1)
    assert window.ticket_panel.code_label.text() == "A-001"

    server.stop()
    qtbot.waitUntil(lambda: not window.live.connected, timeout=10000)
    assert window.connection_label.text() == "● Koneksi terputus — menyambung ulang…"
    assert window.connection_label.isVisible()
    assert not any(button.isEnabled() for button in window.buttons.values())
    assert window.buttons["finish"].reason == "Koneksi ke server terputus; tunggu sampai tersambung lagi."
    assert window.status_line.text() == "Koneksi ke server terputus; tunggu sampai tersambung lagi."
    qtbot.keyClick(window, Qt.Key.Key_F4)  # pressed anyway: said, not sent
    assert window.tasks.pending() == 0
    assert window.ticket_panel.code_label.text() == "A-001"  # what it knew stays on screen

    server.start()  # the same port and database: the staff session is in the database
    qtbot.waitUntil(lambda: window.live.connected, timeout=10000)
    assert window.connection_label.text() == "● Terhubung"
    assert window.status_line.text() == ""
    assert window.logged_in
    assert window.ticket_panel.code_label.text() == "A-001"
    assert window.buttons["finish"].isEnabled()

    key(qtbot, window, Qt.Key.Key_F3)  # its buttons work again, with the same session
    assert server_ticket(server, "A-001")["state"] == "serving"
    clock.advance(seconds=30)  # past counter_app.finish_confirm_within_s
    key(qtbot, window, Qt.Key.Key_F4)
    assert server_counter(server)["ticket_id"] is None
    key(qtbot, window, Qt.Key.Key_F1)
    assert server_ticket(server, "A-002")["state"] == "called"


def test_server_restart_by_handle_restart(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    connections = window.live._stream.connections
    server.restart()
    qtbot.waitUntil(lambda: window.live._stream.connections > connections and window.live.connected, timeout=10000)
    assert window.ticket_panel.code_label.text() == "A-001"
    clock.advance(seconds=30)  # past counter_app.finish_confirm_within_s
    key(qtbot, window, Qt.Key.Key_F4)
    assert server_counter(server)["ticket_id"] is None


def test_events_missed_while_away_are_caught_up(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    server.stop()
    qtbot.waitUntil(lambda: not window.live.connected, timeout=10000)
    server.start()
    # while the window reconnects, the lobby goes on
    for _ in range(3):
        server.engine.issue_ticket("kk")
    server.notify()
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == ["A-001", "A-002", "A-003", "A-004"], timeout=10000)


def test_an_action_cut_off_in_flight_is_not_sent_again(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk")
    release = threading.Event()
    sent = []
    real_action = window.api.action

    def action_after_the_cut(*args, **kwargs):
        sent.append(args)
        release.wait(5)
        return real_action(*args, **kwargs)

    window.api.action = action_after_the_cut
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: len(sent) == 1, timeout=3000)
    server.stop()  # the network goes while the call is on its way
    with qtbot.waitSignal(window.action_finished, timeout=10000) as answer:
        release.set()
    assert answer.args == ["call_next", False]
    assert window.status_line.text().startswith("Server antrean tidak dapat dihubungi. Tindakan tidak dikirim ulang")

    server.start()
    qtbot.waitUntil(lambda: window.live.connected, timeout=10000)
    qtbot.wait(300)  # time for any (wrong) automatic re-send to reach the server
    assert len(sent) == 1
    assert count_events(server, "called") == 0
    assert server_counter(server)["ticket_id"] is None
    # the staff member decides: pressing again calls once
    window.api.action = real_action
    key(qtbot, window, Qt.Key.Key_F1)
    assert count_events(server, "called") == 1
    assert server_ticket(server, "A-001")["state"] == "called"


def test_a_session_ended_elsewhere_is_noticed_when_the_stream_reconnects(window, qtbot, server):
    other = server.staff_client("petugas1", "loket-1")  # a login to this counter from another PC ends ours
    server.restart()  # this window's stream reconnects: its token is refused now
    qtbot.waitUntil(lambda: not window.logged_in, timeout=10000)
    assert window.pages.currentWidget() is window.login_panel
    assert window.login_panel.message.text() == \
        "Sesi Anda berakhir (mungkin masuk dari tempat lain). Silakan masuk lagi."
    other.close()
