"""A kiosk on the server's settings shows a new service after config_changed, but never mid-visit.

The real server watches its config.toml; the kiosk window runs on settings fetched from it
(kiosk.settings_sync) and follows them (SettingsFollower). A visitor is on the services screen of
Disdukcapil when the technician adds a service there: the visitor's screen does not change; once they
have timed out (idle_seconds) and the home screen is back, the next visitor finds the new service.
"""
from __future__ import annotations

import copy
import os

import pytest

from kiosk.client import ApiClient
from kiosk.clock import FakeClock
from kiosk.config import load_config
from kiosk.settings_sync import load_settings
from kiosk.ui.common.app import find_screen
from kiosk.ui.common.settings_follow import SettingsFollower
from support.configs import BASE, DEVICE_KEYS, MONDAY_9
from support.server import running_server, write_toml_config

from .conftest import KIOSK_SECTION
from .kiosk_driver import LEFT, agency_tile, service_card

AKTA = {"id": "akta", "agency": "dukcapil", "group": "dukcapil",
        "name": {"id": "Akta Kelahiran", "en": "Birth certificate"}}


def save(path, data):
    before = path.stat().st_mtime_ns
    write_toml_config(path, data)
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def lobby(tmp_path):
    data = copy.deepcopy(BASE)
    data["kiosk"] = {**KIOSK_SECTION, "exit_pin_hash": None}
    del data["kiosk"]["exit_pin_hash"]
    path = write_toml_config(tmp_path / "config.toml", data)
    with running_server(load_config(path), tmp_path / "q.sqlite", FakeClock(MONDAY_9),
                        config_path=path, watch_seconds=0.1) as server:
        yield server, path, data


def test_a_new_service_appears_only_after_the_visitor_in_the_middle_has_timed_out(qtbot, lobby, printer, tmp_path):
    from kiosk.ui.kiosk.window import KioskWindow

    server, path, data = lobby
    api = ApiClient(server.url, DEVICE_KEYS["kiosk"])
    loaded = load_settings(api.settings, server.url, tmp_path / "device")
    window = KioskWindow(loaded.config, api, printer, clock=FakeClock(MONDAY_9))
    qtbot.addWidget(window)
    window.setGeometry(find_screen("lobby-1").geometry())
    window.show()
    window.start()
    follower = SettingsFollower(window, api, tmp_path / "device", loaded.version).start()
    try:
        qtbot.waitUntil(lambda: window.current == "home", timeout=8000)
        qtbot.waitUntil(lambda: follower.live.connected, timeout=8000)
        # a visitor opens Disdukcapil's services
        qtbot.mouseClick(window.home_screen.take_button, LEFT)
        qtbot.mouseClick(agency_tile(window, "dukcapil"), LEFT)
        assert window.current == "services"
        shown_before = [c.service_id for c in window.service_screen.grid.slots if c.isVisible()]
        assert "akta" not in shown_before

        edited = copy.deepcopy(data)
        edited["services"].append(AKTA)
        edited["counters"][0]["services"].append("akta")
        with qtbot.waitSignal(follower.applied, timeout=10_000):
            save(path, edited)
        assert window.config.service_by_id.keys() == loaded.config.service_by_id.keys()  # not yet
        assert window.pending_config is not None and "akta" in window.pending_config.service_by_id
        # the catalog refreshes on the event and periodically: the visitor's choices stay as they were
        qtbot.wait(1500)
        assert window.current == "services"
        assert [c.service_id for c in window.service_screen.grid.slots if c.isVisible()] == shown_before
        assert "akta" not in window.services_by_id()

        # the visitor walks away: idle_seconds later the home screen is back, and the new service with it
        qtbot.waitUntil(lambda: window.current == "home", timeout=KIOSK_SECTION["idle_seconds"] * 1000 + 3000)
        qtbot.waitUntil(lambda: "akta" in window.services_by_id(), timeout=5000)
        assert window.pending_config is None and "akta" in window.config.service_by_id
        qtbot.mouseClick(window.home_screen.take_button, LEFT)
        qtbot.mouseClick(agency_tile(window, "dukcapil"), LEFT)
        assert service_card(window, "akta").isVisible()
        window.grab().save(str(_screenshot("kiosk-live-settings-new-service.png")))
    finally:
        follower.stop()
        window.shutdown()
        api.close()


def test_at_rest_the_kiosk_applies_new_settings_at_once(qtbot, lobby, printer, tmp_path):
    from kiosk.ui.kiosk.window import KioskWindow

    server, path, data = lobby
    api = ApiClient(server.url, DEVICE_KEYS["kiosk"])
    loaded = load_settings(api.settings, server.url, tmp_path / "device")
    window = KioskWindow(loaded.config, api, printer, clock=FakeClock(MONDAY_9))
    qtbot.addWidget(window)
    window.show()
    window.start()
    follower = SettingsFollower(window, api, tmp_path / "device", loaded.version).start()
    try:
        qtbot.waitUntil(lambda: window.current == "home" and follower.live.connected, timeout=8000)
        edited = copy.deepcopy(data)
        edited["lobby"]["name"] = "MPP Balikpapan Baru"
        with qtbot.waitSignal(follower.applied, timeout=10_000):
            save(path, edited)
        assert window.config.lobby.name == "MPP Balikpapan Baru"
        assert window.home_screen.lobby_label.text() == "MPP Balikpapan Baru"
    finally:
        follower.stop()
        window.shutdown()
        api.close()


def _screenshot(name):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder / name


def test_new_printer_settings_from_the_server_take_the_next_ticket(qtbot, kiosk, fake_printer):
    """The technician moves the kiosk to another network printer: the next ticket goes there, no restart."""
    from support.fake_printer import FakeNetworkPrinter
    from .kiosk_driver import take_ticket

    with FakeNetworkPrinter() as other:
        new = kiosk.config.model_copy(update={"printer": other.printer_config(
            timeout_s=1, paper_mm=kiosk.config.printer.paper_mm)})
        kiosk.apply_config(new)  # the kiosk is on its home screen: applied at once
        assert kiosk.printer.config.port == other.port
        take_ticket(qtbot, kiosk)
        assert kiosk.config.lobby.name.encode() in other.wait_for_ticket(timeout=8)  # the ticket, on the new printer
    assert fake_printer.tickets == []
