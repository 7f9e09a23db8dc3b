"""Logging in and out of a counter: good and bad PIN, the server's sentences, what the server then knows."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from kiosk.client import ApiClient, ApiError
from kiosk.i18n import t
from kiosk.ui.counter.window import CounterWindow
from support.server import free_port

from .conftest import confirm, log_in


def submit(qtbot, window: CounterWindow, user: str, pin: str, counter_id: str | None = None) -> None:
    panel = window.login_panel
    panel.user_field.clear()
    panel.pin_field.clear()
    qtbot.keyClicks(panel.user_field, user)
    if counter_id:
        panel.select(counter_id)
    qtbot.keyClicks(panel.pin_field, pin)
    qtbot.keyClick(panel.pin_field, Qt.Key.Key_Return)


def test_good_pin_opens_the_counter_and_shows_the_work_page(make_window, qtbot, server):
    window = make_window()
    assert window.pages.currentWidget() is window.login_panel
    assert window.login_panel.counter_id() == "loket-1"  # preselected from --counter
    assert window.login_panel.pin_field.echoMode() == window.login_panel.pin_field.EchoMode.Password
    log_in(qtbot, window)
    assert window.pages.currentWidget() is window.work_page
    assert window.title_label.text() == "Loket 1 — Disdukcapil"
    assert "Petugas Satu" in window.user_label.text()
    counters = server.engine.snapshot()["counters"]
    assert counters["loket-1"]["status"] == "open" and counters["loket-1"]["user"] == "petugas1"
    qtbot.waitUntil(lambda: window.connection_label.text() == "● Terhubung", timeout=5000)
    # idle: the scan field has the keyboard, ready for a scanner
    qtbot.waitUntil(lambda: window.scan_field.hasFocus(), timeout=3000)


def test_counter_preselected_from_config_when_not_given(qtbot, tmp_path, clock):
    from support.configs import BASE, make_config

    config = make_config(tmp_path, counter_app={**BASE.get("counter_app", {}), "counter": "loket-2"})
    window = CounterWindow(config, "http://127.0.0.1:9", clock=clock)
    qtbot.addWidget(window)
    window.start()
    assert window.login_panel.counter_id() == "loket-2"
    window.shutdown()


def test_wrong_pin_says_so_and_leaves_the_counter_closed(make_window, qtbot, server):
    window = make_window()
    submit(qtbot, window, "petugas1", "9999")
    qtbot.waitUntil(lambda: window.login_panel.message.text() != "", timeout=5000)
    assert "PIN salah" in window.login_panel.message.text()
    assert window.pages.currentWidget() is window.login_panel
    assert window.login_panel.pin_field.text() == ""  # typed again, never kept
    assert "loket-1" not in server.engine.snapshot()["counters"]


def test_wrong_pin_in_english(make_window, qtbot):
    window = make_window(lang="en")
    submit(qtbot, window, "petugas1", "9999")
    qtbot.waitUntil(lambda: window.login_panel.message.text() != "", timeout=5000)
    assert window.login_panel.message.text() == "Wrong user name or PIN."


def test_too_many_attempts_show_the_servers_sentence(make_window, qtbot, config):
    window = make_window()
    for attempt in range(config.server.login_attempts_per_minute):
        window.login_panel.message.clear()
        submit(qtbot, window, "petugas1", "0000")
        qtbot.waitUntil(lambda: window.login_panel.message.text() != "" and not window.login_panel.busy, timeout=5000)
    # now even the right PIN waits: the server says so, and the window shows its sentence
    window.login_panel.message.clear()
    submit(qtbot, window, "petugas1", "1234")
    qtbot.waitUntil(lambda: window.login_panel.message.text() != "", timeout=5000)
    assert window.login_panel.message.text() == "Terlalu banyak percobaan masuk. Coba lagi sebentar lagi."
    assert not window.logged_in


def test_counter_list_follows_the_staff_members_counters(make_window, qtbot):
    window = make_window()
    panel = window.login_panel
    assert panel.counter_ids() == ["loket-1", "loket-2", "loket-3"]  # unknown user yet: every counter
    qtbot.keyClicks(panel.user_field, "petugas3")
    assert panel.counter_ids() == ["loket-3"]
    panel.user_field.clear()
    qtbot.keyClicks(panel.user_field, "petugas1")
    assert panel.counter_ids() == ["loket-1", "loket-2"]


def test_counter_not_assigned_is_refused_by_the_server(make_window, qtbot, server):
    window = make_window()
    # the list would not offer it; a stale list or a forged choice still meets the server's check
    window.login_panel.user_field.setText("petugas3")
    window.login_panel._allowed = {}
    window.login_panel._fill_counters()
    window.login_panel.select("loket-1")
    qtbot.keyClicks(window.login_panel.pin_field, "1234")
    qtbot.keyClick(window.login_panel.pin_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.login_panel.message.text() != "", timeout=5000)
    assert window.login_panel.message.text() == "Anda tidak terdaftar untuk loket ini."
    assert not window.logged_in


def test_missing_user_or_pin_is_said_without_asking_the_server(make_window, qtbot):
    window = make_window()
    qtbot.keyClick(window.login_panel.pin_field, Qt.Key.Key_Return)
    assert window.login_panel.message.text() == "Isi nama pengguna dan PIN."
    assert window.tasks.pending() == 0


def test_pin_field_takes_digits_only(make_window, qtbot):
    window = make_window()
    qtbot.keyClicks(window.login_panel.pin_field, "12ab34")
    assert window.login_panel.pin_field.text() == "1234"


def test_unreachable_server_is_a_sentence(qtbot, config, clock):
    window = CounterWindow(config, f"http://127.0.0.1:{free_port()}", counter_id="loket-1", clock=clock)
    qtbot.addWidget(window)
    window.show()
    window.start()
    submit(qtbot, window, "petugas1", "1234")
    qtbot.waitUntil(lambda: window.login_panel.message.text() != "", timeout=8000)
    assert window.login_panel.message.text() == "Server antrean tidak dapat dihubungi. Periksa jaringan, lalu coba lagi."
    window.shutdown()


def test_logout_ends_the_session_and_the_server_closes_the_idle_counter(window, qtbot, server):
    token = window.session["token"]
    qtbot.mouseClick(window.logout_button, Qt.MouseButton.LeftButton)
    confirm(qtbot, window, name="logoutConfirm")
    qtbot.waitUntil(lambda: not window.logged_in, timeout=5000)
    assert window.pages.currentWidget() is window.login_panel
    assert window.login_panel.message.text() == "Anda sudah keluar."
    assert window.live is None
    assert "loket-1" not in server.engine.snapshot()["counters"]  # closed
    stale = ApiClient(server.url)
    stale.session = {"token": token}
    with pytest.raises(ApiError) as refused:
        stale.stats("loket-1")
    assert refused.value.status == 401
    stale.close()


def test_logout_with_a_ticket_at_the_counter_leaves_it_open(window, qtbot, server, kiosk):
    kiosk.issue("ktp")
    qtbot.waitUntil(lambda: len(window.waiting_panel.codes()) == 1, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.current_ticket() is not None, timeout=5000)
    # the call's event can arrive before its HTTP answer: a click meanwhile is refused, and says so
    if window.in_flight is not None:
        qtbot.mouseClick(window.logout_button, Qt.MouseButton.LeftButton)
        assert window.logged_in and window.status_line.text() == t("counter.why_in_flight", window.lang)
    qtbot.waitUntil(lambda: window.in_flight is None, timeout=5000)
    qtbot.mouseClick(window.logout_button, Qt.MouseButton.LeftButton)
    confirm(qtbot, window, name="logoutConfirm")
    qtbot.waitUntil(lambda: not window.logged_in, timeout=5000)
    counter = server.engine.snapshot()["counters"]["loket-1"]
    assert counter["status"] == "open" and counter["ticket_id"] is not None  # the server decided


def test_a_login_elsewhere_ends_this_session(window, qtbot, server, kiosk):
    kiosk.issue("ktp")
    qtbot.waitUntil(lambda: len(window.waiting_panel.codes()) == 1, timeout=5000)
    other = server.staff_client("petugas1", "loket-1")  # the same counter from another PC
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: not window.logged_in, timeout=5000)
    assert window.login_panel.message.text().startswith("Sesi Anda berakhir")
    assert server.engine.snapshot()["counters"]["loket-1"]["ticket_id"] is None  # nothing was called
    other.close()


def test_language_switch_translates_the_window_and_the_servers_answers(make_window, qtbot):
    window = make_window()
    qtbot.mouseClick(window.lang_button, Qt.MouseButton.LeftButton)
    assert window.lang == "en"
    assert window.login_panel.button.text() == "Log in"
    assert window.login_panel.counter_box.currentText() == "Counter 1 — Disdukcapil"
    assert window.lang_button.text() == "Bahasa Indonesia"
    submit(qtbot, window, "petugas1", "0000")
    qtbot.waitUntil(lambda: window.login_panel.message.text() != "", timeout=5000)
    assert window.login_panel.message.text() == "Wrong user name or PIN."
    log_in(qtbot, window)
    assert window.title_label.text() == "Counter 1 — Disdukcapil"
    assert window.buttons["call_next"].label == "Call next"
    qtbot.mouseClick(window.lang_button, Qt.MouseButton.LeftButton)
    assert window.buttons["call_next"].label == "Panggil berikutnya"
    assert window.title_label.text() == "Loket 1 — Disdukcapil"
