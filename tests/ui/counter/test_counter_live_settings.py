"""The counter window takes new settings at once and the officer stays logged in (issue 18, live config)."""
from __future__ import annotations

import copy

from support.configs import BASE, make_config

from .conftest import log_in


def test_new_settings_apply_at_once_and_the_session_is_kept(qtbot, make_window, server):
    window = make_window()
    log_in(qtbot, window)
    session = window.session
    data = copy.deepcopy(BASE)
    data["agencies"][0]["short_name"] = "Dukcapil Kota"
    data["counters"].append({"id": "loket-4", "number": "4", "agency": "dukcapil", "services": ["ktp"]})
    data["staff"][0]["counters"].append("loket-4")
    window.apply_config(make_config(**{k: v for k, v in data.items() if k != "server"}))
    assert window.logged_in and window.session is session and window.counter_id == "loket-1"
    assert "Dukcapil Kota" in window.title_label.text()
    assert "loket-4" in window.counters and window.login_panel._allowed["petugas1"] == {"loket-1", "loket-2", "loket-4"}
    # the longer title gets its room once the layout has run (never cut)
    qtbot.waitUntil(lambda: window.title_label.width() >= window.title_label.sizeHint().width(), timeout=2000)
    window.grab().save(str(_screenshot("counter-live-settings.png")))


def test_a_counter_retired_while_its_officer_is_logged_in_stays_until_they_log_out(qtbot, make_window):
    window = make_window()
    log_in(qtbot, window)
    data = copy.deepcopy(BASE)
    data["counters"] = [c for c in data["counters"] if c["id"] != "loket-1"]
    data["staff"][0]["counters"] = ["loket-2"]
    window.apply_config(make_config(**{k: v for k, v in data.items() if k != "server"}))
    assert window.logged_in and window.counter_id == "loket-1" and "loket-1" in window.counters
    assert window.title_label.text()  # still drawn, no KeyError


def _screenshot(name):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    return folder / name
