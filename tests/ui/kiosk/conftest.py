"""The kiosk window against a real queue server on 127.0.0.1 and a fake network printer on loopback."""
from __future__ import annotations

import time

import pytest

from kiosk.clock import FakeClock
from kiosk.printer.backends import EscposTicketPrinter
from kiosk.ui.common.app import find_screen
from support.configs import MONDAY_9, PIN_1234, make_config
from support.fake_printer import FakeNetworkPrinter
from support.server import running_server

from .kiosk_driver import StallingProxy

KIOSK_SECTION = {"idle_seconds": 5, "ticket_seconds": 3, "exit_pin_hash": PIN_1234, "screen": "lobby-1"}


def kiosk_config(**sections):
    sections.setdefault("kiosk", KIOSK_SECTION)
    return make_config(**sections)


@pytest.fixture
def config():
    return kiosk_config()


@pytest.fixture
def server_clock():
    return FakeClock(MONDAY_9)


@pytest.fixture
def server(config, tmp_path, server_clock):
    with running_server(config, tmp_path / "queue.sqlite", clock=server_clock) as handle:
        yield handle


@pytest.fixture
def fake_printer():
    with FakeNetworkPrinter() as printer:
        yield printer


@pytest.fixture
def printer(fake_printer, config):
    return EscposTicketPrinter(fake_printer.printer_config(timeout_s=1, paper_mm=config.printer.paper_mm))


@pytest.fixture
def make_kiosk(qtbot, server, printer, config):
    """make_kiosk(api=None, printer=None, config=None, wait=True, monotonic=...) -> a started KioskWindow on screen lobby-1."""
    from kiosk.ui.kiosk.window import KioskWindow

    windows = []
    clients = []

    def make(api=None, printer_=None, config_=None, wait=True, accessible=False, monotonic=time.monotonic):
        if api is None:
            api = server.client("kiosk")
            clients.append(api)
        window = KioskWindow(config_ or config, api, printer_ or printer, clock=FakeClock(MONDAY_9),
                             monotonic=monotonic)
        qtbot.addWidget(window)
        window.setGeometry(find_screen("lobby-1").geometry())
        window.show()
        if accessible:
            window.set_accessible(True)
        window.start()
        windows.append(window)
        if wait:
            qtbot.waitUntil(lambda: window.current == "home", timeout=8000)
        return window

    yield make
    for window in windows:
        window.shutdown()
        window.close()
    for client in clients:
        client.close()


@pytest.fixture
def kiosk(make_kiosk):
    return make_kiosk()


@pytest.fixture
def stalling_proxy(server):
    proxy = StallingProxy(server.port)
    yield proxy
    proxy.close()
