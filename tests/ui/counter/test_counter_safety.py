"""The counter's safeguards against a wrong key (issue 18), in the real window against a real server:
the no-show countdown, its confirmation and undo, the early-finish question, the unselected transfer list,
logout on a key, the closed banner and the wait alert (on the counter and the supervisor's panel)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from support.configs import BASE, PIN_1234, make_config

from .conftest import confirm, log_in
from .test_counter_actions import done_ticket, issue, key, server_counter, server_ticket

SUPERVISOR = {"user": "koordinator", "name": "Koordinator MPP", "pin_hash": PIN_1234, "counters": ["*"],
              "supervisor": True}


@pytest.fixture
def config(tmp_path):
    services = [dict(s) for s in BASE["services"]]
    services[1]["target_wait_minutes"] = 20  # kk's own target; ktp uses [queue]'s 30
    return make_config(tmp_path, staff=[*BASE["staff"], SUPERVISOR], services=services)


def called_and_recalled(qtbot, window, kiosk) -> None:
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    key(qtbot, window, Qt.Key.Key_F2)


def test_no_show_counts_down_from_the_last_recall_on_its_key(window, qtbot, server, kiosk, clock):
    called_and_recalled(qtbot, window, kiosk)
    f5 = window.buttons["no_show"]
    assert f5.text_label.text() == "Tidak hadir (0:45)" and not f5.isEnabled()
    clock.advance(seconds=20)
    qtbot.waitUntil(lambda: f5.text_label.text() == "Tidak hadir (0:25)", timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)  # too early: said, not sent, no question
    assert window.status_line.text() == "Tunggu 0:25 lagi: pengunjung A-001 mungkin masih berjalan ke loket."
    assert window.confirm_dialog is None and window.tasks.pending() == 0
    key(qtbot, window, Qt.Key.Key_F2)  # a second recall starts the wait again
    qtbot.waitUntil(lambda: f5.text_label.text() == "Tidak hadir (0:45)", timeout=3000)
    clock.advance(seconds=45)
    qtbot.waitUntil(lambda: f5.isEnabled() and f5.text_label.text() == "Tidak hadir", timeout=3000)
    assert server_ticket(server, "A-001")["state"] == "called"


def test_no_show_asks_first_esc_keeps_the_ticket_enter_marks_it(window, qtbot, server, kiosk, clock):
    called_and_recalled(qtbot, window, kiosk)
    clock.advance(seconds=46)
    qtbot.waitUntil(lambda: window.buttons["no_show"].isEnabled(), timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(), timeout=3000)
    assert window.confirm_dialog.text_label.text() == "A-001 tidak datang setelah dipanggil. Tandai tidak hadir?"
    confirm(qtbot, window, Qt.Key.Key_Escape, name="noShowConfirm")
    assert window.tasks.pending() == 0 and server_ticket(server, "A-001")["state"] == "called"
    qtbot.keyClick(window, Qt.Key.Key_F5)
    with qtbot.waitSignal(window.action_finished, timeout=5000) as finished:
        confirm(qtbot, window, name="noShowConfirm")
    assert finished.args == ["no_show", True]
    assert done_ticket(server, "A-001") == "no_show"


def mark_no_show(qtbot, window, kiosk, clock) -> None:
    called_and_recalled(qtbot, window, kiosk)
    clock.advance(seconds=46)
    qtbot.waitUntil(lambda: window.buttons["no_show"].isEnabled(), timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        confirm(qtbot, window)
    qtbot.waitUntil(lambda: not window.busy(), timeout=5000)


def test_undo_brings_the_no_show_back_to_this_counter(window, qtbot, server, kiosk, clock):
    mark_no_show(qtbot, window, kiosk, clock)
    assert window.undo_button.isVisible()
    assert window.undo_button.text() == "Batalkan tidak hadir A-001 (0:10) · Ctrl+Z"
    clock.advance(seconds=4)
    qtbot.waitUntil(lambda: window.undo_button.text() == "Batalkan tidak hadir A-001 (0:06) · Ctrl+Z", timeout=3000)
    with qtbot.waitSignal(window.action_finished, timeout=5000) as finished:
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert finished.args == ["undo_no_show", True]
    qtbot.waitUntil(lambda: window.current_ticket() is not None, timeout=5000)
    back = server_ticket(server, "A-001")
    assert back["state"] == "called" and server_counter(server)["ticket_id"] == back["id"]
    assert window.ticket_panel.code_label.text() == "A-001"
    assert window.status_line.text() == "A-001 dipanggil kembali ke loket ini."
    assert not window.undo_button.isVisible()


def test_the_undo_offer_ends_after_its_time_and_the_server_agrees(window, qtbot, server, kiosk, clock):
    mark_no_show(qtbot, window, kiosk, clock)
    clock.advance(seconds=11)  # queue.no_show_undo_s = 10
    qtbot.waitUntil(lambda: not window.undo_button.isVisible(), timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.tasks.pending() == 0 and done_ticket(server, "A-001") == "no_show"
    staff = server.staff_client("petugas1", "loket-2")
    try:
        from kiosk.client import ApiError

        with pytest.raises(ApiError) as refused:
            staff.counter_action("loket-2", "undo_no_show", {})
        assert refused.value.status == 409
    finally:
        staff.close()


def test_finishing_right_after_the_call_asks_once(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    clock.advance(seconds=5)
    qtbot.keyClick(window, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(), timeout=3000)
    assert window.confirm_dialog.objectName() == "finishConfirm"
    assert window.confirm_dialog.text_label.text() == "Baru dipanggil 5 detik lalu. Selesai?"
    confirm(qtbot, window, Qt.Key.Key_Escape)
    assert server_ticket(server, "A-001")["state"] == "called"
    qtbot.keyClick(window, Qt.Key.Key_F4)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        confirm(qtbot, window)
    assert done_ticket(server, "A-001") == "done"


def test_finishing_after_the_few_seconds_asks_nothing(window, qtbot, server, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    clock.advance(seconds=20)  # counter_app.finish_confirm_within_s = 20
    key(qtbot, window, Qt.Key.Key_F4)
    assert window.confirm_dialog is None and done_ticket(server, "A-001") == "done"


def test_the_transfer_list_starts_with_nothing_chosen(window, qtbot, server, kiosk):
    issue(qtbot, window, kiosk, "ktp")
    key(qtbot, window, Qt.Key.Key_F1)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    dialog = window.transfer_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.chosen_id() is None and dialog.list.selectedItems() == []
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)  # a stray Enter sends no one anywhere
    qtbot.keyClicks(dialog.search, "kartu")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)  # typing is not choosing
    assert dialog.isVisible() and window.tasks.pending() == 0 and window.in_flight is None
    assert dialog.message.text() == "Pilih layanan tujuan dulu (panah atas/bawah atau ketik namanya)."
    assert server_ticket(server, "A-001")["state"] == "called"
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert dialog.chosen_id() == "kk"
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert server_ticket(server, "A-001")["service_id"] == "kk"


def test_logout_on_its_key_asks_first(window, qtbot, server):
    assert window.logout_button.text() == "Keluar (F12)"
    qtbot.keyClick(window, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: window.confirm_dialog is not None and window.confirm_dialog.isVisible(), timeout=3000)
    assert window.confirm_dialog.text_label.text() == (
        "Keluar dari Loket 1? Loket ini tidak memanggil nomor sampai ada petugas yang masuk lagi.")
    confirm(qtbot, window, Qt.Key.Key_Escape, name="logoutConfirm")
    assert window.logged_in
    qtbot.keyClick(window, Qt.Key.Key_F12)
    confirm(qtbot, window, name="logoutConfirm")
    qtbot.waitUntil(lambda: not window.logged_in, timeout=5000)
    assert "loket-1" not in server.engine.snapshot()["counters"]


def test_a_banner_when_the_lobby_takes_no_new_tickets_with_who_still_waits(window, qtbot, kiosk, clock):
    issue(qtbot, window, kiosk, "ktp", "kk")
    assert not window.closed_banner.isVisible()
    clock.advance(hours=3, minutes=10)  # 12:10, the lunch break
    qtbot.waitUntil(window.closed_banner.isVisible, timeout=3000)
    assert window.closed_banner.text() == ("Lobi tutup untuk nomor baru: tutup sampai 13:00 (Istirahat siang). "
                                           "Masih menunggu di loket ini: 2.")
    clock.advance(minutes=55)  # 13:05: open again
    qtbot.waitUntil(lambda: not window.closed_banner.isVisible(), timeout=3000)


def test_a_wait_past_the_target_alerts_the_counter_and_the_supervisor_until_called(make_window, qtbot, kiosk, clock):
    officer = make_window()
    log_in(qtbot, officer)
    supervisor = make_window("loket-3")
    log_in(qtbot, supervisor, "koordinator")
    kiosk.issue("kk")  # kk's target is 20 minutes
    qtbot.waitUntil(lambda: officer.waiting_panel.codes() == ["A-001"], timeout=5000)
    clock.advance(minutes=19)
    qtbot.wait(1200)
    assert not officer.wait_alert.isVisible() and not supervisor.lobby_wait_alert.isVisible()
    clock.advance(minutes=2)
    text = "A-001 (Kartu Keluarga) sudah menunggu 21 menit, melewati target 20 menit."
    qtbot.waitUntil(lambda: officer.wait_alert.isVisible() and officer.wait_alert.text() == text, timeout=3000)
    qtbot.waitUntil(lambda: supervisor.lobby_wait_alert.isVisible(), timeout=3000)
    assert supervisor.lobby_wait_alert.text() == text  # loket-3 serves only paspor: the lobby's alert
    assert not supervisor.wait_alert.isVisible()
    with qtbot.waitSignal(officer.action_finished, timeout=5000):
        officer.press("call_next")  # called: the alert clears everywhere (two windows: the button, not the key)
    qtbot.waitUntil(lambda: not officer.wait_alert.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: not supervisor.lobby_wait_alert.isVisible(), timeout=3000)


def test_the_undo_offer_waits_for_its_own_event_and_ends_with_the_next_call(window, qtbot, server, kiosk, clock):
    mark_no_show(qtbot, window, kiosk, clock)
    code, marked = window._undo
    # the answer can come before the no-show's event: while A-001 still shows at the counter, the offer stays
    window._undo = (code, marked)
    window.live.state.counters["loket-1"]["ticket_id"] = server_ticket_id(server, code)
    window.live.state.tickets[server_ticket_id(server, code)] = {"id": server_ticket_id(server, code), "code": code,
                                                                  "state": "called", "service_id": "ktp"}
    window._refresh_safeguards()
    assert window.undo_button.isVisible()
    window.live.state.counters["loket-1"]["ticket_id"] = None
    issue(qtbot, window, kiosk, "kk")
    key(qtbot, window, Qt.Key.Key_F1)  # another ticket at the counter: nothing to undo any more
    assert window.current_ticket()["code"] == "A-002"
    assert not window.undo_button.isVisible() and window._undo is None


def server_ticket_id(server, code: str) -> int:
    return server.engine.store.query("SELECT id FROM tickets WHERE code = ?", (code,))[0]["id"]
