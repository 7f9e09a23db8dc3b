"""The screenshots in docs/ come from scripts/screenshots_kiosk.py: it must keep working against the shipped config."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image, ImageStat

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = {"home-id", "home-en", "agencies", "agencies-page2", "search", "services", "services-dukcapil", "confirm",
            "printing", "ticket", "printer-fault", "accessible-home", "accessible-agencies", "accessible-search",
            "accessible-confirm", "accessible-ticket", "too-many", "offline"}


@pytest.mark.slow
def test_screenshot_script_makes_every_screen_at_1920x1080(qapp, tmp_path):
    spec = importlib.util.spec_from_file_location("screenshots_kiosk", ROOT / "scripts" / "screenshots_kiosk.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = module.make_shots(ROOT / "config.toml", tmp_path)
    assert {p.stem.removeprefix("kiosk-") for p in paths} == EXPECTED
    for path in paths:
        image = Image.open(path).convert("RGB")
        assert image.size == (1920, 1080), path.name
        assert max(ImageStat.Stat(image).stddev) > 10, f"{path.name} is blank"
    # the fallback carries its red band; the normal ticket does not
    fault = Image.open(tmp_path / "kiosk-printer-fault.png").convert("RGB")
    ticket = Image.open(tmp_path / "kiosk-ticket.png").convert("RGB")
    red = (0x8B, 0x1E, 0x1E)
    assert fault.getpixel((960, 130)) == red and ticket.getpixel((960, 130)) != red
