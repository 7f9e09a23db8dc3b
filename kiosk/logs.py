"""Logging for every role: one rotating file per role in the log folder, plus stderr.

Each process calls :func:`setup_logging` once with its role ("server", "kiosk",
"display", "counter", "lobby"); modules log through ``logging.getLogger(__name__)``.
"""
from __future__ import annotations

import logging
import logging.handlers
import re
import sys
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


def setup_logging(role: str, log_dir: Path | str | None, *, level: int = logging.INFO, stderr: bool = True,
                  max_bytes: int = 5_000_000, backups: int = 5) -> Path | None:
    """Send the root logger to ``{log_dir}/{role}.log`` (rotating) and to stderr.

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
            file_handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
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
