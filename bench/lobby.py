"""All-in-one lobby: cold start to every window on screen, and the process's memory.

    .venv/bin/python bench/lobby.py [--runs 5] [--no-sign]

Each run spawns `python -m kiosk run --journey` offscreen (two screens,
tests/support/screens.json) on the shipped config.toml, opened round the clock
(the bench runs at any hour) with a fresh database, voice cache and log folder,
the printer writing to a file. It reads the process's own log:
  - "queue server on URL, X s after start": the interpreter, the imports, Qt and
    the in-process server answering /healthz;
  - "lobby up in X s": from the process's start (the above, then the three windows
    built and placed);
  - "<window> window: first frame X s after start" and "all windows shown in X s":
    the first paint of each window (kiosk, display, counter), the last one being
    the moment the whole lobby is on screen;
and samples the resident memory (psutil RSS) of the process once everything is
up and connected (before the journey starts), while the journey runs, and when
"journey done" appears (a ticket issued and printed, called, announced with the
real espeak-ng voice, signed with the clips, finished). Then Ctrl+C, timed.
Targets: windows shown ≤ 3 s, RSS ≤ 300 MB (medians over the runs).
The last line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import psutil
from support.server import free_port, write_toml_config

TARGETS = {"windows_shown_s": 3.0, "rss_mb": 300.0}
SCREENS = ROOT / "tests" / "support" / "screens.json"
ALL_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MB = 1024 * 1024


def lobby_config(folder: Path, port: int, sign: bool) -> Path:
    """The shipped config, open now, its files in ``folder`` and its assets where the repository has them."""
    with open(ROOT / "config.toml", "rb") as handle:
        data = tomllib.load(handle)
    data["schedule"] = {"weekly": {day: ["00:00-24:00"] for day in ALL_WEEK}, "last_ticket_minutes": 0}
    for service in data["services"]:
        service.pop("hours", None)
    data["lobby"]["public_url"] = f"http://127.0.0.1:{port}"
    data["server"].update(host="127.0.0.1", port=port, database=str(folder / "mpp.sqlite"),
                          log_dir=str(folder / "logs"))
    data["printer"].update(backend="file", file_path=str(folder / "printer.bin"))
    data["audio"].update(cache_dir=str(folder / "voice-cache"), chime=str(ROOT / data["audio"]["chime"]))
    data["sign"].update(enabled=sign, clips_dir=str(ROOT / data["sign"]["clips_dir"]))
    for item in [data["lobby"], *data["agencies"]]:
        if item.get("logo"):
            item["logo"] = str(ROOT / item["logo"])
    return write_toml_config(folder / "config.toml", data)


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / MB


def one_run(folder: Path, sign: bool, timeout: float = 60.0) -> dict:
    port = free_port()
    config_path = lobby_config(folder, port, sign)
    output_path = folder / "run-output.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
           "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS}"}
    with open(output_path, "wb") as output:
        spawned = time.monotonic()
        child = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config_path), "--journey"],
                                 cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
    process = psutil.Process(child.pid)
    seen: dict[str, float] = {}  # marker -> seconds after the spawn when the bench saw it
    markers = {
        "server": r"queue server on \S+, ([\d.]+) s after start",
        "up": r"lobby up in ([\d.]+) s",
        "shown": r"all windows shown in ([\d.]+) s",
        "connected": r"display: receiving the queue's events",
        "reachable": r"kiosk: queue server reachable",
        "done": r"journey done: ",
        "stopped": r"journey stopped: (.*)",
    }
    rss_startup = None
    rss_peak = 0.0
    try:
        while time.monotonic() - spawned < timeout:
            text = output_path.read_text(encoding="utf-8", errors="replace")
            now = time.monotonic() - spawned
            for name, pattern in markers.items():
                if name not in seen and re.search(pattern, text):
                    seen[name] = now
            if child.poll() is not None:
                raise RuntimeError(f"the lobby exited with {child.returncode}:\n{text[-3000:]}")
            rss_now = rss_mb(process)
            rss_peak = max(rss_peak, rss_now)
            if rss_startup is None and {"shown", "connected", "reachable"} <= seen.keys():
                rss_startup = rss_now  # up and connected; the journey starts 0.5 s after the loop does
            if "stopped" in seen:
                raise RuntimeError(f"the journey stopped: {re.search(markers['stopped'], text).group(1)}")
            if "done" in seen:
                break
            time.sleep(0.01)
        else:
            raise TimeoutError(f"no 'journey done' within {timeout} s:\n{text[-3000:]}")
        rss_journey = rss_mb(process)
        child.send_signal(signal.SIGINT)
        asked = time.monotonic()
        code = child.wait(timeout=10)
        shutdown_s = time.monotonic() - asked
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(5)
    text = output_path.read_text(encoding="utf-8", errors="replace")
    frames = {name: float(value) for name, value in re.findall(r"(\w+) window: first frame ([\d.]+) s after start", text)}
    return {
        "server_up_s": float(re.search(markers["server"], text).group(1)),
        "lobby_up_s": float(re.search(markers["up"], text).group(1)),
        "windows_shown_s": float(re.search(markers["shown"], text).group(1)),
        "first_frame_s": frames,
        "spawn_to_shown_seen_s": seen["shown"],
        "journey_s": seen["done"] - seen["shown"],
        "rss_after_startup_mb": rss_startup,
        "rss_after_journey_mb": rss_journey,
        "rss_peak_mb": rss_peak,
        "shutdown_s": shutdown_s,
        "exit_code": code,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts, one after another")
    parser.add_argument("--no-sign", action="store_true", help="sign clips off (a shorter journey)")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.runs, args.no_sign = 1, True
    runs = []
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="mpp-bench-lobby-") as folder:
            run = one_run(Path(folder), sign=not args.no_sign)
        runs.append(run)
        frames = ", ".join(f"{name} {seconds:.2f}" for name, seconds in run["first_frame_s"].items())
        print(f"run {number}: server answering {run['server_up_s']:.2f} s, windows built {run['lobby_up_s']:.2f} s, first frames {frames} s → all shown "
              f"{run['windows_shown_s']:.2f} s; RSS {run['rss_after_startup_mb']:.0f} MB after start-up, "
              f"{run['rss_after_journey_mb']:.0f} MB after the journey ({run['journey_s']:.1f} s), "
              f"peak {run['rss_peak_mb']:.0f} MB; Ctrl+C → exit {run['exit_code']} in {run['shutdown_s']:.2f} s",
              flush=True)

    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    result = {
        "runs": len(runs),
        "server_up_s_median": median("server_up_s"),
        "lobby_up_s_median": median("lobby_up_s"),
        "windows_shown_s_median": median("windows_shown_s"),
        "windows_shown_s_max": round(max(run["windows_shown_s"] for run in runs), 3),
        "spawn_to_shown_seen_s_median": median("spawn_to_shown_seen_s"),
        "rss_after_startup_mb_median": round(median("rss_after_startup_mb"), 1),
        "rss_after_journey_mb_median": round(median("rss_after_journey_mb"), 1),
        "rss_peak_mb_max": round(max(run["rss_peak_mb"] for run in runs), 1),
        "journey_s_median": round(median("journey_s"), 2),
        "shutdown_s_median": median("shutdown_s"),
        "exit_codes": sorted({run["exit_code"] for run in runs}),
    }
    checks = [
        (f"windows shown ≤ {TARGETS['windows_shown_s']:g} s", result["windows_shown_s_median"] <= TARGETS["windows_shown_s"]),
        (f"RSS after start-up ≤ {TARGETS['rss_mb']:g} MB", result["rss_after_startup_mb_median"] <= TARGETS["rss_mb"]),
        (f"RSS after the journey ≤ {TARGETS['rss_mb']:g} MB", result["rss_after_journey_mb_median"] <= TARGETS["rss_mb"]),
    ]
    for name, met in checks:
        print(f"target {name}:", "met" if met else "MISSED")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
