"""A bound for a folder of cached files (the speech WAVs, the rendered calls): a display runs for months and
every new phrase or call adds a file. The least recently used files go once the folder passes its size or
count; a file used in the last ``keep_recent_s`` stays whatever the bound (it may be about to play)."""
from __future__ import annotations

import os
import time
from pathlib import Path


class CacheBound:
    def __init__(self, folder: Path | str, max_bytes: int, max_files: int = 20_000, *, check_every: int = 25,
                 keep_recent_s: float = 600.0, now=time.time):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.check_every = max(1, check_every)
        self.keep_recent_s = keep_recent_s
        self.now = now
        self._added = 0
        self.removed = 0

    def used(self, path: Path | str) -> None:
        """A cached file was taken: it becomes the most recently used."""
        try:
            os.utime(path)
        except OSError:
            pass

    def added(self, path: Path | str) -> None:
        """A file was written into the folder; every ``check_every`` files the folder is trimmed."""
        self._added += 1
        if self._added % self.check_every == 1 or self.check_every == 1:
            self.trim()

    def trim(self) -> int:
        """Remove the least recently used files beyond the bound; how many went."""
        entries = []
        try:
            with os.scandir(self.folder) as scan:
                for entry in scan:
                    if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".tmp"):
                        stat = entry.stat(follow_symlinks=False)
                        entries.append((stat.st_mtime, stat.st_size, entry.path))
        except OSError:
            return 0
        total = sum(size for _, size, _ in entries)
        count = len(entries)
        if total <= self.max_bytes and count <= self.max_files:
            return 0
        entries.sort()  # oldest first
        recent = self.now() - self.keep_recent_s
        removed = 0
        for mtime, size, path in entries:
            if total <= self.max_bytes and count <= self.max_files:
                break
            if mtime >= recent:
                break
            try:
                os.unlink(path)
            except OSError:
                continue
            total -= size
            count -= 1
            removed += 1
        self.removed += removed
        return removed
