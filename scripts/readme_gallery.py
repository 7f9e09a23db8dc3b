"""Rewrite the README's screenshot gallery from the files in docs/screenshots/ (run after adding screenshots).

Groups by the file name's prefix, three to a row, each group folded in a <details>; the block between the
gallery markers is replaced whole, so a removed screenshot leaves the README too.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHOTS = ROOT / "docs" / "screenshots"
START = "<!-- gallery:start (every file of docs/screenshots, grouped; regenerated with the screenshots) -->"
END = "<!-- gallery:end -->"
# (title, file name prefixes), in the README's order; a file no group claims goes under "Other"
GROUPS = [("Kiosk", ("kiosk-",)), ("Display", ("display-",)), ("Counter", ("counter-",)),
          ("All-in-one on one screen", ("lobby-",)), ("Phone and booking pages", ("phone-", "booking-")),
          ("Tickets", ("ticket-",)), ("Reports", ("report",)), ("Studio", ("studio-",))]


def _cell(name: str) -> str:
    return f"![{name}](docs/screenshots/{name}.png)<br>`{name}`"


def gallery(names: list[str]) -> str:
    groups: dict[str, list[str]] = {title: [] for title, _ in GROUPS}
    groups["Other"] = []
    for name in sorted(names):
        title = next((t for t, prefixes in GROUPS if name.startswith(prefixes)), "Other")
        groups[title].append(name)
    parts = [START, ""]
    for title, members in groups.items():
        if not members:
            continue
        parts += [f"<details><summary><b>{title}</b> ({len(members)})</summary>", "", "| | | |", "|---|---|---|"]
        for i in range(0, len(members), 3):
            row = [_cell(n) for n in members[i:i + 3]] + [""] * (3 - len(members[i:i + 3]))
            parts.append("| " + " | ".join(row) + " |")
        parts += ["", "</details>", ""]
    parts.append(END)
    return "\n".join(parts)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print("README.md has no gallery markers", file=sys.stderr)
        return 1
    names = [p.stem for p in SHOTS.glob("*.png")]
    new = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: gallery(names), text, flags=re.S)
    README.write_text(new, encoding="utf-8")
    print(f"{len(names)} screenshots in the gallery")
    return 0


if __name__ == "__main__":
    sys.exit(main())
