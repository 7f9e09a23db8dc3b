"""`mpp-kiosk counter`: the sub-command starts the window, places it, reports bad input plainly, ends on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.ui.common.app import find_screen
from kiosk.ui.counter.window import open_window
from support.configs import config_dict, make_config
from support.toml_writer import write_config

ROOT = Path(__file__).resolve().parents[3]


def counter_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk", "counter", *args]


def env() -> dict:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}


def test_window_is_placed_beside_other_software_not_fullscreen(qtbot, tmp_path, server):
    config = make_config(tmp_path, counter_app={"screen": "lobby-2"})
    assert config.counter_app.fullscreen is False  # the default
    window = open_window(config, server.url, "loket-1")
    qtbot.addWidget(window)
    assert not window.isFullScreen()
    assert (window.width(), window.height()) == (1366, 768)
    assert find_screen("lobby-2").geometry().contains(window.geometry())
    assert window.login_panel.counter_id() == "loket-1"
    window.shutdown()


def test_the_command_runs_until_sigterm(tmp_path, server):
    config_path = write_config(tmp_path / "config.toml", config_dict())
    process = subprocess.Popen(counter_command("--config", str(config_path), "--server", server.url,
                                               "--counter", "loket-2"),
                               cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log_file = tmp_path / "logs" / "counter.log"
    deadline = time.monotonic() + 30
    while not (log_file.exists() and "counter window open" in log_file.read_text()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the window did not open"
        time.sleep(0.1)
    assert f"server {server.url}, counter loket-2" in log_file.read_text()
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_unknown_counter_is_a_plain_message(tmp_path):
    config_path = write_config(tmp_path / "config.toml", config_dict())
    done = subprocess.run(counter_command("--config", str(config_path), "--counter", "loket-9"),
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no counter 'loket-9'" in done.stderr and "loket-1, loket-2, loket-3" in done.stderr
    assert "Traceback" not in done.stderr


def test_broken_config_lists_its_problems(tmp_path):
    data = config_dict()
    data["counter_app"] = {"counter": "loket-7"}
    config_path = write_config(tmp_path / "config.toml", data)
    done = subprocess.run(counter_command("--config", str(config_path)),
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "counter_app.counter: no counter 'loket-7'" in done.stderr
    assert "Traceback" not in done.stderr
