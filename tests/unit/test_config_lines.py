"""check-config names each problem's line: key paths found in the file as written."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config_lines import key_lines, line_of, with_lines

ROOT = Path(__file__).resolve().parents[2]

TEXT = """\
[lobby]
name = "MPP Uji"   # a comment

[server.limits]
issue_burst = 10

[[services]]
id = "ktp"
name = { id = "KTP-el", en = "e-ID card" }

[[services]]
id = "kk"
notes = \"\"\"
id = "not a key"
\"\"\"
prefix = "a1"

[[schedule.breaks]]
name = "Istirahat"
"""


@pytest.mark.parametrize("path, line", [
    ("lobby.name", 2),
    ("server.limits.issue_burst", 5),
    ("server.limits.visitor_burst", 4),      # a default: the table it belongs in
    ("services[0].name.id", 9),              # inside an inline table: the key's line
    ("services[1].prefix", 16),              # after a multi-line string that looks like a key
    ("services[1].id", 12),
    ("schedule.breaks[0].name", 19),
    ("counters[0].number", None),            # not in the file at all
])
def test_the_line_of_a_key_path(path, line):
    assert line_of(key_lines(TEXT), path) == line


def test_problems_get_their_line_and_other_sentences_stay_as_they_are():
    out = with_lines(TEXT, ["services[1].prefix: must be 1-3 capital letters, got 'a1'", "not valid TOML: x"])
    assert out == ["line 16: services[1].prefix: must be 1-3 capital letters, got 'a1'", "not valid TOML: x"]


def test_check_config_prints_the_line_of_a_broken_key_in_the_shipped_config(tmp_path):
    lines = (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    target = next(n for n, text in enumerate(lines) if text.startswith("idle_seconds"))
    lines[target] = "idle_seconds = -5"
    broken = tmp_path / "config.toml"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kiosk", "check-config", str(broken)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"line {target + 1}: kiosk.idle_seconds" in done.stderr, done.stderr
