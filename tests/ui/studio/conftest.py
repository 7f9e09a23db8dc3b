"""Fixtures of the studio tests: a lobby config, and the studio window around a synthetic source."""
from datetime import date
from pathlib import Path

import pytest

from kiosk.ui.studio.capture import FigureSource, ToneSource
from kiosk.ui.studio.model import PackFields, create_pack
from kiosk.ui.studio.window import StudioWindow
from support.configs import make_config

ROOT = Path(__file__).resolve().parents[3]
SIGN_DIR = ROOT / "assets" / "sign"
DAY = date(2026, 12, 2)


def lobby_config(base_dir: Path, **audio_and_sign):
    """The test lobby; ``voice_packs`` / ``sign_pack`` only once the pack exists (the config checks folders)."""
    from kiosk.audio.speech import write_tone
    from kiosk.sign import load_clip_mapping

    clips, info_clip = load_clip_mapping(SIGN_DIR / "mapping.toml")
    write_tone(base_dir / "chime.wav", 880.0, 0.15)
    audio = {"enabled": True, "languages": ["id"], "cache_dir": "cache", "chime": "chime.wav"}
    if "voice_packs" in audio_and_sign:
        audio["voice_packs"] = audio_and_sign["voice_packs"]
    sign = {"enabled": True, "clips_dir": str(SIGN_DIR), "info_clip": info_clip, "clips": clips}
    if "sign_pack" in audio_and_sign:
        sign["pack"] = audio_and_sign["sign_pack"]
    return make_config(base_dir=base_dir, audio=audio, sign=sign)


@pytest.fixture
def config(tmp_path):
    return lobby_config(tmp_path)


def voice_fields() -> PackFields:
    return PackFields(person="Rina (test speaker)", licence="CC-BY-4.0", consent="signed form, 2026-12-02")


def sign_fields() -> PackFields:
    return PackFields(person="Budi (test signer)", licence="CC-BY-4.0", consent="signed form, 2026-12-02",
                      region="Balikpapan")


def open_studio(qtbot, config, kind: str, folder: Path, new: bool = False, **options) -> StudioWindow:
    if not new:
        create_pack(folder, kind, voice_fields() if kind == "voice" else sign_fields(), DAY)
    source = ToneSource() if kind == "voice" else FigureSource()
    options = {"countdown_seconds": 0} | options
    window = StudioWindow(config, kind, folder, source=source, today=DAY,
                          takes_dir=folder.parent / f"takes-{kind}", **options)
    window.takes_dir.mkdir(exist_ok=True)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.start()
    return window


def record_take(qtbot, window) -> str:
    """Space, the synthetic source plays its script to the end, Space: the take is recorded (and played)."""
    with qtbot.waitSignal(window.take_recorded, timeout=15000) as taken:
        assert window.press("space") == "countdown"
        qtbot.waitUntil(lambda: window.source.done, timeout=10000)
        assert window.press("space") == "stop"
    return taken.args[0]

