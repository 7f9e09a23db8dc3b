"""Watch config.toml while a part of the lobby runs, and never let a bad edit take it down.

``ConfigWatcher(path, on_change)`` looks at the file every ``interval_s`` from
its own thread. When the file's bytes change it loads them with
:func:`kiosk.config.load_config`:

- valid: ``on_change(new_config)`` is called (on the watcher's thread);
- invalid (bad TOML, a schema or cross-check problem, a missing file): it logs
  "config.toml changed but has N problem(s); keeping the last good config"
  and each problem, and keeps watching. The running lobby keeps the config it has.

A file is read only once it has stopped changing for a moment, so an editor
that writes in several steps is not reported half-written.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Callable

from kiosk.config import Config, ConfigError, load_config

log = logging.getLogger(__name__)


def _fingerprint(path: Path) -> tuple[int, int, str] | None:
    """(mtime_ns, size, sha256 of the bytes), or None when the file cannot be read."""
    try:
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, digest


class ConfigWatcher:
    """Poll one config file; hand over each new valid config, log each invalid one."""

    def __init__(self, path: Path | str, on_change: Callable[[Config], None], *, interval_s: float = 2.0,
                 settle_s: float | None = None, start: bool = True):
        if interval_s <= 0:
            raise ValueError(f"interval_s must be > 0, got {interval_s!r}")
        self.path = Path(path)
        self.on_change = on_change
        self.interval_s = interval_s
        # how long the bytes must stay the same before they are read as the new config
        self.settle_s = min(0.5, interval_s / 2) if settle_s is None else settle_s
        self.changes = 0        # valid new configs handed to on_change
        self.rejected = 0       # changed files that were not valid
        self.last_problems: list[str] = []
        self._seen = _fingerprint(self.path)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"config-watch-{self.path.name}", daemon=True)
        if start:
            self._thread.start()

    def start(self) -> "ConfigWatcher":
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> "ConfigWatcher":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
            except Exception:  # a bug in on_change must not end the watching
                log.exception("config watch: handling a change of %s failed", self.path)

    def check(self) -> bool:
        """Look once (the thread does this every interval); True when a change was handled."""
        now = _fingerprint(self.path)
        if now == self._seen or (now is not None and self._seen is not None and now[2] == self._seen[2]):
            if now != self._seen:
                self._seen = now  # touched, same bytes: nothing to load
            return False
        if self.settle_s and self._stop.wait(self.settle_s):
            return False
        if _fingerprint(self.path) != now:
            return False  # still being written: look again next time
        self._seen = now
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            log.error("%s changed but has %d problem(s); keeping the last good config", self.path.name,
                      len(exc.problems))
            for problem in exc.problems:
                log.error("  %s", problem)
            self.last_problems = list(exc.problems)
            self.rejected += 1  # last: whoever waits for the count finds every line already logged
            return True
        self.changes += 1
        self.last_problems = []
        log.info("%s changed: loaded the new config", self.path.name)
        self.on_change(config)
        return True
