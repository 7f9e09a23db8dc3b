"""Driving the kiosk window the way a visitor does, and looking at what it shows."""
from __future__ import annotations

import socket
import threading
import time
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.ui.kiosk.widgets import FitText
from support.configs import MAKASSAR

LEFT = Qt.LeftButton


# --------------------------------------------------------------------------- driving the window


def agency_tile(window, agency_id):
    for tile in window.agency_screen.grid.slots:
        if tile.isVisible() and tile.agency_id == agency_id:
            return tile
    raise AssertionError(f"no visible tile for agency {agency_id!r}")


def service_card(window, service_id, screen=None):
    grid = (screen or window.service_screen).grid
    for card in grid.slots:
        if card.isVisible() and card.service_id == service_id:
            return card
    raise AssertionError(f"no visible card for service {service_id!r}")


def go_to_confirm(qtbot, window, agency_id, service_id):
    qtbot.mouseClick(window.home_screen.take_button, LEFT)
    assert window.current == "agencies"
    qtbot.mouseClick(agency_tile(window, agency_id), LEFT)
    assert window.current == "services"
    qtbot.mouseClick(service_card(window, service_id), LEFT)
    assert window.current == "confirm"


def take_ticket(qtbot, window, agency_id="dukcapil", service_id="ktp", priority=False, timeout=8000):
    """Walk the whole flow as a visitor; returns the ticket dict shown."""
    go_to_confirm(qtbot, window, agency_id, service_id)
    if priority:
        qtbot.mouseClick(window.confirm_screen.priority_toggle, LEFT)
    with qtbot.waitSignal(window.ticket_shown, timeout=timeout) as shown:
        qtbot.mouseClick(window.confirm_screen.confirm_button, LEFT)
    return shown.args[0]


def visible_texts(window) -> list[str]:
    """Every text a visitor can see now: labels, buttons and fitted texts on screen."""
    texts = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or not _on_current_screen(window, widget):
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            text = widget.text()
        elif isinstance(widget, FitText):
            text = widget.shown_text()
        else:
            continue
        if text.strip():
            texts.append(text)
    return texts


def clickables(window) -> list[QAbstractButton]:
    """The visible buttons, tiles, cards and keys of the header, the current screen and the footer."""
    return [widget for widget in window.findChildren(QAbstractButton)
            if widget.isVisibleTo(window) and _on_current_screen(window, widget)]


def _on_current_screen(window, widget) -> bool:
    parent = widget
    while parent is not None and parent is not window:
        if parent in window.screens.values():
            return parent is window.stack.currentWidget()
        if parent is window.pin_overlay:
            return window.pin_overlay.isVisible()
        parent = parent.parentWidget()
    return True


# --------------------------------------------------------------------------- a slow network


class StallingProxy:
    """A TCP proxy in front of the queue server that can hold every request for ``stall_s`` seconds."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.stall_s = 0.0
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, stall: bool) -> None:
        try:
            while not self._stop.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if stall and self.stall_s:
                    time.sleep(self.stall_s)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        for sock in [self._listener, *self._sockets]:
            try:
                sock.close()
            except OSError:
                pass


def local(day: str, hhmm: str) -> datetime:
    """A Balikpapan local time, e.g. local('2026-11-27', '12:00') (a Friday)."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=MAKASSAR)
