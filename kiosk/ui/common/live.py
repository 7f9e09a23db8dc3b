"""The lobby's live state inside a Qt window.

``LiveLobby`` runs a ``kiosk.client.EventStream`` (its own thread) and hands
the snapshot, each event and the connection status to the GUI thread through
queued signals; it keeps a ``LobbyState`` that applies each event once.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.lobby_state import LobbyState


class LiveLobby(QObject):
    snapshot_loaded = Signal()
    event_applied = Signal(dict)      # an event that changed this window's state (never one seen before)
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
        # Signals emitted from the stream's thread arrive here on the GUI thread.
        self._snapshot_in.connect(self._on_snapshot)
        self._event_in.connect(self._on_event)
        self._status_in.connect(self._on_status)

    def start(self, since: int | None = None) -> None:
        from kiosk.client import EventStream

        self._stream = EventStream(
            self.base_url, self.credential,
            on_event=self._event_in.emit, on_status=self._status_in.emit, on_snapshot=self._snapshot_in.emit,
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

    def _on_event(self, event: dict) -> None:
        if self.state.apply(event):
            self.event_applied.emit(event)

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
