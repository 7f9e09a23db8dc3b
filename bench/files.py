"""Files benchmark: a display PC syncing the shipped lobby files (chime, stand-in sign pack) from the server.

    python bench/files.py [--tiny] [--cold N] [--warm N]

A server process (`mpp-kiosk server`'s way) runs the shipped config.toml over a copy of assets/ in a
temp folder. ``cold`` syncs fetch every file of the display's manifest into an empty cache (each file's
SHA-256 checked before it is kept); ``warm`` syncs find the cache current and fetch nothing. The last
line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from kiosk.client import ApiClient  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.files import sync_files  # noqa: E402
from support.configs import MONDAY_9, shipped_config_with_limits  # noqa: E402
from support.server import running_server_process  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="one cold and three warm syncs, in a few seconds")
    parser.add_argument("--cold", type=int, default=5, help="cold syncs (each into an empty cache)")
    parser.add_argument("--warm", type=int, default=20, help="warm syncs of a current cache")
    args = parser.parse_args()
    if args.tiny:
        args.cold, args.warm = 1, 3
    with tempfile.TemporaryDirectory(prefix="mpp-bench-files-") as tmp:
        lobby = Path(tmp) / "lobby"
        lobby.mkdir()
        shutil.copytree(ROOT / "assets", lobby / "assets")  # a copy: a symlink out of the lobby is not served
        config_path = shipped_config_with_limits(lobby)
        key = load_config(config_path).server.key_for("display")
        with running_server_process(config_path, Path(tmp) / "queue.sqlite", now=MONDAY_9) as server:
            with ApiClient(server.url, key, timeout=10) as client:
                cold_s, files_count, bytes_count = [], 0, 0
                for run in range(args.cold):
                    cache = Path(tmp) / f"cache-{run}"
                    started = time.perf_counter()
                    synced = sync_files(client, cache, "display")
                    cold_s.append(time.perf_counter() - started)
                    files_count = len(synced.paths)
                    bytes_count = sum(p.stat().st_size for p in synced.paths.values())
                    assert synced.downloaded == files_count and not synced.refused
                warm_ms = []
                for _ in range(args.warm):
                    started = time.perf_counter()
                    synced = sync_files(client, Path(tmp) / "cache-0", "display")
                    warm_ms.append((time.perf_counter() - started) * 1000)
                    assert synced.downloaded == 0
    cold = statistics.median(cold_s)
    print(json.dumps({
        "files_count": files_count,
        "cache_mb": round(bytes_count / 1e6, 3),
        "cold_sync_s": round(cold, 3),
        "files_per_s": round(files_count / cold, 1),
        "warm_sync_ms": round(statistics.median(warm_ms), 1),
        "cold_runs_count": args.cold,
        "warm_runs_count": args.warm,
    }))


if __name__ == "__main__":
    main()
