"""The end-to-end lobby: the fault tests' round-the-clock config, with every device of a real lobby switched on.

Voice (espeak-ng through pyttsx3, the shipped chime), sign-language clips (the shipped
stand-ins), a network thermal printer (a fake one on loopback, raster QR) and a public
URL that is the test server itself, so the ticket's QR opens in a real browser.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from faults.helpers import open_lobby
from support.fake_printer import FakeNetworkPrinter
from support.server import free_port
from support.toml_writer import write_config

from kiosk.sign import load_clip_mapping

ROOT = Path(__file__).resolve().parents[2]
SIGN_DIR = ROOT / "assets" / "sign"
CHIME = ROOT / "assets" / "sounds" / "chime.wav"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# the counter the lobby opens, and the staff member who may log in to it (PIN 1234)
COUNTER, COUNTER_NUMBER, STAFF_USER, STAFF_PIN = "loket-1", "1", "petugas1", "1234"


def lobby_data(tmp_path: Path, port: int, printer_port: int | None = None) -> dict:
    """A whole lobby open now, served on 127.0.0.1:``port``, every window on a screen of tests/support/screens.json."""
    clips, info_clip = load_clip_mapping(SIGN_DIR / "mapping.toml")
    printer = ({"backend": "network", "host": "127.0.0.1", "port": printer_port, "timeout_s": 2, "qr": "image"}
               if printer_port else {"backend": "file", "file_path": str(tmp_path / "printer.bin"), "qr": "image"})
    data = open_lobby(
        tmp_path,
        printer=printer,
        audio={"enabled": True, "languages": ["id"], "chime": str(CHIME), "cache_dir": str(tmp_path / "voice")},
        sign={"enabled": True, "clips_dir": str(SIGN_DIR), "info_clip": info_clip, "clips": clips},
        # the kiosk and the display share the 1920x1080 screen (tiled), the counter has the small one
        kiosk={"screen": "lobby-1", "ticket_seconds": 30},
        display={"screen": "lobby-1", "flash_seconds": 1},
        counter_app={"screen": "lobby-2", "counter": COUNTER},
    )
    data["lobby"]["public_url"] = f"http://127.0.0.1:{port}"
    data["server"].update(host="127.0.0.1", port=port)
    return data


@pytest.fixture
def fake_printer():
    with FakeNetworkPrinter() as printer:
        yield printer


@pytest.fixture
def lobby_config_path(tmp_path, fake_printer) -> Path:
    return write_config(tmp_path / "config.toml", lobby_data(tmp_path, free_port(), fake_printer.port))
