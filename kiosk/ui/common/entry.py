"""The one entry point of the three windows (`mpp-kiosk kiosk`, `display`, `counter`).

Exit codes, the same for every window:
  0  the window ran and was stopped (Ctrl+C, SIGTERM, or the technician's exit);
  1  config.toml is broken: every problem on stderr, one per line, by key path
     (as `mpp-kiosk check-config` prints them);
  2  config.toml is valid but this PC cannot run this window as asked: no key for
     the window's role (neither in server.devices nor from `mpp-kiosk enrol`), an
     unusable device file, or an argument the config does not know (`--counter`).
     One sentence on stderr, starting with the command's name.
Never a traceback for any of these.

An enrolled PC needs no config.toml: with none at ``--config`` and a device file for the window's role
(`mpp-kiosk enrol`), the window fetches its settings from the server (kiosk.settings_sync; the last good
copy when the server is away; exit 2 with a sentence when there is neither) and follows config_changed
(kiosk.ui.common.settings_follow).
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Protocol

from kiosk.config import Config, ScreenSettings
from kiosk.device_file import WindowCredential

log = logging.getLogger(__name__)

CONFIG_BROKEN = 1
CANNOT_RUN_HERE = 2


class Window(Protocol):
    """What run_window needs of a window besides QWidget."""

    def start(self) -> None: ...

    def shutdown(self) -> None: ...


def run_window(args, build: Callable[[Config, WindowCredential], Window], *, command: str, role: str,
               settings: Callable[[Config], ScreenSettings],
               check: Callable[[Config], str | None] | None = None) -> int:
    """Load the config, find this window's credential, build the window, place it, run the Qt loop.

    ``args`` carries ``config`` (the path) and optionally ``server`` (a URL overriding the
    config's or the device file's). ``build(config, credential)`` returns the window, not yet
    started; ``settings(config)`` is its section (screen, fullscreen); ``check(config)``, if
    given, returns a sentence when an argument does not fit the config (exit 2).
    """
    from pathlib import Path

    from kiosk.cli import load_or_report
    from kiosk.device_file import DeviceFileError, load_device_credential, window_credential
    from kiosk.logs import setup_logging

    if not Path(args.config).exists():
        try:
            device = load_device_credential(role)
        except DeviceFileError as exc:
            print(f"{command}: {exc}", file=sys.stderr)
            return CANNOT_RUN_HERE
        if device is not None:
            return run_from_server(args, build, device, command=command, settings=settings, check=check)
    config = load_or_report(args.config)
    if config is None:
        return CONFIG_BROKEN
    if check is not None and (problem := check(config)):
        print(f"{command}: {problem}", file=sys.stderr)
        return CANNOT_RUN_HERE
    try:  # config.toml's key for the role, else this PC's own (mpp-kiosk enrol)
        credential = window_credential(config, role, getattr(args, "server", None))
    except DeviceFileError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return CANNOT_RUN_HERE
    if credential is None:
        print(missing_key_sentence(command, role, args.config), file=sys.stderr)
        return CANNOT_RUN_HERE
    setup_logging(command, config.path(config.server.log_dir), retention=config.retention)
    log.info("%s: this PC no longer needs %s: enrol it (mpp-kiosk enrol --server URL) and start the window "
             "without it; it then takes its settings from the server and follows every change", command, args.config)
    return _run_qt(lambda: build(config, credential), settings(config), command, credential)


def run_from_server(args, build, device, *, command: str, settings, check=None) -> int:
    """An enrolled PC without config.toml: its settings from the server (or their last good copy)."""
    import dataclasses

    from kiosk.client import ApiClient
    from kiosk.device_file import WindowCredential
    from kiosk.logs import setup_logging
    from kiosk.settings_sync import SettingsUnavailable, load_settings
    from kiosk.tls import client_ssl_context

    url = (getattr(args, "server", None) or device.server_url).rstrip("/")
    context = client_ssl_context({"url": url, "tls_fingerprint": device.tls_fingerprint}, url)
    credential = WindowCredential(url, device.key, context, str(device.path), device.name)
    device_dir = device.path.parent
    setup_logging(command, device_dir / "logs")
    api = ApiClient(url, device.key, ssl_context=context)
    try:
        loaded = load_settings(api.settings, url, device_dir)
    except SettingsUnavailable as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return CANNOT_RUN_HERE
    from kiosk.files import with_device_files

    # the lobby's files (logos, chime, packs) from the server into this PC's cache; its last good copy
    # when the server is away
    config = with_device_files(loaded.config, api, device.role)
    if loaded.profile:
        credential = dataclasses.replace(credential, profile=loaded.profile)
    for note in loaded.file_warnings:
        log.warning("settings: %s (not on this PC yet)", note)
    if check is not None and (problem := check(config)):
        print(f"{command}: {problem}", file=sys.stderr)
        return CANNOT_RUN_HERE
    log.info("%s: settings version %s from %s", command, loaded.version[:12], loaded.source)

    def build_and_follow():
        from kiosk.ui.common.settings_follow import SettingsFollower

        window = build(config, credential)
        window.settings_follower = SettingsFollower(window, api, device_dir, loaded.version, role=device.role).start()
        return window

    return _run_qt(build_and_follow, settings(config), command, credential)


def _run_qt(make_window, screen: ScreenSettings, command: str, credential: WindowCredential) -> int:
    from kiosk.ui.common.app import make_app, quit_on_sigint

    app = make_app()
    # before the window exists, so a stop while it is built ends the run too
    wake = quit_on_sigint(app)  # noqa: F841 - referenced: it wakes Python for Ctrl+C
    window = make_window()
    show_window(window, screen)
    log.info("%s window started (server %s, key from %s)", command, credential.url, credential.source)
    try:
        return app.exec()
    finally:
        follower = getattr(window, "settings_follower", None)
        if follower is not None:
            follower.stop()
        window.shutdown()


def missing_key_sentence(command: str, role: str, config_path) -> str:
    return (f"{command}: {config_path} has no key for a {role!r} device (server.devices) and this PC is not "
            f"enrolled as one (mpp-kiosk enrol --server URL), so the {command} window cannot connect")


def show_window(window, settings: ScreenSettings) -> None:
    """Place the window on the screen its section names, then start it."""
    from kiosk.ui.common.app import place_on_screen

    place_on_screen(window, settings.screen, settings.fullscreen)
    window.start()
