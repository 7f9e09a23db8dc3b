"""The lobby's live state inside a Qt window.

``LiveLobby`` runs a ``kiosk.client.EventStream`` (its own thread) and hands
the snapshot, each event and the connection status to the GUI thread through
queued signals; it keeps a ``LobbyState`` that applies each event once.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from kiosk.lobby_state import LobbyState


class LiveLobby(QObject):
    snapshot_loaded = Signal()
    event_applied = Signal(dict)      # an event that changed this window's state (never one seen before)
    drained = Signal()                # the last queued event was one seen before: nothing behind it any more
    connection_changed = Signal(bool)  # True: connected
    trust_refused = Signal(object)     # the ssl.SSLError of a refused certificate (kiosk.tls.failure_sentence)
    _snapshot_in = Signal(dict)
    _event_in = Signal(dict)
    _status_in = Signal(str)

    def __init__(self, base_url: str, credential: str, parent: QObject | None = None, *, ssl_context=None):
        super().__init__(parent)
        self.base_url = base_url
        self.credential = credential
        self.ssl_context = ssl_context  # kiosk.tls.client_ssl_context: for an https:// server
        self.tls_problem = None  # while the server's certificate is refused: why
        self.state = LobbyState()
        self.connected = False
        self._stream = None
        self._queued = 0  # events handed over by the stream's thread and not yet applied here
        self._queued_lock = threading.Lock()
        # Signals emitted from the stream's thread arrive here on the GUI thread.
        self._snapshot_in.connect(self._on_snapshot)
        self._event_in.connect(self._on_event)
        self._status_in.connect(self._on_status)

    def start(self, since: int | None = None) -> None:
        from kiosk.client import EventStream

        self._stream = EventStream(
            self.base_url, self.credential,
            on_event=self._hand_over, on_status=self._status_in.emit, on_snapshot=self._snapshot_in.emit,
            since=since, ssl_context=self.ssl_context,
        )
        self._stream.start()

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream = None

    def _on_snapshot(self, snapshot: dict) -> None:
        self.state = LobbyState(snapshot)
        self.snapshot_loaded.emit()

    def _hand_over(self, event: dict) -> None:
        """On the stream's thread: one more event on its way to the GUI thread."""
        with self._queued_lock:
            self._queued += 1
        self._event_in.emit(event)

    @property
    def behind(self) -> int:
        """Events already received and queued behind the one being handled now. A window that redraws for each
        event redraws once for a backlog (after a reconnect, a burst of 20 counters) when this is 0: the last of
        the backlog is handled with the board made true, and the event loop never falls minutes behind."""
        with self._queued_lock:
            return self._queued

    def _on_event(self, event: dict) -> None:
        with self._queued_lock:
            self._queued = max(0, self._queued - 1)
        if self.state.apply(event):
            self.event_applied.emit(event)
        elif not self.behind:
            self.drained.emit()

    def _on_status(self, status: str) -> None:
        if status == "untrusted" and self._stream is not None:
            self.tls_problem = self._stream.tls_problem
            self.trust_refused.emit(self.tls_problem)
        elif status == "connected":
            self.tls_problem = None
        connected = status == "connected"
        if connected != self.connected:
            self.connected = connected
            self.connection_changed.emit(connected)
