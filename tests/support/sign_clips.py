"""Synthetic sign clips and packs for tests: ffmpeg test patterns, labelled as such, never sign language."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SYNTHETIC = "SYNTHETIC test pattern made by the tests, not sign language"


def synthetic_clip(path: Path, seconds: float = 0.6, size: str = "640x360", rate: int = 25,
                   codec: str = "libx264") -> Path:
    """A short moving test pattern (ffmpeg testsrc) as a video file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}",
         "-c:v", codec, "-pix_fmt", "yuv420p", "-preset", "ultrafast", "-metadata", f"comment={SYNTHETIC}",
         str(path)],
        check=True, timeout=60)
    return path


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_pack(folder: Path, clips: dict[str, str], *, template: Path | None = None, **manifest) -> Path:
    """A pack folder: pack.toml with ``manifest`` over sensible defaults, and each clip file
    (a copy of ``template``, or a new synthetic clip when no template is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    fields = {"signer": "Synthetic Signer (test)", "sign_language": "BISINDO", "region": "Testland",
              "licence": "CC BY 4.0", "date": "2026-11-30", "consent": "synthetic: no person is shown"} | manifest
    lines = [f"{key} = {_toml_value(value)}" for key, value in fields.items() if value is not None]
    lines.append("")
    lines.append("[clips]")
    for token, name in clips.items():
        lines.append(f"{_toml_value(token)} = {_toml_value(name)}")
        target = folder / name
        if not target.exists():
            if template is not None:
                shutil.copyfile(template, target)
            else:
                synthetic_clip(target)
    (folder / "pack.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
