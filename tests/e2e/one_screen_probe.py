"""The all-in-one lobby on ONE screen (run in its own process: the offscreen screen is set per process).

    QT_QPA_PLATFORM=offscreen:configfile=SCREENS.json python one_screen_probe.py OUT.png

Opens the shipped lobby's three windows as `mpp-kiosk run` does, against a real server, and prints one
JSON line: each window's geometry, the screen's, and every text that does not fit (tests/support/fit.py).
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))


def main(out: Path) -> int:
    from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication

    from kiosk.audio.speech import FakeSynthesizer
    from kiosk.clock import FakeClock
    from kiosk.config import load_config
    from kiosk.demo import demo_config
    from kiosk.ui.common.app import make_app
    from kiosk.ui.lobby import open_windows
    from support.fit import clipped
    from support.server import free_port, running_server

    app = make_app()
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    config = demo_config(load_config(ROOT / "config.toml"), port=free_port())
    with tempfile.TemporaryDirectory() as folder, \
            running_server(config, Path(folder) / "lobby.sqlite", clock=FakeClock(monday_10)) as server:
        windows = open_windows(config, server.url, synthesizer=FakeSynthesizer(Path(folder) / "voice", duration_s=0.1),
                               clock=FakeClock(monday_10))
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)
        screen = QGuiApplication.primaryScreen().geometry()
        report = {"screen": list(screen.getRect()), "windows": {}, "problems": [], "tabs": windows.tabs is not None,
                  "shots": []}

        def settle(seconds: float) -> None:
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                app.processEvents()
                time.sleep(0.02)

        def check(name, window) -> None:
            top_left = window.mapToGlobal(window.rect().topLeft())
            geometry = window.rect().translated(top_left)
            report["windows"][name] = list(geometry.getRect())
            if not screen.contains(geometry):
                report["problems"].append(f"{name}: {geometry.getRect()} is not within the screen {screen.getRect()}")
            report["problems"].extend(f"{name}: {problem}" for problem in clipped(window))

        if windows.tabs is not None:  # each window a tab of one lobby window: look at each tab in turn
            if not screen.contains(windows.tabs.frameGeometry()):
                report["problems"].append(f"lobby window {windows.tabs.frameGeometry().getRect()} off the screen")
            for name, window in windows.items():
                windows.bring_forward(name)
                settle(0.5)
                check(name, window)
                path = out.with_name(f"{out.stem}-{name}{out.suffix}")
                windows.tabs.grab().save(str(path))
                report["shots"].append(str(path))
        else:
            shot = QPixmap(screen.size())
            shot.fill()
            painter = QPainter(shot)
            for name, window in windows.items():
                check(name, window)
                painter.drawPixmap(window.geometry().topLeft(), window.grab())
            painter.end()
            shot.save(str(out))
            report["shots"].append(str(out))
        for window in windows.values():
            window.shutdown()
        QApplication.processEvents()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
