"""The supervisor's "today" panel of the counter window: the lobby's figures of the day, from the reports API."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from PySide6.QtCore import Qt

from kiosk.ui.counter.model import grade_name, ikm_text, minutes_text, today_texts
from support.configs import BASE, DEVICE_KEYS, MAKASSAR, PIN_1234, make_config
from support.survey import survey_token

from .conftest import log_in

SUPERVISOR = {"user": "koordinator", "name": "Koordinator MPP", "pin_hash": PIN_1234, "counters": ["*"],
              "supervisor": True}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, staff=[*BASE["staff"], SUPERVISOR])


def at(clock, hour: int, minute: int) -> None:
    clock.set(datetime(2026, 11, 23, hour, minute, tzinfo=MAKASSAR))


@pytest.fixture
def history(server, kiosk, clock):
    """Today at loket-3: B-001 waited 10 min, served, surveyed (2 then eight 3s: IKM 72.22, C);
    B-002 waited 15 min, served. A-001 and A-002 (ktp) are waiting."""
    staff = server.staff_client("petugas3", "loket-3")
    at(clock, 9, 0)
    first = kiosk.issue("paspor")
    at(clock, 9, 5)
    kiosk.issue("paspor")
    at(clock, 9, 10)
    staff.action("loket-3", "call-next")
    at(clock, 9, 18)
    staff.action("loket-3", "finish")
    at(clock, 9, 20)
    staff.action("loket-3", "call-next")
    staff.action("loket-3", "finish")
    # as the visitor's phone sends it: no key, the survey token of the ticket's own page
    server.client().survey(first["token"], [2] + [3] * 8, survey_token=survey_token(server.url, first["token"]))
    kiosk.issue("ktp")
    kiosk.issue("ktp")
    staff.logout()
    staff.close()


def manager_today(server, lang: str = "id") -> dict:
    answer = httpx.get(f"{server.url}/api/v1/reports/today?lang={lang}",
                       headers={"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}, timeout=5)
    assert answer.status_code == 200
    return answer.json()


def loaded(window) -> bool:
    return window._today is not None and not window.is_loading("today")


def supervisor_window(make_window, qtbot, counter_id: str = "loket-2"):
    window = make_window(counter_id=counter_id)
    log_in(qtbot, window, user="koordinator")
    qtbot.waitUntil(lambda: loaded(window), timeout=5000)
    return window


def test_a_supervisor_sees_todays_figures_as_the_api_gives_them(history, make_window, qtbot, server):
    window = supervisor_window(make_window, qtbot)
    panel = window.today_panel
    assert panel.isVisible()
    api = manager_today(server)
    assert (api["waiting_now"], api["served_today"], api["mean_wait_minutes"]) == (2, 2, 12.5)
    assert panel.figure("waiting") == str(api["waiting_now"]) == "2"
    assert panel.figure("served") == str(api["served_today"]) == "2"
    assert panel.figure("mean_wait") == minutes_text("id", api["mean_wait_minutes"]) == "12,5 menit"
    assert api["ikm_today"]["ikm"] == 72.22 and api["ikm_today"]["grade"] == "C"
    assert panel.figure("ikm") == "72,22 C"
    assert panel.labels["ikm"].text() == "IKM hari ini — Kurang\u00a0Baik"
    assert panel.heading.text() == "Hari ini — seluruh MPP"
    assert panel.updated_label.text() == "diperbarui 09:20"
    assert panel.month_label.text() == (
        "IKM bulan ini: 72,22 (C, Kurang Baik)\u00a0· Tidak hadir hari ini:\u00a00\u00a0· Nomor diambil:\u00a04")
    assert not panel.message.isVisible()

    window.set_language("en")
    assert panel.figure("mean_wait") == "12.5 min"
    assert panel.figure("ikm") == "72.22 C"
    assert panel.labels["ikm"].text() == "IKM today — Poor"
    assert panel.heading.text() == "Today — whole MPP"


def test_the_figures_follow_a_finish_at_the_supervisors_counter(make_window, qtbot, server, kiosk, clock):
    kiosk.issue("ktp")
    window = supervisor_window(make_window, qtbot, "loket-1")
    assert (window.today_panel.figure("waiting"), window.today_panel.figure("served")) == ("1", "0")
    assert window.today_panel.figure("mean_wait") == "—"
    assert window.today_panel.figure("ikm") == "—"
    assert window.today_panel.labels["ikm"].text() == "IKM hari ini: belum ada survei"
    clock.advance(minutes=7)
    for key in (Qt.Key.Key_F1, Qt.Key.Key_F4):
        with qtbot.waitSignal(window.action_finished, timeout=5000):
            qtbot.keyClick(window, key)
        qtbot.waitUntil(lambda: not window.busy(), timeout=5000)
        clock.advance(seconds=30)  # past counter_app.finish_confirm_within_s
    qtbot.waitUntil(lambda: window.today_panel.figure("served") == "1", timeout=5000)
    assert window.today_panel.figure("waiting") == "0"
    assert window.today_panel.figure("mean_wait") == "7,0 menit"
    assert manager_today(server)["served_today"] == 1


def test_the_figures_are_fetched_again_by_the_timer(make_window, qtbot, kiosk):
    window = supervisor_window(make_window, qtbot)
    assert window._today_timer.isActive() and window._today_timer.interval() == 30_000
    window._today_timer.setInterval(100)  # the 30 s of the real window, made short
    kiosk.issue("kk")
    kiosk.issue("paspor")
    qtbot.waitUntil(lambda: window.today_panel.figure("waiting") == "2", timeout=5000)


def test_a_staff_member_who_is_not_a_supervisor_sees_no_panel(history, make_window, qtbot, server):
    window = make_window()
    log_in(qtbot, window)  # petugas1
    assert not window.is_supervisor
    assert window.today_panel.isHidden()
    assert not window._today_timer.isActive()
    window.load_today()  # asked anyway (a finish, the timer): nothing is fetched
    assert not window.is_loading("today") and window._today is None
    assert window.waiting_panel.isVisible()


def test_the_panel_goes_with_the_supervisor(make_window, qtbot):
    window = supervisor_window(make_window, qtbot, "loket-1")
    assert window.today_panel.isVisible()
    window.logout()
    qtbot.waitUntil(lambda: not window.logged_in, timeout=5000)
    assert window.today_panel.isHidden() and not window._today_timer.isActive()
    log_in(qtbot, window)  # petugas1 at the same counter
    assert window.today_panel.isHidden()


def test_an_unreachable_server_is_a_sentence_in_the_panel(make_window, qtbot, server):
    window = supervisor_window(make_window, qtbot)
    server.stop()
    window.load_today()
    panel = window.today_panel
    qtbot.waitUntil(lambda: panel.message.isVisible(), timeout=8000)
    assert panel.message.text() == ("Angka hari ini tidak dapat dimuat: server antrean tidak dapat dihubungi. "
                                    "Dicoba lagi otomatis.")
    assert [panel.figure(name) for name in panel.FIGURES] == ["—"] * 4
    assert panel.isVisible()

    server.start()
    window.load_today()
    qtbot.waitUntil(lambda: not panel.message.isVisible(), timeout=8000)
    assert panel.figure("waiting") == "0"


def test_a_refusal_is_the_servers_sentence_in_the_panel(make_window, qtbot, server, tmp_path):
    window = supervisor_window(make_window, qtbot)
    # the server's config no longer makes koordinator a supervisor; the session itself stays valid
    demoted = {**SUPERVISOR, "supervisor": False}
    server.config = make_config(tmp_path, staff=[*BASE["staff"], demoted])
    server.restart()
    window.load_today()
    panel = window.today_panel
    qtbot.waitUntil(lambda: panel.message.isVisible(), timeout=8000)
    assert panel.message.text() == ("Angka hari ini tidak dapat dimuat: "
                                    "Perangkat atau petugas ini tidak boleh melakukan itu.")
    window.set_language("en")  # the server is asked again, for its sentence in English
    qtbot.waitUntil(lambda: panel.message.text() == "Today's figures cannot be loaded: "
                                                    "This device or staff member may not do that.", timeout=8000)
    assert "Traceback" not in panel.message.text() and "ApiError" not in panel.message.text()


# ---------------------------------------------------------------------------- the texts, without Qt

def test_today_texts_in_both_languages():
    summary = {"generated_at": "2026-11-24T01:30:00+00:00", "waiting_now": 129, "served_today": 412,
               "no_shows_today": 12, "issued_today": 600, "mean_wait_minutes": 19.06,
               "ikm_today": {"ikm": 88.31, "grade": "A"}, "ikm_month": {"ikm": 82.4, "grade": "B"}}
    tz = ZoneInfo("Asia/Makassar")
    id_texts, en_texts = today_texts("id", summary, tz), today_texts("en", summary, tz)
    assert (id_texts.waiting, id_texts.served, id_texts.mean_wait, id_texts.ikm) == ("129", "412", "19,1 menit", "88,31 A")
    assert id_texts.ikm_label == "IKM hari ini — Sangat\u00a0Baik"
    assert id_texts.updated == "diperbarui 09:30"  # the lobby's time, not UTC
    assert (en_texts.mean_wait, en_texts.ikm, en_texts.ikm_label) == ("19.1 min", "88.31 A", "IKM today — Very\u00a0good")
    assert en_texts.month_line.startswith("IKM this month: 82.40 (B, Good)")


def test_grade_names_come_from_the_report_modules_table():
    assert [grade_name("id", g) for g in "ABCD"] == ["Sangat Baik", "Baik", "Kurang Baik", "Tidak Baik"]
    assert [grade_name("en", g) for g in "ABCD"] == ["Very good", "Good", "Poor", "Bad"]
    assert ikm_text("id", None) == ikm_text("id", {"ikm": None}) == "belum ada survei"
    empty = today_texts("en", {"waiting_now": 0, "served_today": 0, "ikm_today": {"ikm": None},
                               "ikm_month": {"ikm": None}}, ZoneInfo("Asia/Makassar"))
    assert (empty.mean_wait, empty.ikm, empty.ikm_label, empty.updated) == ("—", "—", "IKM today: no survey yet", "")
