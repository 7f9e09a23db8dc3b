"""Issue 18: the all-in-one lobby on ONE screen (1920x1080, then 1366x768) cuts no control of any window.

Each size runs in its own process (the offscreen platform takes its screens at start): the shipped lobby's
kiosk, display and counter, as `mpp-kiosk run` places them, against a real server; tests/support/fit.py
measures every label and button. The screenshots go to docs/screenshots/.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from kiosk.config import load_config
from kiosk.ui.lobby import LobbyTabs

from .conftest import ROOT

pytestmark = pytest.mark.slow
PROBE = Path(__file__).with_name("one_screen_probe.py")


@pytest.mark.parametrize("width, height", [(1920, 1080), (1366, 768)])
def test_the_all_in_one_lobby_on_one_screen_cuts_no_control(tmp_path, width, height):
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"synchronousWindowSystemEvents": False, "windowFrameMargins": False, "screens": [
        {"name": "only", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
         "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(PROBE), str(tmp_path / "lobby.png")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["screen"] == [0, 0, width, height]
    assert report["problems"] == []
    assert set(report["windows"]) == {"kiosk", "display", "counter"}
    assert report["tabs"]  # three windows do not tile whole on one such screen: tabs of one lobby window
    for shot in report["shots"]:
        name = Path(shot).stem.split("-")[-1]
        shutil.copyfile(shot, ROOT / "docs" / "screenshots" / f"lobby-one-screen-{width}x{height}-{name}.png")


def test_the_lobby_tabs_are_named_and_ctrl_f1_to_f3_change_them(qtbot):
    from PySide6.QtCore import Qt

    config = load_config(ROOT / "config.toml")
    pages = {name: QLabel(name) for name in ("kiosk", "display", "counter")}
    tabs = LobbyTabs(config, pages)
    qtbot.addWidget(tabs)
    tabs.show()
    assert [tabs.tabText(i) for i in range(3)] == ["Kiosk (layar sentuh)", "Layar panggilan", "Aplikasi loket"]
    qtbot.keyClick(tabs, Qt.Key.Key_F3, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentWidget() is pages["counter"]
    qtbot.keyClick(tabs, Qt.Key.Key_F3)  # the counter's own F3 is not the lobby's
    assert tabs.currentWidget() is pages["counter"]
    tabs.bring_forward("display")
    assert tabs.currentWidget() is pages["display"]
