"""`mpp-kiosk kiosk` as a process: starts, reaches the server, stops on SIGTERM; a bad config is reported."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from support.configs import PIN_1234, config_dict
from support.toml_writer import write_config

ROOT = Path(__file__).resolve().parents[3]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": os.environ["QT_QPA_PLATFORM"]}


def test_kiosk_command_runs_against_the_server_and_stops_on_sigterm(server, tmp_path):
    data = config_dict(kiosk={"idle_seconds": 30, "exit_pin_hash": PIN_1234})
    data["server"] = {**data["server"], "log_dir": "logs"}
    config_path = write_config(tmp_path / "config.toml", data)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "kiosk", "--config", str(config_path), "--server", server.url],
        cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = tmp_path / "logs" / "kiosk.log"
    try:
        deadline = time.monotonic() + 20
        while not (log.exists() and "queue server reachable" in log.read_text()):
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the kiosk never reached the server"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)  # the technician's service stop: the window lets go
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text()


def test_kiosk_command_reports_a_bad_config(tmp_path):
    data = config_dict(kiosk={"idle_seconds": 1})
    config_path = write_config(tmp_path / "config.toml", data)
    out = subprocess.run([sys.executable, "-m", "kiosk", "kiosk", "--config", str(config_path)],
                         cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "kiosk.idle_seconds" in out.stderr and "Traceback" not in out.stderr


def test_many_hours_of_qt_calls_do_not_exhaust_none_true_or_false(qapp):
    """PySide6 6.12 on Python 3.11 drops a reference at each void call and each bool signal;
    make_app() must make that harmless (it aborted the process before)."""
    from kiosk.ui.common.app import make_app

    make_app()  # applies the guard

    class Pinger(QObject):
        flag = Signal(bool)

    pinger = Pinger()
    pinger.flag.connect(lambda value: None)
    label = QLabel()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for index in range(200_000):
        label.setText("x")  # void
        pinger.flag.emit(index % 2 == 0)
    assert sys.getrefcount(None) > 1_000_000 and sys.getrefcount(True) > 1_000_000
    assert before[0] > 1_000_000
