"""The README shows every current screenshot, and shows none that is gone."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_screenshot_is_in_the_readme_and_every_image_there_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme))
    files = {f"docs/screenshots/{path.name}" for path in (ROOT / "docs" / "screenshots").glob("*.png")}
    assert files - shown == set(), "add these to the README's gallery"
    assert shown - files == set(), "the README shows screenshots that are gone"
