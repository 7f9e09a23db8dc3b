"""The queue server as a process for tests that kill it: like `mpp-kiosk server`, plus a settable start time.

    python tests/support/server_process.py --config CONFIG(.toml|.json) --db PATH --port N [--now ISO]

A .json config is the dict of tests.support.configs (config_dict()), validated by the same schema.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.config import ConfigError, load_config, parse_config
from kiosk.logs import setup_logging
from kiosk.server import listen
from kiosk.server.app import create_app


class ShiftedClock:
    """Starts at a given instant and runs in real time from there."""

    def __init__(self, start: datetime):
        self.start = start
        self.started = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.started)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--now", type=datetime.fromisoformat)
    args = parser.parse_args()
    try:
        if args.config.suffix == ".json":
            config = parse_config(json.loads(args.config.read_text()), base_dir=args.config.parent)
        else:
            config = load_config(args.config)
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    setup_logging("server", None)
    clock = ShiftedClock(args.now) if args.now else None
    app = create_app(config, clock=clock, db_path=args.db)
    listen.serve(app, config, "127.0.0.1", args.port)  # the sockets, limits and options of `mpp-kiosk server`
    return 0


if __name__ == "__main__":
    sys.exit(main())
