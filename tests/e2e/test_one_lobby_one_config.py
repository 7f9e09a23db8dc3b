"""Issue 20, one lobby, one config: the server holds it; every other PC holds only its own key.

Real processes: `mpp-kiosk server` on its config.toml; two kiosks, a display and a counter PC, each in a
HOME of its own with no config.toml, enrolled by pairing code (`mpp-kiosk enrol`, approved with
`mpp-kiosk devices approve`), then started offscreen as `mpp-kiosk kiosk|display|counter`. Each fetches
its settings from the server; an edit of the server's config.toml reaches each of them (their logs say
so); revoking one kiosk stops it within a second with a sentence on its screen while the others carry on.
"""
from __future__ import annotations

import copy
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faults.helpers import KioskServerProcess, open_lobby, write_lobby
from faults.test_config_watch import rewrite
from support.configs import DEVICE_KEYS, PIN_1234
from support.toml_writer import to_toml

from security.test_enrolment import CODE, PYTHON

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
PCS = {"kiosk-1": "kiosk", "kiosk-2": "kiosk", "display-1": "display", "counter-1": "counter-app"}
COMMAND = {"kiosk": "kiosk", "display": "display", "counter-app": "counter"}


def pc_env(home: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONUNBUFFERED": "1", "QT_LOGGING_RULES": "qt.multimedia*=false"}
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("XDG_CACHE_HOME", None)  # each PC's file cache under its own HOME
    return env


def enrol_all(server, homes: dict[str, Path], server_config: Path) -> None:
    """Every PC asks at once; the technician approves each code at the server."""
    asking = {}
    for name, home in homes.items():
        process = subprocess.Popen([str(PYTHON), "-m", "kiosk", "enrol", "--server", server.url, "--poll-seconds",
                                    "0.2"], cwd=home, env=pc_env(home), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        asking[name] = process
    for name, process in asking.items():
        code = None
        deadline = time.monotonic() + 30
        while code is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            found = CODE.search(line)
            code = found.group(1) if found else None
        assert code, f"{name}: no pairing code: {process.stderr.read()}"
        approved = subprocess.run(
            [sys.executable, "-m", "kiosk", "devices", "approve", code, "--role", PCS[name], "--name", name,
             "--config", str(server_config), "--db", str(server.db_path)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=30)
        assert approved.returncode == 0, approved.stderr
    for name, process in asking.items():
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, f"{name}: {out}{err}"


def log_of(home: Path, role: str) -> Path:
    return home / ".config" / "mpp-kiosk" / "logs" / f"{COMMAND[role]}.log"


def wait_logged(home: Path, role: str, text: str, seconds: float, process: subprocess.Popen, count: int = 1) -> float:
    """Seconds until the window's log holds ``text`` ``count`` times."""
    started = time.monotonic()
    log = log_of(home, role)
    while True:
        seen = log.read_text(errors="replace").count(text) if log.exists() else 0
        if seen >= count:
            return time.monotonic() - started
        assert process.poll() is None, f"{role} exited {process.returncode}: {process.stdout.read()}"
        assert time.monotonic() - started < seconds, f"{log} never logged {text!r} ×{count}:\n" + (
            log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)")
        time.sleep(0.05)


def test_four_enrolled_pcs_take_their_settings_from_the_server_and_follow_it(tmp_path):
    data = open_lobby(tmp_path / "server")
    data["kiosk"] = {"idle_seconds": 30, "exit_pin_hash": PIN_1234}
    (tmp_path / "server").mkdir()
    # the lobby's own files, which the display must take from the server (its HOME has none)
    shutil.copytree(ROOT / "assets", tmp_path / "server" / "assets")
    data["audio"] = {"enabled": True, "chime": "assets/sounds/chime.wav"}
    data["sign"] = {"enabled": True, "clips_dir": "assets/sign"}
    server_config = write_lobby(tmp_path / "server", data)
    server = KioskServerProcess(server_config, tmp_path / "server" / "queue.sqlite").start()
    homes = {name: tmp_path / name for name in PCS}
    for home in homes.values():
        home.mkdir()
    windows: dict[str, subprocess.Popen] = {}
    try:
        enrol_all(server, homes, server_config)
        for name, home in homes.items():
            assert not (home / "config.toml").exists()
            windows[name] = subprocess.Popen(
                [str(PYTHON), "-m", "kiosk", COMMAND[PCS[name]], "--server", server.url], cwd=home,
                env=pc_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, home in homes.items():
            wait_logged(home, PCS[name], "settings version", 40, windows[name])
            wait_logged(home, PCS[name], "window started", 40, windows[name])
        for name in ("kiosk-1", "kiosk-2"):
            wait_logged(homes[name], "kiosk", "queue server reachable", 30, windows[name])

        # a PC holds its own key and its settings, never another device's key or any PIN hash
        secrets = [k.encode() for k in DEVICE_KEYS.values()] + [PIN_1234.encode(), PIN_1234.split("$")[-1].encode()]
        for name, home in homes.items():
            for path in home.rglob("*"):
                if path.is_file():
                    content = path.read_bytes()
                    assert not any(secret in content for secret in secrets), f"{name}: {path} holds a secret"
        assert (homes["kiosk-1"] / ".config" / "mpp-kiosk" / "settings.json").is_file()
        # the display took the lobby's files from the server into its own cache: the chime, the sign clips
        cached = {path.name for path in (homes["display-1"] / ".cache" / "mpp-kiosk" / "files").rglob("*")}
        assert "chime.wav" in cached and any(name.endswith(".mp4") for name in cached), sorted(cached)[:20]

        # the technician edits the server's config.toml: every window follows
        edited = copy.deepcopy(data)
        edited["display"] = {"ticker": {"id": "Loket 9 dibuka", "en": "Counter 9 is open"}}
        edited["services"][0]["name"] = {"id": "KTP Elektronik", "en": "Electronic ID"}
        rewrite(server_config, to_toml(edited))
        for name, home in homes.items():
            wait_logged(home, PCS[name], "new settings from the server applied", 20, windows[name])

        # kiosk-2 is revoked: within a second it says so on its screen; the others carry on
        revoked = subprocess.run(
            [sys.executable, "-m", "kiosk", "devices", "revoke", "kiosk-2", "--config", str(server_config),
             "--db", str(server.db_path)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=30)
        assert revoked.returncode == 0, revoked.stderr
        took = wait_logged(homes["kiosk-2"], "kiosk", "the server revoked this kiosk", 5, windows["kiosk-2"])
        assert took < 1.0, f"the revocation took {took:.2f} s to reach the kiosk's screen"
        assert "dicabut" in log_of(homes["kiosk-2"], "kiosk").read_text()
        edited["display"] = {"ticker": {"id": "Selamat datang kembali", "en": "Welcome back"}}
        rewrite(server_config, to_toml(edited))
        for name in ("kiosk-1", "display-1", "counter-1"):
            wait_logged(homes[name], PCS[name], "new settings from the server applied", 20, windows[name], count=2)
        assert "revoked" not in log_of(homes["kiosk-1"], "kiosk").read_text()
    finally:
        for process in windows.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in windows.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
    for name, home in homes.items():
        log = log_of(home, PCS[name])
        assert "Traceback" not in log.read_text(errors="replace"), f"{name}:\n{log.read_text()[-3000:]}"
