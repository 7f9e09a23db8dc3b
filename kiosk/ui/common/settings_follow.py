"""A window started from the server's settings follows them: on config_changed it fetches them again.

``SettingsFollower`` listens to the lobby's event stream with the device's own key (a stream of its own,
so a counter PC follows before anyone logs in) and, when a config_changed event names a version other
than the one the window runs, fetches the settings off the GUI thread (kiosk.settings_sync, which also
saves them as the last good copy) and hands the new Config to ``window.apply_config``: the kiosk applies
it between visitors, the display and the counter at once.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from kiosk.protocol.events import EventType
from kiosk.settings_sync import Settings, load_settings
from kiosk.ui.common.live import LiveLobby
from kiosk.ui.common.tasks import Tasks

log = logging.getLogger(__name__)


class SettingsFollower(QObject):
    applied = Signal(str)  # the version now handed to the window

    def __init__(self, window, api, device_dir: Path, version: str, parent: QObject | None = None, *,
                 role: str | None = None):
        super().__init__(parent if parent is not None else window)
        self.window = window
        self.role = role  # the device's role: its files come with each new version (None: settings only)
        self.api = api
        self.device_dir = Path(device_dir)
        self.version = version
        self._fetching = False
        self._again = False
        self.tasks = Tasks(max_threads=1, parent=self)
        self.live = LiveLobby(api.base_url, api.key, self, ssl_context=api.ssl_context)
        self.live.event_applied.connect(self._on_event)

    def start(self) -> "SettingsFollower":
        self.live.start()
        return self

    def stop(self) -> None:
        self.live.stop()

    def _on_event(self, event: dict) -> None:
        if event.get("type") == EventType.CONFIG_CHANGED and event["payload"].get("version") != self.version:
            self.refetch()

    def refetch(self) -> None:
        if self._fetching:
            self._again = True  # a second edit while the first is fetched: fetch once more after it
            return
        self._fetching = True
        self._again = False
        api, device_dir = self.api, self.device_dir
        role = self.role

        def fetch() -> Settings:
            from kiosk.files import with_device_files

            settings = load_settings(api.settings, api.base_url, device_dir)
            if role is None:
                return settings
            # on the worker thread too: the files an edit names (a new logo, a re-recorded pack) come along
            return dataclasses.replace(settings, config=with_device_files(settings.config, api, role))

        self.tasks.run(fetch, on_done=self._fetched, on_error=self._failed)

    def _fetched(self, settings: Settings) -> None:
        self._fetching = False
        if settings.source == "server" and settings.version != self.version:
            self.version = settings.version
            log.info("settings: version %s from the server", settings.version[:12])
            self.window.apply_config(settings.config)
            self.applied.emit(settings.version)
        if self._again:
            self.refetch()

    def _failed(self, exc: BaseException) -> None:
        self._fetching = False
        log.warning("settings: could not fetch the new settings (%s); the window keeps the ones it has", exc)
        if self._again:
            self.refetch()
