"""Fixtures of the display tests: a display config with real clips and a short chime, a real server."""
from pathlib import Path

import pytest

from kiosk.audio.speech import FakeSynthesizer, write_tone
from kiosk.clock import FakeClock
from kiosk.sign import load_clip_mapping
from kiosk.ui.display.window import DisplayWindow
from support.configs import MONDAY_9, make_config
from support.server import running_server

ROOT = Path(__file__).resolve().parents[3]
SIGN_DIR = ROOT / "assets" / "sign"


def display_config(base_dir: Path, **display):
    clips, info_clip = load_clip_mapping(SIGN_DIR / "mapping.toml")
    write_tone(base_dir / "chime.wav", 880.0, 0.15)
    return make_config(
        base_dir=base_dir,
        audio={"enabled": True, "languages": ["id"], "chime": "chime.wav"},
        sign={"enabled": True, "clips_dir": str(SIGN_DIR), "info_clip": info_clip, "clips": clips},
        display={"flash_seconds": 1, "recent_calls": 6,
                 "ticker": {"id": "Selamat datang di MPP Uji", "en": "Welcome to MPP Uji"}} | display,
    )


@pytest.fixture
def config(tmp_path):
    return display_config(tmp_path)


@pytest.fixture
def server(config, tmp_path):
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9), ping_seconds=1.0) as handle:
        yield handle


@pytest.fixture
def synthesizer(tmp_path):
    return FakeSynthesizer(tmp_path / "voice", duration_s=0.1)


def open_display(qtbot, config, server, synthesizer, screen=(1920, 1080)):
    window = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                           clock=FakeClock(MONDAY_9))
    qtbot.addWidget(window)
    window.resize(*screen)
    window.show()
    window.start()
    return window


@pytest.fixture
def display(qtbot, config, server, synthesizer):
    window = open_display(qtbot, config, server, synthesizer)
    qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
    yield window
    window.shutdown()
