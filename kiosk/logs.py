"""Logging for every role: one rotating file per role in the log folder, plus stderr.

Each process calls :func:`setup_logging` once with its role ("server", "kiosk",
"display", "counter", "lobby"); modules log through ``logging.getLogger(__name__)``.
"""
from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import time
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Device keys may travel as ?key=… on the WebSocket URL, which uvicorn logs: never write them down.
_SECRET_QUERY = re.compile(r"([?&](?:key|token)=)[^&\s\"']+")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET_QUERY.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
_OURS = "_mpp_kiosk_handler"


class BoundedFileHandler(logging.handlers.RotatingFileHandler):
    """A log file bounded by size, count and days: it rotates at ``max_bytes`` and at the first line of a new
    local day, keeps ``backups`` old files, and deletes old files last written more than ``keep_days`` ago."""

    def __init__(self, path: Path | str, *, max_bytes: int, backups: int, keep_days: int, today=None):
        self.keep_days = keep_days
        self._today = today or (lambda: time.localtime()[:3])
        existing = Path(path)
        # the day of the file's last line: a log left from yesterday rotates at today's first line
        self._day = time.localtime(existing.stat().st_mtime)[:3] if existing.is_file() else self._today()
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self.remove_old()

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        today = self._today()
        if today != self._day:
            if self.stream is not None and self.stream.tell() > 0:
                return True
            self._day = today  # an empty file: today's from its first line
        return bool(super().shouldRollover(record))

    def doRollover(self) -> None:
        super().doRollover()
        self._day = self._today()
        self.remove_old()

    def remove_old(self) -> None:
        """Delete this log's rotated files older than keep_days."""
        path = Path(self.baseFilename)
        limit = time.time() - self.keep_days * 86400
        for old in path.parent.glob(path.name + ".*"):
            try:
                if old.suffix[1:].isdigit() and old.stat().st_mtime < limit:
                    old.unlink()
            except OSError:
                pass


def setup_logging(role: str, log_dir: Path | str | None, *, level: int = logging.INFO, stderr: bool = True,
                  max_bytes: int = 5_000_000, backups: int = 10, keep_days: int = 30,
                  retention=None) -> Path | None:
    """Send the root logger to ``{log_dir}/{role}.log`` (rotating) and to stderr.

    The file is bounded (:class:`BoundedFileHandler`): by ``retention`` (a config's ``[retention]``:
    log_max_mb, log_files, log_days) when given, else by ``max_bytes``, ``backups`` and ``keep_days``.
    Calling it again replaces the handlers it installed before, so a process never
    logs each line twice. Returns the log file path (None when log_dir is None or
    cannot be created: the process then logs to stderr only, and says so).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter(FORMAT)
    path = None
    problem = None
    if log_dir is not None:
        try:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            path = Path(log_dir) / f"{role}.log"
            if retention is not None:
                max_bytes, backups = int(retention.log_max_mb * 1_000_000), retention.log_files
                keep_days = retention.log_days
            file_handler = BoundedFileHandler(path, max_bytes=max_bytes, backups=backups, keep_days=keep_days)
        except OSError as exc:
            path, problem = None, f"cannot write logs to {log_dir}: {exc.strerror or exc}"
        else:
            file_handler.setFormatter(formatter)
            file_handler.addFilter(RedactSecrets())
            setattr(file_handler, _OURS, True)
            root.addHandler(file_handler)
    if stderr:
        stream_handler = logging.StreamHandler(sys.stderr)
        stream_handler.setFormatter(formatter)
        stream_handler.addFilter(RedactSecrets())
        setattr(stream_handler, _OURS, True)
        root.addHandler(stream_handler)
    root.setLevel(level)
    # httpx logs every client request at INFO: the server's access log already has each one
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if problem:
        logging.getLogger(__name__).warning("%s; logging to stderr only", problem)
    return path
