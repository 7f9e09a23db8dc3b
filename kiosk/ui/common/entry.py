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
    from kiosk.cli import load_or_report
    from kiosk.device_file import DeviceFileError, window_credential
    from kiosk.logs import setup_logging

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
    setup_logging(command, config.path(config.server.log_dir))

    from kiosk.ui.common.app import make_app, quit_on_sigint

    app = make_app()
    # before the window exists, so a stop while it is built ends the run too
    wake = quit_on_sigint(app)  # noqa: F841 - referenced: it wakes Python for Ctrl+C
    window = build(config, credential)
    show_window(window, settings(config))
    log.info("%s window started (server %s, key from %s)", command, credential.url, credential.source)
    try:
        return app.exec()
    finally:
        window.shutdown()


def missing_key_sentence(command: str, role: str, config_path) -> str:
    return (f"{command}: {config_path} has no key for a {role!r} device (server.devices) and this PC is not "
            f"enrolled as one (mpp-kiosk enrol --server URL), so the {command} window cannot connect")


def show_window(window, settings: ScreenSettings) -> None:
    """Place the window on the screen its section names, then start it."""
    from kiosk.ui.common.app import place_on_screen

    place_on_screen(window, settings.screen, settings.fullscreen)
    window.start()
