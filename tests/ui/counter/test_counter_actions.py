"""Each action of the counter window, by its F-key or its button, and its effect on the server's state."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kiosk.ui.counter.window import CounterWindow

from .conftest import confirm, log_in


def server_counter(server, counter_id: str = "loket-1") -> dict:
    return server.engine.snapshot()["counters"].get(counter_id, {"status": "closed", "ticket_id": None})


def server_ticket(server, code: str) -> dict | None:
    for ticket in server.engine.snapshot()["tickets"]:
        if ticket["code"] == code:
            return ticket
    return None


def done_ticket(server, code: str) -> str:
    rows = server.engine.store.query("SELECT state FROM tickets WHERE code = ?", (code,))
    return rows[0]["state"]


def key(qtbot, window: CounterWindow, key_code) -> None:
    """Press an F-key, and wait for the action's answer and its event."""
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(window, key_code)
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)


def scan(qtbot, widget, text: str) -> None:
    """What a USB barcode scanner does: type the characters, then Enter."""
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def issue(qtbot, window: CounterWindow, kiosk, *services: str, priority: bool = False) -> list[str]:
    codes = [kiosk.issue(service_id, priority=priority)["code"] for service_id in services]
    qtbot.waitUntil(lambda: all(code in window.waiting_panel.codes() for code in codes), timeout=5000)
    return codes


def test_call_next_start_finish_with_f_keys(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp", "kk")
    key(qtbot, window, Qt.Key.Key_F1)
    assert server_counter(server)["ticket_id"] == server_ticket(server, "A-001")["id"]
    assert server_ticket(server, "A-001")["state"] == "called"
    assert window.ticket_panel.code_label.text() == "A-001"
    assert window.ticket_panel.service_label.text() == "KTP-el"
    assert window.ticket_panel.state_label.text() == "Dipanggil"
    assert window.status_line.text() == "A-001 dipanggil."
    assert window.waiting_panel.codes() == ["A-002"]

    key(qtbot, window, Qt.Key.Key_F3)
    assert server_ticket(server, "A-001")["state"] == "serving"
    assert window.ticket_panel.state_label.text() == "Sedang dilayani"

    # the time at the counter runs, updated each second
    clock.advance(minutes=2, seconds=5)
    qtbot.waitUntil(lambda: window.ticket_panel.elapsed_label.text() == "Di loket 2:05", timeout=3000)

    key(qtbot, window, Qt.Key.Key_F4)
    assert done_ticket(server, "A-001") == "done"
    assert server_counter(server)["ticket_id"] is None
    assert window.ticket_panel.code_label.text() == "Tidak ada nomor di loket"
    # today's count and mean service time, refreshed after the finish
    qtbot.waitUntil(lambda: window.waiting_panel.stats_label.text()
                    == "Dilayani hari ini: 1 · Rata-rata layanan: 2,1 menit", timeout=5000)


def test_buttons_do_the_same_as_their_keys(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp")
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.mouseClick(window.buttons["call_next"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_ticket() is not None, timeout=5000)
    clock.advance(seconds=30)  # past counter_app.finish_confirm_within_s: no question
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.mouseClick(window.buttons["finish"], Qt.MouseButton.LeftButton)
    assert done_ticket(server, "A-001") == "done"


def test_buttons_show_their_f_keys(window):
    assert [(b.key, b.key_label.text()) for b in window.buttons.values()] == [(f"F{n}", f"F{n}") for n in range(1, 9)]
    assert window.buttons["call_next"].toolTip().startswith("Panggil berikutnya (F1)")


def test_waited_time_before_the_call_and_priority_mark(window, qtbot, server, kiosk, clock):
    kiosk.issue("ktp", priority=True)
    clock.advance(minutes=7, seconds=30)
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == ["A-001"], timeout=5000)
    qtbot.waitUntil(lambda: window.waiting_panel.cell_text(0, 3) == "7 mnt", timeout=3000)
    assert window.waiting_panel.cell_text(0, 2) == "★ Prioritas"
    key(qtbot, window, Qt.Key.Key_F1)
    assert window.ticket_panel.priority_badge.isVisible()
    assert window.ticket_panel.priority_badge.text() == "PRIORITAS"
    assert window.ticket_panel.waited_label.text() == "Menunggu 7 menit sebelum dipanggil"
    assert window.ticket_panel.elapsed_label.text() == "Di loket 0:00"


def test_recall_then_no_show(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    # no-show needs one recall first (queue.recalls_before_no_show = 1): disabled, and says why
    assert not window.buttons["no_show"].isEnabled()
    assert "Panggil ulang A-001 dulu (0 dari 1 kali)." in window.buttons["no_show"].toolTip()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.status_line.text() == "Panggil ulang A-001 dulu (0 dari 1 kali)."
    assert server_ticket(server, "A-001")["state"] == "called"

    key(qtbot, window, Qt.Key.Key_F2)
    assert server_ticket(server, "A-001")["recalls"] == 1
    assert window.status_line.text() == "A-001 dipanggil ulang."
    assert "dipanggil ulang 1×" in window.ticket_panel.state_label.text()
    clock.advance(seconds=45)  # counter_app.no_show_after_s after the recall
    qtbot.waitUntil(lambda: window.buttons["no_show"].isEnabled(), timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        confirm(qtbot, window, name="noShowConfirm")
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)
    assert done_ticket(server, "A-001") == "no_show"
    assert server_counter(server)["ticket_id"] is None


def test_transfer_to_another_service_through_the_searchable_list(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    dialog = window.transfer_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=3000)
    assert "ktp" not in dialog.visible_ids()  # not to its own service
    assert set(dialog.visible_ids()) == {"kk", "paspor"}
    qtbot.keyClicks(dialog.search, "family")  # English name, typed in the search
    assert dialog.visible_ids() == ["kk"]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)  # nothing is chosen until the officer picks it
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)
    moved = server_ticket(server, "A-001")
    assert moved["state"] == "waiting" and moved["service_id"] == "kk"
    assert server_counter(server)["ticket_id"] is None
    assert window.status_line.text() == "A-001 dialihkan ke Kartu Keluarga."
    assert not dialog.isVisible()
    # loket-1 serves kk too: it is back in this counter's list
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == ["A-001"], timeout=5000)


def test_a_transfer_to_another_agency_is_refused_for_an_officer_with_the_reason(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    dialog = window.transfer_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=3000)
    qtbot.keyClicks(dialog.search, "paspor")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)  # nothing is chosen until the officer picks it
    with qtbot.waitSignal(window.action_finished, timeout=5000) as finished:
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert finished.args == ["transfer", False]
    assert window.status_line.text() == "Paspor milik instansi lain (Imigrasi): pengalihan ke sana perlu supervisor."
    assert server_ticket(server, "A-001")["state"] == "called"  # still at this counter


def test_transfer_cancelled_changes_nothing(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.transfer_dialog.isVisible(), timeout=3000)
    qtbot.mouseClick(window.transfer_dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert server_ticket(server, "A-001")["state"] == "called"
    assert window.tasks.pending() == 0


def test_call_a_ticket_by_double_click_in_the_list(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk", "ktp")
    table = window.waiting_panel.table
    row = window.waiting_panel.row_of("A-003")
    rect = table.visualRect(table.model().index(row, 0))
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        # a double-click as Qt receives it from a mouse: the first click, then the double-click
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.current_ticket() is not None, timeout=5000)
    assert server_ticket(server, "A-003")["state"] == "called"
    assert server_ticket(server, "A-001")["state"] == "waiting"


def test_call_the_selected_ticket_with_f7(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk")
    window.waiting_panel.table.selectRow(window.waiting_panel.row_of("A-002"))
    key(qtbot, window, Qt.Key.Key_F7)
    assert server_ticket(server, "A-002")["state"] == "called"


def test_f7_with_nothing_chosen_points_to_the_scan_field(window, qtbot, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    window.waiting_panel.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F7)
    assert window.scan_field.hasFocus()
    assert window.status_line.text().startswith("Ketik atau pindai nomor antrean")
    assert window.tasks.pending() == 0


def test_scanner_types_the_code_and_enter_into_the_focused_field(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk", "ktp")
    assert QApplication.focusWidget() is window.scan_field  # idle: a scan goes straight in
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        scan(qtbot, QApplication.focusWidget(), "A-003")
    qtbot.waitUntil(lambda: window.current_ticket() is not None, timeout=5000)
    assert server_ticket(server, "A-003")["state"] == "called"
    assert window.scan_field.text() == ""


def test_scanner_reads_the_qr_url_of_a_ticket(window, qtbot, server, kiosk):
    issued = [kiosk.issue("ktp"), kiosk.issue("kk")]
    qtbot.waitUntil(lambda: len(window.waiting_panel.codes()) == 2, timeout=5000)
    url = issued[1]["status_url"]
    assert "/t/" in url
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        scan(qtbot, window.scan_field, url)
    qtbot.waitUntil(lambda: window.current_ticket() is not None, timeout=5000)
    assert server_ticket(server, issued[1]["code"])["state"] == "called"


def test_scanned_text_that_is_no_ticket_is_said_and_not_sent(window, qtbot, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    scan(qtbot, window.scan_field, "hello")
    assert window.status_line.text() == "'hello' bukan nomor antrean."
    assert window.tasks.pending() == 0 and window.in_flight is None


def test_scanning_while_serving_says_to_finish_first(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk")
    key(qtbot, window, Qt.Key.Key_F1)
    scan(qtbot, window.scan_field, "A-002")
    assert window.status_line.text() == "Selesaikan A-001 dulu."
    assert server_ticket(server, "A-002")["state"] == "waiting"


def test_a_ticket_someone_else_took_is_refused_in_a_plain_sentence(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk")
    other = server.staff_client("petugas1", "loket-2")
    other.action("loket-2", "call", ticket="A-001")
    with qtbot.waitSignal(window.action_finished, timeout=5000) as answer:
        scan(qtbot, window.scan_field, "A-001")
    assert answer.args == ["call_ticket", False]
    assert window.status_line.text() == "A-001 tidak sedang menunggu (status: called)."
    assert window.status_line.property("kind") == "error"
    assert server_counter(server)["ticket_id"] is None
    other.close()


def test_nothing_waiting_from_the_server_is_a_plain_sentence(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "kk")
    # another counter takes the last ticket; this window presses before the event reaches it
    server.engine.open_counter("loket-2", "petugas1")
    server.engine.call_next("loket-2")
    assert window.buttons["call_next"].isEnabled()  # its list still shows the ticket
    window.press("call_next")
    qtbot.waitUntil(lambda: window.in_flight is None, timeout=5000)
    assert window.status_line.text() == "Tidak ada antrean yang menunggu."
    server.notify()
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == [], timeout=5000)
    assert not window.buttons["call_next"].isEnabled()
    assert window.buttons["call_next"].reason == "Tidak ada yang menunggu."


def test_call_next_disabled_while_a_ticket_is_at_the_counter_with_the_reason(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk")
    key(qtbot, window, Qt.Key.Key_F1)
    button = window.buttons["call_next"]
    assert not button.isEnabled()
    assert button.toolTip() == "Panggil berikutnya (F1): Selesaikan A-001 dulu."
    qtbot.keyClick(window, Qt.Key.Key_F1)  # the key still says why
    assert window.status_line.text() == "Selesaikan A-001 dulu."
    window.status_line.clear()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # and so does a click on the grey button
    assert window.status_line.text() == "Selesaikan A-001 dulu."
    assert server_ticket(server, "A-002")["state"] == "waiting"
    # the actions that make sense are on
    assert {a for a, b in window.buttons.items() if b.isEnabled()} == {"recall", "start", "finish", "transfer", "pause"}


def test_pause_with_a_reason_then_resume(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    qtbot.keyClick(window, Qt.Key.Key_F8)
    dialog = window.pause_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=3000)
    assert [b.text() for b in dialog.buttons.values()] == ["1  Istirahat", "2  Salat", "3  Gangguan sistem"]
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.mouseClick(dialog.buttons["prayer"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)
    counter = server_counter(server)
    assert counter["status"] == "paused" and counter["reason"] == "prayer"
    assert window.ticket_panel.code_label.text() == "Loket sedang jeda: Salat"
    assert window.buttons["pause"].label == "Lanjutkan"
    assert not window.buttons["call_next"].isEnabled()
    assert window.buttons["call_next"].reason == "Loket sedang jeda; tekan Lanjutkan (F8) dulu."

    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    key(qtbot, window, Qt.Key.Key_F8)
    assert server_counter(server)["status"] == "open"
    assert window.buttons["pause"].label == "Jeda"
    assert window.buttons["call_next"].isEnabled()


def test_pause_reason_by_its_number_key(window, qtbot, server):
    qtbot.keyClick(window, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: window.pause_dialog.isActiveWindow(), timeout=3000)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(window.pause_dialog, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: server_counter(server)["status"] == "paused", timeout=5000)
    assert server_counter(server)["reason"] == "system"


def test_a_press_while_an_action_is_in_flight_is_ignored(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp", "kk")
    release = threading.Event()
    sent = []
    real_action = window.api.action

    def held_action(*args, **kwargs):
        sent.append(args)
        release.wait(5)
        return real_action(*args, **kwargs)

    window.api.action = held_action
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: len(sent) == 1, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F1)  # impatient: pressed again while the first is on its way
    qtbot.mouseClick(window.buttons["call_next"], Qt.MouseButton.LeftButton)
    assert window.status_line.text() == "Tunggu, tindakan sebelumnya masih diproses."
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        release.set()
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)
    assert len(sent) == 1
    called = [t["code"] for t in server.engine.snapshot()["tickets"] if t["state"] == "called"]
    assert called == ["A-001"]


def test_waiting_list_is_live_with_counts_per_service(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp", "kk", "ktp")
    kiosk.issue("paspor")  # not this counter's service
    assert window.waiting_panel.codes() == ["A-001", "A-002", "A-003"]
    assert window.waiting_panel.total_label.text() == "3 menunggu"
    assert window.waiting_panel.counts_label.text() == "KTP-el: 2\u00a0· Kartu Keluarga: 1"
    # another counter calls one: it leaves this list at once
    other = server.staff_client("petugas1", "loket-2")
    taken = other.action("loket-2", "call-next")["ticket"]["code"]
    assert taken == "A-001"  # the oldest of the services both counters serve
    qtbot.waitUntil(lambda: window.waiting_panel.codes() == ["A-002", "A-003"], timeout=5000)
    assert window.waiting_panel.counts_label.text() == "KTP-el: 1\u00a0· Kartu Keluarga: 1"
    clock.advance(minutes=3)
    qtbot.waitUntil(lambda: window.waiting_panel.cell_text(0, 3) == "3 mnt", timeout=3000)
    other.close()


def test_second_window_language_in_english(make_window, qtbot, server, kiosk):
    window = make_window(lang="en")
    log_in(qtbot, window)
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    assert window.status_line.text() == "A-001 called."
    assert window.ticket_panel.service_label.text() == "e-ID card"
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.status_line.text() == "Finish A-001 first."
