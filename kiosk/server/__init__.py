"""The queue server: `mpp-kiosk server`, and the pieces to run it in-process.

``create_app`` builds the ASGI app; ``ServerThread`` (kiosk.server.runner) runs
it on uvicorn in a background thread, as the all-in-one lobby and the tests do.
"""
from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)


def create_app(*args, **kwargs):
    from kiosk.server.app import create_app as _create_app

    return _create_app(*args, **kwargs)


def main(args) -> int:
    """`mpp-kiosk server [--config PATH] [--host H] [--port P] [--db PATH]`."""
    import gc

    from kiosk.server import listen
    from kiosk.tls import TlsError

    # The start imports FastAPI, pydantic and the lobby's models: over 100,000 objects that live as long as the
    # server, and with the collector on a collection every 700 new ones, each finding almost nothing (700 of
    # 126,000 were garbage). None runs until the app is built; what the start made is then frozen out of later
    # collections (a long-running server's full passes skip it).
    gc.disable()
    try:
        built = _build(args)
    finally:
        gc.freeze()
        gc.enable()
    if isinstance(built, int):
        return built
    app, config, host, port = built
    try:
        listen.serve(app, config, host, port)
    except (listen.ListenError, TlsError) as exc:
        print(f"server: {exc}", file=sys.stderr)
        return 1
    return 0


def _build(args):
    """(the app, its config, host, port) to serve, or the exit code."""
    import sqlite3

    from kiosk.cli import load_or_report
    from kiosk.logs import setup_logging

    config = load_or_report(args.config)
    if config is None:
        return 1
    log_file = setup_logging("server", config.path(config.server.log_dir), retention=config.retention)
    host = args.host or config.server.host
    port = args.port if args.port is not None else config.server.port
    db_path = args.db if args.db is not None else config.path(config.server.database)
    from kiosk.secrets import refuse_on_network

    if refuse_on_network(config, [host, config.server.public_host], args.config, "server"):
        return 2  # before the database is opened or a socket bound
    try:
        app = create_app(config, db_path=db_path, config_path=args.config)  # valid edits apply live
    except (OSError, sqlite3.Error) as exc:
        print(f"server: cannot open the database {db_path}: {exc}", file=sys.stderr)
        return 1
    scheme = "https" if config.server.tls_cert else "http"
    log.info("queue server for %s on %s://%s:%d, database %s, log %s", config.lobby.name, scheme, host, port,
             db_path, log_file)
    return app, config, host, port


def watch_config(path, role: str):
    """Tell the technician, in the log, what an edit of config.toml means for this running process:
    a broken edit is reported with every problem and the running config is kept; a valid one
    takes effect at the next start."""
    from kiosk.config_watch import ConfigWatcher

    def valid_edit(_config) -> None:
        log.info("%s changed and is valid; restart the %s to apply it (it keeps the config it started with)",
                 path, role)

    return ConfigWatcher(path, valid_edit)
