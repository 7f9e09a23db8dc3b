"""The three window commands share one entry point (kiosk/ui/common/entry.py): the same exit
code and one sentence on stderr for the same problem, never a traceback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.configs import config_dict
from support.toml_writer import write_config

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [("kiosk", "kiosk"), ("display", "display"), ("counter", "counter-app")]


def run_command(command: str, config_path: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "HOME": str(home)}
    env.pop("XDG_CONFIG_HOME", None)  # the device file is looked for in this HOME only
    return subprocess.run([sys.executable, "-m", "kiosk", command, "--config", str(config_path)],
                          cwd=home, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def home(tmp_path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("command, role", COMMANDS)
def test_no_key_for_the_window_is_one_sentence_and_exit_2(command, role, home):
    data = config_dict()
    data["server"] = {**data["server"], "devices": []}  # no key in the config, and HOME holds no device file
    done = run_command(command, write_config(home / "config.toml", data), home)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{command}: ") and f"{role!r} device (server.devices)" in lines[0]
    assert "mpp-kiosk enrol --server URL" in lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize("command, role", COMMANDS)
def test_an_unreadable_device_file_is_one_sentence_and_exit_2(command, role, home):
    data = config_dict()
    data["server"] = {**data["server"], "devices": []}
    device_file = home / ".config" / "mpp-kiosk"
    device_file.mkdir(parents=True)
    from kiosk.device_file import FILE_NAME

    (device_file / FILE_NAME).write_text("not = [toml")
    (device_file / FILE_NAME).chmod(0o600)
    done = run_command(command, write_config(home / "config.toml", data), home)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"{command}: {device_file / FILE_NAME}: not a device file")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command, role", COMMANDS)
def test_a_broken_config_lists_its_problems_and_exit_1(command, role, home):
    data = config_dict(kiosk={"idle_seconds": 1}, display={"recent_calls": 99})
    done = run_command(command, write_config(home / "config.toml", data), home)
    assert done.returncode == 1, done.stderr
    assert "kiosk.idle_seconds" in done.stderr and "display.recent_calls" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command, role", COMMANDS)
def test_a_missing_config_file_is_exit_1(command, role, home):
    done = run_command(command, home / "nowhere.toml", home)
    assert done.returncode == 1
    assert "file not found" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture
def server(tmp_path):
    from kiosk.clock import FakeClock
    from support.configs import MONDAY_9, make_config
    from support.server import running_server

    with running_server(make_config(tmp_path), tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as handle:
        yield handle


def test_the_display_command_runs_until_sigterm(server, home):
    """The kiosk's and the counter's own command tests do the same (test_*_command.py)."""
    data = config_dict(audio={"enabled": False}, sign={"enabled": False})
    data["server"] = {**data["server"], "log_dir": "logs"}
    config_path = write_config(home / "config.toml", data)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "HOME": str(home)}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "display", "--config", str(config_path),
                                "--server", server.url], cwd=home, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = home / "logs" / "display.log"
    try:
        deadline = time.monotonic() + 30
        while not (log.exists() and "display window started" in log.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the display never started"
            time.sleep(0.1)
        assert f"(server {server.url}, key from config)" in log.read_text()
        # a window on a full config.toml still works, and says once that it no longer needs it
        assert log.read_text().count(f"display: this PC no longer needs {config_path}: enrol it") == 1
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in log.read_text()


@pytest.mark.parametrize("command, role", COMMANDS)
def test_an_enrolled_pc_with_the_server_away_and_no_saved_settings_is_one_sentence_and_exit_2(command, role, home):
    from kiosk.device_file import DeviceCredential, write_device_file
    from support.server import free_port

    folder = home / ".config" / "mpp-kiosk"
    folder.mkdir(parents=True)
    away = f"http://127.0.0.1:{free_port()}"
    write_device_file(DeviceCredential(away, f"{role}-9", role, "k" * 43), folder / "device.toml")
    done = run_command(command, home / "config.toml", home)  # no config.toml on this PC
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{command}: the server did not answer"), done.stderr
    assert "has no saved copy of its settings yet" in lines[0] and "start it once while the server is reachable" in lines[0]
