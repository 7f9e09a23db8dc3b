"""A small lobby folder with real assets (the shipped chime and stand-in sign clips, two PNG logos) for the
file tests: ``files_config(folder)`` lays it out and returns its config."""
from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image, ImageDraw

from support.configs import BASE, config_dict
from kiosk.config import Config, parse_config

REPO = Path(__file__).resolve().parents[2]


def logo(path: Path, colour: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (120, 80), "white")  # a framed block: easy to spot on a screenshot
    ImageDraw.Draw(image).rectangle((8, 8, 111, 71), fill=colour)
    image.save(path)
    return path


def lay_out_lobby(folder: Path) -> Path:
    folder = Path(folder)
    (folder / "assets" / "sounds").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "assets" / "sounds" / "chime.wav", folder / "assets" / "sounds" / "chime.wav")
    shutil.copytree(REPO / "assets" / "sign", folder / "assets" / "sign", dirs_exist_ok=True)
    logo(folder / "assets" / "logos" / "mpp.png", "#1f4e79")
    logo(folder / "assets" / "logos" / "dukcapil.png", "#7a1f1f")
    # a secret beside the assets: what a traversal would be after
    (folder / "config.toml").write_text('[server]\nkey = "secret-device-key"\n', encoding="utf-8")
    return folder


def files_config(folder: Path, sections: dict | None = None, **server) -> Config:
    lay_out_lobby(folder)
    agencies = [dict(a) for a in BASE["agencies"]]
    agencies[0]["logo"] = "assets/logos/dukcapil.png"
    data = config_dict(
        lobby={**BASE["lobby"], "logo": "assets/logos/mpp.png"},
        agencies=agencies,
        audio={"enabled": True, "chime": "assets/sounds/chime.wav"},
        sign={"enabled": True, "clips_dir": "assets/sign", "info_clip": "info.mp4"},
        server={**BASE["server"], **server},
        **(sections or {}),
    )
    return parse_config(data, base_dir=Path(folder))
